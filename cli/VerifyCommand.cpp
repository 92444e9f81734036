// pgproof verify: prove a live database still holds what the baseline recorded.
#include <iostream>

#include "CommandLine.hpp"
#include "Errors.hpp"
#include "ProgressLine.hpp"
#include "ReportPublisher.hpp"
#include "TableLocking.hpp"
#include "VerifyReportWriter.hpp"

namespace pgproof::cli {

int runVerify(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string baselinePath, db, mode = "exact", plan;
    int jobs = kDefaultConnections;
    int showRows = 10;
    bool noRows = false;
    std::string tmpdir;
    VerifyOptions o;
    po::options_description desc("Options");
    desc.add_options()("baseline,b", po::value(&baselinePath)->value_name("FILE")->required(),
                       "an archive (pgproof backup) or a snapshot file (pgproof snapshot)")(
        "db", po::value(&db)->value_name("URL"), "connection string or postgres:// URI; also -d, --dbname (default: DATABASE_URL, then PG* variables)")(
        "mode", po::value(&mode)->value_name("exact|no-loss"),
        "exact (default): rows and fingerprints equal; no-loss: no table lost rows, content changes reported")(
        "jobs,j", po::value(&jobs)->value_name("N"), "database connections (default: 2; hashing uses every core)")(
        "counts-only", po::bool_switch(&o.countsOnly), "compare exact row counts only (fast), no fingerprints")(
        "plan", po::value(&plan)->value_name("FILE"),
        "migration plan (YAML): expected columns/constraints/indexes/enums, backfills, orphans, unique, counts, changes, checks")(
        "lock-wait-timeout", po::value(&o.lockWaitTimeout)->value_name("DURATION"),
        "fail (exit 3) instead of waiting longer than this for a table lock, e.g. 30s (default: wait, as pg_dump)")(
        "no-rows", po::bool_switch(&noRows),
        "compare counts and fingerprints only: a table that differs is not read again to name its rows, no temporary files")(
        "show-rows", po::value(&showRows)->value_name("N"), "row differences listed per table in the text report (default: 10)")(
        "tmpdir", po::value(&tmpdir)->value_name("DIR"),
        "folder for the temporary files of the tables whose figures differ, compared row by row (default: TMPDIR, else "
        "/tmp); removed on every exit");
    addCommonFlags(desc, flags, true);
    addIdentityFlag(desc);
    auto vm = parseOptions("verify",
                           "pgproof verify --baseline FILE [--db URL] [--mode exact|no-loss] [--plan FILE] [--jobs N] [--counts-only] "
                           "[--lock-wait-timeout DURATION] [--no-rows] [--show-rows N] [--tmpdir DIR] [--json FILE|-] [--junit FILE]",
                           "Recomputes every baseline table's row count and fingerprint on the live database (N connections,\n"
                           "one snapshot), reading exactly the baseline's columns, and proves nothing was lost. Against an\n"
                           "archive it also compares row by row, by each table's key, in the same read: no-loss mode proves\n"
                           "every baseline row is still there, and every failing table names its lost, added and changed rows.\n"
                           "Exit 0 proven, 1 failed (do not proceed), 2 bad input, 3 could not complete.",
                           desc, po::positional_options_description(), args);
    if (!vm) return 0;
    setUpLogging(flags);
    ReportPublisher& publisher = ReportPublisher::open("verify", baselinePath, flags);
    publisher.context()["baseline"] = {{"path", baselinePath}};
    publisher.context()["mode"] = mode;
    if (mode == "exact") o.mode = VerifyMode::Exact;
    else if (mode == "no-loss") o.mode = VerifyMode::NoLoss;
    else throw BadInputError("--mode must be exact or no-loss, got '" + mode + "'");
    if (vm->count("db")) o.db = db;
    o.jobs = checkJobs(jobs);
    if (vm->count("lock-wait-timeout")) checkLockWaitTimeout(o.lockWaitTimeout);
    if (vm->count("plan")) o.plan = MigrationPlan::load(plan);
    if (showRows < 0) throw BadInputError("--show-rows must be 0 or more, got " + std::to_string(showRows));
    o.tmpdir = checkTmpdir(tmpdir);
    o.rowLevel = !noRows;
    Baseline baseline = Baseline::load(baselinePath);
    publisher.context()["baseline"]["kind"] = baseline.kind;
    for (const auto& t : baseline.tables) publisher.expect("table", t.id().display(), "pgproof.verify.tables");
    for (const auto& s : baseline.sequences) publisher.expect("sequence", s.id().display(), "pgproof.verify.sequences");
    ProgressLine progress(progressWanted(flags));
    VerifyReport report = runVerification(baseline, o);
    progress.finish();
    publisher.recorder().addFigures({.database = "", .tables = baseline.tables.size(), .rows = std::nullopt, .bytes = std::nullopt, .recoverySeconds = std::nullopt, .verdict = {}});
    const size_t rowsShown = static_cast<size_t>(showRows);
    return publisher.publish(outcomeOfExitCode(report.exitCode()),
                        {.json = [&](const SettledOutcome& s) { return verifyJson(report, s); },
                         .junit = [&](const SettledOutcome& s) {
                             return renderJUnit("pgproof verify " + baselinePath, verifyJUnitCases(report, s), report.seconds);
                         },
                         .markdown = {},
                         .text = [&](const SettledOutcome& s) {
                             return flags.quiet && s.outcome == Outcome::Proven ? std::string() : renderVerifyText(report, s, flags.verbose, rowsShown);
                         }});
}

}  // namespace pgproof::cli
