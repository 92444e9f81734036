#pragma once
// The live side of the large objects' fingerprint (LargeObjects.hpp, docs/FINGERPRINT.md): the rows
// `SELECT oid, pg_catalog.lo_get(oid)` returns, read with COPY in the connection's current transaction
// (the shared snapshot), so that they sum to what the archive side rebuilds from the BLOBS entries.
#include <cstdint>

#include "LargeObjects.hpp"
#include "PgConnection.hpp"

namespace pgproof {

// Every large object of the connected database, read in the current transaction.
TableFingerprint fingerprintLiveLargeObjects(const PgConnection& conn, const LargeObjectRowSink& onRow = {});
uint64_t countLiveLargeObjects(const PgConnection& conn);

}  // namespace pgproof
