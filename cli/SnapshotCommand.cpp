// pgproof snapshot: counts and fingerprints of every live table, to a JSON file.
#include <fmt/format.h>

#include <iostream>

#include "CommandLine.hpp"
#include "PlanEvaluator.hpp"
#include "ProgressLine.hpp"
#include "Errors.hpp"
#include "LiveSnapshot.hpp"
#include "ReportOutput.hpp"
#include "Interrupt.hpp"
#include "ReportSink.hpp"
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
    ReportSink& sink = ReportSink::open("snapshot", output, flags);
    sink.context()["output"] = output;
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
    uint64_t totalRows = 0;
    for (const auto& t : r.tables) totalRows += t.fingerprint.rows;
    ReportRenderers out;
    out.json = [&](const SettledOutcome& s) {
        nlohmann::json tables = nlohmann::json::array();
        for (const auto& t : r.tables) {
            nlohmann::json tj = {{"schema", t.id.schema}, {"name", t.id.name}, {"rows", t.fingerprint.rows}};
            if (t.fingerprinted) tj["fingerprint"] = t.fingerprint.hex();
            tables.push_back(tj);
        }
        nlohmann::json j = {{"report", "pgproof-snapshot"}, {"report_version", 1}, {"verdict", outcomeName(s.outcome)}, {"exit_code", s.exitCode()},
                            {"output", output}, {"counts_only", o.countsOnly},
                            {"rows_file", rows ? nlohmann::json(o.rowsFile.string()) : nlohmann::json(nullptr)}, {"tables", tables},
                            {"seconds", r.seconds}};
        if (!s.error().empty()) j["error"] = s.error();
        return j;
    };
    out.junit = [&](const SettledOutcome& s) {
        std::vector<JUnitCase> cases;
        appendOutcomeCase(cases, s, "pgproof.snapshot");
        for (const auto& t : r.tables) cases.push_back({"pgproof.snapshot.tables", t.id.display(), false, false, "", "", t.seconds});
        return renderJUnit("pgproof snapshot " + output, cases, r.seconds);
    };
    out.text = [&](const SettledOutcome& s) {
        std::string text;
        if (s.outcome != Outcome::Proven) text += s.headline() + ": " + s.error() + "\n";
        if (flags.quiet || output == "-") return text;
        if (flags.verbose) {
            std::vector<std::vector<std::string>> table;
            for (const auto& t : r.tables)
                table.push_back({t.id.display(), withThousands(t.fingerprint.rows), t.fingerprinted ? t.fingerprint.hex() : "-"});
            text += renderTextTable({"TABLE", "ROWS", "FINGERPRINT"}, table);
        }
        text += fmt::format("snapshot {}: {} tables, {} rows{} in {:.2f} s on {} connections\n", output, r.tables.size(),
                            withThousands(totalRows), o.countsOnly ? " (counts only)" : ", fingerprinted", r.seconds, o.jobs);
        if (rows)
            text += fmt::format("row digests {}: {} ({:.1f} bytes per row): verify and diff can name lost, added and changed rows\n",
                                o.rowsFile.string(), humanBytes(r.rowsFileBytes),
                                totalRows ? static_cast<double>(r.rowsFileBytes) / static_cast<double>(totalRows) : 0.0);
        else
            text += "counts and fingerprints only: verify proves them; to name rows that differ, use an archive or snapshot --rows\n";
        return text;
    };
    return sink.publish(Outcome::Proven, out);
}

}  // namespace pgproof::cli
