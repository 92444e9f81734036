#pragma once
// `pgproof lint`: the static rules on each file, then (with --db) the data checks in one snapshot,
// minus what pgproof:ignore comments suppress; the verdict against --fail-on, and the reports.
// Exit codes: 0 no finding at or above --fail-on; 1 some; 2 a file cannot be read or does not parse
// (the other files are still linted and reported).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "LintFinding.hpp"
#include "PgConnection.hpp"
#include "ReportOutput.hpp"

namespace pgproof::lint {

struct LintedFile {
    std::string file;
    size_t statements = 0;
    std::vector<LintFinding> findings;  // in file order, suppressed ones removed
    size_t suppressed = 0;
    std::string problem;                // unreadable or unparsable: "FILE:LINE:COL: message"; then no findings
};

struct LintResult {
    std::vector<LintedFile> files;
    Severity failOn = Severity::Error;
    bool withData = false;
    std::string database;  // with --db: PgConnection::describe()
    int exitCode = 0;
    size_t count(Severity s) const;
};

struct LintOptions {
    std::vector<std::string> files;
    Severity failOn = Severity::Error;
    const PgConnection* database = nullptr;  // --db: data checks on it
};

LintResult lintMigrations(const LintOptions& options);

// One line per finding, then a summary line ("2 errors, 1 warning, 3 notes in 1 file; 1 suppressed").
std::string renderLintText(const LintResult& r);
// Report "pgproof-lint", report_version 1 (docs/REPORTS.md).
nlohmann::json lintJson(const LintResult& r);
// One test case per file and rule that fired (failed at or above --fail-on), one passing case per clean file.
std::vector<JUnitCase> lintJUnitCases(const LintResult& r);

}  // namespace pgproof::lint
