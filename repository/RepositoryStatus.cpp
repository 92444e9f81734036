#include "RepositoryStatus.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "UtcTime.hpp"

namespace pgproof::repository {

namespace {

double ageOf(const std::string& iso, std::time_t now) {
    auto t = parseUtc(iso);
    return t ? std::difftime(now, *t) : -1;
}

nlohmann::json archiveJson(const std::optional<ArchiveInfo>& a, std::time_t now) {
    if (!a) return nullptr;
    return {{"path", a->path.string()}, {"created", a->createdText}, {"seen", formatUtc(a->seen)}, {"age_seconds", std::difftime(now, a->dated)},
            {"size", a->size}, {"tables", a->tables}, {"rows", a->rows}, {"partial", a->isPartial()}};
}

nlohmann::json optionalNumber(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

}  // namespace

RepositoryStatus evaluateStatus(const std::string& repository, const std::vector<DatabaseArchives>& scan,
                                const StatusPolicy& policy, std::time_t now, const std::vector<ServerRun>& servers) {
    RepositoryStatus s;
    s.repository = repository;
    s.at = now;
    s.policy = policy;
    std::vector<const DatabaseArchives*> chosen;
    for (const auto& name : policy.databases) {
        auto it = std::find_if(scan.begin(), scan.end(), [&](const DatabaseArchives& d) { return d.database == name; });
        if (it == scan.end()) {
            DatabaseStatus d;
            d.database = name;
            d.problems.push_back("no backup at all (no folder " + name + " in the repository)");
            s.databases.push_back(d);
        } else {
            chosen.push_back(&*it);
        }
    }
    if (policy.databases.empty()) {
        for (const auto& d : scan) chosen.push_back(&d);
        // A database of a server whose every backup failed may have no folder at all: it is missing, not fine.
        for (const auto& run : servers)
            for (const auto& name : run.databases) {
                bool known = std::any_of(scan.begin(), scan.end(), [&](const DatabaseArchives& d) { return d.database == name; }) ||
                             std::any_of(s.databases.begin(), s.databases.end(), [&](const DatabaseStatus& d) { return d.database == name; });
                if (known) continue;
                DatabaseStatus d;
                d.database = name;
                d.server = run.server;
                d.problems.push_back("no backup at all (a database of " + run.server + " since its backup --all-databases at " + run.at + ")");
                s.databases.push_back(d);
            }
    }
    if (scan.empty() && policy.databases.empty()) s.problems.push_back("no backup at all: the repository holds no database folder");

    for (const DatabaseArchives* db : chosen) {
        DatabaseStatus d;
        d.database = db->database;
        d.backups = db->backups();
        d.partial = db->partials();
        d.damaged = db->damagedCount();
        if (!db->archives.empty()) d.server = db->archives.front().server;
        for (const auto& run : servers)
            if (std::find(run.databases.begin(), run.databases.end(), d.database) != run.databases.end()) d.server = run.server;
        if (const auto* b = db->newestBackup()) d.newestBackup = *b;
        if (const auto* p = db->newestProven()) {
            d.newestProven = *p;
            d.provenAgeSeconds = std::difftime(now, p->dated);
        }
        if (const auto* r = db->newestDrilled()) {
            d.newestDrilled = *r;
            const HistoryRecord* drill = r->lastPassedDrill();
            d.drillAgeSeconds = ageOf(drill->at, now);
            d.recoverySeconds = drill->recoverySeconds;
        }
        if (!d.newestProven) {
            const ArchiveInfo* provenPartial = nullptr;
            for (const auto& a : db->archives)
                if (!provenPartial && a.isPartial() && a.proof()) provenPartial = &a;
            if (provenPartial)
                d.problems.push_back("no proven full backup: the newest proven archive, " + provenPartial->path.filename().string() +
                                     ", is partial (" + provenPartial->partial + ")");
            else if (d.backups == 0)
                d.problems.push_back(db->archives.empty() ? "no backup at all"
                                                          : "no complete backup: every archive is damaged or partial");
            else
                d.problems.push_back("no proven backup: no archive has a passed check, restore or drill");
        } else if (*d.provenAgeSeconds > policy.maxAgeSeconds) {
            d.problems.push_back(fmt::format("newest proven backup is {} old (max {})", describeAge(*d.provenAgeSeconds),
                                             describeAge(policy.maxAgeSeconds)));
        }
        if (policy.maxDrillAgeSeconds) {
            if (!d.drillAgeSeconds)
                d.problems.push_back("no passed drill");
            else if (*d.drillAgeSeconds > *policy.maxDrillAgeSeconds)
                d.problems.push_back(fmt::format("newest passed drill is {} old (max {})", describeAge(*d.drillAgeSeconds),
                                                 describeAge(*policy.maxDrillAgeSeconds)));
        }
        if (d.backups < policy.minBackups)
            d.problems.push_back(fmt::format("{} full backup(s), fewer than --min-backups {}", d.backups, policy.minBackups));
        // Newer archives than the proven one: what the next check should look at, and partial ones named as such.
        for (const auto& a : db->archives) {
            if (d.newestProven && a.dated < d.newestProven->dated) break;
            if (d.newestProven && a.path == d.newestProven->path) break;
            std::string note = a.path.filename().string() + ": " + a.state();
            if (a.isPartial() && !a.damaged()) note += " (" + a.partial + "): not a full backup, not counted";
            d.notes.push_back(note);
        }
        // What the repository could not trust or had to correct, for every archive of the database.
        for (const auto& a : db->archives) {
            for (const auto& p : a.history.problems) d.notes.push_back(p);
            if (!a.clockNote.empty()) d.notes.push_back(a.path.filename().string() + ": " + a.clockNote);
        }
        s.databases.push_back(std::move(d));
    }
    std::sort(s.databases.begin(), s.databases.end(), [](const DatabaseStatus& a, const DatabaseStatus& b) { return a.database < b.database; });
    if (policy.databases.empty())
        for (const auto& run : servers) {
            ServerStatus server{run.server, run.at, run.databases, {}};
            for (const auto& name : run.databases)
                for (const auto& d : s.databases)
                    if (d.database == name && !d.ok()) server.lacking.push_back(name + " (" + d.problems.front() + ")");
            s.servers.push_back(std::move(server));
        }
    return s;
}

std::string ServerStatus::summary() const {
    if (ok()) return fmt::format("server {}: every database ({}) has a fresh proven backup", server, databases.size());
    return fmt::format("server {}: {} of {} databases without a fresh proven backup: {}", server, lacking.size(), databases.size(),
                       fmt::join(lacking, ", "));
}

bool RepositoryStatus::ok() const {
    return problems.empty() && std::all_of(databases.begin(), databases.end(), [](const DatabaseStatus& d) { return d.ok(); });
}

std::string RepositoryStatus::nagiosLine() const {
    std::string text;
    auto add = [&](const std::string& s) { text += (text.empty() ? "" : "; ") + s; };
    for (const auto& p : problems) add(p);
    for (const auto& server : servers) add(server.summary());
    for (const auto& d : databases)
        for (const auto& p : d.problems) add(d.database + ": " + p);
    if (ok()) {
        for (const auto& d : databases) {
            std::string s = d.database + ": backup " + describeAge(*d.provenAgeSeconds) + " old";
            if (d.drillAgeSeconds) s += ", drill " + describeAge(*d.drillAgeSeconds) + " old";
            add(s);
        }
    }
    std::string perf;
    for (const auto& d : databases) {
        if (d.provenAgeSeconds) perf += fmt::format(" '{}_backup_age'={:.0f}s;;{:.0f}", d.database, *d.provenAgeSeconds, policy.maxAgeSeconds);
        if (d.drillAgeSeconds)
            perf += fmt::format(" '{}_drill_age'={:.0f}s;;{}", d.database, *d.drillAgeSeconds,
                                policy.maxDrillAgeSeconds ? fmt::format("{:.0f}", *policy.maxDrillAgeSeconds) : "");
        perf += fmt::format(" '{}_backups'={}", d.database, d.backups);
    }
    return std::string("PGPROOF ") + (ok() ? "OK" : "WARNING") + " - " + text + (perf.empty() ? "" : " |" + perf);
}

nlohmann::json RepositoryStatus::toJson() const {
    nlohmann::json dbs = nlohmann::json::array();
    for (const auto& d : databases) {
        dbs.push_back({{"database", d.database},
                       {"server", d.server},
                       {"ok", d.ok()},
                       {"problems", d.problems},
                       {"notes", d.notes},
                       {"backups", d.backups},
                       {"partial", d.partial},
                       {"damaged", d.damaged},
                       {"newest_backup", archiveJson(d.newestBackup, at)},
                       {"newest_proven", archiveJson(d.newestProven, at)},
                       {"proven_age_seconds", optionalNumber(d.provenAgeSeconds)},
                       {"newest_drill",
                        d.newestDrilled ? nlohmann::json{{"archive", d.newestDrilled->path.string()},
                                                         {"at", d.newestDrilled->lastPassedDrill()->at},
                                                         {"age_seconds", optionalNumber(d.drillAgeSeconds)},
                                                         {"recovery_seconds", optionalNumber(d.recoverySeconds)}}
                                        : nlohmann::json(nullptr)}});
    }
    nlohmann::json serversJson = nlohmann::json::array();
    for (const auto& sv : servers)
        serversJson.push_back({{"server", sv.server}, {"ok", sv.ok()}, {"last_run", sv.lastRun}, {"databases", sv.databases},
                               {"lacking", sv.lacking}, {"summary", sv.summary()}});
    int code = ok() ? 0 : 1;
    return {{"report", "pgproof-status"},
            {"report_version", 1},
            {"repository", repository},
            {"at", formatUtc(at)},
            {"verdict", ok() ? "fresh" : "stale"},
            {"exit_code", code},
            {"policy", {{"max_age_seconds", policy.maxAgeSeconds}, {"max_drill_age_seconds", optionalNumber(policy.maxDrillAgeSeconds)},
                        {"min_backups", policy.minBackups}}},
            {"problems", problems},
            {"servers", serversJson},
            {"databases", dbs}};
}

}  // namespace pgproof::repository
