#pragma once
// pgproof status: is every database of the repository covered by a fresh, proven backup and a recent
// passed drill? The verdict of the monitoring job (docs/REPOSITORY.md "status").
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ArchiveCatalog.hpp"

namespace pgproof::repository {

struct StatusPolicy {
    double maxAgeSeconds = 24 * 3600.0;
    std::optional<double> maxDrillAgeSeconds = 92 * 86400.0;  // nullopt: drills are not required
    size_t minBackups = 1;
    std::vector<std::string> databases;  // --database: must be present (else every folder found)
};

struct DatabaseStatus {
    std::string database;
    std::vector<std::string> problems;  // stale or missing: each makes the status fail
    std::vector<std::string> notes;     // worth knowing, not failing (a newer unproven, partial or damaged archive,
                                        // history records that do not match their archive, clocks that disagree)
    size_t backups = 0, partial = 0, damaged = 0;  // full backups; partial and damaged archives
    std::optional<ArchiveInfo> newestBackup, newestProven, newestDrilled;
    std::optional<double> provenAgeSeconds, drillAgeSeconds, recoverySeconds;
    bool ok() const { return problems.empty(); }
};

struct RepositoryStatus {
    std::string repository;
    std::time_t at = 0;
    StatusPolicy policy;
    std::vector<DatabaseStatus> databases;
    std::vector<std::string> problems;  // repository-wide (no database at all)

    bool ok() const;
    // "PGPROOF OK - ..." / "PGPROOF WARNING - ...": the first line, Nagios plugin style, with perfdata.
    std::string nagiosLine() const;
    nlohmann::json toJson() const;  // report "pgproof-status", docs/REPOSITORY.md
};

RepositoryStatus evaluateStatus(const std::string& repository, const std::vector<DatabaseArchives>& scan,
                                const StatusPolicy& policy, std::time_t now);

}  // namespace pgproof::repository
