#pragma once
// Accounting for every table that existed at the backup's snapshot (README "Every table is accounted
// for"): which the dump covers, which it does not and why, and the unfiltered row counts
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
// (setting their rowsTotal and filter), and counts the large objects. The leader held no locks during
// the dump (pg_dump's were the run's), so it first locks the tables it counts (TableLocking, waiting at
// most lockWaitTimeout); one rewritten or dropped since the snapshot cannot be counted as the snapshot
// saw it and is left uncounted (rows unknown), with a warning.
SnapshotCoverage accountForEveryTable(const PgConnection& leader, const std::map<QualifiedName, LiveTable>& live,
                                      std::vector<TableEntry>& dumped, const std::vector<TocEntry>& toc,
                                      const std::string& lockWaitTimeout);

}  // namespace pgproof
