// pgproof status: the monitoring check of a repository (fresh proven backups, recent drills).
#include <fmt/format.h>

#include <ctime>
#include <iostream>

#include "ProgressLine.hpp"
#include "CommandLine.hpp"
#include "Errors.hpp"
#include "PrometheusTextfile.hpp"
#include "ReportOutput.hpp"
#include "Repository.hpp"
#include "RepositoryStatus.hpp"
#include "UtcTime.hpp"

namespace pgproof::cli {

namespace {

void writeStatusMetrics(const std::string& file, const repository::RepositoryStatus& s) {
    using repository::Labels;
    repository::PrometheusTextfile m;
    m.gauge("pgproof_repository_up", "1 if pgproof status could read the repository", {}, 1);
    m.gauge("pgproof_repository_ok", "1 if every database has a fresh proven backup and a recent passed drill", {}, s.ok() ? 1 : 0);
    m.gauge("pgproof_repository_status_timestamp_seconds", "when pgproof status last ran (Unix time)", {}, static_cast<double>(s.at));
    for (const auto& d : s.databases) {
        Labels l = {{"database", d.database}};
        m.gauge("pgproof_repository_database_ok", "1 if the database's newest proven backup and drill are fresh enough", l, d.ok() ? 1 : 0);
        m.gauge("pgproof_repository_backups", "full backups in the repository (partial and damaged archives not counted)", l,
                static_cast<double>(d.backups));
        m.gauge("pgproof_repository_partial_archives", "archives that leave out table data (not damaged, never counted as backups)", l,
                static_cast<double>(d.partial));
        m.gauge("pgproof_repository_damaged_archives", "damaged archives in the repository (incomplete, or found damaged by a check)", l,
                static_cast<double>(d.damaged));
        if (d.newestBackup) {
            m.gauge("pgproof_repository_backup_last_success_timestamp_seconds", "time of the newest full backup (Unix time; the earlier of its creation and when the repository saw it)", l,
                    static_cast<double>(d.newestBackup->dated));
            m.gauge("pgproof_repository_backup_size_bytes", "size of the newest full backup", l, static_cast<double>(d.newestBackup->size));
        }
        if (d.newestProven)
            m.gauge("pgproof_repository_backup_last_proven_timestamp_seconds",
                    "time of the newest full backup proven intact by a check, restore or drill (Unix time)", l,
                    static_cast<double>(d.newestProven->dated));
        if (d.drillAgeSeconds)
            m.gauge("pgproof_repository_drill_last_success_timestamp_seconds", "when the newest passed drill ran (Unix time)", l,
                    static_cast<double>(s.at) - *d.drillAgeSeconds);
        if (d.recoverySeconds)
            m.gauge("pgproof_repository_drill_recovery_seconds", "recovery time measured by the newest passed drill", l, *d.recoverySeconds);
    }
    m.write(file);
}

void writeUnreadableMetrics(const std::string& file) {
    repository::PrometheusTextfile m;
    m.gauge("pgproof_repository_up", "1 if pgproof status could read the repository", {}, 0);
    m.gauge("pgproof_repository_ok", "1 if every database has a fresh proven backup and a recent passed drill", {}, 0);
    m.gauge("pgproof_repository_status_timestamp_seconds", "when pgproof status last ran (Unix time)", {}, static_cast<double>(std::time(nullptr)));
    m.write(file);
}

}  // namespace

int runStatus(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string dir, maxAge = "24h", maxDrillAge = "92d";
    int minBackups = 1;
    std::vector<std::string> databases;
    po::options_description desc("Options");
    desc.add_options()("repo", po::value(&dir)->value_name("DIR")->required(), "the repository")(
        "max-age", po::value(&maxAge)->value_name("DURATION"), "the newest proven backup must be younger (default 24h; s, m, h, d, w)")(
        "max-drill-age", po::value(&maxDrillAge)->value_name("DURATION|off"),
        "the newest passed drill must be younger (default 92d; off: drills not required)")(
        "min-backups", po::value(&minBackups)->value_name("N"), "at least N full backups per database (default 1)")(
        "database", po::value(&databases)->value_name("NAME")->composing(),
        "a database that must be in the repository (repeatable; default: every database folder found)")(
        "json", po::value(&flags.json)->value_name("FILE|-"), "write the status as JSON (docs/REPOSITORY.md) to FILE, or - for stdout")(
        "metrics", po::value(&flags.metrics)->value_name("FILE"), "write Prometheus metrics (docs/METRICS.md) to FILE, replaced atomically");
    addCommonFlags(desc, flags, false);
    po::positional_options_description pos;
    pos.add("repo", 1);
    auto vm = parseOptions("status", "pgproof status DIR [--max-age 24h] [--max-drill-age 92d|off] [--min-backups N] [--database NAME]... [--json FILE|-] [--metrics FILE]",
                           "For each database of the repository: the newest full archive (every table's data) proven intact\n"
                           "(a passed check, restore or drill in its history) must be younger than --max-age, and the newest\n"
                           "passed drill of a full archive younger than --max-drill-age. Partial archives (table data left\n"
                           "out) and damaged ones never count; they are named. Ages use the repository's clock too.\n"
                           "Prints one Nagios-style line first. Exit 0 fresh; 1 stale or missing (named); 2 bad usage or\n"
                           "not a repository; 3 the repository cannot be read.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    repository::StatusPolicy policy;
    policy.maxAgeSeconds = parseDuration(maxAge, "--max-age");
    if (maxDrillAge == "off") policy.maxDrillAgeSeconds.reset();
    else policy.maxDrillAgeSeconds = parseDuration(maxDrillAge, "--max-drill-age");
    if (minBackups < 0) throw BadInputError("--min-backups must be 0 or more, got " + std::to_string(minBackups));
    policy.minBackups = static_cast<size_t>(minBackups);
    for (const auto& d : databases) repository::checkDatabaseFolderName(d);
    policy.databases = databases;

    std::vector<repository::DatabaseArchives> scan;
    try {
        ProgressLine progress(progressWanted(flags));
        scan = repository::scanRepository(dir);
        progress.finish();
    } catch (const PgproofError& e) {
        if (!flags.metrics.empty()) writeUnreadableMetrics(flags.metrics);
        std::cout << "PGPROOF UNKNOWN - " << e.what() << "\n";
        throw;
    }
    auto status = repository::evaluateStatus(dir, scan, policy, std::time(nullptr));
    if (!flags.metrics.empty()) writeStatusMetrics(flags.metrics, status);
    if (!flags.json.empty()) writeReportDocument(flags.json, status.toJson());
    if (flags.json != "-") {
        std::cout << status.nagiosLine() << "\n";
        if (!flags.quiet) {
            std::vector<std::vector<std::string>> rows;
            for (const auto& d : status.databases)
                rows.push_back({d.database, d.ok() ? "ok" : "STALE", std::to_string(d.backups), std::to_string(d.partial), std::to_string(d.damaged),
                                d.newestProven ? d.newestProven->path.filename().string() : "-",
                                d.provenAgeSeconds ? describeAge(*d.provenAgeSeconds) : "-",
                                d.drillAgeSeconds ? describeAge(*d.drillAgeSeconds) : "-",
                                d.recoverySeconds ? fmt::format("{:.1f} s", *d.recoverySeconds) : "-"});
            if (!rows.empty())
                std::cout << renderTextTable({"DATABASE", "STATUS", "BACKUPS", "PARTIAL", "DAMAGED", "NEWEST PROVEN", "AGE", "DRILL AGE", "RTO"}, rows);
            for (const auto& d : status.databases) {
                for (const auto& p : d.problems) std::cout << d.database << ": " << p << "\n";
                for (const auto& n : d.notes) std::cout << d.database << ": note: " << n << "\n";
            }
        }
    }
    return status.ok() ? 0 : 1;
}

}  // namespace pgproof::cli
