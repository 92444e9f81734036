#include "LiveFingerprinter.hpp"

#include <nlohmann/json.hpp>

#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "Errors.hpp"
#include "HugeValues.hpp"
#include "RowHashStream.hpp"
#include "Interrupt.hpp"
#include "WorkProgress.hpp"

namespace pgproof {

std::string selectList(const std::vector<std::string>& columns) {
    std::string out;
    for (const auto& c : columns) {
        if (!out.empty()) out += ", ";
        out += quoteIdent(c);
    }
    return out;
}

std::string copyFieldValue(std::string_view field) {
    std::string out;
    out.reserve(field.size());
    for (size_t i = 0; i < field.size(); ++i) {
        char c = field[i];
        if (c != '\\' || i + 1 == field.size()) {
            out += c;
            continue;
        }
        char e = field[++i];
        switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': {  // \xHH: one or two hex digits
            int v = 0, n = 0;
            while (n < 2 && i + 1 < field.size() && std::isxdigit(static_cast<unsigned char>(field[i + 1]))) {
                char h = field[++i];
                v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                ++n;
            }
            if (n) out += static_cast<char>(v);
            else out += 'x';
            break;
        }
        default:
            if (e >= '0' && e <= '7') {  // \NNN: one to three octal digits
                int v = e - '0', n = 1;
                while (n < 3 && i + 1 < field.size() && field[i + 1] >= '0' && field[i + 1] <= '7') v = v * 8 + (field[++i] - '0'), ++n;
                out += static_cast<char>(v);
            } else {
                out += e;  // \\ and any other escaped character stand for themselves
            }
        }
    }
    return out;
}

std::vector<std::string> fetchRowsByKey(const PgConnection& conn, const QualifiedName& table, const std::vector<std::string>& columns,
                                        const std::vector<std::string>& key, const std::string& filter,
                                        const std::vector<std::vector<std::string>>& keys) {
    std::vector<std::string> rows;
    if (keys.empty() || key.empty()) return rows;
    std::string target = key.size() == 1 ? quoteIdent(key[0]) : "(" + selectList(key) + ")";
    constexpr size_t kKeysPerStatement = 500;
    for (size_t from = 0; from < keys.size(); from += kKeysPerStatement) {
        std::string list;
        for (size_t i = from; i < std::min(keys.size(), from + kKeysPerStatement); ++i) {
            std::string one;
            for (size_t k = 0; k < keys[i].size(); ++k) one += (k ? ", " : "") + quoteLiteral(copyFieldValue(keys[i][k]));
            list += (list.empty() ? "" : ", ") + (key.size() == 1 ? one : "(" + one + ")");
        }
        std::string sql = "COPY (SELECT " + selectList(columns) + " FROM ONLY " + table.sql() + " WHERE " + target + " IN (" + list + ")" +
                          (filter.empty() ? "" : " AND (" + filter + ")") + ") TO STDOUT";
        PgResult start(PQexec(conn.get(), sql.c_str()));
        if (PQresultStatus(start.get()) != PGRES_COPY_OUT) throw IncompleteError("reading the differing rows of " + table.display() + ": " + statementError(conn.get(), start.get()));
        char* buf = nullptr;
        int n;
        while ((n = PQgetCopyData(conn.get(), &buf, 0)) > 0) {
            std::string_view line(buf, static_cast<size_t>(n));
            if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
            rows.emplace_back(line);
            PQfreemem(buf);
        }
        PgResult end(PQgetResult(conn.get()));
        if (n == -2 || PQresultStatus(end.get()) != PGRES_COMMAND_OK)
            throw IncompleteError("reading the differing rows of " + table.display() + ": " + statementError(conn.get(), end.get()));
        while (PGresult* extra = PQgetResult(conn.get())) PQclear(extra);
    }
    return rows;
}

namespace {

struct WorkItem {
    size_t table;
    TidRange range;  // no bounds: the whole table
};

struct TableAccumulator {
    std::mutex mutex;
    TableFingerprint fp;
    std::string error;
    double seconds = 0;
};

std::string whereClause(const TidRange& range, const std::string& filter) {
    std::string w = filter.empty() ? "" : " WHERE (" + filter + ")";
    if (!range.whole()) w += std::string(w.empty() ? " WHERE " : " AND ") + range.condition();
    return w;
}

constexpr size_t kBatchBytes = 1u << 20;
constexpr int kMaxBatchesInFlight = 4;

// The leader holds ACCESS SHARE on every table; a worker's read takes it too. Behind a session queued
// for ACCESS EXCLUSIVE (DDL waiting for the leader's lock) that request would wait for the DDL, which
// waits for the leader, which waits for the worker: a hang no deadlock check sees. Like pg_dump -j,
// workers ask with NOWAIT and give up on the table instead (exit 3, naming it).
// A lock taken in a transaction is held to its end, and a planned read (COPY of a SELECT) also locks
// every index of the table: kept, a worker's locks would add two or more entries per table to the
// server's shared lock table on top of the leader's. So each worker reads inside a savepoint
// (SnapshotSession::kReadSavepoint) and rolls back to it before locking the next table, which releases
// the locks the last read took while the transaction, and its snapshot, stay: a worker holds one table
// at a time, and the run holds each table once, in the leader, as pg_dump does.
void lockForWorker(PgConnection& conn, const LiveTableRequest& req) {
    SnapshotSession::lockForRead(conn, req.id, "pgproof's snapshot lock");
}

// `lock`: the worker does not hold this table yet (its previous item was another table's).
void fingerprintItem(PgConnection& conn, const LiveTableRequest& req, const WorkItem& item, TableAccumulator& acc, bool lock) {
    if (lock) lockForWorker(conn, req);
    TableFingerprint fp = fingerprintTableRange(conn, req, item.range);
    std::lock_guard guard(acc.mutex);
    acc.fp.add(fp);
}

void countItem(PgConnection& conn, const LiveTableRequest& req, const WorkItem& item, TableAccumulator& acc, bool lock) {
    if (lock) lockForWorker(conn, req);
    auto r = conn.exec("SELECT pg_catalog.count(*) FROM ONLY " + req.id.sql() + whereClause(item.range, req.filter));
    uint64_t rows = std::stoull(r.value(0, 0));
    WorkProgress::process().addRows(rows);
    std::lock_guard guard(acc.mutex);
    acc.fp.rows += rows;
}


// Whether a read of `req` takes huge values in pieces: the table may hold them, and its rows go to no
// spill, or to one that takes a row by its hash (a spill of whole rows needs them whole).
bool readsInPieces(const LiveTableRequest& req) { return req.hugeValues && (!req.spill || req.spill->takesRowHashes()); }
}  // namespace

TableFingerprint fingerprintTableRange(PgConnection& conn, const LiveTableRequest& req, const TidRange& range) {
    std::mutex mutex;
    TableFingerprint total;
    const std::string where = whereClause(range, req.filter);
    // Rows with a huge value are left out of the COPY and read after it, their values in pieces.
    const PieceColumns huge = readsInPieces(req) ? pieceColumns(conn, req.id, req.columns) : PieceColumns{};
    std::string sql = "COPY (SELECT " + selectList(req.columns) + " FROM ONLY " + req.id.sql() + where +
                      (huge.empty() ? "" : std::string(where.empty() ? " WHERE (" : " AND (") + huge.condition() + ") IS NOT TRUE") +
                      ") TO STDOUT";
    PgResult start(PQexec(conn.get(), sql.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_OUT) {
        throw IncompleteError(statementError(conn.get(), start.get()));
    }
    tbb::task_group hashing;
    std::atomic<int> inFlight{0};
    auto submit = [&](std::string&& batch) {
        if (inFlight.load() >= kMaxBatchesInFlight) hashing.wait();
        ++inFlight;
        hashing.run([&mutex, &total, &inFlight, spill = req.spill, b = std::move(batch)] {
            struct Done {
                std::atomic<int>& n;
                ~Done() { --n; }
            } done{inFlight};
            TableFingerprint part = spill ? spill->addRowsFingerprinted(b) : fingerprintRows(b);
            WorkProgress::process().addRows(part.rows);
            WorkProgress::process().addBytes(b.size());
            {
                std::lock_guard lock(mutex);
                total.add(part);
            }
        });
    };
    std::string batch;
    batch.reserve(kBatchBytes + 65536);
    char* buf = nullptr;
    int n;
    bool stopped = false;
    while ((n = PQgetCopyData(conn.get(), &buf, 0)) > 0) {
        if (static_cast<size_t>(n) >= kBatchBytes) {
            // A huge row is hashed where libpq handed it over, here and now: never copied into a batch.
            std::unique_ptr<char, decltype(&PQfreemem)> row(buf, &PQfreemem);
            std::string_view line(buf, static_cast<size_t>(n));
            TableFingerprint part = req.spill ? req.spill->addRowsFingerprinted(line) : fingerprintRows(line);
            WorkProgress::process().addRows(part.rows);
            WorkProgress::process().addBytes(line.size());
            std::lock_guard lock(mutex);
            total.add(part);
            continue;
        }
        batch.append(buf, static_cast<size_t>(n));
        PQfreemem(buf);
        if (batch.size() >= kBatchBytes) {
            if (interrupted()) {
                stopped = true;
                break;
            }
            submit(std::move(batch));
            batch = std::string();
            batch.reserve(kBatchBytes + 65536);
        }
    }
    if (!batch.empty() && !stopped) submit(std::move(batch));
    hashing.wait();
    if (stopped) throwIfInterrupted("reading " + req.id.display());
    if (n == -2) throw IncompleteError("reading rows failed: " + firstLine(PQerrorMessage(conn.get())));
    PgResult end(PQgetResult(conn.get()));
    if (PQresultStatus(end.get()) != PGRES_COMMAND_OK) throw IncompleteError("reading rows failed: " + statementError(conn.get(), end.get()));
    while (PGresult* extra = PQgetResult(conn.get())) PQclear(extra);
    if (!huge.empty()) {
        // Each row hashed as it streams through (one row's fingerprint sum is its row hash); a spill gets
        // the hash and the row's small fields.
        std::optional<RowHashStream> row;
        row.emplace();
        auto rowEnd = [&](const std::vector<std::string_view>& fields) {
            TableFingerprint part = row->finish();
            row.emplace();
            if (req.spill) req.spill->addRowHash(part.sum, fields);
            WorkProgress::process().addRows(part.rows);
            total.add(part);
        };
        readHugeRows(
            conn, req.id, req.columns, huge, where,
            [&](std::string_view piece) {
                WorkProgress::process().addBytes(piece.size());
                if (piece != "\n") row->feed(piece);  // a row's own bytes never hold a bare newline: it is the row's end
            },
            rowEnd);
    }
    return total;
}

namespace {
// Each request's heap pages plus its TOAST relation's size in pages, read on `conn` (a worker, at the
// snapshot: the tables are locked by now; a name that does not resolve counts its heap alone).
// Every fingerprinted table is measured, not only those that can split: the size also orders the
// reads, and a table of a few huge values (one heap page, gigabytes of TOAST) must start first, not last.
std::vector<uint64_t> workPages(const PgConnection& conn, const std::vector<LiveTableRequest>& requests) {
    std::vector<uint64_t> work(requests.size());
    nlohmann::json names = nlohmann::json::array();
    bool any = false;
    for (size_t i = 0; i < requests.size(); ++i) {
        work[i] = requests[i].pages;
        const bool read = !requests[i].countOnly;
        names.push_back(read ? nlohmann::json(requests[i].id.sql()) : nlohmann::json());
        any = any || read;
    }
    if (!any) return work;
    auto r = conn.execParams(
        "SELECT x.o - 1, pg_catalog.pg_relation_size(c.reltoastrelid) / pg_catalog.current_setting('block_size')::pg_catalog.int8 "
        "FROM pg_catalog.jsonb_array_elements_text($1::pg_catalog.jsonb) WITH ORDINALITY AS x(name, o) "
        "JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(x.name) WHERE c.reltoastrelid <> 0",
        {names.dump()}, "reading the tables' TOAST sizes");
    for (int row = 0; row < r.rows(); ++row) {
        size_t i = std::stoull(r.value(row, 0));
        if (i < work.size() && !r.isNull(row, 1)) work[i] += std::stoull(r.value(row, 1));
    }
    return work;
}
}  // namespace

std::vector<LiveTableResult> fingerprintLiveTables(SnapshotSession& session, const std::vector<LiveTableRequest>& asked,
                                                   const LiveFingerprintOptions& options) {
    std::vector<LiveTableRequest> requests = asked;
    std::vector<WorkItem> items;
    // A table's work is its heap and its TOAST: a table of big documents has few heap pages and most of
    // its bytes out of line, and is split as its whole size says (ranges of fewer pages).
    // Asked on a worker before any reads: the leader may be busy elsewhere meanwhile (verify evaluates its
    // plan on the leader while the tables are read). A failure costs only the split, never the reads.
    std::vector<uint64_t> work;
    for (const auto& r : requests) work.push_back(r.pages);
    if (session.workerCount() > 0) {
        try {
            work = workPages(session.worker(0), requests);
        } catch (const InterruptedError&) {
            throw;
        } catch (const std::exception&) {
            session.resetWorker(0);
        }
    }
    // Only a table with TOAST can hold a value of kHugeValueBytes (work: its heap and TOAST pages).
    for (size_t i = 0; i < requests.size(); ++i)
        requests[i].hugeValues = requests[i].hugeValues || mayHoldHugeValues(requests[i].pages, (work[i] - requests[i].pages) * 8192);
    std::vector<size_t> order(requests.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return work[a] > work[b]; });
    const uint64_t chunkWork = std::max<uint64_t>(1, options.chunkPages);
    // Below 14 a ctid range filter has no TID range scan behind it: every range would scan the whole table.
    const bool split = session.leader().serverVersion().hasTidRangeScans();
    for (size_t i : order) {
        const auto& r = requests[i];
        // count(*) is not split: on one big table the server runs it as a parallel scan already.
        if (r.countOnly || !split || work[i] <= chunkWork + chunkWork / 2) {
            items.push_back({i, TidRange{}});
            continue;
        }
        // Too few heap pages for the bytes (a few huge values out of line): cut between its rows, listed
        // on a worker that takes the table's lock as the reads do.
        const std::vector<TidRange> ranges = splitTable(
            session.workerCount() > 1 ? &session.worker(0) : nullptr, r.id, r.filter, r.pages, (work[i] + chunkWork - 1) / chunkWork,
            [&](PgConnection& c) { lockForWorker(c, r); }, [&] { session.resetWorker(0); }, readsInPieces(r));
        for (const auto& range : ranges) items.push_back({i, range});
    }
    // Largest piece first, not largest table first: a table of 838 MB that cannot split came after the
    // 64 MiB ranges of the bigger tables and was then read alone at the end while the other connections
    // idled. A table's pieces keep their order among themselves (the sort is stable).
    {
        std::vector<uint64_t> pieces(requests.size());
        for (const auto& it : items) ++pieces[it.table];
        std::stable_sort(items.begin(), items.end(), [&](const WorkItem& a, const WorkItem& b) {
            return work[a.table] / pieces[a.table] > work[b.table] / pieces[b.table];
        });
    }

    // Progress within the caller's phase: tables done of all, and pages read of all for the time left.
    std::vector<uint64_t> itemsPerTable(requests.size()), itemPages(items.size());
    uint64_t allPages = 0;
    for (size_t i = 0; i < items.size(); ++i) {
        const auto& it = items[i];
        uint64_t pages = requests[it.table].pages;
        uint64_t from = it.range.from ? it.range.from->page : 0;
        uint64_t to = it.range.to ? it.range.to->page : std::max(pages, from);
        itemPages[i] = std::max<uint64_t>(1, to - from);
        allPages += itemPages[i];
        ++itemsPerTable[it.table];
    }
    WorkProgress& progress = WorkProgress::process();
    progress.addTotals(requests.size(), allPages);
    TableCountdown tablesDone(itemsPerTable);

    std::vector<TableAccumulator> acc(requests.size());
    std::vector<std::atomic<bool>> done(items.size());
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    for (size_t w = 0; w < session.workerCount(); ++w) {
        threads.emplace_back([&, w] {
            PgConnection& conn = session.worker(w);
            std::optional<size_t> locked;  // the table whose locks this worker holds (its last item's)
            while (!interrupted()) {
                size_t idx = next++;
                if (idx >= items.size()) return;
                const WorkItem& item = items[idx];
                const LiveTableRequest& req = requests[item.table];
                TableAccumulator& a = acc[item.table];
                auto t0 = std::chrono::steady_clock::now();
                try {
                    const bool lock = locked != item.table;
                    locked.reset();
                    if (req.countOnly) countItem(conn, req, item, a, lock);
                    else fingerprintItem(conn, req, item, a, lock);
                    locked = item.table;
                } catch (const std::exception& e) {
                    {
                        std::lock_guard lock(a.mutex);
                        if (a.error.empty()) a.error = e.what();
                    }
                    done[idx] = true;
                    progress.addWork(itemPages[idx]);
                    tablesDone.pieceDone(item.table);
                    if (interrupted()) return;
                    try {
                        if (!conn.ok()) return;  // connection lost: the other workers take the rest
                        session.resetWorker(w);
                    } catch (...) {
                        return;
                    }
                    continue;
                }
                double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                {
                    std::lock_guard lock(a.mutex);
                    a.seconds += secs;
                }
                done[idx] = true;
                progress.addWork(itemPages[idx]);
                tablesDone.pieceDone(item.table);
            }
        });
    }
    for (auto& t : threads) t.join();
    throwIfInterrupted("reading tables");

    for (size_t i = 0; i < items.size(); ++i)
        if (!done[i] && acc[items[i].table].error.empty())
            acc[items[i].table].error = "not read: every database connection was lost";

    for (size_t i = 0; i < requests.size(); ++i) {
        if (!requests[i].spill) continue;
        try {
            requests[i].spill->finish();
        } catch (const std::exception& e) {
            if (acc[i].error.empty()) acc[i].error = e.what();
        }
    }

    std::vector<LiveTableResult> out(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
        out[i].id = requests[i].id;
        out[i].fingerprint = acc[i].fp;
        out[i].fingerprinted = !requests[i].countOnly;
        out[i].error = acc[i].error;
        out[i].seconds = acc[i].seconds;
        out[i].reads = itemsPerTable[i];
    }
    return out;
}

}  // namespace pgproof
