#pragma once
// `pgproof backup --globals`: the server's globals (roles, their attributes, settings and memberships,
// tablespaces) as `pg_dumpall --globals-only` writes them, kept as an archive of their own beside the
// database's archive: NAME.sql.zst -> NAME.globals.sql.zst (docs/ARCHIVE.md, "Globals"). The file has the
// archive format (zstd frames with checksums, manifest, trailer), so `pgproof check` proves it whole and
// `zstd -dc NAME.globals.sql.zst | psql` restores it with stock tools. Its manifest lists the roles it
// defines; the database archive's manifest records the globals file's name and manifest checksum, so a
// restore uses only the globals written with that archive.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "Backup.hpp"
#include "Manifest.hpp"

namespace pgproof {

struct GlobalsOptions {
    std::optional<std::string> db;     // any database of the server (conninfo or URI); else DATABASE_URL, PG*
    std::filesystem::path output;      // usually globalsPathFor(the database archive)
    bool overwrite = false;
    bool noRolePasswords = false;      // pg_dumpall --no-role-passwords: works without reading pg_authid
    int level = 3;
    int jobs = 1;
    std::optional<std::string> pgDump;  // the pg_dump chosen for the backup: pg_dumpall is taken beside it
};

struct GlobalsResult {
    std::filesystem::path path;
    Manifest manifest;
    uint64_t bytes = 0;
    std::vector<std::string> roles;   // the roles the file defines (CREATE ROLE), in its order
    std::string manifestChecksum;     // 16 hex digits, as the trailer records it
    double seconds = 0;
    // What the database archive's manifest records about this file (source.globals).
    nlohmann::json reference() const;
};

// NAME.sql.zst -> NAME.globals.sql.zst (any other name: NAME + ".globals.sql.zst").
std::filesystem::path globalsPathFor(const std::filesystem::path& archive);

// Runs pg_dumpall --globals-only against the server and writes its output as an archive at
// options.output. Throws IncompleteError if pg_dumpall fails (nothing is left at the final path),
// BadInputError for an existing output without overwrite.
GlobalsResult backupGlobals(const GlobalsOptions& options);

// backup --globals for the archive `archive` that `backup` is about to write (a path: refused for "-" and
// with --from-stdin, BadInputError): the globals of backup.db's server, written beside it with the
// backup's level, jobs and pg_dump, and recorded in backup.globals (source.globals of its manifest).
GlobalsResult writeGlobalsBeside(BackupOptions& backup, const std::string& archive, bool overwrite, bool noRolePasswords);

// backup --check for the globals just written: read back from disk and proven intact as `pgproof check`
// proves any archive. Throws ProofFailedError naming the first damage.
void checkWrittenGlobals(const GlobalsResult& written, int jobs);

}  // namespace pgproof
