#pragma once
// `pgproof snapshot`: counts and fingerprints of every table of a live
// database at one consistent moment, as a small JSON document whose table
// entries use the manifest's names (schema, name, columns, rows, fingerprint).
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
    // Runs on the leader inside the snapshot (plans record their filtered counts); stored as "plan".
    std::function<nlohmann::json(const PgConnection&)> atSnapshot;
};

struct LiveSnapshotResult {
    nlohmann::json document;
    std::vector<LiveTableResult> tables;
    double seconds = 0;
};

// Throws IncompleteError naming the table if any table could not be read.
LiveSnapshotResult takeLiveSnapshot(const LiveSnapshotOptions& options);

// The "source" object of manifests and snapshots for a live connection (never a password).
nlohmann::json describeSource(const PgConnection& conn);

}  // namespace pgproof
