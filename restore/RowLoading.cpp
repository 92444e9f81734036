#include "RowLoading.hpp"

#include "RestoreCost.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <string_view>

#include "Errors.hpp"
#include "FrameLoop.hpp"
#include "RowHashStream.hpp"
#include "TableFingerprint.hpp"
#include "WorkProgress.hpp"

namespace pgproof {

namespace {

// Rows of one table, or a stretch of a big table's frames, fed to one COPY.
struct CopyItem {
    size_t table;
    size_t firstFrame, endFrame;
    uint64_t rawBytes;
};

// How the frame loop of one COPY ends early: the scheduler stopped (another job failed), or the server
// took no more rows (the connection's own error, the COPY is not aborted again).
struct RestoreStopped {};
struct SendFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct TableProgress {
    std::mutex mutex;
    TableFingerprint rows;
};

void copyItem(const PgConnection& conn, const ArchiveReader& archive, const TableEntry& table, const SegmentEntry& seg,
              const CopyItem& item, TableProgress& progress, const RestoreScheduler& failure) {
    std::string copy = table.copyLine;
    if (copy.empty()) copy = "COPY " + table.id().sql() + " FROM stdin;";
    // A big table loaded whole into itself (not via a partition root) is copied WITH FREEZE: its rows
    // arrive frozen and all-visible, so the verification's read and the first VACUUM do not have to
    // touch every page again. FREEZE needs the table truncated in the same transaction, and a restore
    // never removes rows it did not load (CREATE EXTENSION fills its configuration tables): only a
    // table that holds no row is truncated. Small tables skip the extra round trips.
    constexpr uint64_t kFreezeBytes = 1u << 20;
    bool frozen = false;
    auto target = table.copyTarget();
    const std::string suffix = " FROM stdin;";
    if (item.firstFrame == 0 && item.endFrame == seg.frames.size() && table.rawBytes >= kFreezeBytes && target &&
        *target == table.id() && copy.size() > suffix.size() &&
        copy.compare(copy.size() - suffix.size(), suffix.size(), suffix) == 0) {
        PgResult t(PQexec(conn.get(), ("BEGIN; SELECT 1 FROM ONLY " + table.id().sql() + " LIMIT 1").c_str()));
        bool empty = PQresultStatus(t.get()) == PGRES_TUPLES_OK && PQntuples(t.get()) == 0;
        PgResult truncate(empty ? PQexec(conn.get(), ("TRUNCATE ONLY " + table.id().sql()).c_str()) : nullptr);
        if (empty && PQresultStatus(truncate.get()) == PGRES_COMMAND_OK) {
            frozen = true;
            copy = copy.substr(0, copy.size() - suffix.size()) + " FROM stdin WITH (FREEZE);";
        } else {
            PgResult rollback(PQexec(conn.get(), "ROLLBACK"));
        }
    }
    PgResult start(PQexec(conn.get(), copy.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
        std::string why = firstLine(PQresultErrorMessage(start.get()));
        if (frozen) PgResult rollback(PQexec(conn.get(), "ROLLBACK"));
        throw IncompleteError("restoring rows of " + table.id().display() + " failed: " + why);
    }
    TableFingerprint local;
    auto abortCopy = [&](const std::string& why) {
        PQputCopyEnd(conn.get(), why.c_str());
        while (PGresult* r = PQgetResult(conn.get())) PQclear(r);
        if (frozen) PgResult rollback(PQexec(conn.get(), "ROLLBACK"));
    };
    auto what = [&](size_t f) {
        return "frame " + std::to_string(f + 1) + "/" + std::to_string(seg.frames.size()) + " of table " + table.id().display();
    };
    auto send = [&](std::string_view bytes) {
        if (PQputCopyData(conn.get(), bytes.data(), static_cast<int>(bytes.size())) != 1)
            throw SendFailed("sending rows of " + table.id().display() + " failed: " + firstLine(PQerrorMessage(conn.get())));
    };
    // A frame's rows (counted before a whole frame is sent, after a huge one's last piece): their count must be the manifest's.
    auto sent = [&](size_t k, const TableFingerprint& part, uint64_t bytes) {
        const FrameEntry& frame = seg.frames[item.firstFrame + k];
        if (part.rows != frame.rows)
            throw ProofFailedError(what(item.firstFrame + k) + " is damaged: it holds " + std::to_string(part.rows) +
                                   " rows, the manifest says " + std::to_string(frame.rows));
        local.add(part);
        WorkProgress::process().addRows(part.rows);
        WorkProgress::process().addBytes(bytes);
    };
    // A huge row's frame goes to the server a MiB at a time, hashed on the way: never held whole. Its damage
    // shows only at its end, after pieces went out: the COPY is aborted below, so none of it is kept.
    std::optional<RowHashStream> pieceRows;
    bool stopped = false;
    try {
        FrameLoop loop(archive, item.endFrame - item.firstFrame,
                       [&](size_t k) -> const FrameEntry& {
                           if (failure.stopped()) throw RestoreStopped();
                           return seg.frames[item.firstFrame + k];
                       },
                       [&](size_t k) { return what(item.firstFrame + k); }, "restoring rows of " + table.id().display());
        loop.inPieces({.begin = [&](size_t) { pieceRows.emplace(); },
                       .piece = [&](size_t, std::string_view piece) {
                           pieceRows->feed(piece);
                           send(piece);
                       },
                       .end = [&](size_t k) { sent(k, pieceRows->finish(), seg.frames[item.firstFrame + k].raw); }});
        loop.inOrder([&](size_t k, std::string& raw) {
            sent(k, fingerprintRows(raw), raw.size());
            send(raw);
        });
    } catch (const RestoreStopped&) {
        stopped = true;
    } catch (const InterruptedError&) {
        stopped = true;  // the scheduler reports Ctrl-C
    } catch (const SendFailed& e) {
        throw IncompleteError(e.what());
    } catch (...) {
        abortCopy("damaged archive frame");
        throw;
    }
    if (stopped) {
        abortCopy("restore stopped");
        return;
    }
    if (PQputCopyEnd(conn.get(), nullptr) != 1)
        throw IncompleteError("finishing rows of " + table.id().display() + " failed: " + firstLine(PQerrorMessage(conn.get())));
    PgResult end(PQgetResult(conn.get()));
    if (PQresultStatus(end.get()) != PGRES_COMMAND_OK) {
        std::string why = firstLine(PQresultErrorMessage(end.get()));
        while (PGresult* r = PQgetResult(conn.get())) PQclear(r);
        if (frozen) PgResult rollback(PQexec(conn.get(), "ROLLBACK"));
        throw IncompleteError("restoring rows of " + table.id().display() + " failed: " + why);
    }
    while (PGresult* r = PQgetResult(conn.get())) PQclear(r);
    if (frozen) {
        PgResult commit(PQexec(conn.get(), "COMMIT"));
        if (PQresultStatus(commit.get()) != PGRES_COMMAND_OK)
            throw IncompleteError("committing rows of " + table.id().display() + " failed: " + firstLine(PQresultErrorMessage(commit.get())));
    }
    std::lock_guard lock(progress.mutex);
    progress.rows.add(local);
}

}  // namespace

struct RowLoading::Table {
    TableProgress progress;
    std::atomic<size_t> left{0};  // stretches not yet committed
};

RowLoading::RowLoading(const ArchiveReader& archive) : archive_(archive) {}
RowLoading::~RowLoading() = default;

std::vector<size_t> RowLoading::addJobs(RestoreScheduler& s, const std::vector<size_t>& after, const std::set<size_t>& skip) {
    const Manifest& m = archive_.manifest();
    constexpr uint64_t kItemBytes = 64u << 20;  // big tables are split so all connections stay busy
    tables_.clear();
    for (size_t t = 0; t < m.tables.size(); ++t) tables_.push_back(std::make_unique<Table>());
    std::vector<size_t> order(m.tables.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return m.tables[a].rawBytes > m.tables[b].rawBytes; });
    std::vector<std::vector<size_t>> jobsOf(m.tables.size());
    for (size_t t : order) {
        if (skip.count(t)) continue;
        const TableEntry& table = m.tables[t];
        const auto& seg = m.segments[static_cast<size_t>(table.segment)];
        std::vector<CopyItem> items;
        // Stretches of about equal size (90 MiB: two of 45, not 64 and 26), so that the connections loading
        // one table finish together: a frame goes to the stretch its middle falls in.
        uint64_t segmentBytes = 0;
        for (const auto& frame : seg.frames) segmentBytes += frame.raw;
        const uint64_t stretches = std::max<uint64_t>(1, (segmentBytes + kItemBytes - 1) / kItemBytes);
        const uint64_t stretchBytes = (segmentBytes + stretches - 1) / stretches;
        size_t f = 0;
        while (f < seg.frames.size()) {
            CopyItem item{t, f, f, 0};
            while (item.endFrame < seg.frames.size() && (item.rawBytes == 0 || item.rawBytes + seg.frames[item.endFrame].raw / 2 <= stretchBytes))
                item.rawBytes += seg.frames[item.endFrame++].raw;
            f = item.endFrame;
            items.push_back(item);
        }
        tables_[t]->left = items.size();
        for (const CopyItem& item : items) {
            RestoreJob job;
            job.label = "rows of " + table.id().display();
            job.work = RestoreWork::Rows;
            job.weight = restoreWeight(table, item.rawBytes);
            job.after = after;
            job.locks = {{table.id(), LockMode::RowExclusive}};
            job.run = [this, item, &s, &table, &seg](PgConnection& conn) {
                Table& state = *tables_[item.table];
                copyItem(conn, archive_, table, seg, item, state.progress, s);
                if (s.stopped() || --state.left > 0) return;
                const auto& got = state.progress.rows;
                if (got.rows != table.rows || got.hex() != table.fingerprint)
                    throw ProofFailedError("the archive's rows of table " + table.id().display() +
                                           " do not match its manifest (rows " + std::to_string(got.rows) + " vs " +
                                           std::to_string(table.rows) + "): the archive is damaged");
            };
            jobsOf[t].push_back(s.add(std::move(job)));
        }
    }
    std::vector<size_t> loaded(m.tables.size());
    for (size_t t = 0; t < m.tables.size(); ++t) {
        // A table without frames holds no rows: its manifest must say so too.
        if (jobsOf[t].empty() && !skip.count(t) && (m.tables[t].rows != 0 || TableFingerprint{}.hex() != m.tables[t].fingerprint))
            throw ProofFailedError("the archive's rows of table " + m.tables[t].id().display() + " do not match its manifest (rows 0 vs " +
                                   std::to_string(m.tables[t].rows) + "): the archive is damaged");
        std::vector<size_t> deps = jobsOf[t].empty() ? after : jobsOf[t];
        loaded[t] = s.milestone("rows of " + m.tables[t].id().display() + " loaded", deps);
    }
    return loaded;
}

}  // namespace pgproof
