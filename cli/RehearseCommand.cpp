// pgproof rehearse: the deploy rehearsed on a restored copy of production.
#include <spdlog/spdlog.h>

#include <iostream>

#include "CommandLine.hpp"
#include "Errors.hpp"
#include "MigrationRehearsal.hpp"
#include "ReportPublisher.hpp"

namespace pgproof::cli {

int runRehearse(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string file, migration, plan, server, report, mode = "no-loss", role;
    bool keep = false, noOwner = false, noPrivileges = false;
    int jobs = kDefaultConnections;
    po::options_description desc("Options");
    desc.add_options()("file", po::value(&file)->value_name("ARCHIVE")->required(), "the archive (pgproof backup) of the database to rehearse on")(
        "migration", po::value(&migration)->value_name("FILE.sql")->required(), "the migration to rehearse")(
        "plan", po::value(&plan)->value_name("PLAN.yaml"), "the migration plan verify checks on the migrated copy (docs/PLANS.md)")(
        "mode", po::value(&mode)->value_name("exact|no-loss"), "verify mode after the migration (default: no-loss)")(
        "server", po::value(&server)->value_name("URL"), "the server to rehearse on (default: DATABASE_URL, then PG* variables)")(
        "jobs,j", po::value(&jobs)->value_name("N"), "database connections for restore and verify (default: 2)")(
        "keep", po::bool_switch(&keep), "keep the scratch database afterwards (dropped by default, pass or fail)")(
        "report", po::value(&report)->value_name("FILE"), "write the rehearsal report (markdown) to FILE")(
        "no-owner,O", po::bool_switch(&noOwner), "do not restore ownership")(
        "no-privileges,x", po::bool_switch(&noPrivileges), "do not restore grants")(
        "role", po::value(&role)->value_name("NAME"), "SET ROLE NAME on every restore connection");
    addCommonFlags(desc, flags, true);
    addIdentityFlag(desc);
    po::positional_options_description pos;
    pos.add("file", 1);
    auto vm = parseOptions("rehearse",
                           "pgproof rehearse ARCHIVE --migration FILE.sql [--plan PLAN.yaml] [--mode exact|no-loss] [--server URL] [--jobs N] "
                           "[--keep] [--report FILE] [--json FILE|-] [--junit FILE]",
                           "Restores the archive into a scratch database as drill does (checked, restored, proven: the rollback\n"
                           "estimate), runs the migration there statement by statement with psql's semantics (stop at the first\n"
                           "error; one transaction unless the file has its own BEGIN/COMMIT or uses CONCURRENTLY), timing each\n"
                           "one with its rows and lock (the downtime estimate), then verifies the migrated copy against the\n"
                           "archive with the plan. The scratch database is dropped unless --keep, pass or fail.\n"
                           "Exit 0 passed, 1 the migration or the proof failed, 2 bad input, 3 could not complete.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    ReportPublisher& publisher = ReportPublisher::open("rehearse", file, flags, report);
    publisher.context()["archive"] = {{"path", file}};
    publisher.context()["migration"] = {{"path", migration}};
    RehearsalOptions o;
    o.drill.restore.archive = file;
    o.migration = migration;
    if (mode == "exact") o.verify.mode = VerifyMode::Exact;
    else if (mode == "no-loss") o.verify.mode = VerifyMode::NoLoss;
    else throw BadInputError("--mode must be exact or no-loss, got '" + mode + "'");
    if (vm->count("plan")) {
        o.verify.plan = MigrationPlan::load(plan);
        o.planPath = plan;
    }
    if (vm->count("server")) o.drill.server = server;
    o.drill.restore.jobs = checkJobs(jobs);
    o.drill.checkThreads = defaultThreads();
    o.drill.keep = keep;
    o.drill.restore.noOwner = noOwner;
    o.drill.restore.noPrivileges = noPrivileges;
    if (vm->count("role")) o.drill.restore.role = role;
    o.drill.restore.log = [](const std::string& s) { spdlog::info("{}", s); };
    RehearsalResult r = rehearseMigration(o);
    // Its restore is a drill: only that drill's archive check can find the archive damaged.
    if (!r.restore.checkProblems.empty()) publisher.recorder().markArchiveDamaged();
    if (r.restore.targetFailed) publisher.recorder().markTargetFailed();
    publisher.explain(r.problem);  // the history says why, not only that
    const std::string judgedProblem = r.problem;
    auto settledResult = [&r, &judgedProblem](const SettledOutcome& s) -> const RehearsalResult& { return asSettled(r, judgedProblem, s); };
    ReportRenderers out;
    out.markdown = [&](const SettledOutcome& s) { return renderRehearsalMarkdown(settledResult(s)); };
    out.json = [&](const SettledOutcome& s) { return rehearsalJson(settledResult(s)); };
    out.junit = [&](const SettledOutcome& s) {
        auto cases = rehearsalJUnitCases(settledResult(s));
        appendOutcomeCase(cases, s, "pgproof.rehearse");
        return renderJUnit("pgproof rehearse " + file + " " + migration, cases, r.migrationSeconds);
    };
    out.text = [&](const SettledOutcome& s) {
        if (flags.quiet && s.outcome == Outcome::Proven) return std::string();
        return renderRehearsalText(settledResult(s)) + (report.empty() ? "" : "report: " + report + "\n");
    };
    return publisher.publish(outcomeOfExitCode(r.exitCode), out);
}

}  // namespace pgproof::cli
