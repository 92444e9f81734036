#include "RetentionPolicy.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "UtcTime.hpp"

namespace pgproof::repository {

namespace {

std::string bucket(std::time_t t, const char* format) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

// Keeps the newest backup of each of the `count` newest buckets that hold one.
void keepPerBucket(const DatabaseArchives& db, std::vector<RetentionDecision>& out, size_t count, const char* format,
                   const std::string& rule) {
    if (count == 0) return;
    std::set<std::string> seen;
    for (size_t i = 0; i < db.archives.size() && seen.size() < count; ++i) {
        if (db.archives[i].damaged()) continue;
        std::string b = bucket(db.archives[i].created, format);
        if (seen.insert(b).second) out[i].reasons.push_back(rule + " " + b);
    }
}

}  // namespace

std::vector<RetentionDecision> decideRetention(const DatabaseArchives& db, const RetentionPolicy& p, std::time_t now) {
    std::vector<RetentionDecision> out(db.archives.size());
    const ArchiveInfo* proven = db.newestProven();
    const ArchiveInfo* drilled = db.newestDrilled();
    size_t backups = 0;
    for (size_t i = 0; i < db.archives.size(); ++i) {
        const ArchiveInfo& a = db.archives[i];
        out[i].archive = &a;
        if (a.pin) out[i].reasons.push_back("pinned" + (a.pin->reason.empty() ? "" : ": " + a.pin->reason));
        if (&a == proven) out[i].reasons.push_back("newest proven backup");
        if (&a == drilled) out[i].reasons.push_back("newest passed drill");
        if (a.damaged()) continue;
        if (backups < p.keepLast) out[i].reasons.push_back(fmt::format("last {} (#{})", p.keepLast, backups + 1));
        ++backups;
        double age = std::difftime(now, a.created);
        if (p.keepDays && age < *p.keepDays * 86400) out[i].reasons.push_back(fmt::format("younger than {} days", *p.keepDays));
    }
    keepPerBucket(db, out, p.keepDaily, "%Y-%m-%d", "daily");
    keepPerBucket(db, out, p.keepWeekly, "%G-W%V", "weekly");
    keepPerBucket(db, out, p.keepMonthly, "%Y-%m", "monthly");
    for (auto& d : out) {
        if (!d.reasons.empty()) continue;
        if (d.archive->damaged()) {
            if (p.removeDamaged) {
                d.remove = true;
                d.reasons.push_back("damaged (" + d.archive->state() + "), --remove-damaged");
            } else {
                d.reasons.push_back("damaged (" + d.archive->state() + "): kept, pass --remove-damaged to remove it");
            }
            continue;
        }
        d.remove = true;
        d.reasons.push_back("outside the policy (" + describeAge(std::difftime(now, d.archive->created)) + " old)");
    }
    return out;
}

}  // namespace pgproof::repository
