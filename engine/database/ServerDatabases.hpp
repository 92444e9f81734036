#pragma once
// The databases of a server that `backup --all-databases` backs up, chosen the way pg_dumpall chooses
// them: every database that allows connections, templates never (template0 and template1 are recreated
// by initdb and restored by CREATE DATABASE), then --include-database and --exclude-database patterns.
// Patterns are shell-style (*, ?, [...]) over the whole name, as pg_dumpall's --exclude-database.
#include <string>
#include <vector>

namespace pgproof {

class ConnectionTarget;
class PgConnection;

struct DatabasePatterns {
    std::vector<std::string> include;  // empty: every database
    std::vector<std::string> exclude;  // wins over include
    bool chooses(const std::string& database) const;
};

struct ServerDatabases {
    std::string server;                    // "host:port" as libpq connected (a socket folder for a unix socket)
    std::vector<std::string> chosen;       // to back up, sorted by name
    std::vector<std::string> excluded;     // left out by the patterns
    std::vector<std::string> noConnections;  // datallowconn false (not templates): named, never backed up
};

// Lists the databases on `connection`'s server. Throws IncompleteError when the catalog cannot be read,
// BadInputError when the patterns leave nothing to back up.
ServerDatabases listServerDatabases(const PgConnection& connection, const DatabasePatterns& patterns);

// "host:port" of a connection (the server label of metrics, status and the server's run record).
std::string serverLabel(const PgConnection& connection);
// The same label before connecting (a run that may fail first): host and port as libpq will take them,
// from the connection string, then PGHOST and PGPORT, then libpq's defaults.
std::string serverLabel(const ConnectionTarget& target);

}  // namespace pgproof
