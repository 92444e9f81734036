#pragma once
// Which archives of a database prune keeps, and why (docs/REPOSITORY.md "prune"). Only backups
// (complete, not damaged) count toward the policy; an archive is kept if any rule keeps it:
//   --keep-last N      the N newest backups
//   --keep-days D      every backup younger than D days
//   --keep-daily D     the newest backup of each of the D newest UTC days that have one
//   --keep-weekly W    ... of each of the W newest ISO weeks that have one
//   --keep-monthly M   ... of each of the M newest months that have one
// Partial archives (table data left out) never take a full backup's place: the count rules (last, daily,
// weekly, monthly) are applied to the full backups, and then, in addition, to the partial archives newer
// than the newest full backup (a job that went partial keeps its recent output, bounded by the same
// rules; partial archives older than a full one are superseded by it). --keep-days keeps both kinds.
// Always kept: a pinned archive, the newest proven full backup, the full archive of the newest passed drill.
// Damaged archives (trailer or manifest broken, or an archive check found them damaged) are kept and
// listed unless removeDamaged. Archives held by a running command are kept at removal time (ArchiveLock).
// Ages and days are the archives' `dated` times (ArchiveInfo).
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "ArchiveCatalog.hpp"

namespace pgproof::repository {

struct RetentionPolicy {
    size_t keepLast = 0;
    std::optional<double> keepDays;
    size_t keepDaily = 0, keepWeekly = 0, keepMonthly = 0;
    bool removeDamaged = false;
};

struct RetentionDecision {
    const ArchiveInfo* archive = nullptr;
    bool remove = false;
    std::vector<std::string> reasons;  // why it is kept, or why it goes
};

// One decision per archive of `db`, in its order (newest first).
std::vector<RetentionDecision> decideRetention(const DatabaseArchives& db, const RetentionPolicy& policy, std::time_t now);

}  // namespace pgproof::repository
