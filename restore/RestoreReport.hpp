#pragma once
// The reports of `pgproof restore` (docs/REPORTS.md: a verify report of the restored database with the
// restore's own fields) and what `pgproof drill` prints and writes as JUnit beside its own writers
// (RestoreDrill: markdown, JSON). Each is rendered from the result and the settled outcome.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "Outcome.hpp"
#include "ParallelRestore.hpp"
#include "ReportOutput.hpp"
#include "RestoreDrill.hpp"

namespace pgproof {

// What was asked of a restore, as its reports name it.
struct RestoreRequest {
    std::string archive;                  // as given, "-" for stdin
    std::optional<std::string> swapInto;  // --swap-into NAME
};

// JSON and JUnit need the verification (absent with --no-verify: the restore then has neither).
nlohmann::json restoreJson(const RestoreResult& result, const RestoreRequest& request, const SettledOutcome& settled);
std::string restoreJUnit(const RestoreResult& result, const RestoreRequest& request, const SettledOutcome& settled);
// The proof's table and verdict (renderVerifyText), then the restore's totals, timings, the roles it
// created, the ownership and grants proven, the excluded extensions' tables, what was skipped or could not
// be created, and the swap; --quiet leaves the proof of a proven run and everything else out.
std::string renderRestoreText(const RestoreResult& result, const RestoreRequest& request, const SettledOutcome& settled, TextDetail detail);

// The drill's cases (drillJUnitCases) after the run's own outcome case.
std::string drillJUnit(const DrillResult& result, const std::string& archive, const SettledOutcome& settled);
// The verdict with totals, timings, access proof and excluded tables, the problem, the scratch database's
// fate, the roles it created and whether they were dropped, and the report's path
// (reportFile "" when none was asked for); nothing with --quiet on a proven run.
std::string renderDrillText(const DrillResult& result, const std::string& archive, const std::string& reportFile,
                            const SettledOutcome& settled, bool quiet);

}  // namespace pgproof
