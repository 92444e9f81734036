#include "RetentionPolicy.hpp"

#include <fmt/format.h>

#include <functional>
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

// The count rules over one kind of archive (full backups, or the partial archives the policy admits),
// newest first: the N newest, and the newest of each of the D/W/M newest days, weeks and months.
void applyCountRules(const DatabaseArchives& db, std::vector<RetentionDecision>& out, const RetentionPolicy& p,
                     const std::function<bool(const ArchiveInfo&)>& counts, const std::string& kind) {
    size_t n = 0;
    for (size_t i = 0; i < db.archives.size(); ++i) {
        if (!counts(db.archives[i])) continue;
        if (n < p.keepLast) out[i].reasons.push_back(fmt::format("last {}{} (#{})", p.keepLast, kind, n + 1));
        ++n;
    }
    auto perBucket = [&](size_t count, const char* format, const std::string& rule) {
        if (count == 0) return;
        std::set<std::string> seen;
        for (size_t i = 0; i < db.archives.size() && seen.size() < count; ++i) {
            if (!counts(db.archives[i])) continue;
            std::string b = bucket(db.archives[i].dated, format);
            if (seen.insert(b).second) out[i].reasons.push_back(rule + kind + " " + b);
        }
    };
    perBucket(p.keepDaily, "%Y-%m-%d", "daily");
    perBucket(p.keepWeekly, "%G-W%V", "weekly");
    perBucket(p.keepMonthly, "%Y-%m", "monthly");
}

}  // namespace

std::vector<RetentionDecision> decideRetention(const DatabaseArchives& db, const RetentionPolicy& p, std::time_t now) {
    std::vector<RetentionDecision> out(db.archives.size());
    const ArchiveInfo* proven = db.newestProven();
    const ArchiveInfo* drilled = db.newestDrilled();
    const ArchiveInfo* newestFull = db.newestBackup();
    for (size_t i = 0; i < db.archives.size(); ++i) {
        const ArchiveInfo& a = db.archives[i];
        out[i].archive = &a;
        if (a.pin) out[i].reasons.push_back("pinned" + (a.pin->reason.empty() ? "" : ": " + a.pin->reason));
        if (&a == proven) out[i].reasons.push_back("newest proven backup");
        if (&a == drilled) out[i].reasons.push_back("newest passed drill");
        if (a.damaged()) continue;
        double age = std::difftime(now, a.dated);
        if (p.keepDays && age < *p.keepDays * 86400) out[i].reasons.push_back(fmt::format("younger than {} days", *p.keepDays));
    }
    applyCountRules(db, out, p, [](const ArchiveInfo& a) { return a.isFull(); }, "");
    // Partial archives only in addition, and only those newer than every full backup.
    applyCountRules(
        db, out, p,
        [&](const ArchiveInfo& a) { return !a.damaged() && a.isPartial() && (!newestFull || a.dated > newestFull->dated); },
        " partial, newer than the newest full backup");
    for (auto& d : out) {
        if (!d.reasons.empty()) continue;
        const ArchiveInfo& a = *d.archive;
        if (a.damaged()) {
            if (p.removeDamaged) {
                d.remove = true;
                d.reasons.push_back("damaged (" + a.state() + "), --remove-damaged");
            } else {
                d.reasons.push_back("damaged (" + a.state() + "): kept, pass --remove-damaged to remove it");
            }
            continue;
        }
        d.remove = true;
        std::string age = describeAge(std::difftime(now, a.dated)) + " old";
        if (a.isPartial())
            d.reasons.push_back("outside the policy (partial: " + a.partial + "; " + age +
                                (newestFull && a.dated <= newestFull->dated ? "; a newer full backup supersedes it)" : ")"));
        else
            d.reasons.push_back("outside the policy (" + age + ")");
    }
    return out;
}

}  // namespace pgproof::repository
