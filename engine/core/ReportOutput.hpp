#pragma once
// Writing reports where users asked for them: a file (an AtomicFile: written to a
// temporary name and renamed, so a reader never sees half a report) or "-" for stdout;
// JUnit XML for CI; plain text tables for people.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "AtomicFile.hpp"
#include "Outcome.hpp"

namespace pgproof {

// A report rendered but not yet in place: written under a temporary name beside its target (AtomicFile's
// one rule: .TARGET.partial-PID, which removeStalePartials knows), or held in memory for "-" (stdout). A run
// stages every output it was asked for before any of them appears, so that a report that cannot be
// written changes the outcome the others say. Destroyed uncommitted, the temporary file is removed.
class StagedReport {
public:
    // Throws BadInputError (cannot create the file) or IncompleteError (disk full).
    StagedReport(std::string target, const std::string& utf8Content);
    StagedReport(StagedReport&& other) noexcept;
    StagedReport& operator=(StagedReport&&) = delete;
    ~StagedReport();
    // Syncs and renames the file into place (or prints it to stdout). Throws BadInputError if the rename
    // fails, IncompleteError if the sync does.
    void commit();
    const std::string& target() const { return target_; }

private:
    std::string target_;
    std::optional<AtomicFile> file_;  // for a file
    std::string content_;             // for stdout only
};
StagedReport stageReportFile(const std::string& target, const std::string& content);
StagedReport stageReportDocument(const std::string& target, const nlohmann::json& document);

// Stage and commit at once. target "-" writes to stdout. Throws BadInputError if the file cannot be written.
// The content (JUnit, markdown, YAML) is text in the data encoding; it is written as UTF-8 (OutputEncoding).
void writeReportFile(const std::string& target, const std::string& content);
// A JSON document (report, snapshot file, manifest), written as UTF-8 (OutputEncoding::documentText).
void writeReportDocument(const std::string& target, const nlohmann::json& document);

struct JUnitCase {
    std::string classname;  // e.g. "pgproof.verify.tables"
    std::string name;       // e.g. "public.orders"
    bool failed = false;
    bool error = false;     // could not be checked (distinct from failed)
    std::string message;    // one line
    std::string details;
    double seconds = 0;
    std::string output = {};  // what was checked, for a passing case (<system-out>)
};

// A run whose outputs or records could not all be written (SettledOutcome::problem) gets one error case
// saying so, first: CI never shows all green for a run that did not exit 0.
void appendOutcomeCase(std::vector<JUnitCase>& cases, const SettledOutcome& settled, const std::string& classname);

std::string renderJUnit(const std::string& suiteName, const std::vector<JUnitCase>& cases, double seconds);

// What the text for people leaves out or adds: --quiet and --verbose (a command may be given both).
struct TextDetail {
    bool quiet = false;
    bool verbose = false;
};

// A left-aligned text table; columns separated by two spaces.
std::string renderTextTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// 1234567 -> "1,234,567"
std::string withThousands(uint64_t n);
// 1536 -> "1.5 KiB"
std::string humanBytes(uint64_t n);
std::string signedDelta(int64_t d);

}  // namespace pgproof
