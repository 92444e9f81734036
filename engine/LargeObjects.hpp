#pragma once
// Fingerprint of large objects (docs/FINGERPRINT.md): one row per large object, the COPY text of
// `SELECT oid, pg_catalog.lo_get(oid)` with bytea_output=hex ("16400\t\\x0a0b..."), summed like a
// table's rows. The archive side rebuilds the same rows from the lo_open / lowrite / lo_close
// statements of pg_dump's BLOBS entries; the live side reads them at the shared snapshot.
#include <string>
#include <string_view>

#include "PgConnection.hpp"
#include "TableFingerprint.hpp"

namespace pgproof {

class LargeObjectDigest {
public:
    // One line of a BLOBS entry (without its '\n'); other lines are ignored.
    void line(std::string_view line);
    // Throws ProofFailedError if a large object was opened but never closed.
    const TableFingerprint& fingerprint() const;

private:
    TableFingerprint fp_;
    std::string row_;  // "oid\t\\x" + hex so far
    bool open_ = false;
};

// Every large object of the connected database, read in the current transaction.
TableFingerprint fingerprintLiveLargeObjects(const PgConnection& conn);
uint64_t countLiveLargeObjects(const PgConnection& conn);

}  // namespace pgproof
