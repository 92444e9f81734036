#pragma once
// `pgproof diff`: every row that differs between a baseline archive and a live database (the same read
// as verify's, on one exported snapshot), or between two archives, offline. Differences stream to a
// sink as they are found, so the full list never has to fit in memory.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "Baseline.hpp"
#include "RowComparison.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof {

struct DiffOptions {
    std::optional<std::string> db;               // the live database (when `other` is not given)
    std::optional<std::filesystem::path> other;  // a second archive
    std::vector<QualifiedName> tables;           // only these (empty: all)
    int jobs = 2;
    std::filesystem::path tmpdir;
    std::string lockWaitTimeout;
};

struct TableDiff {
    enum class Status { Equal, Differs, Missing, Added, NotCovered, Error };
    QualifiedName id;
    Status status = Status::Equal;
    std::string reason;                  // one line for people
    std::optional<uint64_t> rowsBefore, rowsAfter;
    std::optional<RowDiffSummary> rows;  // totals of the row comparison, when one was made
};

const char* statusName(TableDiff::Status s);

struct DiffReport {
    std::string baseline, other;  // what was compared, for people ("db:NAME" for a live database)
    std::vector<TableDiff> tables;
    double seconds = 0;
    size_t count(TableDiff::Status s) const;
    // 0 no difference, 1 differences, 3 a table could not be compared (and none differs).
    int exitCode() const;
};

using DifferenceSink = std::function<void(const QualifiedName&, const RowDifference&)>;

// Throws BadInputError for a table asked for that neither side has, or a second file that is not an archive.
DiffReport runDiff(const Baseline& baseline, const DiffOptions& options, const DifferenceSink& sink);

}  // namespace pgproof
