#pragma once
// `pgproof check`: proves, without any database, that an archive is intact.
// Every frame is decompressed (in parallel, content checksums verified), every
// table's rows are recounted and re-fingerprinted, and the frames must tile
// the file exactly as the manifest says.
#include <optional>
#include <string>
#include <vector>

#include "ArchiveReader.hpp"
#include "TableFingerprint.hpp"

namespace pgproof {

struct TableCheck {
    const TableEntry* table = nullptr;
    TableFingerprint actual;
    std::vector<std::string> problems;  // damaged frames, count or fingerprint mismatch
    bool ok() const { return problems.empty(); }
};

struct CheckReport {
    std::vector<TableCheck> tables;
    std::vector<std::string> problems;  // damage outside table rows (SQL frames, layout, TOC, large objects)
    std::optional<TableFingerprint> largeObjects;  // re-fingerprinted from the BLOBS entries, when the manifest has one
    uint64_t frames = 0;
    uint64_t rawBytes = 0;
    double seconds = 0;
    bool ok() const;
    size_t failures() const;
};

CheckReport checkArchive(const ArchiveReader& archive, int jobs);

}  // namespace pgproof
