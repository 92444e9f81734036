// pgproof backup: parse, run the backup (backup/Backup), print the summary.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "Backup.hpp"
#include "CommandLine.hpp"
#include "PlanEvaluator.hpp"
#include "ProgressLine.hpp"
#include "Errors.hpp"
#include "PgConnection.hpp"
#include "Repository.hpp"
#include "ReportOutput.hpp"
#include "ReportSink.hpp"
#include "S3Url.hpp"
#include "RepositoryCommands.hpp"
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
    std::string output, db, plan, repo, name;
    int jobs = defaultThreads();
    bool checkAfter = false;
    po::options_description desc("Options");
    desc.add_options()("output,o", po::value(&output)->value_name("FILE|-"),
                       "archive to write (NAME.sql.zst); written to a temporary name, moved into place when complete; "
                       "- streams it to stdout (| aws s3 cp - s3://...)")(
        "repo", po::value(&repo)->value_name("DIR"),
        "instead of -o: write into the repository DIR as DIR/DATABASE/DATABASE-<UTC timestamp>.sql.zst (docs/REPOSITORY.md)")(
        "name", po::value(&name)->value_name("NAME"), "with --repo: the folder and name prefix instead of the database's name")(
        "db", po::value(&db)->value_name("URL"), "connection string or postgres:// URI; also -d, --dbname (default: DATABASE_URL, then PG* variables)")(
        "jobs,j", po::value(&jobs)->value_name("N"), "compression threads (default: number of cores)")(
        "level", po::value(&o.level)->value_name("N")->default_value(3), "zstd level, 1-19")(
        "from-stdin", po::bool_switch(&o.fromStdin), "read a plain pg_dump script from stdin instead of running pg_dump")(
        "plan", po::value(&plan)->value_name("FILE"), "migration plan (YAML): record its filtered counts in the manifest")(
        "pg-dump", po::value<std::string>()->value_name("PATH"),
        "pg_dump to run (default: PGPROOF_PG_DUMP, else the server's version under /usr/lib/postgresql/N/bin, else the "
        "newest there, else PATH's); refused if older than the server")(
        "check", po::bool_switch(&checkAfter), "then read the archive back and prove it intact, as pgproof check (recorded in a repository's history)")(
        "lock-wait-timeout", po::value(&o.lockWaitTimeout)->value_name("DURATION"),
        "fail (exit 3) instead of waiting longer than this for a table lock, e.g. 30s (default: wait, as pg_dump)");
    addCommonFlags(desc, flags, true);
    addOutputFlags(desc, flags);
    auto vm = parseOptions("backup", "pgproof backup (-o FILE|- [--force] | --repo DIR [--name NAME]) [--db URL] [--jobs N] [--level N] [--from-stdin] [--check] [--plan FILE] [--pg-dump PATH] "
                           "[--lock-wait-timeout DURATION] [--json FILE|-] [--junit FILE] [-- PG_DUMP_ARGS]",
                           "Runs pg_dump (plain format, pinned session settings, at a snapshot pgproof exported) and streams\n"
                           "its output through parallel zstd compression, recording every table's row count and fingerprint.\n"
                           "Arguments after -- go to pg_dump (e.g. -- -n app --no-owner).",
                           desc, po::positional_options_description(), args);
    if (!vm) return 0;
    setUpLogging(flags);
    if (vm->count("output") == vm->count("repo")) throw BadInputError("backup needs exactly one of -o FILE|- and --repo DIR");
    if (vm->count("name") && !vm->count("repo")) throw BadInputError("--name names an archive of a repository: it needs --repo DIR");
    ReportSink& sink = ReportSink::open("backup", repo.empty() ? output : repo, flags);
    if (!repo.empty()) {
        if (o.fromStdin && name.empty()) throw BadInputError("--repo with --from-stdin needs --name NAME: there is no database to name the archive after");
        if (name.empty()) name = PgConnection::connect(ConnectionTarget::resolve(vm->count("db") ? std::optional(db) : std::nullopt), "pgproof backup").database();
        repository::createRepository(repo);
        auto reserved = repository::ReservedArchive::reserve(repo, name, std::time(nullptr));
        output = reserved.archive().string();
        sink.recorder().holdReservation(std::move(reserved));
    }
    sink.context()["archive"] = {{"path", output}};
    o.output = output;
    o.overwrite = flags.force;
    if (S3Url::is(output)) {
        S3Url::parseObject(output);  // a malformed URL fails here, before pg_dump starts (exit 2)
        if (checkAfter) throw BadInputError("--check reads the archive back from a file: with -o s3://... run pgproof check on the object instead");
    }
    if (checkAfter && output == "-") throw BadInputError("--check reads the archive back from its file: it does not work with -o - (check the stream where it lands)");
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
    if (checkAfter && output != "-") checkWrittenArchive(sink, output, o.jobs);
    const Manifest& m = r.manifest;
    uint64_t raw = m.totalRawBytes();
    sink.recorder().addFigures({.database = repo.empty() ? m.source.value("database", "") : name, .tables = m.tables.size(),
                                .rows = m.totalRows(), .bytes = r.archiveBytes, .recoverySeconds = std::nullopt, .verdict = {}});
    ReportRenderers out;
    out.json = [&](const SettledOutcome& s) {
        nlohmann::json tables = nlohmann::json::array();
        for (const auto& t : m.tables) tables.push_back({{"schema", t.schema}, {"name", t.name}, {"rows", t.rows}, {"fingerprint", t.fingerprint}});
        nlohmann::json j = {{"report", "pgproof-backup"}, {"report_version", 1}, {"verdict", outcomeName(s.outcome)}, {"exit_code", s.exitCode()},
                            {"archive", {{"path", output}, {"bytes", r.archiveBytes}, {"raw_bytes", raw}, {"frames", m.frameCount()}}},
                            {"tables", tables}, {"sequences", m.sequences.size()}, {"large_objects", m.largeObjects}, {"seconds", r.seconds}};
        if (!s.error().empty()) j["error"] = s.error();
        return j;
    };
    out.junit = [&](const SettledOutcome& s) {
        std::vector<JUnitCase> cases;
        appendOutcomeCase(cases, s, "pgproof.backup");
        for (const auto& t : m.tables) cases.push_back({"pgproof.backup.tables", t.id().display(), false, false, "", "", 0});
        return renderJUnit("pgproof backup " + output, cases, r.seconds);
    };
    // With -o - stdout carries the archive alone: the summary goes to stderr.
    out.textOnStderr = output == "-";
    out.text = [&](const SettledOutcome& s) {
        std::string text;
        if (flags.quiet && s.outcome == Outcome::Proven) return text;
        if (s.outcome != Outcome::Proven) text += s.headline() + ": " + s.error() + "\n";
        if (flags.quiet) return text;
        text += "backup " + output + ": " + coverageSummary(m.tables.size(), m.notCovered) + ", " + withThousands(m.totalRows()) + " rows, " +
                std::to_string(m.sequences.size()) + " sequences, " + std::to_string(m.largeObjects) + " large objects\n";
        text += fmt::format("  {} of SQL -> {} ({:.2f}x) in {:.2f} s, {} frames\n", humanBytes(raw), humanBytes(r.archiveBytes),
                            r.archiveBytes ? static_cast<double>(raw) / static_cast<double>(r.archiveBytes) : 0.0, r.seconds, m.frameCount());
        if (flags.verbose) {
            std::vector<std::vector<std::string>> rows;
            for (const auto& t : m.tables) rows.push_back({t.id().display(), withThousands(t.rows), t.fingerprint});
            text += renderTextTable({"TABLE", "ROWS", "FINGERPRINT"}, rows);
        }
        return text;
    };
    return sink.publish(Outcome::Proven, out);
}

}  // namespace pgproof::cli
