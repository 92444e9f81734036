#pragma once
// backup --all-databases: one archive per database of a server into a repository, all named with one
// time stamp. Each database is its own backup with its own history record (and --check); a database
// that fails is named and the others go on. The run's exit code combines theirs (a failed proof
// outranks an incomplete one), and the server's run record (repository/ServerRun) lets status answer
// for the whole server. Its reports and server metrics are written by repository/ServerBackupReport.
#include <optional>
#include <string>

#include "Backup.hpp"
#include "CommandLine.hpp"
#include "ServerDatabases.hpp"

namespace pgproof::cli {

struct AllDatabasesBackup {
    BackupOptions each;           // level, jobs, pg_dump and its arguments, lock wait: the same for every database
    std::string repo;
    std::optional<std::string> db;  // where to list the databases (default: DATABASE_URL, PG* variables)
    DatabasePatterns patterns;
    bool checkAfter = false;
    bool globals = false, noRolePasswords = false;  // --globals beside each database's archive (backup/ServerGlobals)
};

int runAllDatabasesBackup(const AllDatabasesBackup& run, const CommonFlags& flags);

}  // namespace pgproof::cli
