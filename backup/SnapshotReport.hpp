#pragma once
// The reports of `pgproof snapshot` (docs/REPORTS.md), each rendered from the tables read and the
// settled outcome: versioned JSON, JUnit (one case per table) and the summary for people. The
// snapshot file itself is LiveSnapshotResult::document, written by the command.
#include <string>

#include <nlohmann/json.hpp>

#include "LiveSnapshot.hpp"
#include "Outcome.hpp"
#include "ReportOutput.hpp"

namespace pgproof {

// What was asked of the run, as its reports name it.
struct SnapshotRequest {
    std::string output;    // the snapshot file as given, or "-" for stdout
    bool countsOnly = false;
    std::string rowsFile;  // --rows: the row digests file; "" without --rows
    int connections = 0;
};

nlohmann::json snapshotJson(const LiveSnapshotResult& result, const SnapshotRequest& request, const SettledOutcome& settled);
std::string snapshotJUnit(const LiveSnapshotResult& result, const SnapshotRequest& request, const SettledOutcome& settled);
// The totals line and what the snapshot can prove (row digests or not); --verbose adds every table.
// Nothing but a failure with --quiet or with the snapshot on stdout.
std::string renderSnapshotText(const LiveSnapshotResult& result, const SnapshotRequest& request, const SettledOutcome& settled,
                               TextDetail detail);

}  // namespace pgproof
