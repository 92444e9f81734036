#pragma once
// `pgproof prune`: the archives of a repository that the retention policy does not keep are removed
// with their history, each one said as it goes with why; so is every archive kept. An archive a
// running pgproof command holds (a flock in a folder, a fresh lease in a bucket) is kept. Then the leftovers of killed runs in each database folder
// (temporary files, the empty history of a backup that never completed; in a bucket, stale claims and leases
// and the records of archives that are gone) are removed too.
#include <ctime>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ArchiveCatalog.hpp"
#include "RepositoryStore.hpp"
#include "RetentionPolicy.hpp"

namespace pgproof::repository {

struct PruneRequest {
    std::vector<std::string> databases;  // only these folders (empty: every one)
    bool dryRun = false;                 // say what would be removed, remove nothing
    bool sayKept = true;                 // also say every archive kept (not with --quiet)
};

struct PruneTotals {
    size_t removed = 0, kept = 0, failed = 0;  // removed: or to remove, in a dry run
};

// scan: scanRepository(repository)'s. Each line for people goes to `say` as it happens (no newline);
// an archive that cannot be removed is logged as an error and counted in `failed`.
PruneTotals pruneRepository(RepositoryStore& repository, const std::vector<DatabaseArchives>& scan,
                            const RetentionPolicy& policy, const PruneRequest& request, std::time_t now,
                            const std::function<void(const std::string&)>& say);

// "prune DIR: 2 archive(s) removed, 3 kept" (and what a dry run did not do, and what failed).
std::string pruneSummary(const std::string& repository, const PruneTotals& totals, bool dryRun);

}  // namespace pgproof::repository
