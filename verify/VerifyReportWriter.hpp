#pragma once
// The three faces of a verify report: a short table for people (failures
// first, one verdict line), versioned JSON (docs/REPORTS.md), and JUnit XML.
#include <string>

#include <nlohmann/json.hpp>

#include "ReportOutput.hpp"
#include "Verification.hpp"

namespace pgproof {

std::string renderVerifyText(const VerifyReport& report, bool verbose);
nlohmann::json verifyJson(const VerifyReport& report);
std::vector<JUnitCase> verifyJUnitCases(const VerifyReport& report);

}  // namespace pgproof
