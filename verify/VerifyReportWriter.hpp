#pragma once
// The three faces of a verify report: a short table for people (failures
// first, one verdict line), versioned JSON (docs/REPORTS.md), and JUnit XML.
#include <string>

#include <nlohmann/json.hpp>

#include "Outcome.hpp"
#include "ReportOutput.hpp"
#include "Verification.hpp"

namespace pgproof {

// What the ledgers of a report's tables add up to (TableChecks): the one source of every statement a
// report makes about what was proven.
struct LedgerSummary {
    size_t tables = 0;          // baseline tables compared (large objects included)
    size_t rowsProven = 0;      // every baseline row proven still there
    size_t contentProven = 0;   // fingerprint compared and equal
    size_t byKey = 0, asMultiset = 0, byFingerprint = 0, countOnly = 0, notRead = 0;
    size_t notCovered = 0;
    std::vector<std::string> countOnlyNames;  // tables that passed on their count alone
    bool allRowsProven() const { return rowsProven == tables; }
    bool allContentProven() const { return contentProven == tables; }
};
LedgerSummary summarizeLedger(const VerifyReport& report);

// The verdict line and table of a verify (or a restore's proof) for people, from the settled outcome.
// `showRows`: the row differences listed per table (the totals of each kind are always given).
std::string renderVerifyText(const VerifyReport& report, const SettledOutcome& settled, bool verbose, size_t showRows = 10);
// The row differences of one table for people: a line with the totals, then up to `showRows` rows.
std::string renderRowDiffText(const QualifiedName& table, const RowDiffSummary& d, size_t showRows);
nlohmann::json rowDiffJson(const RowDiffSummary& d);
nlohmann::json verifyJson(const VerifyReport& report, const SettledOutcome& settled);
std::vector<JUnitCase> verifyJUnitCases(const VerifyReport& report, const SettledOutcome& settled);

}  // namespace pgproof
