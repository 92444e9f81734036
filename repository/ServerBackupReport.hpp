#pragma once
// The reports of `backup --all-databases` (docs/REPOSITORY.md): what each database's backup ended with
// and the server's run record, rendered from the settled outcome of the whole run: versioned JSON
// ("pgproof-backup-server"), JUnit (one case per database) and the table for people; and the run's
// server gauges for --metrics.
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "Outcome.hpp"
#include "PrometheusTextfile.hpp"
#include "ReportOutput.hpp"
#include "ServerRun.hpp"

namespace pgproof::repository {

// One database's backup within the run.
struct DatabaseBackup {
    std::string database, archive, error;  // archive: the path written (or reserved); error: why it did not prove
    Outcome outcome = Outcome::Incomplete;
    uint64_t tables = 0, rows = 0, bytes = 0;
    double seconds = 0;
};

struct ServerBackup {
    std::string repository;
    ServerRun record;  // server, the run's time stamp, databases chosen, failed, excluded, not allowing connections
    std::vector<DatabaseBackup> databases;
    std::vector<std::string> runProblems;  // what could not be recorded for the run as a whole

    // Combines every database's outcome (a failed proof outranks an incomplete one), and an incomplete
    // run record.
    Outcome judged() const;
    // One line per database that did not prove, then the run's own problems.
    std::vector<std::string> failures() const;
};

nlohmann::json serverBackupJson(const ServerBackup& run, const SettledOutcome& settled);
std::string serverBackupJUnit(const ServerBackup& run, const SettledOutcome& settled);
// A headline ("backup --all-databases of H:P at T: 3 of 4 databases backed up") and a table (--quiet: only
// the failures).
std::string renderServerBackupText(const ServerBackup& run, const SettledOutcome& settled, TextDetail detail);
// pgproof_server_backup_databases, _failed_databases, _last_run_timestamp_seconds (label server).
void addServerBackupMetrics(PrometheusTextfile& metrics, const ServerBackup& run, std::time_t started);

}  // namespace pgproof::repository
