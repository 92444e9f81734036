#pragma once
// Which pg_dump a backup runs. pg_dump refuses to dump a server newer than itself, so pgproof picks one
// that is not older than the server, says which, and records it in the manifest (path and version).
#include <optional>
#include <string>

#include "ServerVersion.hpp"

namespace pgproof {

class PgDumpProgram {
public:
    // explicitPath (backup --pg-dump, else PGPROOF_PG_DUMP) is used as given. Otherwise: the pg_dump of
    // the server's major version under /usr/lib/postgresql/N/bin (Debian keeps one per major version
    // there), else the newest one there, else pg_dump on PATH.
    // Throws BadInputError naming both versions if the chosen pg_dump is older than the server, or
    // naming the path if an explicit one cannot be run; IncompleteError if none is installed.
    static PgDumpProgram choose(const std::optional<std::string>& explicitPath, const ServerVersion& server);

    const std::string& path() const { return path_; }
    // What `pg_dump --version` says after "pg_dump (PostgreSQL) ": "15.18 (Debian 15.18-0+deb12u1)".
    const std::string& version() const { return version_; }
    int major() const { return major_; }

private:
    PgDumpProgram(std::string path, std::string version, int major)
        : path_(std::move(path)), version_(std::move(version)), major_(major) {}
    std::string path_;
    std::string version_;
    int major_;
};

}  // namespace pgproof
