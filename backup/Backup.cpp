#include "Backup.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include <spdlog/spdlog.h>

#include "ArchiveWriter.hpp"
#include "ChildProcess.hpp"
#include "ConnectionTarget.hpp"
#include "Coverage.hpp"
#include "DatabaseLocale.hpp"
#include "TextEncoding.hpp"
#include "Errors.hpp"
#include "Interrupt.hpp"
#include "LiveCatalog.hpp"
#include "PgConnection.hpp"
#include "PgDumpProgram.hpp"
#include "ParallelDump.hpp"
#include "SnapshotSession.hpp"
#include "TableLocking.hpp"

namespace pgproof {


nlohmann::json pinnedSettingsJson(const std::string& encoding, const std::string& lcMonetary, bool timeZoneKnown) {
    nlohmann::json s = {
        {"DateStyle", "ISO"},
        {"IntervalStyle", "postgres"},
        {"extra_float_digits", 3},
        {"TimeZone", timeZoneKnown ? "UTC" : "server default (a dump read from stdin does not record it)"},
        {"bytea_output", "hex"},
        {"search_path", ""},
        {"row_security", "off"},
        {"client_encoding", encoding},
    };
    s["lc_monetary"] = lcMonetary.empty() ? nlohmann::json(nullptr) : nlohmann::json(lcMonetary);
    return s;
}

void validatePgDumpArgs(const std::vector<std::string>& args) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto is = [&](const char* p) { return a == p || a.rfind(std::string(p) + "=", 0) == 0; };
        if (is("--inserts") || is("--column-inserts") || is("--rows-per-insert"))
            throw BadInputError("pg_dump argument " + a + " writes rows as INSERT statements; pgproof fingerprints COPY rows: drop it");
        if (is("-f") || is("--file") || (a.rfind("-f", 0) == 0 && a.size() > 2 && a[1] == 'f'))
            throw BadInputError("pg_dump argument " + a + " is not allowed: pgproof writes the archive itself (use -o FILE)");
        if (is("-F") || is("--format") || (a.rfind("-F", 0) == 0 && a.size() > 2)) {
            std::string v = a.find('=') != std::string::npos ? a.substr(a.find('=') + 1)
                            : (a.size() > 2 && a[1] == 'F') ? a.substr(2)
                            : (i + 1 < args.size() ? args[i + 1] : "");
            if (v != "p" && v != "plain")
                throw BadInputError("pg_dump argument " + a + " selects a non-plain format; pgproof needs the plain format: drop it");
        }
        if (is("--extra-float-digits") || is("-E") || is("--encoding") || (a.rfind("-E", 0) == 0 && a.size() > 2) ||
            is("--enable-row-security"))
            throw BadInputError("pg_dump argument " + a + " changes how rows are written, so their fingerprints would not match "
                                "the pinned settings pgproof records: drop it");
        if (is("-j") || is("--jobs") || is("-d") || is("--dbname") || is("--snapshot"))
            throw BadInputError("pg_dump argument " + a + " is set by pgproof itself (use --db and --jobs of pgproof)");
    }
}

namespace {

struct LiveSource {
    nlohmann::json source;
    nlohmann::json settings;
    std::map<QualifiedName, LiveTable> tables;
    std::map<QualifiedName, QualifiedName> sequenceOwners;
    nlohmann::json plan;
    std::optional<SnapshotCoverage> coverage;  // absent for a dump read from stdin
};

// Each extension with what is its own (restore --exclude-extension leaves these out): its configuration
// tables and sequences (pg_extension_config_dump) and the schemas it created.
nlohmann::json recordExtensions(const PgConnection& leader) {
    auto r = leader.exec(
        "SELECT pg_catalog.json_agg(pg_catalog.json_build_object('name', e.extname, 'version', e.extversion, 'schema', n.nspname, "
        "'config_relations', COALESCE((SELECT pg_catalog.json_agg(pg_catalog.json_build_array(cn.nspname, c.relname) ORDER BY cn.nspname, "
        "c.relname) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace WHERE c.oid = ANY (e.extconfig)), "
        "'[]'), 'member_schemas', COALESCE((SELECT pg_catalog.json_agg(mn.nspname ORDER BY mn.nspname) FROM pg_catalog.pg_depend d "
        "JOIN pg_catalog.pg_namespace mn ON mn.oid = d.objid WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass "
        "AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = e.oid AND d.deptype = 'e'), '[]')) "
        "ORDER BY e.extname) FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace",
        "reading the extensions");
    return r.isNull(0, 0) ? nlohmann::json::array() : nlohmann::json::parse(r.value(0, 0));
}

size_t readFd(int fd, char* buf, size_t cap, const std::string& what) {
    while (true) {
        throwIfInterrupted(what);
        ssize_t n = ::read(fd, buf, cap);
        throwIfInterrupted(what);  // pg_dump, stopped by the same interrupt, ends its output early
        if (n >= 0) return static_cast<size_t>(n);
        if (errno == EINTR) continue;
        throw IncompleteError("reading " + what + " failed: " + std::strerror(errno));
    }
}

// The line after `prefix` in pg_dump's stderr ("HINT:  ", "Query was: "), or "".
std::string stderrLine(const std::string& all, const std::string& prefix) {
    size_t p = all.find(prefix);
    if (p == std::string::npos) return {};
    p += prefix.size();
    return all.substr(p, all.find('\n', p) == std::string::npos ? std::string::npos : all.find('\n', p) - p);
}

// The tables of pg_dump's "LOCK TABLE a, b IN ACCESS SHARE MODE" (one per statement up to PostgreSQL 17,
// batches since), as pg_dump spelled them.
std::vector<std::string> lockedTables(const std::string& query) {
    std::string list = query.substr(11);  // after "LOCK TABLE "
    if (auto e = list.rfind(" IN ACCESS SHARE MODE"); e != std::string::npos) list.resize(e);
    std::vector<std::string> out(1);
    bool quoted = false;
    for (size_t i = 0; i < list.size(); ++i) {
        char c = list[i];
        if (c == '"') quoted = !quoted;
        if (c == ',' && !quoted) {
            out.emplace_back();
            while (i + 1 < list.size() && list[i + 1] == ' ') ++i;
            continue;
        }
        out.back() += c;
    }
    return out;
}

// pg_dump's failure in one line; a full lock table and a lock not granted in time are said as pgproof says
// them for its own sessions (PgConnection, TableLocking).
std::string pgDumpError(const ChildProcess& child, int status, const std::string& lockWaitTimeout) {
    std::string all = child.errorOutput();
    size_t p = all.find("error: ");
    if (p != std::string::npos) {
        size_t e = all.find('\n', p);
        std::string line = all.substr(p + 7, e == std::string::npos ? std::string::npos : e - p - 7);
        std::string reason = line;
        if (auto q = reason.find("ERROR:  "); q != std::string::npos) reason = reason.substr(q + 8);
        const std::string hint = stderrLine(all, "HINT:  ");
        if (reason.find("out of shared memory") != std::string::npos && isLockTableFull("53200", hint))
            return lockTableFullError(reason, hint);
        const std::string query = stderrLine(all, "Query was: ");
        if (!lockWaitTimeout.empty() && query.rfind("LOCK TABLE ", 0) == 0 && reason.find("timeout") != std::string::npos) {
            auto tables = lockedTables(query);
            return lockTimeoutMessage(tables.size() == 1 ? tables[0] : "(one of " + std::to_string(tables.size()) + ")", lockWaitTimeout,
                                      "pg_dump: " + reason);
        }
        return line;
    }
    std::string last = child.lastErrorLine();
    // Killed by a signal (SIGKILL, the OOM killer) it says nothing: name the signal.
    if (last.empty() && status > 128) return "killed by signal " + std::to_string(status - 128) + " (" + strsignal(status - 128) + ")";
    return last;
}

// Waits until pg_dump has written its first byte (true: it holds every lock it takes) or closed its output
// without writing (false: it failed, or was stopped by an interrupt).
bool waitForFirstOutput(int fd) {
    pollfd p{fd, POLLIN, 0};
    while (true) {
        throwIfInterrupted("waiting for pg_dump");
        int n = ::poll(&p, 1, 200);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw IncompleteError(std::string("waiting for pg_dump's output failed: ") + std::strerror(errno));
        if (n == 0) continue;
        return (p.revents & POLLIN) != 0;
    }
}

}  // namespace

BackupResult runBackup(const BackupOptions& o) {
    auto start = std::chrono::steady_clock::now();
    validatePgDumpArgs(o.pgDumpArgs);
    if (!o.encryptTo.empty()) o.encryptTo.validate();  // before pg_dump starts: a typo in a key costs nothing
    auto output = ArchiveOutput::open(o.output, o.overwrite);
    ArchiveWriter writer(o.encryptTo.empty() ? std::move(output) : encryptingOutput(std::move(output), o.encryptTo));

    BackupPipelineOptions po;
    po.jobs = o.compressThreads;
    po.level = o.level;

    Manifest m;
    BackupPipelineResult r;
    LiveSource live;
    if (o.fromStdin) {
        if (::isatty(STDIN_FILENO))
            throw BadInputError("--from-stdin reads a plain pg_dump script from standard input, but it is a terminal: pipe a dump in (pg_dump DB | pgproof backup --from-stdin -o FILE)");
        r = runBackupPipeline([](char* b, size_t n) { return readFd(STDIN_FILENO, b, n, "the dump on standard input"); },
                              writer, po);
        live.source = {{"from_stdin", true}};
        live.settings = pinnedSettingsJson("as in the dump (SET client_encoding)", "", false);
    } else {
        ConnectionTarget target = ConnectionTarget::resolve(o.db);
        // Locks as pg_dump takes them, once (TableLocking.hpp, changesSinceSnapshot): the leader exports the
        // snapshot and locks nothing; pg_dump imports it and locks every table it dumps before it writes a
        // byte. Then a connection outside the snapshot checks that no table was rewritten, dropped or renamed
        // between the snapshot and pg_dump's locks; if one was, pg_dump is stopped before anything is kept
        // and a new snapshot is taken.
        constexpr int kAttempts = 5;
        std::unique_ptr<SnapshotSession> session;
        std::unique_ptr<ChildProcess> dumpProcess;
        std::set<QualifiedName> changedUnheld;  // changed since the snapshot but held by nobody: pg_dump must not dump them
        std::string dumpLockTimeout = o.lockWaitTimeout;
        // --jobs N >= 2: N more connections read the plain tables' data (ParallelDump.hpp), unless a pg_dump
        // argument needs pg_dump's own data path; then it is the one-connection path, said in one line.
        bool parallel = o.connections >= 2;
        if (parallel) {
            if (auto why = parallelDumpRefusal(o.pgDumpArgs)) {
                spdlog::warn("{} needs pg_dump's own data path: the tables are read on one connection (as --jobs 1)", *why);
                parallel = false;
            }
        }
        std::vector<TakenTable> taken;
        for (int attempt = 1;; ++attempt) {
            dumpProcess.reset();
            session.reset();
            session = std::make_unique<SnapshotSession>(target, parallel ? o.connections : 0, "pgproof backup",
                                                        SnapshotSessionOptions{.lockWaitTimeout = o.lockWaitTimeout, .lockTables = false});
            const PgConnection& leader = session->leader();
            std::optional<std::string> pgDumpPath = o.pgDump;
            if (!pgDumpPath && std::getenv("PGPROOF_PG_DUMP") && *std::getenv("PGPROOF_PG_DUMP"))
                pgDumpPath = std::getenv("PGPROOF_PG_DUMP");
            PgDumpProgram pgDump = PgDumpProgram::choose(pgDumpPath, leader.serverVersion());
            auto info = leader.exec("SELECT pg_catalog.current_database(), current_user, "
                                    "pg_catalog.current_setting('server_version'), "
                                    "pg_catalog.current_setting('server_version_num')",
                                    "reading the server version");
            live = LiveSource();
            live.source = {{"host", PQhost(leader.get()) ? PQhost(leader.get()) : ""},
                           {"port", PQport(leader.get()) ? PQport(leader.get()) : ""},
                           {"database", info.value(0, 0)},
                           {"user", info.value(0, 1)},
                           {"server_version", info.value(0, 2)},
                           {"snapshot", session->snapshotId()},
                           {"pg_dump", {{"path", pgDump.path()}, {"version", pgDump.version()}}}};
            DatabaseLocale::read(leader).addTo(live.source);  // a drill creates its scratch database alike
            // restore --create gives the new database this owner.
            live.source["database_owner"] = leader.exec("SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_catalog.pg_database "
                                                        "WHERE datname = pg_catalog.current_database()", "reading the database's owner").value(0, 0);
            live.source["extensions"] = recordExtensions(leader);
            live.settings = pinnedSettingsJson(session->settings().clientEncoding, session->settings().lcMonetary, true);
            for (const auto& t : session->tables()) live.tables.emplace(t.id, t);
            for (auto& sq : listLiveSequences(leader))  // owners only: reading values would lock every sequence twice
                if (sq.ownedBy) live.sequenceOwners.emplace(sq.id, *sq.ownedBy);

            // The pins go after whatever options the user's connection string (or PGOPTIONS) carries, so they
            // win over those and over role- and database-level settings; the timeouts are off as on every
            // pgproof session (pg_dump turns most of them off itself, but not before its first queries).
            std::string pins = "-c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3 -c TimeZone=UTC "
                               "-c bytea_output=hex -c statement_timeout=0 -c lock_timeout=0 "
                               "-c idle_in_transaction_session_timeout=0";
            if (leader.serverVersion().hasTransactionTimeout()) pins += " -c transaction_timeout=0";
            std::vector<std::string> argv = {pgDump.path(), "--format=plain", "--snapshot=" + session->snapshotId(),
                                             "--dbname=" + target.withoutPassword(pins)};
            bool userLockTimeout = false;  // pg_dump's own --lock-wait-timeout, after --
            for (size_t i = 0; i < o.pgDumpArgs.size(); ++i) {
                const std::string& a = o.pgDumpArgs[i];
                if (a.rfind("--lock-wait-timeout", 0) != 0) continue;
                userLockTimeout = true;
                if (a.size() > 20 && a[19] == '=') dumpLockTimeout = a.substr(20);
                else if (i + 1 < o.pgDumpArgs.size()) dumpLockTimeout = o.pgDumpArgs[i + 1];
            }
            // Bounded by the same timeout, a lock pg_dump waits for is a failure instead of a hang.
            if (!o.lockWaitTimeout.empty() && !userLockTimeout) argv.push_back("--lock-wait-timeout=" + o.lockWaitTimeout);
            argv.insert(argv.end(), o.pgDumpArgs.begin(), o.pgDumpArgs.end());
            if (parallel) {
                taken = chooseTakenTables(leader, o.pgDumpArgs);
                for (const auto& t : taken) argv.push_back("--exclude-table-data=" + exactPgDumpPattern(t.id));
            }
            std::map<std::string, std::string> env;
            if (auto pw = target.password()) env["PGPASSWORD"] = *pw;
            // Also in PGOPTIONS, for a pg_dump wrapper that connects on its own.
            std::string pgoptions = std::getenv("PGOPTIONS") ? std::string(std::getenv("PGOPTIONS")) + " " : "";
            env["PGOPTIONS"] = pgoptions + pins;
            env["PGCLIENTENCODING"] = session->settings().clientEncoding;
            // pg_dump's session holds pgproof's locks: named like the leader unless the user names sessions.
            if (!std::getenv("PGAPPNAME")) env["PGAPPNAME"] = "pgproof backup (pg_dump)";
            dumpProcess = std::make_unique<ChildProcess>(argv, env);
            // A 1 MiB pipe instead of 64 KiB: pg_dump and the splitter switch ~16x less often.
            ::fcntl(dumpProcess->stdoutFd(), F_SETPIPE_SZ, 1 << 20);

            const bool wrote = waitForFirstOutput(dumpProcess->stdoutFd());
            // The plan's reads lock their tables in the leader before the check, so it covers them too.
            if (wrote && o.atSnapshot) live.plan = o.atSnapshot(leader);
            std::vector<SnapshotChange> changes;
            {
                PgConnection current = PgConnection::connect(target, "pgproof backup (change check)");
                changes = changesSinceSnapshot(leader, current, session->tables());
            }
            // A held table changed under the snapshot; or pg_dump ended without a byte, as it does when a table
            // it was about to lock was dropped or renamed.
            const bool overtaken = !changes.empty() && (changes.front().held || !wrote);
            if (!overtaken) {
                for (const auto& c : changes) changedUnheld.insert(c.table.id);
                break;
            }
            dumpProcess->terminate();
            dumpProcess->wait();
            retryAfterChange(changes.front().table, attempt, kAttempts);
        }
        const PgConnection& leader = session->leader();
        ChildProcess& dump = *dumpProcess;
        bool dumpEnded = false;  // pg_dump's output reached its end: pg_dump is exiting of its own accord
        auto readDump = [&](char* b, size_t n) {
            size_t got = readFd(dump.stdoutFd(), b, n, "pg_dump's output");
            if (got == 0) dumpEnded = true;
            return got;
        };
        std::unique_ptr<ParallelTableData> tableData;
        if (parallel) tableData = std::make_unique<ParallelTableData>(*session, std::move(taken), readDump);
        try {
            if (tableData) r = runBackupPipeline([&](char* b, size_t n) { return tableData->read(b, n); }, writer, po);
            else r = runBackupPipeline(readDump, writer, po);
            if (tableData) {
                live.source["parallel_dump"] = {{"connections", o.connections}, {"tables", tableData->tablesRead()},
                                                {"statements", tableData->rangesRead()}};
                tableData.reset();
            }
        } catch (const IncompleteError&) {
            dump.terminate();
            int st = dump.wait();
            // Only when pg_dump stopped on its own is its failure the cause. When pgproof failed first (the
            // archive's disk is full, say), the SIGTERM sent here makes pg_dump say "terminated by user":
            // pgproof's own error is the one to report.
            if (st != 0 && !interrupted() && dumpEnded)
                throw IncompleteError("pg_dump failed (exit " + std::to_string(st) + "): " + pgDumpError(dump, st, dumpLockTimeout) +
                                      "; no archive was written");
            throw;
        } catch (...) {
            dump.terminate();
            dump.wait();
            throw;
        }
        int st = dump.wait();
        if (st != 0)
            throw IncompleteError("pg_dump failed (exit " + std::to_string(st) + "): " + pgDumpError(dump, st, dumpLockTimeout) +
                                  "; no archive was written");
        // Belt and braces: pg_dump locks every table it dumps before writing, so a table nobody held at the
        // check is not in the dump.
        for (const auto& t : r.tables)
            if (changedUnheld.count(t.id()))
                throw IncompleteError("table " + t.id().display() + " changed after the snapshot, before pg_dump locked it: "
                                      "its rows in the dump would not describe the snapshot; run again; no archive was written");
        live.coverage = accountForEveryTable(leader, live.tables, r.tables, r.toc, o.lockWaitTimeout);
        session->finish();
        live.source["pg_dump_version"] = r.pgDumpVersion;
    }
    throwIfInterrupted("finishing the archive");

    m.toolVersion = PGPROOF_VERSION;
    m.created = utcNow();
    m.source = live.source;
    if (o.fromStdin) {
        m.source["server_version"] = r.serverVersion;
        m.source["pg_dump_version"] = r.pgDumpVersion;
    }
    m.settings = live.settings;
    if (o.fromStdin && TextEncoding::find(r.clientEncoding)) m.settings["client_encoding"] = r.clientEncoding;  // the dump's bytes are in it
    m.compressionLevel = o.level;
    m.segments = std::move(r.segments);
    m.tables = std::move(r.tables);
    for (auto& t : m.tables) {
        auto it = live.tables.find(t.id());
        if (it == live.tables.end()) continue;
        // Types in COPY column order (the dump's column list is authoritative).
        for (const auto& c : t.columns)
            for (const auto& lc : it->second.columns)
                if (lc.name == c) t.types.push_back(lc.type);
        if (t.types.size() != t.columns.size()) t.types.clear();
    }
    for (const auto& s : r.sequences) {
        SequenceEntry e{s.id.schema, s.id.name, s.lastValue, s.isCalled, std::nullopt};
        if (auto it = live.sequenceOwners.find(s.id); it != live.sequenceOwners.end()) e.ownedBy = it->second;
        m.sequences.push_back(e);
    }
    m.largeObjects = r.largeObjects;
    // Large objects are covered when the dump has their data (a BLOBS entry), or when there were none.
    bool blobs = std::any_of(r.toc.begin(), r.toc.end(), [](const TocEntry& e) { return e.type == "BLOBS" || e.type == "LARGE OBJECTS"; });
    if (blobs || (live.coverage && live.coverage->largeObjects == 0)) m.largeObjectsFingerprint = r.largeObjectData.hex();
    m.toc = std::move(r.toc);
    if (live.coverage) {
        m.notCovered = live.coverage->notCovered;
        m.largeObjectsAtSnapshot = live.coverage->largeObjects;
    }
    m.plan = live.plan;
    if (!o.globals.is_null()) m.source["globals"] = o.globals;
    writer.commit(m);

    BackupResult res;
    res.archiveBytes = writer.size();
    res.manifest = std::move(m);
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return res;
}

}  // namespace pgproof
