// pgproof drill: timed restore drill into a scratch database, with a report.
#include <spdlog/spdlog.h>

#include <filesystem>

#include "CommandLine.hpp"
#include "ProgressLine.hpp"
#include "ReportPublisher.hpp"
#include "RestoreDrill.hpp"
#include "RestoreReport.hpp"

namespace pgproof::cli {

int runDrill(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string file, server, report;
    bool keep = false, noOwner = false, noPrivileges = false, analyze = false;
    std::string role, globals;
    std::vector<std::string> excludeExtensions;
    int jobs = kDefaultConnections;
    po::options_description desc("Options");
    desc.add_options()("file", po::value(&file)->value_name("FILE|-")->required(), "the archive, or - to read it from stdin (once, in order)")(
        "server", po::value(&server)->value_name("URL"), "the server to drill on (default: DATABASE_URL, then PG* variables)")(
        "jobs,j", po::value(&jobs)->value_name("N"), "database connections (default: 2; the archive check uses every core)")(
        "analyze", po::bool_switch(&analyze), "ANALYZE every restored table as part of the recovery (timed on its own line)")(
        "keep", po::bool_switch(&keep), "keep the scratch database afterwards (it is dropped by default, pass or fail)")(
        "report", po::value(&report)->value_name("FILE"), "write the drill report (markdown) to FILE")(
        "no-owner,O", po::bool_switch(&noOwner), "do not restore ownership (for staging servers without production's roles)")(
        "no-privileges,x", po::bool_switch(&noPrivileges), "do not restore grants")(
        "exclude-extension", po::value(&excludeExtensions)->value_name("NAME")->composing(),
        "leave extension NAME out (repeatable): its CREATE EXTENSION, its configuration tables' data (reported as not covered) "
        "and grants on its own schemas; for pg_cron outside its cron.database_name, an extension the server lacks")(
        "globals", po::value(&globals)->value_name("FILE"),
        "the globals archive (backup --globals' NAME.globals.sql.zst, a file or s3://) to create the roles the archive needs "
        "from, instead of the one beside it; the way to create roles when the archive comes on stdin")(
        "role", po::value(&role)->value_name("NAME"), "SET ROLE NAME on every restore connection");
    addCommonFlags(desc, flags, true);
    addIdentityFlag(desc);
    po::positional_options_description pos;
    pos.add("file", 1);
    auto vm = parseOptions("drill", "pgproof drill FILE|- [--server URL] [--jobs N] [--analyze] [--keep] [--report FILE] [--no-owner] [--no-privileges] [--role NAME] [--globals FILE] [--exclude-extension NAME]... [--json FILE|-] [--junit FILE]",
                           "The restore drill: proves the archive intact, restores it into a new scratch database with\n"
                           "verification, times every step (the real recovery time) and writes a report.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    ReportPublisher& publisher = ReportPublisher::open("drill", file, flags, report);
    publisher.context()["archive"] = {{"path", file}};
    publisher.expectArchiveTables(file, "pgproof.drill.tables");
    DrillOptions o;
    o.restore.archive = file;
    if (vm->count("server")) o.server = server;
    o.restore.jobs = checkJobs(jobs);
    o.checkThreads = defaultThreads();
    o.keep = keep;
    o.restore.analyze = analyze;
    o.restore.noOwner = noOwner;
    o.restore.noPrivileges = noPrivileges;
    if (vm->count("role")) o.restore.role = role;
    if (vm->count("globals")) o.restore.globals = globals;
    o.restore.excludeExtensions = excludeExtensions;
    o.restore.log = [](const std::string& s) { spdlog::info("{}", s); };
    o.warn = [](const std::string& s) { spdlog::warn("{}", s); };
    ProgressLine progress(progressWanted(flags));
    DrillResult r = runDrill(o);
    progress.finish();
    if (r.restore)
        publisher.recorder().addFigures({.database = "", .tables = r.restore->tables, .rows = r.restore->rows, .bytes = std::nullopt,
                                    .recoverySeconds = r.restore->timings.total, .verdict = {}});
    if (!report.empty()) publisher.recorder().setReport(std::filesystem::absolute(report).string());
    // Only the drill's own archive check marks the archive damaged; a target that refused it is recorded as that.
    if (!r.checkProblems.empty()) publisher.recorder().markArchiveDamaged();
    if (r.targetFailed) publisher.recorder().markTargetFailed();
    publisher.explain(r.problem);  // the history says why, not only that
    const std::string judgedProblem = r.problem;
    auto settledResult = [&r, &judgedProblem](const SettledOutcome& s) -> const DrillResult& { return asSettled(r, judgedProblem, s); };
    ReportRenderers out;
    out.markdown = [&](const SettledOutcome& s) { return renderDrillMarkdown(settledResult(s)); };
    out.json = [&](const SettledOutcome& s) { return drillJson(settledResult(s)); };
    out.junit = [&](const SettledOutcome& s) { return drillJUnit(settledResult(s), file, s); };
    out.text = [&](const SettledOutcome& s) { return renderDrillText(settledResult(s), file, report, s, flags.quiet); };
    return publisher.publish(outcomeOfExitCode(r.exitCode), out);
}

}  // namespace pgproof::cli
