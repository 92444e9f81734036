#include "StatusReport.hpp"

#include <fmt/format.h>

#include "ReportOutput.hpp"
#include "UtcTime.hpp"

namespace pgproof::repository {

namespace {
// The three gauges every status run writes, readable or not.
void runGauges(PrometheusTextfile& m, bool up, bool ok, std::time_t at) {
    m.gauge("pgproof_repository_up", "1 if pgproof status could read the repository", {}, up ? 1 : 0);
    m.gauge("pgproof_repository_ok", "1 if every database has a fresh proven backup and a recent passed drill", {}, ok ? 1 : 0);
    m.gauge("pgproof_repository_status_timestamp_seconds", "when pgproof status last ran (Unix time)", {}, static_cast<double>(at));
}
}  // namespace

std::string renderStatusText(const RepositoryStatus& status) {
    std::string text;
    std::vector<std::vector<std::string>> rows;
    for (const auto& d : status.databases)
        rows.push_back({d.database, d.ok() ? "ok" : "STALE", std::to_string(d.backups), std::to_string(d.partial), std::to_string(d.damaged),
                        d.newestProven ? d.newestProven->path.filename().string() : "-",
                        d.provenAgeSeconds ? describeAge(*d.provenAgeSeconds) : "-",
                        d.drillAgeSeconds ? describeAge(*d.drillAgeSeconds) : "-",
                        d.recoverySeconds ? fmt::format("{:.1f} s", *d.recoverySeconds) : "-"});
    for (const auto& sv : status.servers) text += sv.summary() + "\n";
    if (!rows.empty())
        text += renderTextTable({"DATABASE", "STATUS", "BACKUPS", "PARTIAL", "DAMAGED", "NEWEST PROVEN", "AGE", "DRILL AGE", "RTO"}, rows);
    for (const auto& d : status.databases) {
        for (const auto& p : d.problems) text += d.database + ": " + p + "\n";
        for (const auto& n : d.notes) text += d.database + ": note: " + n + "\n";
    }
    return text;
}

PrometheusTextfile statusMetrics(const RepositoryStatus& s) {
    PrometheusTextfile m;
    runGauges(m, true, s.ok(), s.at);
    for (const auto& sv : s.servers)
        m.gauge("pgproof_repository_server_ok", "1 if every database the server's last backup --all-databases listed has a fresh proven backup",
                {{"server", sv.server}}, sv.ok() ? 1 : 0);
    for (const auto& d : s.databases) {
        Labels l = {{"database", d.database}, {"server", d.server}};
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
        if (d.newestProven) {
            m.gauge("pgproof_repository_backup_last_proven_timestamp_seconds",
                    "time of the newest full backup proven intact by a check, restore or drill (Unix time)", l,
                    static_cast<double>(d.newestProven->dated));
            m.gauge("pgproof_repository_backup_since_last_completion_seconds",
                    "age of the newest full backup proven intact (seconds; what status compares with --max-age)", l, *d.provenAgeSeconds);
        }
        if (d.drillAgeSeconds)
            m.gauge("pgproof_repository_drill_since_last_completion_seconds", "age of the newest passed drill (seconds)", l, *d.drillAgeSeconds);
        if (d.drillAgeSeconds)
            m.gauge("pgproof_repository_drill_last_success_timestamp_seconds", "when the newest passed drill ran (Unix time)", l,
                    static_cast<double>(s.at) - *d.drillAgeSeconds);
        if (d.recoverySeconds)
            m.gauge("pgproof_repository_drill_recovery_seconds", "recovery time measured by the newest passed drill", l, *d.recoverySeconds);
    }
    return m;
}

PrometheusTextfile unreadableStatusMetrics(std::time_t at) {
    PrometheusTextfile m;
    runGauges(m, false, false, at);
    return m;
}

}  // namespace pgproof::repository
