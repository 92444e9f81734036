// pgproof snapshot: counts and fingerprints of every live table, to a JSON file.
#include "CommandLine.hpp"
#include "PlanEvaluator.hpp"
#include "ProgressLine.hpp"
#include "Errors.hpp"
#include "LiveSnapshot.hpp"
#include "SnapshotReport.hpp"
#include "ReportOutput.hpp"
#include "Interrupt.hpp"
#include "ReportPublisher.hpp"
#include "TableLocking.hpp"

namespace pgproof::cli {

int runSnapshot(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string output, db, plan;
    bool rows = false;
    int jobs = kDefaultConnections;
    LiveSnapshotOptions o;
    po::options_description desc("Options");
    desc.add_options()("output,o", po::value(&output)->value_name("FILE")->required(), "snapshot file to write (JSON), or - for stdout")(
        "db", po::value(&db)->value_name("URL"), "connection string or postgres:// URI; also -d, --dbname (default: DATABASE_URL, then PG* variables)")(
        "jobs,j", po::value(&jobs)->value_name("N"), "database connections (default: 2; hashing uses every core)")(
        "counts-only", po::bool_switch(&o.countsOnly), "exact count(*) per table only, no fingerprints (fast)")(
        "rows", po::bool_switch(&rows),
        "also record every row's digest and key (FILE's name with .rows.zst, beside it), so that verify and diff can name lost, "
        "added and changed rows")(
        "plan", po::value(&plan)->value_name("FILE"), "migration plan (YAML): record its filtered counts too")(
        "lock-wait-timeout", po::value(&o.lockWaitTimeout)->value_name("DURATION"),
        "fail (exit 3) instead of waiting longer than this for a table lock, e.g. 30s (default: wait, as pg_dump)");
    addCommonFlags(desc, flags, true);
    addOutputFlags(desc, flags);
    auto vm = parseOptions("snapshot", "pgproof snapshot -o FILE|- [--force] [--db URL] [--jobs N] [--counts-only | --rows] [--plan FILE] [--lock-wait-timeout DURATION] [--json FILE|-] [--junit FILE]",
                           "Records the row count and content fingerprint of every table at one consistent moment\n"
                           "(N connections sharing an exported snapshot). Use the file as a --baseline for verify.\n"
                           "Without --rows a snapshot proves counts and fingerprints only: verify and diff can say that a\n"
                           "table changed, not which rows. --rows records a digest of every row (and its key) in the same\n"
                           "read, about 20-40 bytes per row (docs/REPORTS.md).",
                           desc, po::positional_options_description(), args);
    if (!vm) return 0;
    setUpLogging(flags);
    ReportPublisher& publisher = ReportPublisher::open("snapshot", output, flags);
    publisher.context()["output"] = output;
    if (output == "-" && flags.json == "-") throw BadInputError("-o - and --json - both write to stdout: send one of them to a file");
    prepareOutputFile(output, flags);
    if (rows) {
        if (output == "-") throw BadInputError("--rows writes a second file beside the snapshot: give -o FILE, not -o -");
        if (o.countsOnly) throw BadInputError("--rows and --counts-only do not go together: row digests need the rows read");
        std::string base = output;
        if (base.size() > 5 && base.substr(base.size() - 5) == ".json") base.resize(base.size() - 5);
        o.rowsFile = base + ".rows.zst";
        prepareOutputFile(o.rowsFile.string(), flags);
    }
    if (vm->count("db")) o.db = db;
    o.jobs = checkJobs(jobs);
    if (vm->count("lock-wait-timeout")) checkLockWaitTimeout(o.lockWaitTimeout);
    if (vm->count("plan")) {
        auto p = std::make_shared<MigrationPlan>(MigrationPlan::load(plan));
        o.atSnapshot = [p](const PgConnection& c) { return recordPlanBaseline(*p, c); };
    }
    ProgressLine progress(progressWanted(flags));
    auto r = takeLiveSnapshot(o);
    progress.finish();
    throwIfInterrupted("finishing the snapshot");  // an interrupted snapshot leaves no file
    writeReportDocument(output, r.document);
    const SnapshotRequest asked{output, o.countsOnly, rows ? o.rowsFile.string() : "", o.jobs};
    ReportRenderers out;
    out.json = [&](const SettledOutcome& s) { return snapshotJson(r, asked, s); };
    out.junit = [&](const SettledOutcome& s) { return snapshotJUnit(r, asked, s); };
    out.text = [&](const SettledOutcome& s) { return renderSnapshotText(r, asked, s, {flags.quiet, flags.verbose}); };
    return publisher.publish(Outcome::Proven, out);
}

}  // namespace pgproof::cli
