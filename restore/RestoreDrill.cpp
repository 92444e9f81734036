#include "RestoreDrill.hpp"

#include <cctype>

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <optional>

#include "ArchiveChecker.hpp"
#include "OpenedArchive.hpp"
#include "Errors.hpp"
#include "RestoreEncoding.hpp"
#include "RoleProvisioning.hpp"
#include "ExtensionExclusion.hpp"
#include "RestoreRefusals.hpp"
#include "RestoreTimingsReport.hpp"
#include "SqlIdentifier.hpp"
#include "UtcTime.hpp"
#include "VerifyReportWriter.hpp"

namespace pgproof {

namespace {

// Why a restore that finished did not pass: its rows differ from the backup, or they are all proven but
// some constraints of the source could not be created over them.
// Every row restored and proven, but constraints of the source could not be created: its own rows violate them.
bool sourceViolatesConstraints(const RestoreResult& restore) {
    return restore.verification && restore.verification->exitCode() == 0 && !restore.uncreatedConstraints.empty();
}

std::string restoreProblem(const RestoreResult& restore) {
    if (sourceViolatesConstraints(restore)) {
        std::string out = "every row is restored and proven identical to the backup, but " +
                          std::to_string(restore.uncreatedConstraints.size()) + " constraint(s) of the source could not be created: ";
        for (size_t i = 0; i < restore.uncreatedConstraints.size(); ++i)
            out += (i ? "; " : "") + describeUncreated(restore.uncreatedConstraints[i]).substr(std::string("constraint not created: ").size());
        return out;
    }
    return "the restored database does not match the backup";
}

std::string scratchName(const std::string& prefix) { return fmt::format("{}_{}_{}", prefix, utcNow("%Y%m%d_%H%M%S"), ::getpid()); }

// Scratch databases of earlier drills that nobody is connected to: kept with --keep, or left by a drill
// that was killed before it could drop its own. They are named, not dropped: a kept copy is someone's.
void noteLeftoverScratch(const PgConnection& admin, const DrillOptions& o) {
    if (!o.warn) return;
    std::string pattern = "^";
    for (char c : o.scratchPrefix) pattern += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? std::string(1, c) : std::string("\\") + c;
    pattern += "_[0-9]{8}_[0-9]{6}_[0-9]+$";
    auto res = admin.execParams(
        "SELECT d.datname FROM pg_catalog.pg_database d WHERE d.datname ~ $1 AND NOT EXISTS "
        "(SELECT 1 FROM pg_catalog.pg_stat_activity a WHERE a.datname = d.datname) ORDER BY 1",
        {pattern}, "looking for scratch databases of earlier drills");
    if (res.rows() == 0) return;
    std::string names;
    for (int i = 0; i < res.rows(); ++i) names += (i ? ", " : "") + res.value(i, 0);
    o.warn(std::to_string(res.rows()) + " scratch database(s) of earlier drills are still on the server, unused: " + names +
           " (kept with --keep, or left by a drill that was killed); drop them with DROP DATABASE once nobody needs them");
}

// The target refused the restore before loading (a role the archive names is missing, the encoding): what to fix.
std::string targetRefused(const std::string& why) {
    return "the target refused the restore: " + why + " (the archive is not marked damaged: fix the target and drill again)";
}

std::string verdictFor(int code) { return outcomeName(outcomeOfExitCode(code)); }


// The roles the drill created go with its scratch database: once it is dropped, nothing of them is left.
void dropRolesCreated(const DrillOptions& o, const PgConnection& admin, DrillResult& r) {
    if (r.createdRoles.empty() || !r.dropped) return;
    auto problems = dropCreatedRoles(admin, r.createdRoles);
    r.rolesDropped = problems.empty();
    if (o.restore.log && r.rolesDropped) o.restore.log("dropped the " + std::to_string(r.createdRoles.size()) + " role(s) the drill created");
    if (problems.empty()) return;
    r.problem += (r.problem.empty() ? "" : "; ") + std::string("a role the drill created could not be dropped: ") + problems.front();
    if (r.exitCode == 0) r.exitCode = 3;
    r.verdict = verdictFor(r.exitCode);
}

// Drops the scratch database unless --keep, pass or fail; a failed drop makes a passed drill incomplete.
void keepOrDrop(const DrillOptions& o, const PgConnection& admin, DrillResult& r) {
    if (r.scratchDatabase.empty() || o.leaveScratchToCaller) return;
    if (o.keep) {
        r.kept = true;
        if (o.restore.log)
            o.restore.log("keeping scratch database " + r.scratchDatabase + (r.createdRoles.empty() ? "" : " and the roles created for it"));
        return;
    }
    try {
        admin.exec("DROP DATABASE IF EXISTS " + quoteIdent(r.scratchDatabase) + " WITH (FORCE)", "dropping the scratch database");
        r.dropped = true;
    } catch (const std::exception& e) {
        r.problem += (r.problem.empty() ? "" : "; ") + std::string("the scratch database could not be dropped: ") + e.what();
        if (r.exitCode == 0) r.exitCode = 3;
        r.verdict = verdictFor(r.exitCode);
    }
    dropRolesCreated(o, admin, r);
}

}  // namespace

// One body for every source. Random access: the archive is checked first (every frame, every table),
// and the scratch database is created in the archive's encoding and locale before the restore. A stream
// can be read once, so the archive check is the restore's own: every frame is checked as it is loaded
// and judged against the manifest at the end, before indexes and the proof; the scratch database is
// created once the dump's preamble names the encoding (the locale, recorded in the manifest at the end,
// is not known yet: the scratch database uses C, which fits every encoding).
DrillResult runDrill(const DrillOptions& o) {
    auto log = [&](const std::string& s) {
        if (o.restore.log) o.restore.log(s);
    };
    DrillResult r;
    r.archive = o.restore.archive;
    auto source = openArchiveSource(o.restore.archive);  // BadInputError (cannot be opened) propagates: nothing was drilled
    if (source->randomAccess()) r.archiveBytes = source->size();
    std::optional<OpenedArchive> archive;
    try {
        archive.emplace(std::move(source));  // BadInputError (not an archive at all) propagates
    } catch (const ProofFailedError& e) {
        // A truncated archive or a damaged manifest is exactly what a drill exists to find: report it.
        r.checkProblems.push_back(e.what());
        r.exitCode = 1;
        r.verdict = "failed";
        r.problem = "the archive is damaged (" + std::string(e.what()) + "); no restore was attempted";
        return r;
    }
    auto describeArchive = [&](const Manifest& m, uint64_t bytes) {
        r.archiveBytes = bytes;
        r.archiveCreated = m.created;
        r.archiveAgeSeconds = secondsSince(r.archiveCreated);
        r.source = m.source;
    };
    if (archive->manifestKnown()) describeArchive(archive->manifest(), archive->size());

    ConnectionTarget server = ConnectionTarget::resolve(o.server);
    ConnectionTarget maintenance = server.option("dbname") ? server : server.withDatabase("postgres");
    PgConnection admin = PgConnection::connect(maintenance, "pgproof drill");
    noteLeftoverScratch(admin, o);
    r.server = admin.describe();

    RestoreOptions ro = o.restore;
    ro.verify = true;
    ro.createDatabase.reset();  // the drill's target is its scratch database
    ro.roleCreated = [&r](const std::string& role) { r.createdRoles.push_back(role); };
    requireManifestFirst(ro, *archive);  // --exclude-extension on a stream: bad input, before anything is created
    std::string name = scratchName(o.scratchPrefix);
    if (const ArchiveReader* reader = archive->reader()) {
        auto t = std::chrono::steady_clock::now();
        log("checking the archive (every frame, every table)");
        CheckReport check = checkArchive(*reader, o.checkThreads);
        r.checkSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
        if (!check.ok()) {
            for (const auto& p : check.problems) r.checkProblems.push_back(p);
            for (const auto& tc : check.tables)
                for (const auto& p : tc.problems) r.checkProblems.push_back(tc.table->id().display() + ": " + p);
            r.exitCode = 1;
            r.verdict = "failed";
            r.problem = "the archive is damaged (" + std::to_string(check.failures()) + " problem(s)); no restore was attempted";
            return r;
        }
        requireExtensionsInArchive(reader->manifest(), ro.excludeExtensions);  // bad input: before anything is created
        r.scratchDatabase = name;
        log("creating scratch database " + r.scratchDatabase);
        ScratchDatabaseLocale created = createDatabaseLike(admin, r.scratchDatabase, reader->manifest());
        r.scratchLocale = created.locale;
        r.localeNote = created.note;
        if (!r.localeNote.empty()) log("note: " + r.localeNote);
        ro.target = server.withDatabase(r.scratchDatabase);
    } else {
        ro.prepareTarget = [&](const std::string& encoding) {
            Manifest like;
            like.settings = nlohmann::json::object();
            if (!encoding.empty()) {
                like.settings["client_encoding"] = encoding;
                like.source = {{"encoding", encoding}, {"lc_collate", "C"}, {"lc_ctype", "C"}};
            }
            log("creating scratch database " + name);
            ScratchDatabaseLocale created = createDatabaseLike(admin, name, like);
            r.scratchDatabase = name;
            r.scratchLocale = created.locale;
            r.localeNote = "the archive arrived as a stream: its locale is recorded at its end, so the scratch database "
                           "uses the C locale (rows and fingerprints are unaffected, text sorts bytewise)";
            return server.withDatabase(name);
        };
    }
    try {
        r.restore = runRestore(ro, *archive);
        r.exitCode = r.restore->exitCode();
        if (!archive->reader()) {
            r.checkSeconds = r.restore->timings.archiveCheck;
            if (r.restore->streamManifest) describeArchive(*r.restore->streamManifest, r.restore->archiveBytes);
        }
        if (r.exitCode == 1 && sourceViolatesConstraints(*r.restore)) {
            r.problem = restoreProblem(*r.restore);  // the rows are proven; the source's own data breaks its constraints
        } else if (r.exitCode == 1) {  // every frame was checked against the manifest, before or on the way in
            r.targetFailed = true;
            r.problem = targetDifference(*r.restore, "drill");
        }
    } catch (const PgproofError& e) {
        if (e.code() == ExitCode::BadInput && r.scratchDatabase.empty()) throw;  // nothing was created or drilled
        r.exitCode = e.code() == ExitCode::BadInput ? 3 : static_cast<int>(e.code());
        // The archive check passed (or is the stream's own); a ProofFailedError here is frame damage met
        // while loading (a stream's, or a file that changed under the drill): still the archive's.
        if (e.code() == ExitCode::ProofFailed) r.checkProblems.push_back(e.what());
        r.targetFailed = e.code() == ExitCode::BadInput;
        r.problem = r.targetFailed ? targetRefused(e.what()) : e.what();
    } catch (const std::exception& e) {
        r.exitCode = 3;
        r.problem = e.what();
    }
    r.verdict = verdictFor(r.exitCode);
    keepOrDrop(o, admin, r);
    return r;
}

std::string targetDifference(const RestoreResult& restore, const std::string& again) {
    std::string first = restore.access.held() ? "" : restore.access.problems.front();
    if (restore.verification) {
        for (const auto& t : restore.verification->tables)
            if (first.empty() && t.verdict != Verdict::Ok) first = t.id.display() + (t.reason.empty() ? "" : ": " + t.reason);
        for (const auto& sq : restore.verification->sequences)
            if (first.empty() && sq.verdict != Verdict::Ok) first = sq.id.display() + (sq.reason.empty() ? "" : ": " + sq.reason);
    }
    return "the archive checked intact, but the restored database does not match it" + (first.empty() ? "" : " (first: " + first + ")") +
           ": the target differs from the source; compare its extensions (versions), roles and settings with the source's, "
           "fix them and " + again + " again (the archive is not marked damaged)";
}

std::string drillVerdictWord(const DrillResult& r) {
    return outcomeHeadline(outcomeOfName(r.verdict), "PASSED");
}

std::string renderDrillMarkdown(const DrillResult& r) {
    std::string out = fmt::format("# Restore drill: {}\n\n", drillVerdictWord(r));
    std::string when = utcNow("%Y-%m-%d %H:%M:%S UTC");
    out += fmt::format("- **Verdict:** {} (exit code {})\n", r.verdict, r.exitCode);
    if (!r.problem.empty()) out += fmt::format("- **Problem:** {}\n", r.problem);
    out += fmt::format("- **Drill run:** {}\n", when);
    out += fmt::format("- **Archive:** `{}`, {}, created {} ({} old)\n", r.archive, humanBytes(r.archiveBytes), r.archiveCreated,
                       describeAge(r.archiveAgeSeconds));
    if (r.source.contains("database"))
        out += fmt::format("- **Backed up from:** database {} on {}:{} (PostgreSQL {})\n", r.source.value("database", "?"),
                           r.source.value("host", "?"), r.source.value("port", "?"), r.source.value("server_version", "?"));
    out += fmt::format("- **Restored on:** {}, scratch database `{}` ({})\n\n", r.server,
                       r.scratchDatabase.empty() ? "-" : r.scratchDatabase,
                       r.kept ? "kept" : r.dropped ? "dropped" : r.scratchDatabase.empty() ? "not created" : "NOT dropped");
    if (!r.scratchLocale.encoding.empty())
        out += fmt::format("- **Scratch database encoding:** {}, LC_COLLATE {}, LC_CTYPE {}\n\n", r.scratchLocale.encoding,
                           r.scratchLocale.collate.empty() ? "server default" : r.scratchLocale.collate,
                           r.scratchLocale.ctype.empty() ? "server default" : r.scratchLocale.ctype);
    if (!r.localeNote.empty()) out += fmt::format("- **Note:** {}\n\n", r.localeNote);
    if (!r.createdRoles.empty()) {
        std::string list;
        for (const auto& role : r.createdRoles) list += (list.empty() ? "`" : ", `") + role + "`";
        out += fmt::format("- **Roles created from the archive's globals:** {} ({})\n\n", list,
                           r.rolesDropped ? "dropped after the drill" : r.kept ? "kept with the database" : "NOT dropped");
    }
    out += "## Timings\n\n";
    if (r.restore)
        out += "The restore's steps overlap: one scheduler runs rows, indexes and keys, the proof reads (each table read back as "
               "soon as its rows are in) and ANALYZE at once on the restore's connections. Each step is shown as the span from "
               "its first job's start to its last job's end, in seconds since the restore started; the recovery time is the "
               "restore's wall time, start to proof.\n\n";
    out += "| step | from | to | seconds |\n|---|---:|---:|---:|\n";
    out += fmt::format("| archive check (every frame and table) | | | {:.2f} |\n", r.checkSeconds);
    if (r.restore) {
        const auto& t = r.restore->timings;
        out += restoreSpansMarkdown(t);
        out += fmt::format("| **recovery time (restore + verify)** | | | **{:.2f}** |\n", t.total);
        out += fmt::format("| **drill total (check + recovery)** | | | **{:.2f}** |\n\n", r.checkSeconds + t.total);
        out += fmt::format("Restored {} tables, {} rows, {} of SQL.\n\n", r.restore->tables, withThousands(r.restore->rows),
                           humanBytes(r.restore->rawBytes));
        if (r.restore->access.ran) out += "Ownership and grants: " + describeAccess(r.restore->access) + ".\n\n";
        if (!r.restore->excludedTables.empty()) out += "Left out: " + r.restore->excludedSummary() + ".\n\n";
        if (!r.restore->uncreatedConstraints.empty()) {
            out += "## Constraints not created\n\n";
            for (const auto& c : r.restore->uncreatedConstraints) out += "- " + describeUncreated(c) + "\n";
            out += "\n";
        }
        if (r.restore->verification) {
            out += "## Tables\n\n```\n" + renderVerifyText(*r.restore->verification, SettledOutcome::of(outcomeOfExitCode(r.restore->verification->exitCode())), true) + "```\n";
        }
    } else {
        out += "\n";
    }
    if (!r.checkProblems.empty()) {
        out += "## Archive damage\n\n";
        for (const auto& p : r.checkProblems) out += "- " + p + "\n";
    }
    return out;
}

nlohmann::json drillJson(const DrillResult& r) {
    nlohmann::json j = {
        {"report", "pgproof-drill"},
        {"report_version", 1},
        {"verdict", r.verdict},
        {"exit_code", r.exitCode},
        {"problem", r.problem},
        {"archive", {{"path", r.archive}, {"size", r.archiveBytes}, {"created", r.archiveCreated}, {"age_seconds", r.archiveAgeSeconds},
                     {"source", r.source}}},
        {"server", r.server},
        {"scratch_database", r.scratchDatabase},
        {"scratch_database_encoding", r.scratchLocale.encoding},
        {"scratch_database_locale", {{"lc_collate", r.scratchLocale.collate}, {"lc_ctype", r.scratchLocale.ctype}}},
        {"notes", r.localeNote.empty() ? nlohmann::json::array() : nlohmann::json::array({r.localeNote})},
        {"kept", r.kept},
        {"dropped", r.dropped},
        {"archive_problems", r.checkProblems},
        {"target_failed", r.targetFailed},
        {"created_roles", r.createdRoles},
        {"access", r.restore ? accessJson(r.restore->access) : nlohmann::json()},
        {"created_roles_dropped", r.rolesDropped},
    };
    nlohmann::json timings = {{"archive_check", r.checkSeconds}};
    if (r.restore) {
        const auto& t = r.restore->timings;
        timings["schema"] = t.archiveCheck + t.preData;
        timings["data"] = t.data;
        timings["post_data"] = t.postData;
        timings["verify"] = t.verify;
        timings["analyze"] = t.analyze;
        timings["spans"] = restoreSpansJson(t);
        timings["recovery_total"] = t.total;
        timings["drill_total"] = r.checkSeconds + t.total;
        j["tables_restored"] = r.restore->tables;
        j["uncreated_constraints"] = uncreatedConstraintsJson(r.restore->uncreatedConstraints);
        j["rows_restored"] = r.restore->rows;
        if (r.restore->verification) j["verification"] = verifyJson(*r.restore->verification, SettledOutcome::of(outcomeOfExitCode(r.restore->verification->exitCode())));
    }
    j["timings"] = timings;
    return j;
}

std::vector<JUnitCase> drillJUnitCases(const DrillResult& r) {
    std::vector<JUnitCase> cases;
    cases.push_back({"pgproof.drill", "archive check", !r.checkProblems.empty(), false,
                     r.checkProblems.empty() ? "" : r.checkProblems.front(), "", r.checkSeconds});
    if (r.restore && r.restore->verification) {
        for (auto c : verifyJUnitCases(*r.restore->verification, SettledOutcome::of(outcomeOfExitCode(r.restore->verification->exitCode())))) {
            c.classname = "pgproof.drill.tables";
            cases.push_back(c);
        }
    } else if (r.checkProblems.empty()) {
        cases.push_back({"pgproof.drill", "restore", false, true, r.problem, "", 0});
    }
    if (r.restore)
        for (const auto& c : r.restore->uncreatedConstraints)
            cases.push_back({"pgproof.drill.constraints", c.constraint, true, false, describeUncreated(c), "", 0});
    cases.push_back({"pgproof.drill", "scratch database removed", !r.kept && !r.dropped && !r.scratchDatabase.empty(), false,
                     (!r.kept && !r.dropped && !r.scratchDatabase.empty()) ? "scratch database " + r.scratchDatabase + " was not dropped" : "",
                     "", 0});
    return cases;
}

}  // namespace pgproof
