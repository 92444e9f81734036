#include "AllDatabasesBackup.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <functional>

#include "ArchiveChecker.hpp"
#include "ArchiveReader.hpp"
#include "ConnectionTarget.hpp"
#include "Errors.hpp"
#include "Interrupt.hpp"
#include "PgConnection.hpp"
#include "PrometheusTextfile.hpp"
#include "ReportOutput.hpp"
#include "ReportSink.hpp"
#include "Repository.hpp"
#include "RepositoryCommands.hpp"
#include "ServerGlobals.hpp"
#include "ServerRun.hpp"
#include "TimeText.hpp"

namespace pgproof::cli {

namespace {

struct DatabaseBackup {
    std::string database, archive, error;
    Outcome outcome = Outcome::Incomplete;
    uint64_t tables = 0, rows = 0, bytes = 0;
    double seconds = 0;
};

// One database's backup, recorded in its own history (and metrics samples) whatever its outcome.
DatabaseBackup backUpOne(const AllDatabasesBackup& run, const ConnectionTarget& server, const std::string& serverName,
                         const std::string& database, std::time_t when, const std::string& metricsFile,
                         repository::PrometheusTextfile& metrics) {
    DatabaseBackup out;
    out.database = database;
    auto started = std::chrono::steady_clock::now();
    std::optional<repository::RunRecorder> recorder;
    try {
        auto reserved = repository::ReservedArchive::reserve(run.repo, database, when);
        out.archive = reserved.archive().string();
        recorder.emplace("backup", out.archive, metricsFile);
        recorder->collectMetricsInto(metrics);
        recorder->holdReservation(std::move(reserved));
        recorder->setServer(serverName);
        repository::RunFigures named;
        named.database = database;
        recorder->addFigures(named);
        BackupOptions o = run.each;
        o.db = server.withDatabase(database).conninfo();
        o.output = out.archive;
        // --globals: each archive gets the server's globals beside it, as a single-database backup does, so
        // that any one of them restores onto a fresh server with its roles.
        std::optional<GlobalsResult> globals;
        if (run.globals) {
            GlobalsOptions go;
            go.db = o.db;
            go.output = globalsPathFor(out.archive);
            go.noRolePasswords = run.noRolePasswords;
            go.level = o.level;
            go.jobs = o.jobs;
            go.pgDump = o.pgDump;
            globals = backupGlobals(go);
            o.globals = globals->reference();
        }
        BackupResult r;
        try {
            r = runBackup(o);
        } catch (...) {
            std::error_code ec;
            if (globals) std::filesystem::remove(globals->path, ec);  // globals without their archive are no backup
            throw;
        }
        out.tables = r.manifest.tables.size();
        out.rows = r.manifest.totalRows();
        out.bytes = r.archiveBytes;
        repository::RunFigures figures;
        figures.tables = out.tables;
        figures.rows = out.rows;
        figures.bytes = out.bytes;
        recorder->addFigures(figures);
        if (run.checkAfter) checkWrittenArchive(*recorder, out.archive, o.jobs);
        if (run.checkAfter && globals) {
            ArchiveReader reader(globals->path);
            if (CheckReport report = checkArchive(reader, o.jobs); !report.ok())
                throw ProofFailedError("--check: the globals " + globals->path.string() + " just written do not read back intact (" +
                                       (report.problems.empty() ? std::string("a frame") : report.problems.front()) + "); do not rely on them");
        }
        out.outcome = Outcome::Proven;
    } catch (const InterruptedError&) {
        if (recorder) recorder->finish(exitCodeOf(Outcome::Incomplete), "interrupted");
        throw;
    } catch (const PgproofError& e) {
        out.outcome = outcomeOfExitCode(static_cast<int>(e.code()));
        out.error = e.what();
    } catch (const std::exception& e) {
        out.error = e.what();
    }
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (recorder)
        for (const auto& problem : recorder->finish(exitCodeOf(out.outcome), out.error)) {
            spdlog::warn("{}", problem);
            if (out.outcome == Outcome::Proven) {
                out.outcome = Outcome::Incomplete;
                out.error = "the outcome could not be recorded: " + problem;
            }
        }
    if (out.outcome != Outcome::Proven) spdlog::error("backup of {} failed (exit {}): {}", database, exitCodeOf(out.outcome), out.error);
    return out;
}

}  // namespace

int runAllDatabasesBackup(const AllDatabasesBackup& run, const CommonFlags& flags) {
    // The run's own reports; the metrics file is written here, one sample set per database.
    CommonFlags sinkFlags = flags;
    sinkFlags.metrics.clear();
    ReportSink& sink = ReportSink::open("backup", run.repo, sinkFlags);
    sink.context()["repository"] = run.repo;
    ConnectionTarget target = ConnectionTarget::resolve(run.db);
    ServerDatabases found = listServerDatabases(PgConnection::connect(target, "pgproof backup --all-databases"), run.patterns);
    for (const auto& d : found.noConnections) spdlog::warn("{} does not allow connections (datallowconn false): not backed up", d);
    repository::createRepository(run.repo);
    const std::time_t when = std::time(nullptr);
    repository::ServerRun record{found.server, repository::formatUtc(when), found.chosen, {}, found.excluded, found.noConnections, {}};
    repository::PrometheusTextfile metrics;
    std::vector<DatabaseBackup> results;
    Outcome judged = Outcome::Proven;
    for (const auto& database : found.chosen) {
        throwIfInterrupted("backing up every database");
        spdlog::info("backing up {} ({} of {})", database, results.size() + 1, found.chosen.size());
        results.push_back(backUpOne(run, target, found.server, database, when, flags.metrics, metrics));
        judged = combineOutcomes(judged, results.back().outcome);
        if (results.back().outcome != Outcome::Proven) record.failed.push_back(database);
        else record.archives.push_back(std::filesystem::path(results.back().archive).filename().string());
    }
    std::string runProblem;
    auto recordRun = [&](const std::function<void()>& write) {
        try {
            write();
        } catch (const std::exception& e) {
            runProblem = e.what();
            judged = combineOutcomes(judged, Outcome::Incomplete);
        }
    };
    recordRun([&] { repository::writeServerRun(run.repo, record); });
    if (!flags.metrics.empty())
        recordRun([&] {
            repository::Labels server = {{"server", found.server}};
            metrics.gauge("pgproof_server_backup_databases", "databases the last backup --all-databases of the server set out to back up",
                          server, static_cast<double>(found.chosen.size()));
            metrics.gauge("pgproof_server_backup_failed_databases", "databases whose backup failed in that run", server,
                          static_cast<double>(record.failed.size()));
            metrics.gauge("pgproof_server_backup_last_run_timestamp_seconds", "when that run started (Unix time; its archives' time stamp)",
                          server, static_cast<double>(when));
            metrics.write(flags.metrics);
        });
    std::vector<std::string> failures;
    for (const auto& r : results)
        if (r.outcome != Outcome::Proven) failures.push_back(fmt::format("backup of {} failed (exit {}): {}", r.database, exitCodeOf(r.outcome), r.error));
    if (!runProblem.empty()) failures.push_back(runProblem);
    if (!failures.empty()) sink.explain(fmt::format("{} of {} databases not backed up: {}", record.failed.size(), results.size(), fmt::join(record.failed, ", ")));

    ReportRenderers out;
    out.json = [&](const SettledOutcome& s) {
        nlohmann::json dbs = nlohmann::json::array();
        for (const auto& r : results) {
            nlohmann::json j = {{"database", r.database}, {"verdict", outcomeName(r.outcome)}, {"exit_code", exitCodeOf(r.outcome)},
                                {"archive", r.archive}, {"tables", r.tables}, {"rows", r.rows}, {"bytes", r.bytes}, {"seconds", r.seconds}};
            if (!r.error.empty()) j["error"] = r.error;
            dbs.push_back(j);
        }
        nlohmann::json j = {{"report", "pgproof-backup-server"}, {"report_version", 1}, {"verdict", outcomeName(s.outcome)},
                            {"exit_code", s.exitCode()}, {"server", found.server}, {"repository", run.repo}, {"at", record.at},
                            {"databases", dbs}, {"failed", record.failed}, {"excluded", found.excluded}, {"no_connections", found.noConnections}};
        if (!s.error().empty()) j["error"] = s.error();
        return j;
    };
    out.junit = [&](const SettledOutcome& s) {
        std::vector<JUnitCase> cases;
        appendOutcomeCase(cases, s, "pgproof.backup");
        for (const auto& r : results) {
            bool failed = r.outcome == Outcome::Failed, error = r.outcome != Outcome::Proven && !failed;
            cases.push_back({"pgproof.backup.databases", r.database, failed, error, r.error, "", r.seconds});
        }
        return renderJUnit("pgproof backup --all-databases " + found.server, cases, 0);
    };
    out.text = [&](const SettledOutcome& s) {
        std::string text;
        if (!flags.quiet) {
            std::vector<std::vector<std::string>> rows;
            for (const auto& r : results)
                rows.push_back({r.database, r.outcome == Outcome::Proven ? "ok" : outcomeHeadline(r.outcome), withThousands(r.tables),
                                withThousands(r.rows), humanBytes(r.bytes), fmt::format("{:.2f}", r.seconds),
                                r.outcome == Outcome::Proven ? std::filesystem::path(r.archive).filename().string() : "-"});
            text += "backup --all-databases of " + found.server + " at " + record.at + ": " + std::to_string(results.size() - record.failed.size()) +
                    " of " + std::to_string(results.size()) + " databases backed up\n";
            text += renderTextTable({"DATABASE", "BACKUP", "TABLES", "ROWS", "SIZE", "SECONDS", "ARCHIVE"}, rows);
        }
        for (const auto& f : failures) text += f + "\n";
        if (s.demoted()) text += s.headline() + ": " + s.error() + "\n";
        return text;
    };
    return sink.publish(judged, out);
}

}  // namespace pgproof::cli
