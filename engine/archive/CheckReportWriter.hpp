#pragma once
// The reports of `pgproof check` (docs/REPORTS.md), each rendered from one CheckRun and the settled
// outcome: versioned JSON, JUnit (a case per table, one per problem outside the tables) and the table
// for people. Every output lists the tables failures first, in archive order within each kind.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ArchiveChecker.hpp"
#include "Outcome.hpp"
#include "ReportOutput.hpp"

namespace pgproof {

// What one check found. An archive that could not be read as one (its trailer or manifest is damaged)
// has no manifest: `unreadable` says why, and nothing else is known.
class CheckRun {
public:
    CheckRun(std::string archive, const Manifest* manifest, CheckReport report, std::string unreadable);
    CheckRun(const CheckRun&) = delete;  // holds pointers into its own report
    CheckRun& operator=(const CheckRun&) = delete;
    const std::string& archive() const { return archive_; }
    const Manifest* manifest() const { return manifest_; }
    const CheckReport& report() const { return report_; }
    const std::string& unreadable() const { return unreadable_; }
    // The tables, failures first (computed once, shared by every writer).
    const std::vector<const TableCheck*>& tablesFailuresFirst() const { return ordered_; }
    bool ok() const { return unreadable_.empty() && report_.ok(); }

private:
    std::string archive_;  // as given, "-" for stdin
    const Manifest* manifest_;
    CheckReport report_;
    std::string unreadable_;
    std::vector<const TableCheck*> ordered_;
};

nlohmann::json checkJson(const CheckRun& run, const SettledOutcome& settled);
std::string checkJUnit(const CheckRun& run, const SettledOutcome& settled);
// The tables, the ones not covered, every problem and one verdict line; with --quiet only the problems
// and the verdict (nothing on success).
std::string renderCheckText(const CheckRun& run, const SettledOutcome& settled, TextDetail detail);

}  // namespace pgproof
