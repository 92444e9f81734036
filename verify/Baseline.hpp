#pragma once
// What a database held before: read from an archive's manifest or from a
// snapshot file alike (`--baseline` takes either).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "Manifest.hpp"
#include "RowDigests.hpp"

namespace pgproof {

struct Baseline {
    std::string kind;  // "archive" or "snapshot"
    std::filesystem::path path;
    std::string created;
    nlohmann::json source;
    nlohmann::json settings;  // the pinned session settings the baseline was computed with
    std::vector<TableEntry> tables;
    std::vector<SequenceEntry> sequences;
    std::vector<UncoveredTable> notCovered;  // tables at the baseline whose rows it does not hold
    // Large objects: the fingerprint of those the baseline holds ("" when it holds none or predates
    // it), how many it holds, and how many the database had (when known).
    std::string largeObjectsFingerprint;
    uint64_t largeObjects = 0;
    std::optional<uint64_t> largeObjectsAtSnapshot;
    bool hasFingerprints = true;  // false for --counts-only snapshots
    // An age-encrypted archive: its manifest was read through age, once, in order (AgeEncryption.hpp); its
    // rows cannot be read at random offsets, so no row-level comparison uses it.
    bool encrypted = false;
    nlohmann::json plan;          // filtered counts recorded for a plan
    // A snapshot taken with --rows: its row digests (RowDigests.hpp), and each table's number in them.
    std::filesystem::path rowsFile;
    std::map<QualifiedName, size_t> rowsIndex;
    // What the snapshot recorded of its row digest file (id, size, checksum); none before pgproof did.
    std::optional<RowDigestBinding> rowsBinding;

    // Throws BadInputError if the file is neither (naming it), ProofFailedError for a damaged archive.
    static Baseline load(const std::filesystem::path& path);
    static Baseline fromManifest(const std::filesystem::path& path, const Manifest& manifest);
};

}  // namespace pgproof
