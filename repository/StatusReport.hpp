#pragma once
// What `pgproof status` shows of a repository's status, besides its Nagios line and JSON
// (RepositoryStatus): the table per database for people, and the metrics (docs/METRICS.md), also for a
// repository that could not be read (pgproof_repository_up 0).
#include <ctime>
#include <string>

#include "PrometheusTextfile.hpp"
#include "RepositoryStatus.hpp"

namespace pgproof::repository {

// The whole-server answers first (one line per server run record), then the table (one row per
// database: status, backups, newest proven, ages, recovery time), then every problem and note, each line
// naming its database.
std::string renderStatusText(const RepositoryStatus& status);
// Every per-database sample carries the labels database and server; one pgproof_repository_server_ok per server.
PrometheusTextfile statusMetrics(const RepositoryStatus& status);
// at: when status ran.
PrometheusTextfile unreadableStatusMetrics(std::time_t at);

}  // namespace pgproof::repository
