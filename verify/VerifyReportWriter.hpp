#pragma once
// The three faces of a verify report: a short table for people (failures
// first, one verdict line), versioned JSON (docs/REPORTS.md), and JUnit XML.
#include <string>

#include <nlohmann/json.hpp>

#include "ReportOutput.hpp"
#include "Verification.hpp"

namespace pgproof {

// `showRows`: the row differences listed per table (the totals of each kind are always given).
std::string renderVerifyText(const VerifyReport& report, bool verbose, size_t showRows = 10);
// The row differences of one table for people: a line with the totals, then up to `showRows` rows.
std::string renderRowDiffText(const QualifiedName& table, const RowDiffSummary& d, size_t showRows);
nlohmann::json rowDiffJson(const RowDiffSummary& d);
nlohmann::json verifyJson(const VerifyReport& report);
std::vector<JUnitCase> verifyJUnitCases(const VerifyReport& report);

}  // namespace pgproof
