#pragma once
// Fingerprint of large objects (docs/FINGERPRINT.md): one row per large object, the COPY text of
// `SELECT oid, pg_catalog.lo_get(oid)` with bytea_output=hex ("16400\t\\x0a0b..."), summed like a
// table's rows. This side rebuilds them from the lo_open / lowrite / lo_close statements of pg_dump's
// BLOBS entries; the live side, which reads them at the shared snapshot, is LiveLargeObjects.hpp.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ArchiveReader.hpp"
#include "TableFingerprint.hpp"

namespace pgproof {

// Each large object's fingerprint row ("16400\t\\x0a0b...", without a newline), as it is read.
using LargeObjectRowSink = std::function<void(std::string_view row)>;

// What stands for one large object when two sides are compared object by object: "OID\tBYTES\tDIGEST",
// its size and the XXH3-128 of its fingerprint row (32 hex digits): a few bytes whatever its size.
std::string largeObjectSummary(std::string_view row);
const std::vector<std::string>& largeObjectSummaryColumns();  // oid, bytes, digest

class LargeObjectDigest {
public:
    explicit LargeObjectDigest(LargeObjectRowSink onRow = {}) : onRow_(std::move(onRow)) {}
    // One line of a BLOBS entry (without its '\n'); other lines are ignored.
    void line(std::string_view line);
    // Throws ProofFailedError if a large object was opened but never closed.
    const TableFingerprint& fingerprint() const;

private:
    TableFingerprint fp_;
    std::string row_;  // "oid\t\\x" + hex so far
    bool open_ = false;
    LargeObjectRowSink onRow_;
};

// The large objects an archive holds, rebuilt from its BLOBS entries (the manifest's table of contents).
// Throws ProofFailedError for a damaged frame or a truncated entry.
TableFingerprint fingerprintArchiveLargeObjects(const ArchiveReader& archive, const LargeObjectRowSink& onRow = {});

}  // namespace pgproof
