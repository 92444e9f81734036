#include "ParallelDump.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "DumpToc.hpp"
#include "Errors.hpp"
#include "FileDescriptor.hpp"
#include "HugeValues.hpp"
#include "Interrupt.hpp"
#include "LiveCatalog.hpp"
#include "PgConnection.hpp"
#include "SnapshotSession.hpp"
#include "TidRange.hpp"
#include "WorkProgress.hpp"

namespace pgproof {

namespace {

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// pg_dump arguments that leave every taken table's data entry as the parallel path writes it, and the
// set of tables whose data is dumped as pg_dump's TABLE entries show it. Anything else goes to pg_dump.
bool acceptedFlag(const std::string& a) {
    static const std::set<std::string> flags = {
        "-O", "--no-owner", "-x", "--no-privileges", "--no-acl", "--no-comments", "--no-publications",
        "--no-subscriptions", "--no-security-labels", "--no-tablespaces", "--no-toast-compression",
        "--no-table-access-method", "-c", "--clean", "--if-exists", "-C", "--create", "-b", "--blobs",
        "--large-objects", "-B", "--no-blobs", "--no-large-objects", "--no-sync", "--strict-names",
        "--load-via-partition-root", "--disable-dollar-quoting", "-Fp", "--format=plain", "--format=p",
        "--no-unlogged-table-data"};
    return flags.count(a) > 0;
}

// Options with a value whose effect the parallel path follows (selection through the TABLE entries,
// foreign data left to pg_dump, pg_dump's own lock timeout).
bool acceptedValueOption(const std::string& a, bool& takesNext) {
    static const char* shortOpts[] = {"-t", "-T", "-n", "-N", "-F"};
    static const char* longOpts[] = {"--table", "--exclude-table", "--schema", "--exclude-schema",
                                     "--include-foreign-data", "--lock-wait-timeout", "--format"};
    takesNext = false;
    for (const char* s : shortOpts) {
        if (a == s) return takesNext = true;
        if (startsWith(a, s) && a.size() > 2) return true;
    }
    for (const char* l : longOpts) {
        if (a == l) return takesNext = true;
        if (startsWith(a, std::string(l) + "=")) return true;
    }
    return false;
}

bool hasFlag(const std::vector<std::string>& args, const char* flag) {
    return std::find(args.begin(), args.end(), flag) != args.end();
}

}  // namespace

std::optional<std::string> parallelDumpRefusal(const std::vector<std::string>& args) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        bool takesNext = false;
        if (acceptedFlag(a)) continue;
        if (acceptedValueOption(a, takesNext)) {
            if (takesNext) {
                ++i;
                if (a == "-F" || a == "--format") {
                    if (i < args.size() && args[i] != "p" && args[i] != "plain") return "pg_dump argument " + a + " " + args[i];
                }
            }
            continue;
        }
        return "pg_dump argument " + a;
    }
    return std::nullopt;
}

std::string exactPgDumpPattern(const QualifiedName& id) {
    auto quoted = [](const std::string& s) {
        std::string out = "\"";
        for (char c : s) {
            out += c;
            if (c == '"') out += '"';
        }
        return out + "\"";
    };
    return quoted(id.schema) + "." + quoted(id.name);
}

std::vector<TakenTable> chooseTakenTables(const PgConnection& leader, const std::vector<std::string>& args) {
    // A table the catalog knows to be small (heap and TOAST under PGPROOF_DUMP_SMALL_TABLE_BYTES, 1 MiB) stays
    // with pg_dump: on its own connection it costs a pattern, a lock, a COPY and a temporary file, more than
    // reading it in line. A table never vacuumed nor analyzed (reltuples -1) has no known size and is taken.
    uint64_t small = 1u << 20;
    if (const char* v = std::getenv("PGPROOF_DUMP_SMALL_TABLE_BYTES"); v && *v) {
        char* end = nullptr;
        unsigned long long n = std::strtoull(v, &end, 10);
        if (end && *end == '\0') small = n;
    }
    const bool leavePartitions = hasFlag(args, "--load-via-partition-root");
    const bool leaveUnlogged = hasFlag(args, "--no-unlogged-table-data");
    // The same tables as readLiveTables, minus what pg_dump keeps: extension configuration tables (dumped
    // with their filters), partitions it loads via the root, unlogged tables when it skips their data.
    // Names are quoted by the server's quote_ident, which follows the same rule as pg_dump's fmtId.
    auto r = leader.exec(
        "SELECT n.nspname, c.relname, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), "
        "COALESCE((SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) "
        " FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        " AND a.attgenerated = ''), ''), "
        "pg_catalog.pg_get_userbyid(c.relowner), "
        "(GREATEST(c.relpages, 0) + COALESCE((SELECT GREATEST(t.relpages, 0) FROM pg_catalog.pg_class t "
        " WHERE t.oid = c.reltoastrelid), 0))::pg_catalog.int8 * pg_catalog.current_setting('block_size')::pg_catalog.int8, "
        "c.relispartition, c.relpersistence, GREATEST(c.relpages, 0), c.reltuples < 0, "
        // pg_dump loads a partition via its root, whatever the arguments, when an ancestor is hash-partitioned
        // on an enum (its hash differs in the restored database); expressions are treated alike, to be safe.
        "c.relispartition AND EXISTS (SELECT 1 FROM pg_catalog.pg_partition_ancestors(c.oid) an "
        " JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = an.relid WHERE pt.partstrat = 'h' "
        " AND (pt.partexprs IS NOT NULL OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a "
        "  JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid WHERE a.attrelid = pt.partrelid "
        "  AND a.attnum = ANY (pt.partattrs::pg_catalog.int2[]) AND ty.typtype = 'e'))), "
        "CASE WHEN c.reltoastrelid <> 0 THEN pg_catalog.pg_relation_size(c.reltoastrelid) ELSE 0 END "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND c.relpersistence <> 't' "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast' "
        "AND n.nspname !~ '^pg_temp_' "
        "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
        "AND d.objid = c.oid AND d.deptype = 'e') "
        "AND c.oid NOT IN (SELECT pg_catalog.unnest(e.extconfig) FROM pg_catalog.pg_extension e WHERE e.extconfig IS NOT NULL) "
        "ORDER BY 1, 2",
        "choosing the tables to read in parallel");
    std::vector<TakenTable> out;
    for (int i = 0; i < r.rows(); ++i) {
        if (leavePartitions && r.value(i, 6) == "t") continue;
        if (r.value(i, 10) == "t") continue;  // loaded via the root by pg_dump
        if (leaveUnlogged && r.value(i, 7) == "u") continue;
        TakenTable t;
        t.id = {r.value(i, 0), r.value(i, 1)};
        auto awkward = [](const std::string& s) { return s.find_first_of(";\n\r") != std::string::npos; };
        if (awkward(t.id.schema) || awkward(t.id.name)) continue;
        t.copyTarget = r.value(i, 2);
        std::string cols = r.value(i, 3);
        t.columnList = cols.empty() ? "" : "(" + cols + ")";
        t.owner = hasFlag(args, "-O") || hasFlag(args, "--no-owner") ? "-" : r.value(i, 4);
        t.bytes = std::stoull(r.value(i, 5));
        t.heapPages = std::stoull(r.value(i, 8));
        t.toastBytes = std::stoull(r.value(i, 11));
        if (r.value(i, 9) != "t" && t.bytes < small) continue;
        out.push_back(std::move(t));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------

namespace {

// One taken table's data entry on its way: written by a worker to an unlinked file, read by the reader.
struct EntryFile {
    FileDescriptor fd;
    uint64_t written = 0;  // bytes the worker has written (guarded by State::mutex)
    bool done = false;
};

constexpr size_t kWriteBatch = 1u << 20;

// pg_dump holds the table's lock already: a worker asks with NOWAIT (SnapshotSession::lockForRead).
void lockTaken(PgConnection& conn, const TakenTable& t) { SnapshotSession::lockForRead(conn, t.id, "the backup's locks"); }

// A piece of one table's data entry: the whole table, or a stretch of it in ctid order (TidRange). The
// first piece carries the entry's header and COPY line, the last one the "\." terminator: concatenated in
// order they are one COPY statement, one rows segment.
struct ReadItem {
    size_t table = 0;  // index into tables
    TidRange range;
    bool first = true, last = true;
};

uint64_t bytesFromEnvironment(const char* name, uint64_t fallback) {
    const char* v = std::getenv(name);
    if (v && *v) {
        char* end = nullptr;
        unsigned long long n = std::strtoull(v, &end, 10);
        if (end && *end == '\0') return n;
    }
    return fallback;
}

// How many bytes (heap and TOAST) one range aims at: PGPROOF_DUMP_RANGE_BYTES, else 64 MiB.
uint64_t rangeBytes() { return std::max<uint64_t>(1, bytesFromEnvironment("PGPROOF_DUMP_RANGE_BYTES", 64ull << 20)); }

void writeAll(int fd, const char* p, size_t n, const std::string& what) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) throw IncompleteError("writing " + what + " to a temporary file failed: " + std::strerror(errno) +
                                         " (set TMPDIR to a folder with room, or use --jobs 1)");
        p += w;
        n -= static_cast<size_t>(w);
    }
}

}  // namespace

struct ParallelTableData::State {
    SnapshotSession& session;
    std::vector<TakenTable> tables;  // all candidates; `chosen` are those pg_dump's script has a TABLE entry for
    std::function<size_t(char*, size_t)> readDump;

    // Phase 1: pg_dump's script is scanned line by line up to the splice point. Offsets are in pg_dump's
    // script; `held` holds its bytes from `base` on (those not handed out yet, and the line being scanned).
    std::string held;
    uint64_t base = 0;
    uint64_t heldPos = 0;   // next byte to hand out
    uint64_t scanned = 0;   // first byte not yet split into lines
    uint64_t lastLine = 0;  // offset of the previous line
    uint64_t safeEnd = 0;   // bytes before this cannot follow the splice point
    bool spliceFound = false;
    uint64_t spliceAt = 0;  // where the taken entries go
    bool dumpEof = false;
    bool scanEnded = false;  // pg_dump's output ended without a splice point (it failed: the splitter says so)
    TocBuilder toc;
    std::set<QualifiedName> tableEntries;  // pg_dump's TABLE entries: the tables whose data it dumps

    // Phase 2: the entries. Workers take the items in order, so the reader hands them out in that order too.
    std::vector<size_t> chosen;  // indexes into tables, largest first
    std::vector<ReadItem> items;  // each chosen table's ranges, in table order, ranges ascending
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::unique_ptr<EntryFile>> files;  // by item
    size_t nextToStart = 0;
    std::string error;  // the first worker's failure
    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    size_t workerCount = 0;  // set before the threads start
    std::vector<std::unique_ptr<PGcancel, decltype(&PQfreeCancel)>> cancels;

    size_t readingEntry = 0;  // item being handed out
    uint64_t readingOffset = 0;
    enum class Phase { Prefix, Entries, Rest } phase = Phase::Prefix;

    State(SnapshotSession& s, std::vector<TakenTable> t, std::function<size_t(char*, size_t)> r)
        : session(s), tables(std::move(t)), readDump(std::move(r)) {}

    bool scanLine();  // scans one line (or reads more); false at the end of pg_dump's output
    size_t handOutHeld(char* buf, size_t cap, uint64_t limit);
    void startWorkers();
    void work(size_t w);
    void planItems();
    void dumpOne(PgConnection& conn, size_t item);
    void fail(const std::string& message);
    void stopWorkers();
};

bool ParallelTableData::State::scanLine() {
    // pg_dump's lines go to a TOC builder: the first entry of the data or post-data section starts at the
    // splice point (its preparing SET lines included); with none, the closing comment block does.
    size_t nl = held.find('\n', scanned - base);
    if (nl == std::string::npos) {
        if (dumpEof) {
            scanEnded = true;
            return false;
        }
        throwIfInterrupted("reading pg_dump's schema");
        char buf[65536];
        size_t n = readDump(buf, sizeof buf);
        if (n == 0) dumpEof = true;
        held.append(buf, n);
        return true;
    }
    std::string_view line(held.data() + (scanned - base), nl - (scanned - base));
    size_t before = toc.count();
    toc.line(line, scanned);
    if (toc.count() > before) {
        const TocEntry& e = *toc.current();
        if (e.section != TocSection::PreData) {
            spliceFound = true;
            spliceAt = e.offset;
        } else if (e.type == "TABLE") {
            tableEntries.insert(e.id());
        }
    } else if (line == "-- PostgreSQL database dump complete") {
        spliceFound = true;
        spliceAt = lastLine;  // the "--" line before it
    }
    // A splice point is never before the end of a line that is neither blank, a comment nor a SET: what
    // lies before such a line can go on at once, so only the stretch since the last one is held.
    if (!line.empty() && !startsWith(line, "--") && !startsWith(line, "SET ")) safeEnd = base + nl + 1;
    lastLine = scanned;
    scanned = base + nl + 1;
    if (spliceFound) {
        std::vector<size_t> order;
        for (size_t i = 0; i < tables.size(); ++i)
            if (tableEntries.count(tables[i].id)) order.push_back(i);
        std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return tables[x].bytes > tables[y].bytes; });
        chosen = std::move(order);
        planItems();
        startWorkers();
    }
    return true;
}

size_t ParallelTableData::State::handOutHeld(char* buf, size_t cap, uint64_t limit) {
    size_t n = std::min<uint64_t>(cap, limit - heldPos);
    std::memcpy(buf, held.data() + (heldPos - base), n);
    heldPos += n;
    // Bytes handed out are dropped now and then, so the held stretch stays small.
    if (heldPos - base >= (1u << 20)) {
        held.erase(0, heldPos - base);
        base = heldPos;
    }
    return n;
}

void ParallelTableData::State::planItems() {
    // A table of more than one range's worth of bytes (heap and TOAST: a mostly-TOAST table splits too) is
    // read in ctid stretches by several connections at once, where TID range scans make that cheap
    // (PostgreSQL 14): stretches of its heap pages, or, for a few huge values in a few pages, stretches of
    // its rows (TidRange.hpp). The last stretch is open-ended: rows visible to the snapshot cannot lie
    // beyond the pages counted, but the relation may have grown since.
    const bool split = session.workerCount() > 1 && session.leader().serverVersion().hasTidRangeScans();
    const uint64_t target = rangeBytes();
    for (size_t i : chosen) {
        const TakenTable& t = tables[i];
        // Rows listed on a worker before any of them reads, under the lock the reads take.
        const std::vector<TidRange> ranges =
            splitTable(split ? &session.worker(0) : nullptr, t.id, "", t.heapPages, split ? t.bytes / target + (t.bytes % target ? 1 : 0) : 1,
                       [&](PgConnection& c) { lockTaken(c, t); }, [&] { session.resetWorker(0); }, split);
        for (size_t k = 0; k < ranges.size(); ++k) items.push_back({i, ranges[k], k == 0, k + 1 == ranges.size()});
    }
}

void ParallelTableData::State::fail(const std::string& message) {
    {
        std::lock_guard lock(mutex);
        if (error.empty()) error = message;
    }
    changed.notify_all();
}

void ParallelTableData::State::startWorkers() {
    files.resize(items.size());
    const size_t n = std::min(session.workerCount(), items.size());
    workerCount = n;
    for (size_t w = 0; w < n; ++w)
        cancels.emplace_back(PQgetCancel(session.worker(w).get()), &PQfreeCancel);
    for (size_t w = 0; w < n; ++w) workers.emplace_back([this, w] { work(w); });
}

void ParallelTableData::State::work(size_t w) {
    PgConnection& conn = session.worker(w);
    while (!stop && !interrupted()) {
        size_t item;
        {
            // Back pressure: a worker starts a piece only while fewer than kAhead pieces lie between it and
            // the one the reader hands out, so the temporary files hold a bounded number of pieces (each
            // about one range) even when compression is slower than the connections.
            std::unique_lock lock(mutex);
            const size_t ahead = 2 * workerCount + 1;
            while (nextToStart < items.size() && error.empty() && !stop && nextToStart >= readingEntry + ahead) {
                lock.unlock();
                if (interrupted()) return;
                lock.lock();
                changed.wait_for(lock, std::chrono::milliseconds(200));
            }
            if (nextToStart >= items.size() || !error.empty() || stop) return;
            item = nextToStart++;
        }
        try {
            dumpOne(conn, item);
        } catch (const std::exception& e) {
            fail(e.what());
            return;
        }
    }
}

void ParallelTableData::State::dumpOne(PgConnection& conn, size_t item) {
    const ReadItem& it = items[item];
    const TakenTable& t = tables[it.table];
    lockTaken(conn, t);
    std::string dir = std::filesystem::temp_directory_path().string();
    std::string path = dir + "/pgproof-table-XXXXXX";
    int raw = ::mkstemp(path.data());
    if (raw < 0) throw IncompleteError("creating a temporary file in " + dir + " failed: " + std::strerror(errno) + " (set TMPDIR)");
    ::unlink(path.c_str());
    auto file = std::make_unique<EntryFile>();
    file->fd = FileDescriptor(raw);
    EntryFile* f = file.get();
    {
        std::lock_guard lock(mutex);
        files[item] = std::move(file);
    }
    changed.notify_all();

    // The data entry exactly as pg_dump's plain format writes it.
    std::string out;
    if (it.first)
        out = "--\n-- Data for Name: " + t.id.name + "; Type: TABLE DATA; Schema: " + t.id.schema + "; Owner: " + t.owner +
              "\n--\n\nCOPY " + t.copyTarget + " " + t.columnList + " FROM stdin;\n";
    out.reserve(kWriteBatch + 65536);
    const std::string what = "the rows of " + t.id.display();
    auto publish = [&](bool done) {
        writeAll(f->fd.get(), out.data(), out.size(), what);
        {
            std::lock_guard lock(mutex);
            f->written += out.size();
            f->done = done;
        }
        changed.notify_all();
        out.clear();
    };
    auto append = [&](std::string_view bytes) {
        out.append(bytes);
        if (out.size() < kWriteBatch) return;
        if (stop || interrupted()) {
            throwIfInterrupted("reading " + t.id.display());
            throw IncompleteError("stopped");
        }
        publish(false);
    };
    // A whole table as pg_dump reads it; a stretch as the live readers do (the same row bytes: LiveFingerprinter).
    auto copyRows = [&](const TidRange& range) {
        std::string sql = "COPY " + t.copyTarget + " " + t.columnList + " TO stdout;";
        if (!range.whole()) {
            std::string cols = t.columnList.empty() ? "" : t.columnList.substr(1, t.columnList.size() - 2);
            sql = "COPY (SELECT " + cols + " FROM ONLY " + t.copyTarget + " WHERE " + range.condition() + ") TO stdout;";
        }
        PgResult start(PQexec(conn.get(), sql.c_str()));
        if (PQresultStatus(start.get()) != PGRES_COPY_OUT)
            throw IncompleteError("reading " + t.id.display() + " failed: " + statementError(conn.get(), start.get()));
        char* buf = nullptr;
        int n;
        while ((n = PQgetCopyData(conn.get(), &buf, 0)) > 0) {
            std::unique_ptr<char, decltype(&PQfreemem)> row(buf, &PQfreemem);
            append(std::string_view(buf, static_cast<size_t>(n)));
        }
        if (n == -2) throw IncompleteError("reading " + t.id.display() + " failed: " + firstLine(PQerrorMessage(conn.get())));
        PgResult end(PQgetResult(conn.get()));
        if (PQresultStatus(end.get()) != PGRES_COMMAND_OK)
            throw IncompleteError("reading " + t.id.display() + " failed: " + statementError(conn.get(), end.get()));
        while (PGresult* extra = PQgetResult(conn.get())) PQclear(extra);
    };
    // Rows with a huge value are read apart, their values in pieces, between COPYs of the stretches around
    // them: the rows keep their ctid order, as one COPY of the stretch writes them, and no such value is
    // held whole. Stretches need TID range scans (PostgreSQL 14), as the split does.
    std::vector<Tid> hugeRows;
    PieceColumns huge;
    std::vector<std::string> columns;  // columnList's names, unquoted (as the catalog has them, in the database's encoding)
    if (mayHoldHugeValues(t.heapPages, t.toastBytes) && session.leader().serverVersion().hasTidRangeScans()) {
        columns = readColumnNames(conn, t.id);
        huge = pieceColumns(conn, t.id, columns);
        hugeRows = hugeRowsIn(conn, t.id, huge, it.range);
    }
    if (hugeRows.empty()) {
        copyRows(it.range);
    } else {
        std::optional<Tid> from = it.range.from;
        for (const Tid& row : hugeRows) {
            copyRows(TidRange{from, row});
            readHugeRows(conn, t.id, columns, huge, " WHERE ctid = " + tidLiteral(row), append);
            from = Tid{row.page, row.offset + 1};
        }
        copyRows(TidRange{from, it.range.to});
    }
    if (it.last) out += "\\.\n\n\n";
    publish(true);
}

void ParallelTableData::State::stopWorkers() {
    stop = true;
    bool running = false;
    for (auto& t : workers) running = running || t.joinable();
    if (running) {
        std::lock_guard lock(mutex);
        bool allDone = nextToStart >= items.size();
        for (auto& f : files)
            if (f && !f->done) allDone = false;
        if (!allDone) {
            char err[256];
            for (auto& c : cancels)
                if (c) PQcancel(c.get(), err, sizeof err);
        }
    }
    for (auto& t : workers)
        if (t.joinable()) t.join();
    workers.clear();
}

ParallelTableData::ParallelTableData(SnapshotSession& session, std::vector<TakenTable> tables,
                                     std::function<size_t(char*, size_t)> readDump)
    : s_(std::make_unique<State>(session, std::move(tables), std::move(readDump))) {}

ParallelTableData::~ParallelTableData() { s_->stopWorkers(); }

size_t ParallelTableData::tablesRead() const { return s_->chosen.size(); }
size_t ParallelTableData::rangesRead() const { return s_->items.size(); }

size_t ParallelTableData::read(char* buf, size_t cap) {
    State& s = *s_;
    if (s.phase == State::Phase::Prefix) {
        while (true) {
            uint64_t limit = s.spliceFound ? s.spliceAt : s.scanEnded ? s.base + s.held.size() : s.safeEnd;
            if (s.heldPos < limit) return s.handOutHeld(buf, cap, limit);
            if (s.spliceFound) break;
            if (s.scanEnded) return 0;
            s.scanLine();
        }
        s.phase = State::Phase::Entries;
    }
    if (s.phase == State::Phase::Entries) {
        std::unique_lock lock(s.mutex);
        while (true) {
            if (!s.error.empty()) {
                // A read the interrupt watcher cancelled fails like any other: the interrupt is the cause to name.
                throwIfInterrupted("reading tables");
                throw IncompleteError(s.error + "; no archive was written");
            }
            if (s.readingEntry >= s.items.size()) break;
            if (s.files[s.readingEntry]) {
                EntryFile& f = *s.files[s.readingEntry];
                if (s.readingOffset < f.written) {
                    size_t n = std::min<uint64_t>(cap, f.written - s.readingOffset);
                    int fd = f.fd.get();
                    uint64_t at = s.readingOffset;
                    lock.unlock();
                    ssize_t got;
                    do got = ::pread(fd, buf, n, static_cast<off_t>(at));
                    while (got < 0 && errno == EINTR);
                    if (got <= 0)
                        throw IncompleteError(std::string("reading a table's rows back from its temporary file failed: ") +
                                              (got < 0 ? std::strerror(errno) : "it is shorter than written"));
                    lock.lock();
                    s.readingOffset += static_cast<uint64_t>(got);
                    return static_cast<size_t>(got);
                }
                if (f.done) {
                    s.files[s.readingEntry].reset();  // closes the unlinked file: its space is free again
                    ++s.readingEntry;
                    s.readingOffset = 0;
                    s.changed.notify_all();  // a worker waiting for room may start the next piece
                    continue;
                }
            }
            lock.unlock();
            throwIfInterrupted("reading tables");
            lock.lock();
            s.changed.wait_for(lock, std::chrono::milliseconds(200));
        }
        lock.unlock();
        s.stopWorkers();
        s.phase = State::Phase::Rest;
    }
    if (s.heldPos < s.base + s.held.size()) return s.handOutHeld(buf, cap, s.base + s.held.size());
    if (s.dumpEof) return 0;
    size_t n = s.readDump(buf, cap);
    if (n == 0) s.dumpEof = true;
    return n;
}

}  // namespace pgproof
