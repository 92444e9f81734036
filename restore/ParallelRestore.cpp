#include "ParallelRestore.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "ArchiveReader.hpp"
#include "RestoreEncoding.hpp"
#include "DumpScript.hpp"
#include "RestoreSteps.hpp"
#include "DumpSplitter.hpp"
#include "Errors.hpp"
#include "Interrupt.hpp"
#include "PgConnection.hpp"
#include "SqlIdentifier.hpp"
#include "TableFingerprint.hpp"
#include "UtcTime.hpp"
#include "WorkProgress.hpp"

namespace pgproof {

int RestoreResult::exitCode() const {
    int proof = verification ? verification->exitCode() : 0;
    return proof == 0 && !swapProblem.empty() ? static_cast<int>(ExitCode::Incomplete) : proof;
}

std::vector<std::string> existingUserTables(const PgConnection& conn, size_t limit) {
    auto r = conn.exec(
        "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_' "
        "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass "
        "AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 1, 2 LIMIT " + std::to_string(limit),
        "checking that the target database is empty");
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(QualifiedName{r.value(i, 0), r.value(i, 1)}.display());
    return out;
}

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// `role "x" does not exist` from the server, as the one line a user needs.
[[noreturn]] void rethrowWithRoleHint(const IncompleteError& e) {
    std::string msg = e.what();
    size_t p = msg.find("role \"");
    if (p != std::string::npos && msg.find("does not exist", p) != std::string::npos)
        throw IncompleteError(msg + " (the archive names roles the target lacks: create them, or restore with --no-owner "
                              "and --no-privileges)");
    throw e;
}

}  // namespace

void runEntry(const PgConnection& conn, const ScriptEntry& e, bool ownConnection) {
    struct Counted {  // done, run or empty; a failure ends the phase anyway
        ~Counted() {
            WorkProgress::process().addDone();
            WorkProgress::process().addWork(1);
        }
    } counted;
    if (e.sql.find_first_not_of(" \n") == std::string::npos) return;
    try {
        // An entry run on a connection of its own first gets the session state pg_dump had set before it.
        conn.exec(ownConnection ? e.sessionSetup() + e.sql : e.sql, "restoring " + e.label());
    } catch (const IncompleteError& err) {
        rethrowWithRoleHint(err);
    }
}

// Every restore connection runs the dump's preamble, and with --role works as that role (pg_restore --role).
void setUpRestoreConnection(const PgConnection& c, const std::string& preamble, const std::optional<std::string>& role) {
    c.exec(preamble, "setting up a restore connection");
    if (role) c.exec("SET ROLE " + quoteIdent(*role), "switching to role " + *role + " (--role)");
}

std::vector<std::unique_ptr<PgConnection>> openWorkers(const ConnectionTarget& target, int n, const std::string& preamble,
                                                       const std::optional<std::string>& role) {
    std::vector<std::unique_ptr<PgConnection>> out;
    for (int i = 0; i < n; ++i) {
        auto c = std::make_unique<PgConnection>(PgConnection::connect(target, "pgproof restore"));
        setUpRestoreConnection(*c, preamble, role);
        // Index and key builds sort in memory instead of on disk (only raised, never lowered).
        c->exec("SELECT pg_catalog.set_config('maintenance_work_mem', '512MB', false) FROM pg_catalog.pg_settings "
                "WHERE name = 'maintenance_work_mem' AND setting::bigint < 512 * 1024",  // setting is in kB
                "setting maintenance_work_mem");
        out.push_back(std::move(c));
    }
    return out;
}

namespace {

// Rows of one table, or a stretch of a big table's frames, fed to one COPY.
struct CopyItem {
    size_t table;
    size_t firstFrame, endFrame;
    uint64_t rawBytes;
};

struct TableProgress {
    std::mutex mutex;
    TableFingerprint rows;
};

void copyItem(const PgConnection& conn, const ArchiveReader& archive, const TableEntry& table, const SegmentEntry& seg,
              const CopyItem& item, TableProgress& progress, const FirstFailure& failure) {
    std::string copy = table.copyLine;
    if (copy.empty()) copy = "COPY " + table.id().sql() + " FROM stdin;";
    // A big table loaded whole into itself (not via a partition root) is copied WITH FREEZE: its rows
    // arrive frozen and all-visible, so the verification's read and the first VACUUM do not have to
    // touch every page again. FREEZE needs the table truncated in the same transaction, and a restore
    // never removes rows it did not load (CREATE EXTENSION fills its configuration tables): only a
    // table that holds no row is truncated. Small tables skip the extra round trips.
    constexpr uint64_t kFreezeBytes = 1u << 20;
    bool frozen = false;
    auto target = parseCopyLine(copy);
    const std::string suffix = " FROM stdin;";
    if (item.firstFrame == 0 && item.endFrame == seg.frames.size() && table.rawBytes >= kFreezeBytes && target &&
        target->id == table.id() && copy.size() > suffix.size() &&
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
    std::string raw;
    TableFingerprint local;
    auto abortCopy = [&](const std::string& why) {
        PQputCopyEnd(conn.get(), why.c_str());
        while (PGresult* r = PQgetResult(conn.get())) PQclear(r);
        if (frozen) PgResult rollback(PQexec(conn.get(), "ROLLBACK"));
    };
    for (size_t f = item.firstFrame; f < item.endFrame; ++f) {
        if (failure.stopped()) {
            abortCopy("restore stopped");
            return;
        }
        const FrameEntry& frame = seg.frames[f];
        std::string what = "frame " + std::to_string(f + 1) + "/" + std::to_string(seg.frames.size()) + " of table " +
                           table.id().display();
        try {
            ArchiveReader::decompressFrame(archive.readFrame(frame), frame, what, raw);
            if (!raw.empty() && raw.back() != '\n') throw ProofFailedError(what + " is damaged: it does not end at a line boundary");
        } catch (...) {
            abortCopy("damaged archive frame");
            throw;
        }
        TableFingerprint part = fingerprintRows(raw);
        if (part.rows != frame.rows) {
            abortCopy("damaged archive frame");
            throw ProofFailedError(what + " is damaged: it holds " + std::to_string(part.rows) + " rows, the manifest says " +
                                   std::to_string(frame.rows));
        }
        local.add(part);
        WorkProgress::process().addRows(part.rows);
        WorkProgress::process().addBytes(raw.size());
        WorkProgress::process().addWork(raw.size());
        if (PQputCopyData(conn.get(), raw.data(), static_cast<int>(raw.size())) != 1)
            throw IncompleteError("sending rows of " + table.id().display() + " failed: " + firstLine(PQerrorMessage(conn.get())));
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

void restoreRows(const ArchiveReader& archive, std::vector<std::unique_ptr<PgConnection>>& workers) {
    const Manifest& m = archive.manifest();
    constexpr uint64_t kItemBytes = 64u << 20;  // big tables are split so all connections stay busy
    std::vector<CopyItem> items;
    std::vector<size_t> order(m.tables.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return m.tables[a].rawBytes > m.tables[b].rawBytes; });
    for (size_t t : order) {
        const auto& seg = m.segments[static_cast<size_t>(m.tables[t].segment)];
        size_t f = 0;
        while (f < seg.frames.size()) {
            CopyItem item{t, f, f, 0};
            while (item.endFrame < seg.frames.size() && (item.rawBytes == 0 || item.rawBytes + seg.frames[item.endFrame].raw <= kItemBytes))
                item.rawBytes += seg.frames[item.endFrame++].raw;
            f = item.endFrame;
            items.push_back(item);
        }
    }
    std::stable_sort(items.begin(), items.end(), [&](const CopyItem& a, const CopyItem& b) {
        return m.tables[a.table].rawBytes > m.tables[b.table].rawBytes;
    });
    std::vector<TableProgress> progress(m.tables.size());
    std::vector<uint64_t> itemsPerTable(m.tables.size());
    uint64_t rowBytes = 0;
    for (const auto& item : items) {
        ++itemsPerTable[item.table];
        rowBytes += item.rawBytes;
    }
    WorkProgress::process().startPhase("loading rows", "tables", m.tables.size(), rowBytes);
    TableCountdown tablesDone(itemsPerTable);
    FirstFailure failure;
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    for (auto& w : workers) {
        threads.emplace_back([&, conn = w.get()] {
            try {
                while (!failure.stopped()) {
                    size_t idx = next++;
                    if (idx >= items.size()) return;
                    const CopyItem& item = items[idx];
                    const TableEntry& t = m.tables[item.table];
                    copyItem(*conn, archive, t, m.segments[static_cast<size_t>(t.segment)], item, progress[item.table], failure);
                    tablesDone.pieceDone(item.table);
                }
            } catch (...) {
                failure.record(std::current_exception());
            }
        });
    }
    for (auto& t : threads) t.join();
    failure.rethrow();
    for (size_t t = 0; t < m.tables.size(); ++t) {
        const auto& got = progress[t].rows;
        if (got.rows != m.tables[t].rows || got.hex() != m.tables[t].fingerprint)
            throw ProofFailedError("the archive's rows of table " + m.tables[t].id().display() +
                                   " do not match its manifest (rows " + std::to_string(got.rows) + " vs " +
                                   std::to_string(m.tables[t].rows) + "): the archive is damaged");
    }
}

}  // namespace

// Runs entries on all workers at once, never two that lock the same table at the same time.
void runInParallel(const std::vector<const ScriptEntry*>& entries, std::vector<std::unique_ptr<PgConnection>>& workers) {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<bool> taken(entries.size(), false);
    std::multiset<std::string> busy;
    size_t remaining = entries.size();
    FirstFailure failure;
    std::vector<std::vector<std::string>> locks;
    for (const auto* e : entries) locks.push_back(lockedTables(*e));
    std::vector<std::thread> threads;
    for (auto& w : workers) {
        threads.emplace_back([&, conn = w.get()] {
            while (true) {
                size_t pick = SIZE_MAX;
                {
                    std::unique_lock lock(mutex);
                    changed.wait(lock, [&] {
                        if (failure.stopped() || remaining == 0) return true;
                        for (size_t i = 0; i < entries.size(); ++i) {
                            if (taken[i]) continue;
                            bool free = true;
                            for (const auto& t : locks[i]) free = free && !busy.count(t);
                            if (free) {
                                pick = i;
                                return true;
                            }
                        }
                        return false;
                    });
                    if (pick == SIZE_MAX) {
                        changed.notify_all();
                        return;
                    }
                    taken[pick] = true;
                    --remaining;
                    for (const auto& t : locks[pick]) busy.insert(t);
                }
                try {
                    runEntry(*conn, *entries[pick], true);
                } catch (...) {
                    failure.record(std::current_exception());
                }
                {
                    std::lock_guard lock(mutex);
                    for (const auto& t : locks[pick]) busy.erase(busy.find(t));
                }
                changed.notify_all();
            }
        });
    }
    for (auto& t : threads) t.join();
    failure.rethrow();
}

namespace {

std::string datedName(const std::string& base) {
    std::string suffix = "_before_restore_" + utcNow("%Y%m%d_%H%M%S");
    // PostgreSQL cuts names to 63 bytes: shorten the base (on a UTF-8 boundary), never the date, so the
    // name reported is the real one and two swaps never collide.
    size_t keep = std::min(base.size(), 63 - suffix.size());
    while (keep > 0 && keep < base.size() && (static_cast<unsigned char>(base[keep]) & 0xC0) == 0x80) --keep;
    return base.substr(0, keep) + suffix;
}

std::string swapDatabases(const RestoreOptions& o, const std::string& restored) {
    const std::string& live = *o.swapInto;
    PgConnection admin = PgConnection::connect(o.target.withDatabase("postgres"), "pgproof restore");
    auto sessions = [&] {
        return admin.execParams(
            "SELECT datname, count(*) FROM pg_catalog.pg_stat_activity WHERE datname IN ($1, $2) "
            "AND pid <> pg_catalog.pg_backend_pid() GROUP BY 1 ORDER BY datname = $2 DESC",
            {restored, live}, "checking for other sessions");
    };
    // Sessions on the live database refuse the swap at once. On the restored one they are this restore's
    // own connections, closed but maybe not yet gone on the server: give those a few seconds.
    auto others = sessions();
    for (auto deadline = Clock::now() + std::chrono::seconds(10);
         others.rows() > 0 && others.value(0, 0) == restored && Clock::now() < deadline;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        others = sessions();
    }
    if (others.rows() > 0)
        throw IncompleteError("cannot swap: " + others.value(0, 1) + " other session(s) are connected to database " +
                              others.value(0, 0) + "; stop the application (or terminate them) and swap by hand: ALTER DATABASE " +
                              quoteIdent(live) + " RENAME TO ...; ALTER DATABASE " + quoteIdent(restored) + " RENAME TO " +
                              quoteIdent(live));
    bool liveExists = admin.execParams("SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", {live}).rows() > 0;
    std::string kept = liveExists ? datedName(live) : "";
    admin.exec("BEGIN", "swapping databases");
    if (liveExists) admin.exec("ALTER DATABASE " + quoteIdent(live) + " RENAME TO " + quoteIdent(kept), "renaming " + live);
    admin.exec("ALTER DATABASE " + quoteIdent(restored) + " RENAME TO " + quoteIdent(live), "renaming " + restored);
    admin.exec("COMMIT", "swapping databases");
    return kept;
}

}  // namespace

void requireEmptyTarget(const PgConnection& leader) {
    auto existing = existingUserTables(leader);
    if (existing.empty()) return;
    std::string list;
    for (size_t i = 0; i < existing.size(); ++i) list += (i ? ", " : "") + existing[i];
    throw BadInputError("target database " + leader.database() + " is not empty (it holds " + list +
                        "); nothing was changed. Restore into a new database (createdb NEW; pgproof restore FILE --db NEW"
                        " --swap-into " + leader.database() + ") or use pgproof drill");
}

void runPostData(const std::vector<ScriptEntry>& entries, const PgConnection& leader, std::vector<std::unique_ptr<PgConnection>>& workers) {
    std::vector<const ScriptEntry*> keys, foreignKeys;
    auto postData = static_cast<uint64_t>(std::count_if(entries.begin(), entries.end(), [](const ScriptEntry& e) {
        return e.section == ScriptEntry::Section::PostData;
    }));
    WorkProgress::process().startPhase("building indexes and constraints", "entries", postData, postData);
    for (const auto& e : entries) {
        if (e.section != ScriptEntry::Section::PostData) continue;
        if (e.type == "INDEX" || e.type == "CONSTRAINT") keys.push_back(&e);
        else if (e.type == "FK CONSTRAINT") foreignKeys.push_back(&e);
    }
    runInParallel(keys, workers);
    runInParallel(foreignKeys, workers);
    for (const auto& e : entries) {
        throwIfInterrupted("restoring post-data");
        if (e.section == ScriptEntry::Section::PostData && e.type != "INDEX" && e.type != "CONSTRAINT" && e.type != "FK CONSTRAINT")
            runEntry(leader, e);
    }
}

void proveAndSwap(const RestoreOptions& o, const Manifest& m, RestoreResult& result) {
    auto log = [&](const std::string& s) {
        if (o.log) o.log(s);
    };
    if (o.verify) {
        auto tVerify = Clock::now();
        log("verifying every table against the manifest (exact)");
        result.baseline = std::make_shared<const Baseline>(Baseline::fromManifest(o.archive, m));
        VerifyOptions vo;
        vo.db = o.target.conninfo();
        vo.jobs = o.jobs;
        vo.mode = VerifyMode::Exact;
        vo.afterRestore = true;
        result.verification = runVerification(*result.baseline, vo);
        result.timings.verify = since(tVerify);
    }
    if (o.swapInto) {
        if (!result.verification)
            throw BadInputError("--swap-into needs the verification: drop --no-verify");
        if (result.verification->exitCode() == 0) {
            try {
                result.keptOldDatabase = swapDatabases(o, result.database);
            } catch (const IncompleteError& e) {
                result.swapProblem = e.what();  // the restore is proven: report it, and that the swap is not done
                return;
            }
            log("swapped: " + result.database + " is now " + *o.swapInto +
                (result.keptOldDatabase.empty() ? "" : "; the old one is kept as " + result.keptOldDatabase));
        }
    }
}

RestoreResult runRestore(const RestoreOptions& o) {
    if (o.archive == "-") return runStreamRestore(o);
    auto t0 = Clock::now();
    auto log = [&](const std::string& s) {
        if (o.log) o.log(s);
    };
    RestoreResult result;

    auto tCheck = Clock::now();
    ArchiveReader archive(o.archive);
    const Manifest& m = archive.manifest();
    DumpScript script = DumpScript::fromArchive(archive);
    result.timings.archiveCheck = since(tCheck);

    std::optional<PgConnection> leader(PgConnection::connect(o.target, "pgproof restore"));
    result.database = leader->database();
    if (o.swapInto && *o.swapInto == result.database)
        throw BadInputError("--swap-into names the restore target itself (" + result.database +
                            "); restore into a new database and swap it into " + result.database);
    requireEmptyTarget(*leader);
    requireArchiveEncoding(m, *leader, o.archive);
    if (o.noOwner) result.skippedOwnerChanges = script.dropOwnership();
    if (o.noPrivileges) result.skippedPrivileges = script.dropPrivileges();
    if (std::none_of(m.toc.begin(), m.toc.end(), [](const TocEntry& e) { return e.section == TocSection::PreData; }) &&
        std::any_of(m.toc.begin(), m.toc.end(), [](const TocEntry& e) { return e.type == "TABLE DATA"; }))
        throw BadInputError("the archive is data-only (pg_dump -a): it holds no table definitions to restore into an empty "
                            "database; load it with zstd -dc FILE | psql into a database that has the schema");
    // Every owner the archive names must exist on the target, or the restore would stop halfway.
    if (auto owners = script.owners(); !owners.empty()) {
        std::string list;
        for (size_t i = 0; i < owners.size(); ++i) list += (i ? "\n" : "") + owners[i];
        auto missing = leader->execParams("SELECT o FROM pg_catalog.unnest(pg_catalog.string_to_array($1, E'\\n')) AS o WHERE o NOT IN "
                                          "(SELECT rolname FROM pg_catalog.pg_roles) ORDER BY 1",
                                          {list}, "checking that the archive's owners exist on the target");
        if (missing.rows() > 0) {
            std::string names;
            for (int i = 0; i < missing.rows() && i < 5; ++i) names += (i ? ", " : "") + missing.value(i, 0);
            throw BadInputError("role" + std::string(missing.rows() > 1 ? "s " : " ") + names + (missing.rows() > 1 ? " own" : " owns") +
                                " objects in the archive but " + (missing.rows() > 1 ? "do" : "does") + " not exist on the target; "
                                "nothing was changed. Create " + (missing.rows() > 1 ? "them" : "it") +
                                ", or restore with --no-owner (and --no-privileges for grants)");
        }
    }
    setUpRestoreConnection(*leader, script.preamble, o.role);

    // From here on the target changes: a failure leaves it incomplete, and the message says so.
    try {
    auto tPre = Clock::now();
    log("restoring schema (pre-data)");
    auto preData = static_cast<uint64_t>(std::count_if(script.entries.begin(), script.entries.end(), [](const ScriptEntry& e) {
        return e.section == ScriptEntry::Section::PreData;
    }));
    WorkProgress::process().startPhase("restoring schema", "entries", preData, preData);
    for (const auto& e : script.entries) {
        throwIfInterrupted("restoring the schema");
        if (e.section == ScriptEntry::Section::PreData) runEntry(*leader, e);
    }
    result.timings.preData = since(tPre);

    auto tData = Clock::now();
    log("restoring rows of " + std::to_string(m.tables.size()) + " tables on " + std::to_string(o.jobs) + " connections");
    auto workers = openWorkers(o.target, o.jobs, script.preamble, o.role);
    restoreRows(archive, workers);
    WorkProgress::process().startPhase("restoring sequences and large objects", "entries");
    for (const auto& e : script.entries) {
        throwIfInterrupted("restoring sequences and large objects");
        if (e.section == ScriptEntry::Section::Data && e.type != "TABLE DATA") runEntry(*leader, e);
    }
    result.timings.data = since(tData);

    auto tPost = Clock::now();
    log("building indexes and constraints (post-data)");
    runPostData(script.entries, *leader, workers);
    result.timings.postData = since(tPost);
    workers.clear();
    } catch (const ProofFailedError& e) {
        throw ProofFailedError(std::string(e.what()) + "; the restore was stopped and database " + result.database +
                               " is incomplete: drop it");
    } catch (const IncompleteError& e) {
        throw IncompleteError(std::string(e.what()) + "; database " + result.database + " is incomplete: drop it, do not use it");
    } catch (const InterruptedError& e) {
        throw InterruptedError(std::string(e.what()) + "; database " + result.database + " is incomplete: drop it, do not use it");
    }
    leader.reset();  // a swap renames this database, which PostgreSQL refuses while anyone is connected
    result.tables = m.tables.size();
    result.rows = m.totalRows();
    result.rawBytes = m.totalRawBytes();

    proveAndSwap(o, m, result);
    result.timings.total = since(t0);
    return result;
}

}  // namespace pgproof
