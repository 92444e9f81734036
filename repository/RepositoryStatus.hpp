#pragma once
// pgproof status: is every database of the repository covered by a fresh, proven backup and a recent
// passed drill? The verdict of the monitoring job (docs/REPOSITORY.md "status").
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ArchiveCatalog.hpp"
#include "ServerRun.hpp"

namespace pgproof::repository {

struct StatusPolicy {
    double maxAgeSeconds = 24 * 3600.0;
    std::optional<double> maxDrillAgeSeconds = 92 * 86400.0;  // nullopt: drills are not required
    size_t minBackups = 1;
    std::vector<std::string> databases;  // --database: must be present (else every folder found)
};

struct DatabaseStatus {
    std::string database;
    std::string server;  // "host:port" it was backed up from ("" when unknown): a label for monitoring
    std::vector<std::string> problems;  // stale or missing: each makes the status fail
    std::vector<std::string> notes;     // worth knowing, not failing (a newer unproven, partial or damaged archive,
                                        // history records that do not match their archive, clocks that disagree)
    size_t backups = 0, partial = 0, damaged = 0;  // full backups; partial and damaged archives
    std::optional<ArchiveInfo> newestBackup, newestProven, newestDrilled;
    std::optional<double> provenAgeSeconds, drillAgeSeconds, recoverySeconds;
    bool ok() const { return problems.empty(); }
};

// The whole server: every database its newest backup --all-databases set out to back up (ServerRun).
struct ServerStatus {
    std::string server, lastRun;
    std::vector<std::string> databases;
    std::vector<std::string> lacking;  // "NAME (its first problem)": each without a fresh proven backup (or drill)
    bool ok() const { return lacking.empty(); }
    // "server H:P: every database (4) has a fresh proven backup" or "... 1 of 4 databases ...: NAME (why)".
    std::string summary() const;
};

struct RepositoryStatus {
    std::string repository;
    std::time_t at = 0;
    StatusPolicy policy;
    std::vector<DatabaseStatus> databases;
    std::vector<std::string> problems;  // repository-wide (no database at all)
    std::vector<ServerStatus> servers;  // one per server run record, when status judges every database

    bool ok() const;
    // "PGPROOF OK - ..." / "PGPROOF WARNING - ...": the first line, Nagios plugin style, with perfdata.
    std::string nagiosLine() const;
    nlohmann::json toJson() const;  // report "pgproof-status", docs/REPOSITORY.md
};

// servers: the repository's server run records. Without --database, a database a server's run listed
// that has no folder at all is judged too ("no backup at all"), and each server gets its one answer.
RepositoryStatus evaluateStatus(const std::string& repository, const std::vector<DatabaseArchives>& scan,
                                const StatusPolicy& policy, std::time_t now, const std::vector<ServerRun>& servers = {});

}  // namespace pgproof::repository
