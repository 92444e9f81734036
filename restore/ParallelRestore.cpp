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
#include "DatabaseLocale.hpp"
#include "RestoreEncoding.hpp"
#include "OpenedArchive.hpp"
#include "RestoreRefusals.hpp"
#include "DumpScript.hpp"
#include "RestoreSteps.hpp"
#include "ExtensionExclusion.hpp"
#include "RoleProvisioning.hpp"
#include "PostDataJobs.hpp"
#include "ProofReads.hpp"
#include "RowLoading.hpp"
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
    if (proof == 0 && !uncreatedConstraints.empty()) return static_cast<int>(ExitCode::ProofFailed);
    if (proof == 0 && !access.held()) return static_cast<int>(ExitCode::ProofFailed);
    return proof == 0 && !swapProblem.empty() ? static_cast<int>(ExitCode::Incomplete) : proof;
}

std::string RestoreResult::excludedSummary() const {
    if (excludedTables.empty()) return "";
    std::string names;
    for (const auto& t : excludedTables) names += (names.empty() ? "" : ", ") + t.id().display();
    return "not covered: " + names + " (" + excludedTables.front().reason + "; their rows are not restored, nor proven)";
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
    if (e.sql.find_first_not_of(" \n") == std::string::npos) return;
    try {
        // An entry run on a connection of its own first gets the session state pg_dump had set before it.
        conn.exec(ownConnection ? e.sessionSetup() + e.sql : e.sql, "restoring " + e.label());
    } catch (const IncompleteError& err) {
        if (e.type == "EXTENSION")
            throw IncompleteError(std::string(err.what()) + " (an extension that cannot be restored here: leave it out with "
                                  "--exclude-extension " + e.name + "; its configuration tables are then reported as not covered)");
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

}  // namespace

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

std::unique_ptr<ProofReads> addPostDataAndProof(RestoreScheduler& s, const RestoreOptions& o, const Manifest& m,
                                                const std::vector<ScriptEntry>& entries, const std::vector<size_t>& rowsLoaded,
                                                size_t allRows, const PgConnection& leader, UncreatedConstraints& uncreated,
                                                const std::set<size_t>& skip) {
    std::map<QualifiedName, size_t> loadedById;
    for (size_t t = 0; t < m.tables.size(); ++t) loadedById[m.tables[t].id()] = rowsLoaded[t];
    PostDataJobs post = addPostDataJobs(s, entries, m, loadedById, allRows, leader, uncreated);
    std::unique_ptr<ProofReads> reads;
    if (o.verify) {
        PinnedSettings pinned = leader.settingsToPin();
        reads = std::make_unique<ProofReads>(m, pinned, o.role.has_value(), leader.serverVersion().hasTidRangeScans());
        if (!post.writesRows.empty() && o.log)
            o.log("the proof reads wait for all of post-data: " + post.writesRows + " might write rows");
        for (size_t t = 0; t < m.tables.size(); ++t) {
            if (!reads->covers(t) || skip.count(t)) continue;
            std::vector<size_t> after = {rowsLoaded[t]};
            if (!post.writesRows.empty()) after.push_back(post.done);
            reads->addJobs(s, t, after);
        }
    }
    if (o.analyze) {
        for (size_t t = 0; t < m.tables.size(); ++t) {
            if (skip.count(t)) continue;
            std::vector<size_t> after = {rowsLoaded[t]};
            auto keys = post.keysOf.find(m.tables[t].id());
            if (keys != post.keysOf.end()) after.insert(after.end(), keys->second.begin(), keys->second.end());
            addAnalyzeJob(s, m.tables[t], after, o.role.has_value());
        }
    }
    return reads;
}

void recordSpans(const RestoreScheduler& s, RestoreTimings& t) {
    // The stream form loads its rows before the scheduler runs and has timed them itself.
    const WorkSpan& rows = s.span(RestoreWork::Rows);
    const WorkSpan& data = s.span(RestoreWork::Data);
    if (rows.ran() || data.ran()) {
        t.dataSpan = rows;
        if (data.ran()) t.dataSpan.include(data.start, data.end);
        t.data = t.dataSpan.seconds();
    }
    t.postDataSpan = s.span(RestoreWork::PostData);
    t.verifySpan = s.span(RestoreWork::Proof);
    t.analyzeSpan = s.span(RestoreWork::Analyze);
    t.postData = t.postDataSpan.seconds();
    t.analyze = t.analyzeSpan.seconds();
}

void proveAndSwap(const RestoreOptions& o, const Manifest& m, RestoreResult& result, const ProofReads* reads, Clock::time_point t0) {
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
        if (reads) vo.alreadyRead = reads->results();
        result.verification = runVerification(*result.baseline, vo);
        // The proof began with the first proof read, if the scheduler ran any.
        result.timings.verifySpan.include(std::chrono::duration<double>(tVerify - t0).count(), since(t0));
        result.timings.verify = result.timings.verifySpan.seconds();
    }
    if (o.swapInto) {
        if (!result.verification)
            throw BadInputError("--swap-into needs the verification: drop --no-verify");
        if (result.verification->exitCode() == 0 && result.uncreatedConstraints.empty()) {
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

namespace {

// --create: a new database like the archive's source, then the restore into it. Random access only
// (requireManifestFirst): the encoding, locale and owner come from the manifest.
RestoreResult restoreIntoNewDatabase(const RestoreOptions& o, OpenedArchive& archive) {
    const std::string& name = *o.createDatabase;
    const Manifest& m = archive.manifest();
    ConnectionTarget maintenance = o.target.option("dbname") ? o.target : o.target.withDatabase("postgres");
    PgConnection admin = PgConnection::connect(maintenance, "pgproof restore");
    if (admin.execParams("SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1", {name}).rows() > 0)
        throw BadInputError("database " + name + " already exists; --create makes a new one: choose another NAME (or restore into it "
                            "with --db if it is empty)");
    requireExtensionsInArchive(m, o.excludeExtensions);
    if (o.log) o.log("creating database " + name);
    ScratchDatabaseLocale created = createDatabaseLike(admin, name, m);
    if (!created.note.empty() && o.log) o.log("note: " + created.note);
    RestoreOptions inner = o;
    inner.createDatabase.reset();
    inner.target = o.target.withDatabase(name);
    RestoreResult r = runRestore(inner, archive);
    r.createdDatabaseNote = created.note;
    // The owner last: the role may be one the restore has just created from the archive's globals.
    std::string owner = m.source.value("database_owner", "");
    if (!owner.empty() && admin.execParams("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", {owner}).rows() > 0)
        admin.exec("ALTER DATABASE " + quoteIdent(name) + " OWNER TO " + quoteIdent(owner), "giving database " + name + " its owner");
    return r;
}

}  // namespace

RestoreResult runRestore(const RestoreOptions& o) {
    OpenedArchive archive(o.archive);
    return runRestore(o, archive);
}

RestoreResult runRestore(const RestoreOptions& o, OpenedArchive& archive) {
    requireManifestFirst(o, archive);
    if (o.createDatabase) return restoreIntoNewDatabase(o, archive);
    return archive.reader() ? restoreByOffset(o, *archive.reader()) : runStreamRestore(o, *archive.stream());
}

// Random access: the manifest first, then frames by offset, tables in parallel.
RestoreResult restoreByOffset(const RestoreOptions& o, const ArchiveReader& archive) {
    auto t0 = Clock::now();
    auto log = [&](const std::string& s) {
        if (o.log) o.log(s);
    };
    RestoreResult result;

    auto tCheck = Clock::now();
    const Manifest& m = archive.manifest();
    DumpScript script = DumpScript::fromArchive(archive);
    ExtensionExclusion excluded = excludeExtensions(script, m, o.excludeExtensions);
    result.excludedEntries = excluded.entriesDropped;
    for (size_t t : excluded.tables)
        for (const auto& u : excluded.proofManifest.notCovered)
            if (u.id() == m.tables[t].id()) result.excludedTables.push_back(u);
    result.timings.archiveCheck = since(tCheck);

    std::optional<PgConnection> leader(connectEmptyTarget(o, o.target));
    result.database = leader->database();
    requireArchiveEncoding(DatabaseLocale::ofArchive(m).encoding, *leader, "archive " + archive.source().name());
    if (o.noOwner) result.skippedOwnerChanges = script.dropOwnership();
    if (o.noPrivileges) result.skippedPrivileges = script.dropPrivileges();
    if (std::any_of(m.toc.begin(), m.toc.end(), [](const TocEntry& e) { return e.type == "TABLE DATA"; }))
        requireSchema(std::any_of(m.toc.begin(), m.toc.end(), definesSchema));
    // Every role the archive names (owners, grantees) must exist on the target, or the restore would stop
    // halfway: those it lacks are created from the archive's globals, the rest refused.
    result.createdRoles = provideRoles(*leader, o, archive.source().location(), m, script.entries);
    setUpRestoreConnection(*leader, script.preamble, o.role);

    // From here on the target changes: a failure leaves it incomplete, and the message says so.
    std::unique_ptr<ProofReads> reads;
    UncreatedConstraints uncreated;  // outlives the scheduler's jobs
    try {
    auto tPre = Clock::now();
    log("restoring schema (pre-data)");
    auto preData = static_cast<uint64_t>(std::count_if(script.entries.begin(), script.entries.end(), [](const ScriptEntry& e) {
        return e.section == ScriptEntry::Section::PreData;
    }));
    WorkProgress::process().startPhase("restoring schema", "entries", preData, preData);
    for (const auto& e : script.entries) {
        throwIfInterrupted("restoring the schema");
        if (e.section != ScriptEntry::Section::PreData) continue;
        runEntry(*leader, e);
        WorkProgress::process().addDone();
        WorkProgress::process().addWork(1);
    }
    result.timings.preData = since(tPre);
    result.timings.schemaSpan = {0, since(t0)};

    log("restoring rows of " + std::to_string(m.tables.size()) + " tables on " + std::to_string(o.jobs) + " connections; " +
        (o.verify && o.analyze ? "indexes, keys, proof reads and ANALYZE" : o.verify ? "indexes, keys and proof reads"
                                                                     : o.analyze ? "indexes, keys and ANALYZE" : "indexes and keys") +
        " of a table start as soon as its rows are in");
    auto workers = openWorkers(o.target, o.jobs, script.preamble, o.role);
    RestoreScheduler scheduler(t0);
    RowLoading rows(archive);
    std::vector<size_t> loaded = rows.addJobs(scheduler, {}, excluded.tables);
    RestoreJob data;
    data.label = "sequences and large objects";
    data.work = RestoreWork::Data;
    std::vector<const ScriptEntry*> dataEntries;
    for (const auto& e : script.entries)
        if (e.section == ScriptEntry::Section::Data && e.type != "TABLE DATA") dataEntries.push_back(&e);
    data.run = [dataEntries](PgConnection& c) {
        for (const ScriptEntry* e : dataEntries) {
            throwIfInterrupted("restoring sequences and large objects");
            runEntry(c, *e, true);
        }
    };
    std::vector<size_t> everything = loaded;
    if (!dataEntries.empty()) everything.push_back(scheduler.add(std::move(data)));
    size_t allRows = scheduler.milestone("all rows, sequences and large objects", everything);
    reads = addPostDataAndProof(scheduler, o, m, script.entries, loaded, allRows, *leader, uncreated, excluded.tables);
    scheduler.run(workers);
    result.uncreatedConstraints = uncreated.counted(*leader);
    if (o.verify) result.access = proveAccess(*leader, script.entries);
    recordSpans(scheduler, result.timings);
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
    const Manifest& proven = excluded.proofManifest;  // without an excluded extension's tables
    result.tables = proven.tables.size();
    result.rows = proven.totalRows();
    result.rawBytes = proven.totalRawBytes();

    proveAndSwap(o, proven, result, reads.get(), t0);
    result.timings.total = since(t0);
    return result;
}

}  // namespace pgproof
