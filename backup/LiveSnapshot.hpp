#pragma once
// `pgproof snapshot`: counts and fingerprints of every table of a live
// database at one consistent moment, as a small JSON document whose table
// entries use the manifest's names (schema, name, columns, rows, fingerprint).
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "LiveFingerprinter.hpp"

namespace pgproof {

struct LiveSnapshotOptions {
    std::optional<std::string> db;
    int jobs = 2;
    bool countsOnly = false;
    std::string lockWaitTimeout;  // --lock-wait-timeout ("" waits, as pg_dump does)
    // --rows: every row's digest (and key) to this file, in the same read (RowDigests.hpp); "" none.
    std::filesystem::path rowsFile;
    // Runs on the leader inside the snapshot (plans record their filtered counts); stored as "plan".
    std::function<nlohmann::json(const PgConnection&)> atSnapshot;
};

struct LiveSnapshotResult {
    nlohmann::json document;
    std::vector<LiveTableResult> tables;
    double seconds = 0;
    uint64_t rowsFileBytes = 0;  // size of the row digests written (--rows)
};

// Throws IncompleteError naming the table if any table could not be read.
LiveSnapshotResult takeLiveSnapshot(const LiveSnapshotOptions& options);

// The "source" object of manifests and snapshots for a live connection (never a password).
nlohmann::json describeSource(const PgConnection& conn);

}  // namespace pgproof
