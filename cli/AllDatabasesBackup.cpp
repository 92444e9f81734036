#include "AllDatabasesBackup.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <functional>

#include "BackupReport.hpp"
#include "ConnectionTarget.hpp"
#include "Errors.hpp"
#include "Interrupt.hpp"
#include "PgConnection.hpp"
#include "PrometheusTextfile.hpp"
#include "ReportPublisher.hpp"
#include "Repository.hpp"
#include "RepositoryStore.hpp"
#include "WrittenArchiveCheck.hpp"
#include "ServerGlobals.hpp"
#include "ServerBackupReport.hpp"
#include "ServerRun.hpp"
#include "UtcTime.hpp"

namespace pgproof::cli {

namespace {

// One database's backup, recorded in its own history (and metrics samples) whatever its outcome.
repository::DatabaseBackup backUpOne(const AllDatabasesBackup& run, repository::RepositoryStore& store, const ConnectionTarget& server, const std::string& serverName,
                                     const std::string& database, std::time_t when, const std::string& metricsFile,
                                     repository::PrometheusTextfile& metrics) {
    repository::DatabaseBackup out;
    out.database = database;
    auto started = std::chrono::steady_clock::now();
    std::optional<repository::RunRecorder> recorder;
    try {
        const bool encrypted = !run.each.encryptTo.empty();
        auto reserved = repository::ReservedArchive::reserve(store, database, when, encrypted);
        out.archive = reserved.archive();
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
        if (run.globals) globals = writeGlobalsBeside(o, out.archive, false, run.noRolePasswords);
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
        // What list, status and prune read without the key (docs/ENCRYPTION.md): counts, never table names.
        if (encrypted) recorder->describeEncryptedArchive(r.manifest.created, uncoveredCounts(r.manifest));
        if (run.checkAfter) repository::checkWrittenArchive(*recorder, out.archive, o.compressThreads);
        if (run.checkAfter && globals) checkWrittenGlobals(*globals, o.compressThreads);
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

int runAllDatabasesBackup(const AllDatabasesBackup& options, const CommonFlags& flags) {
    // The run's own reports; the metrics file is written here, one sample set per database.
    CommonFlags publisherFlags = flags;
    publisherFlags.metrics.clear();
    ReportPublisher& publisher = ReportPublisher::open("backup", options.repo, publisherFlags);
    publisher.context()["repository"] = options.repo;
    ConnectionTarget target = ConnectionTarget::resolve(options.db);
    ServerDatabases found = listServerDatabases(PgConnection::connect(target, "pgproof backup --all-databases"), options.patterns);
    for (const auto& d : found.noConnections) spdlog::warn("{} does not allow connections (datallowconn false): not backed up", d);
    auto store = repository::RepositoryStore::open(options.repo);
    store->create();
    const std::time_t when = std::time(nullptr);
    repository::PrometheusTextfile metrics;
    repository::ServerBackup run{options.repo, {found.server, formatUtc(when), found.chosen, {}, found.excluded, found.noConnections, {}}, {}, {}};
    for (const auto& database : found.chosen) {
        throwIfInterrupted("backing up every database");
        spdlog::info("backing up {} ({} of {})", database, run.databases.size() + 1, found.chosen.size());
        run.databases.push_back(backUpOne(options, *store, target, found.server, database, when, flags.metrics, metrics));
        const auto& done = run.databases.back();
        if (done.outcome != Outcome::Proven) run.record.failed.push_back(database);
        else run.record.archives.push_back(std::filesystem::path(done.archive).filename().string());
    }
    auto recordRun = [&](const std::function<void()>& write) {
        try {
            write();
        } catch (const std::exception& e) {
            run.runProblems.push_back(e.what());
        }
    };
    recordRun([&] { repository::writeServerRun(*store, run.record); });
    if (!flags.metrics.empty())
        recordRun([&] {
            repository::addServerBackupMetrics(metrics, run, when);
            metrics.write(flags.metrics);
        });
    if (!run.failures().empty())
        publisher.explain(fmt::format("{} of {} databases not backed up: {}", run.record.failed.size(), run.databases.size(), fmt::join(run.record.failed, ", ")));

    ReportRenderers out;
    out.json = [&](const SettledOutcome& s) { return repository::serverBackupJson(run, s); };
    out.junit = [&](const SettledOutcome& s) { return repository::serverBackupJUnit(run, s); };
    out.text = [&](const SettledOutcome& s) { return repository::renderServerBackupText(run, s, {flags.quiet, flags.verbose}); };
    return publisher.publish(run.judged(), out);
}

}  // namespace pgproof::cli
