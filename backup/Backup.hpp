#pragma once
// `pgproof backup`: pg_dump (or a plain dump on stdin) -> fingerprinted, compressed archive.
// With a database, pgproof exports a snapshot and pg_dump reads at that same
// snapshot, so the catalog facts recorded beside the rows describe the same moment.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "AgeEncryption.hpp"
#include "BackupPipeline.hpp"
#include "Manifest.hpp"
#include "UtcTime.hpp"

namespace pgproof {

class PgConnection;

struct BackupOptions {
    std::filesystem::path output;  // "-": stdout
    bool overwrite = false;        // --force: replace an existing file
    AgeRecipients encryptTo;       // --encrypt-to / --encrypt-to-file: the archive is written encrypted (age)
    std::optional<std::string> db;
    bool fromStdin = false;
    int connections = 1;     // --jobs: connections reading table data; 1 is pg_dump's own path (ParallelDump.hpp)
    int compressThreads = 2;  // --compress-threads: zstd and fingerprint threads
    int level = 3;
    std::vector<std::string> pgDumpArgs;
    std::optional<std::string> pgDump;  // --pg-dump PATH (else PGPROOF_PG_DUMP, else chosen by PgDumpProgram)
    std::string lockWaitTimeout;        // --lock-wait-timeout, for the leader's locks and pg_dump's ("" waits)
    // Runs on the leader connection inside the snapshot, after the catalog is read
    // (plans record their filtered counts here); its result is stored as the manifest's "plan".
    std::function<nlohmann::json(const PgConnection&)> atSnapshot;
    // backup --globals: what the manifest records about the globals written beside the archive
    // (GlobalsResult::reference(): file name, its manifest checksum, its roles), as source.globals.
    nlohmann::json globals;
};

struct BackupResult {
    Manifest manifest;
    uint64_t archiveBytes = 0;
    double seconds = 0;
};

BackupResult runBackup(const BackupOptions& options);

// Rejects pg_dump arguments that would break the archive (format, output file, INSERT rows).
void validatePgDumpArgs(const std::vector<std::string>& args);

// Pinned settings as recorded in manifests and snapshots.
nlohmann::json pinnedSettingsJson(const std::string& encoding, const std::string& lcMonetary, bool timeZoneKnown);


}  // namespace pgproof
