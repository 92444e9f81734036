#pragma once
// Writing reports where users asked for them: a file (written to a temporary
// name and renamed, so a reader never sees half a report) or "-" for stdout;
// JUnit XML for CI; plain text tables for people.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pgproof {

// target "-" writes to stdout. Throws BadInputError if the file cannot be written.
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
};

std::string renderJUnit(const std::string& suiteName, const std::vector<JUnitCase>& cases, double seconds);

// A left-aligned text table; columns separated by two spaces.
std::string renderTextTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// 1234567 -> "1,234,567"
std::string withThousands(uint64_t n);
// 1536 -> "1.5 KiB"
std::string humanBytes(uint64_t n);
std::string signedDelta(int64_t d);

}  // namespace pgproof
