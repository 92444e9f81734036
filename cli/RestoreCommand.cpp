// pgproof restore: parallel restore into an empty database, then proof.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "CommandLine.hpp"
#include "Errors.hpp"
#include "ParallelRestore.hpp"
#include "RestoreDrill.hpp"
#include "RestoreTimingsReport.hpp"
#include "ProgressLine.hpp"
#include "ReportSink.hpp"
#include "VerifyReportWriter.hpp"

namespace pgproof::cli {

int runRestore(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string file, db, swapInto;
    bool noVerify = false, noOwner = false, noPrivileges = false, analyze = false;
    std::string role;
    int jobs = kDefaultConnections;
    po::options_description desc("Options");
    desc.add_options()("file", po::value(&file)->value_name("FILE|-")->required(), "the archive, or - to read it from stdin (once, in order)")(
        "db", po::value(&db)->value_name("URL")->required(), "the EMPTY target database (conninfo or postgres:// URI; also -d, --dbname)")(
        "jobs,j", po::value(&jobs)->value_name("N"), "connections for rows and indexes (default: 2)")(
        "no-verify", po::bool_switch(&noVerify), "skip the final verification (then nothing is proven)")(
        "analyze", po::bool_switch(&analyze), "ANALYZE every restored table (planner statistics), scheduled with the rest, timed apart")(
        "no-owner,O", po::bool_switch(&noOwner), "do not restore ownership (as pg_restore --no-owner): objects belong to the restoring role")(
        "no-privileges,x", po::bool_switch(&noPrivileges), "do not restore grants (as pg_restore --no-privileges)")(
        "role", po::value(&role)->value_name("NAME"), "SET ROLE NAME on every restore connection (as pg_restore --role)")(
        "swap-into", po::value(&swapInto)->value_name("NAME"),
        "once proven, rename the restored database to NAME, keeping the old NAME as NAME_before_restore_<date>");
    addCommonFlags(desc, flags, true);
    addIdentityFlag(desc);
    po::positional_options_description pos;
    pos.add("file", 1);
    auto vm = parseOptions("restore", "pgproof restore FILE|- --db URL [--jobs N] [--no-verify] [--analyze] [--no-owner] [--no-privileges] [--role NAME] [--swap-into NAME] [--json FILE|-] [--junit FILE]",
                           "Restores an archive into an empty database: schema, then rows on N connections (frames checked on\n"
                           "the way); each table's indexes, keys and proof read (the table read back from the server) start\n"
                           "as soon as its rows are in, all on the same N connections; finally every table is proven equal to\n"
                           "the manifest (as verify --mode exact). A non-empty target is refused, unchanged.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    ReportSink& sink = ReportSink::open("restore", file, flags);
    sink.context()["baseline"] = {{"path", file}, {"kind", "archive"}};
    sink.expectArchiveTables(file, "pgproof.verify.tables");
    RestoreOptions o;
    o.archive = file;
    o.target = ConnectionTarget(db);
    o.jobs = checkJobs(jobs);
    o.verify = !noVerify;
    o.analyze = analyze;
    o.noOwner = noOwner;
    o.noPrivileges = noPrivileges;
    if (vm->count("role")) o.role = role;
    if (vm->count("swap-into")) {
        if (swapInto.empty()) throw BadInputError("--swap-into needs a database name");
        if (noVerify) throw BadInputError("--swap-into needs the verification: a database is only swapped in once proven; drop --no-verify");
        o.swapInto = swapInto;
    }
    o.log = [](const std::string& s) { spdlog::info("{}", s); };
    ProgressLine progress(progressWanted(flags));
    RestoreResult r;
    try {
        r = runRestore(o);
    } catch (const ProofFailedError&) {
        // runRestore's contract: a ProofFailedError is the archive's own damage (a frame or the manifest),
        // found by the checks it makes while reading it.
        sink.recorder().markArchiveDamaged();
        throw;
    }
    progress.finish();
    const bool targetDiffers = r.verification && r.verification->exitCode() == 1;
    // The archive's frames were checked while loading: what differs is the target's, and the record says what.
    const std::string targetProblem = targetDiffers ? targetDifference(r, "restore") : "";
    const auto& t = r.timings;
    sink.recorder().addFigures({.database = "", .tables = r.tables, .rows = r.rows, .bytes = std::nullopt, .recoverySeconds = t.total,
                                .verdict = r.verification ? "" : "not verified"});
    if (targetDiffers) {
        sink.recorder().markTargetFailed();
        sink.explain(targetProblem);
    }
    if (!r.swapProblem.empty()) spdlog::error("not swapped into {}: {}", *o.swapInto, r.swapProblem);
    ReportRenderers out;
    if (r.verification) {
        out.json = [&](const SettledOutcome& s) {
            auto j = verifyJson(*r.verification, s);
            j["report"] = "pgproof-restore";
            j["restored_database"] = r.database;
            j["timings"] = restoreTimingsJson(t);
            j["skipped"] = {{"owner_changes", r.skippedOwnerChanges}, {"privileges", r.skippedPrivileges}};
            j["uncreated_constraints"] = uncreatedConstraintsJson(r.uncreatedConstraints);
            if (o.swapInto) j["swap"] = {{"into", *o.swapInto}, {"kept_old_database", r.keptOldDatabase}, {"swapped", r.exitCode() == 0},
                                   {"problem", r.swapProblem}};
            return j;
        };
        out.junit = [&](const SettledOutcome& s) {
            return renderJUnit("pgproof restore " + file, verifyJUnitCases(*r.verification, s), t.total);
        };
    }
    out.text = [&](const SettledOutcome& s) {
        std::string text;
        if (r.verification && !(flags.quiet && s.outcome == Outcome::Proven)) text += renderVerifyText(*r.verification, s, flags.verbose);
        if (flags.quiet) return text;
        text += fmt::format("restore {} -> {}: {} tables, {} rows in {:.2f} s\n", file, r.database, r.tables, withThousands(r.rows), t.total);
        text += renderRestoreSpans(t);
        if (r.skippedOwnerChanges || r.skippedPrivileges)
            text += fmt::format("skipped (not data, the proof stands on its own): {} owner change(s) (--no-owner), {} grant "
                                "entries (--no-privileges)\n", r.skippedOwnerChanges, r.skippedPrivileges);
        for (const auto& c : r.uncreatedConstraints) text += describeUncreated(c) + "\n";
        if (!r.uncreatedConstraints.empty())
            text += fmt::format("FAILED: every row is restored{}, but {} constraint(s) of the source could not be created over them; "
                                "do not use this database as it is\n",
                                r.verification && r.verification->exitCode() == 0 ? " and proven" : "", r.uncreatedConstraints.size());
        if (!r.verification) text += "NOT VERIFIED (--no-verify): the restore finished, but nothing is proven\n";
        if (targetDiffers) text += targetProblem + "\n";
        if (o.swapInto && r.exitCode() == 0)
            text += "swapped: database " + *o.swapInto + " is now the restored one" +
                    (r.keptOldDatabase.empty() ? "" : "; the previous one is kept as " + r.keptOldDatabase) + "\n";
        if (o.swapInto && !r.swapProblem.empty())
            text += "NOT swapped: " + r.database + " is restored and proven, but " + r.swapProblem + "\n";
        else if (o.swapInto && r.exitCode() != 0)
            text += "NOT swapped: the restored database did not prove equal to the backup\n";
        return text;
    };
    return sink.publish(outcomeOfExitCode(r.exitCode()), out);
}

}  // namespace pgproof::cli
