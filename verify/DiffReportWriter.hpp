#pragma once
// The list `pgproof diff` writes (docs/REPORTS.md), in text, CSV or JSON: every row difference as it
// arrives from runDiff, then the tables and sequences that differ and the totals. DiffOutput is where
// the list goes: stdout, or a file written under a temporary name and renamed into place when complete
// (a reader never sees half a list; an interrupted run leaves no file).
#include <functional>
#include <optional>
#include <string>

#include "AtomicFile.hpp"
#include "Diff.hpp"

namespace pgproof {

enum class DiffFormat { Text, Csv, Json };
// "text", "csv" or "json"; BadInputError naming --format otherwise.
DiffFormat parseDiffFormat(const std::string& name);

class DiffOutput {
public:
    // target: a file, or "" or "-" for stdout.
    DiffOutput(const std::string& target, DiffFormat format);
    // Text for people on stdout goes through std::cout (converted for the terminal); everything else is UTF-8.
    // Throws IncompleteError if stdout cannot be written.
    void write(const std::string& text);
    void commit();

private:
    DiffFormat format_;
    std::optional<AtomicFile> file_;
};

class DiffListWriter {
public:
    // write: where each piece of the list goes, in order. verbose: the summary lists equal tables and sequences too.
    DiffListWriter(DiffFormat format, std::function<void(const std::string&)> write, bool verbose = false);
    // The CSV header, or the opening of the JSON document.
    void begin();
    // One row difference, as runDiff finds it (rows of one table arrive together).
    void row(const QualifiedName& table, const RowDifference& difference);
    // What is not a row: the tables and sequences that differ, the totals, the exit code (JSON).
    void finish(const DiffReport& report);

private:
    DiffFormat format_;
    std::function<void(const std::string&)> write_;
    bool verbose_;
    QualifiedName current_;
    bool any_ = false;
    size_t listed_ = 0;
};

// "3 table(s) compared: 1 equal, 2 differ, 0 missing, 0 added; 1 sequence(s): 1 equal, 0 differ".
std::string diffTotals(const DiffReport& report);

}  // namespace pgproof
