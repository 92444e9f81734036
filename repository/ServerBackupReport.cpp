#include "ServerBackupReport.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace pgproof::repository {

Outcome ServerBackup::judged() const {
    Outcome judged = Outcome::Proven;
    for (const auto& d : databases) judged = combineOutcomes(judged, d.outcome);
    if (!runProblems.empty()) judged = combineOutcomes(judged, Outcome::Incomplete);
    return judged;
}

std::vector<std::string> ServerBackup::failures() const {
    std::vector<std::string> out;
    for (const auto& d : databases)
        if (d.outcome != Outcome::Proven) out.push_back(fmt::format("backup of {} failed (exit {}): {}", d.database, exitCodeOf(d.outcome), d.error));
    out.insert(out.end(), runProblems.begin(), runProblems.end());
    return out;
}

nlohmann::json serverBackupJson(const ServerBackup& run, const SettledOutcome& s) {
    nlohmann::json dbs = nlohmann::json::array();
    for (const auto& d : run.databases) {
        nlohmann::json j = {{"database", d.database}, {"verdict", outcomeName(d.outcome)}, {"exit_code", exitCodeOf(d.outcome)},
                            {"archive", d.archive}, {"tables", d.tables}, {"rows", d.rows}, {"bytes", d.bytes}, {"seconds", d.seconds}};
        if (!d.error.empty()) j["error"] = d.error;
        dbs.push_back(j);
    }
    nlohmann::json j = {{"report", "pgproof-backup-server"}, {"report_version", 1}, {"verdict", outcomeName(s.outcome)},
                        {"exit_code", s.exitCode()}, {"server", run.record.server}, {"repository", run.repository}, {"at", run.record.at},
                        {"databases", dbs}, {"failed", run.record.failed}, {"excluded", run.record.excluded},
                        {"no_connections", run.record.noConnections}};
    if (!s.error().empty()) j["error"] = s.error();
    return j;
}

std::string serverBackupJUnit(const ServerBackup& run, const SettledOutcome& s) {
    std::vector<JUnitCase> cases;
    appendOutcomeCase(cases, s, "pgproof.backup");
    for (const auto& d : run.databases) {
        bool failed = d.outcome == Outcome::Failed, error = d.outcome != Outcome::Proven && !failed;
        cases.push_back({"pgproof.backup.databases", d.database, failed, error, d.error, "", d.seconds});
    }
    return renderJUnit("pgproof backup --all-databases " + run.record.server, cases, 0);
}

std::string renderServerBackupText(const ServerBackup& run, const SettledOutcome& s, TextDetail detail) {
    std::string text;
    if (!detail.quiet) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& d : run.databases)
            rows.push_back({d.database, d.outcome == Outcome::Proven ? "ok" : outcomeHeadline(d.outcome), withThousands(d.tables),
                            withThousands(d.rows), humanBytes(d.bytes), fmt::format("{:.2f}", d.seconds),
                            d.outcome == Outcome::Proven ? std::filesystem::path(d.archive).filename().string() : "-"});
        text += "backup --all-databases of " + run.record.server + " at " + run.record.at + ": " +
                std::to_string(run.databases.size() - run.record.failed.size()) + " of " + std::to_string(run.databases.size()) +
                " databases backed up\n";
        text += renderTextTable({"DATABASE", "BACKUP", "TABLES", "ROWS", "SIZE", "SECONDS", "ARCHIVE"}, rows);
    }
    for (const auto& f : run.failures()) text += f + "\n";
    if (s.demoted()) text += s.headline() + ": " + s.error() + "\n";
    return text;
}

void addServerBackupMetrics(PrometheusTextfile& m, const ServerBackup& run, std::time_t started) {
    Labels server = {{"server", run.record.server}};
    m.gauge("pgproof_server_backup_databases", "databases the last backup --all-databases of the server set out to back up", server,
            static_cast<double>(run.record.databases.size()));
    m.gauge("pgproof_server_backup_failed_databases", "databases whose backup failed in that run", server,
            static_cast<double>(run.record.failed.size()));
    m.gauge("pgproof_server_backup_last_run_timestamp_seconds", "when that run started (Unix time; its archives' time stamp)", server,
            static_cast<double>(started));
}

}  // namespace pgproof::repository
