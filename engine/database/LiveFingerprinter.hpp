#pragma once
// Row counts and fingerprints of live tables, computed on all connections of a
// SnapshotSession at once. Large tables are split into ctid ranges (their
// sums add up), work goes largest first, and row hashing runs on oneTBB
// workers in batches so that the connections keep receiving while hashing.
#include <optional>
#include <string>
#include <vector>

#include "RowSpill.hpp"
#include "SnapshotSession.hpp"
#include "SqlIdentifier.hpp"
#include "TableFingerprint.hpp"
#include "TidRange.hpp"

namespace pgproof {

struct LiveTableRequest {
    QualifiedName id;
    std::vector<std::string> columns;  // read exactly these, by name, in this order
    uint64_t pages = 0;                // size at snapshot time, to order and split the work
    bool countOnly = false;            // count(*) only, no fingerprint
    std::string filter;                // extra WHERE condition (an extension configuration table's dump filter)
    // When set, every row read also goes to this sink (a row spill, snapshot --rows digests), in the same pass.
    RowSink* spill = nullptr;
    // The table may hold values of kHugeValueBytes or more (set by fingerprintLiveTables from its TOAST,
    // mayHoldHugeValues): rows with such a bytea, text or varchar value are read apart, the value in
    // pieces (HugeValues.hpp), unless they go to a spill that takes whole rows.
    bool hugeValues = false;
};

struct LiveTableResult {
    QualifiedName id;
    TableFingerprint fingerprint;  // rows always; sum only when fingerprinted
    bool fingerprinted = false;
    std::string error;             // non-empty: the table could not be read
    double seconds = 0;
    size_t reads = 0;              // the statements its rows were read in (ctid stretches, TidRange.hpp)
};

struct LiveFingerprintOptions {
    uint64_t chunkPages = 8192;  // 64 MiB of 8 KiB pages per ctid range
};

// Results are in the order of `requests`. Never throws for a single table's failure:
// it is recorded in that table's result.error. Throws IncompleteError if interrupted.
std::vector<LiveTableResult> fingerprintLiveTables(SnapshotSession& session, const std::vector<LiveTableRequest>& requests,
                                                   const LiveFingerprintOptions& options = {});

// Reads the rows of one table (or only those in the ctid stretch `range`) on `conn`, inside
// the caller's transaction, and returns their count and fingerprint (plus the spill, if the request has
// one). The read waits for the table's lock (fingerprintLiveTables' workers take it with NOWAIT first).
// Throws IncompleteError when the read fails.
TableFingerprint fingerprintTableRange(PgConnection& conn, const LiveTableRequest& request, const TidRange& range = {});

// The rows of `table` (COPY text of `columns`, each without its newline) whose key columns `key` hold one
// of `keys` (each the key's values as COPY text, in key order; NULL-free), read on `conn` inside the
// caller's transaction, so at its snapshot: how a verify names the few rows that differ after a read
// that kept only keys. `filter` as in LiveTableRequest. Throws IncompleteError when the read fails.
std::vector<std::string> fetchRowsByKey(const PgConnection& conn, const QualifiedName& table, const std::vector<std::string>& columns,
                                        const std::vector<std::string>& key, const std::string& filter,
                                        const std::vector<std::vector<std::string>>& keys);

// A COPY text field's value: its backslash escapes decoded (\\N is NULL: not decoded here).
std::string copyFieldValue(std::string_view field);

// The SELECT list for COPY of exactly these columns ("" for none).
std::string selectList(const std::vector<std::string>& columns);

}  // namespace pgproof
