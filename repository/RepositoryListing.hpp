#pragma once
// What `pgproof list` shows of a repository (docs/REPOSITORY.md): every archive of every database,
// newest first, with its state, last check and drill, pin and, with a retention policy, what prune
// would do with it and why. One listing, rendered as a table per database for people or as JSON.
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ArchiveCatalog.hpp"
#include "RetentionPolicy.hpp"

namespace pgproof::repository {

class RepositoryListing {
public:
    // scan: scanRepository's; policy: the retention flags given (nullopt: no RETENTION column); now: the time ages are measured at.
    RepositoryListing(std::string repository, std::vector<DatabaseArchives> scan, const std::optional<RetentionPolicy>& policy,
                      std::time_t now);
    RepositoryListing(const RepositoryListing&) = delete;  // the decisions point into the scan
    RepositoryListing& operator=(const RepositoryListing&) = delete;

    nlohmann::json toJson() const;
    std::string text() const;

private:
    std::string repository_;
    std::vector<DatabaseArchives> databases_;
    bool withRetention_;
    std::vector<std::vector<RetentionDecision>> decisions_;  // per database, per archive (empty without a policy)
    std::time_t now_;
};

}  // namespace pgproof::repository
