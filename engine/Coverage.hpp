#pragma once
// Accounting for every table that existed at the backup's snapshot (DESIGN.md "Accounting for
// everything"): which the dump covers, which it does not and why, and the unfiltered row counts
// that let a restore or a verify see whole tables, not only the rows the dump selected.
#include <map>
#include <vector>

#include "DumpToc.hpp"
#include "LiveCatalog.hpp"
#include "Manifest.hpp"
#include "PgConnection.hpp"

namespace pgproof {

struct SnapshotCoverage {
    std::vector<UncoveredTable> notCovered;
    uint64_t largeObjects = 0;  // in the database at the snapshot
};

// Runs on the leader, inside the snapshot transaction, after the dump: counts (unfiltered) the
// tables the dump does not cover and the extension configuration tables it dumps with a filter
// (setting their rowsTotal and filter), and counts the large objects.
SnapshotCoverage accountForEveryTable(const PgConnection& leader, const std::map<QualifiedName, LiveTable>& live,
                                      std::vector<TableEntry>& dumped, const std::vector<TocEntry>& toc);

}  // namespace pgproof
