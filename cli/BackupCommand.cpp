// pgproof backup: parse, run the engine's backup, print the summary.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "Backup.hpp"
#include "CommandLine.hpp"
#include "PlanEvaluator.hpp"
#include "ProgressLine.hpp"
#include "Errors.hpp"
#include "ReportOutput.hpp"
#include "ReportSink.hpp"
#include "TableLocking.hpp"

namespace pgproof::cli {

int runBackup(const std::vector<std::string>& rawArgs) {
    std::vector<std::string> args, pgDumpArgs;
    bool afterDashes = false;
    for (const auto& a : rawArgs) {
        if (!afterDashes && a == "--") {
            afterDashes = true;
            continue;
        }
        (afterDashes ? pgDumpArgs : args).push_back(a);
    }
    BackupOptions o;
    CommonFlags flags;
    std::string output, db, plan;
    int jobs = defaultThreads();
    po::options_description desc("Options");
    desc.add_options()("output,o", po::value(&output)->value_name("FILE|-")->required(),
                       "archive to write (NAME.sql.zst); written to a temporary name, moved into place when complete; "
                       "- streams it to stdout (| aws s3 cp - s3://...)")(
        "db", po::value(&db)->value_name("URL"), "connection string or postgres:// URI; also -d, --dbname (default: DATABASE_URL, then PG* variables)")(
        "jobs,j", po::value(&jobs)->value_name("N"), "compression threads (default: number of cores)")(
        "level", po::value(&o.level)->value_name("N")->default_value(3), "zstd level, 1-19")(
        "from-stdin", po::bool_switch(&o.fromStdin), "read a plain pg_dump script from stdin instead of running pg_dump")(
        "plan", po::value(&plan)->value_name("FILE"), "migration plan (YAML): record its filtered counts in the manifest")(
        "pg-dump", po::value<std::string>()->value_name("PATH"),
        "pg_dump to run (default: PGPROOF_PG_DUMP, else the server's version under /usr/lib/postgresql/N/bin, else the "
        "newest there, else PATH's); refused if older than the server")(
        "lock-wait-timeout", po::value(&o.lockWaitTimeout)->value_name("DURATION"),
        "fail (exit 3) instead of waiting longer than this for a table lock, e.g. 30s (default: wait, as pg_dump)");
    addCommonFlags(desc, flags, true);
    addOutputFlags(desc, flags);
    auto vm = parseOptions("backup", "pgproof backup -o FILE|- [--force] [--db URL] [--jobs N] [--level N] [--from-stdin] [--plan FILE] [--pg-dump PATH] "
                           "[--lock-wait-timeout DURATION] [--json FILE|-] [--junit FILE] [-- PG_DUMP_ARGS]",
                           "Runs pg_dump (plain format, pinned session settings, at a snapshot pgproof exported) and streams\n"
                           "its output through parallel zstd compression, recording every table's row count and fingerprint.\n"
                           "Arguments after -- go to pg_dump (e.g. -- -n app --no-owner).",
                           desc, po::positional_options_description(), args);
    if (!vm) return 0;
    setUpLogging(flags);
    ReportSink& sink = ReportSink::open("backup", output, flags);
    sink.context()["archive"] = {{"path", output}};
    o.output = output;
    o.overwrite = flags.force;
    if (output == "-" && flags.json == "-") throw BadInputError("-o - and --json - both write to stdout: send the report to a file (--json FILE)");
    if (vm->count("db")) o.db = db;
    if (o.fromStdin && vm->count("db")) throw BadInputError("--from-stdin and --db exclude each other: the dump comes from stdin");
    if (o.fromStdin && !pgDumpArgs.empty()) throw BadInputError("pg_dump arguments after -- make no sense with --from-stdin");
    o.jobs = checkJobs(jobs);
    if (o.level < 1 || o.level > 19) throw BadInputError("--level must be between 1 and 19, got " + std::to_string(o.level));
    o.pgDumpArgs = pgDumpArgs;
    if (vm->count("pg-dump")) {
        if (o.fromStdin) throw BadInputError("--pg-dump makes no sense with --from-stdin: no pg_dump runs");
        o.pgDump = (*vm)["pg-dump"].as<std::string>();
    }
    if (vm->count("lock-wait-timeout")) checkLockWaitTimeout(o.lockWaitTimeout);
    if (vm->count("plan")) {
        if (o.fromStdin) throw BadInputError("--plan needs the database (its filtered counts are read at the backup's snapshot); it does not work with --from-stdin");
        auto p = std::make_shared<MigrationPlan>(MigrationPlan::load(plan));
        o.atSnapshot = [p](const PgConnection& c) { return recordPlanBaseline(*p, c); };
    }
    ProgressLine progress(progressWanted(flags));
    BackupResult r = runBackup(o);
    progress.finish();
    const Manifest& m = r.manifest;
    uint64_t raw = m.totalRawBytes();
    sink.guardProof(0);
    nlohmann::json tables = nlohmann::json::array();
    std::vector<JUnitCase> cases;
    for (const auto& t : m.tables) {
        tables.push_back({{"schema", t.schema}, {"name", t.name}, {"rows", t.rows}, {"fingerprint", t.fingerprint}});
        cases.push_back({"pgproof.backup.tables", t.id().display(), false, false, "", "", 0});
    }
    sink.writeJson({{"report", "pgproof-backup"}, {"report_version", 1}, {"verdict", "proven"}, {"exit_code", 0},
                    {"archive", {{"path", output}, {"bytes", r.archiveBytes}, {"raw_bytes", raw}, {"frames", m.frameCount()}}},
                    {"tables", tables}, {"sequences", m.sequences.size()}, {"large_objects", m.largeObjects}, {"seconds", r.seconds}});
    sink.writeJUnit(renderJUnit("pgproof backup " + output, cases, r.seconds));
    // With -o - stdout carries the archive alone: the summary goes to stderr.
    std::ostream& human = output == "-" ? std::cerr : std::cout;
    if (!flags.quiet && flags.json != "-") {
        human << "backup " << output << ": " << coverageSummary(m.tables.size(), m.notCovered) << ", " << withThousands(m.totalRows())
                  << " rows, " << m.sequences.size() << " sequences, " << m.largeObjects << " large objects\n"
                  << "  " << humanBytes(raw) << " of SQL -> " << humanBytes(r.archiveBytes) << " ("
                  << fmt::format("{:.2f}", r.archiveBytes ? static_cast<double>(raw) / static_cast<double>(r.archiveBytes) : 0.0)
                  << "x) in " << fmt::format("{:.2f}", r.seconds) << " s, " << m.frameCount() << " frames\n";
        if (flags.verbose) {
            std::vector<std::vector<std::string>> rows;
            for (const auto& t : m.tables)
                rows.push_back({t.id().display(), withThousands(t.rows), t.fingerprint});
            human << renderTextTable({"TABLE", "ROWS", "FINGERPRINT"}, rows);
        }
    }
    return 0;
}

}  // namespace pgproof::cli
