// pgproof status: the monitoring check of a repository (fresh proven backups, recent drills).
#include <spdlog/spdlog.h>

#include <ctime>
#include <iostream>

#include "CommandLine.hpp"
#include "Errors.hpp"
#include "ProgressLine.hpp"
#include "ReportOutput.hpp"
#include "Repository.hpp"
#include "RepositoryStatus.hpp"
#include "RepositoryStore.hpp"
#include "ServerRun.hpp"
#include "StatusReport.hpp"
#include "UtcTime.hpp"

namespace pgproof::cli {

int runStatus(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string dir, maxAge = "24h", maxDrillAge = "92d";
    int minBackups = 1;
    std::vector<std::string> databases;
    po::options_description desc("Options");
    desc.add_options()("repo", po::value(&dir)->value_name("DIR|s3://BUCKET/PREFIX")->required(), "the repository: a folder or a bucket prefix")(
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
    auto vm = parseOptions("status", "pgproof status DIR|s3://BUCKET/PREFIX [--max-age 24h] [--max-drill-age 92d|off] [--min-backups N] [--database NAME]... [--json FILE|-] [--metrics FILE]",
                           "For each database of the repository: the newest full archive (every table's data) proven intact\n"
                           "(a passed check, restore or drill in its history) must be younger than --max-age, and the newest\n"
                           "passed drill of a full archive younger than --max-drill-age. Partial archives (table data left\n"
                           "out) and damaged ones never count; they are named. Ages use the repository's clock too.\n"
                           "Prints one Nagios-style line first. Exit 0 fresh; 1 stale or missing (named); 2 bad usage or\n"
                           "not a repository; 3 the repository cannot be read (a folder that is gone, a bucket that refuses the\n"
                           "credentials).",
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
    auto store = repository::RepositoryStore::open(dir);
    try {
        ProgressLine progress(progressWanted(flags));
        scan = repository::scanRepository(*store);
        progress.finish();
    } catch (const PgproofError& e) {
        if (!flags.metrics.empty()) repository::unreadableStatusMetrics(std::time(nullptr)).write(flags.metrics);
        std::cout << "PGPROOF UNKNOWN - " << e.what() << "\n";
        throw;
    }
    std::vector<std::string> serverProblems;
    auto servers = repository::readServerRuns(*store, serverProblems);
    for (const auto& p : serverProblems) spdlog::warn("{}", p);
    auto status = repository::evaluateStatus(store->location(), scan, policy, std::time(nullptr), servers);
    if (!flags.metrics.empty()) repository::statusMetrics(status).write(flags.metrics);
    if (!flags.json.empty()) writeReportDocument(flags.json, status.toJson());
    if (flags.json != "-") {
        std::cout << status.nagiosLine() << "\n";
        if (!flags.quiet) std::cout << repository::renderStatusText(status);
    }
    return status.ok() ? 0 : 1;
}

}  // namespace pgproof::cli
