#pragma once
// `pgproof diff`: every row that differs between a baseline archive and a live database (the same read
// as verify's, on one exported snapshot), or between two files, offline (rows named where both are
// archives; a snapshot file gives counts and fingerprints); and what else verify
// checks: every sequence's value, and the large objects. Differences stream to a callback as they are
// found, so the full list never has to fit in memory.
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
    std::optional<std::filesystem::path> other;  // a second archive or snapshot file
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

// A sequence's value on the other side, judged as verify judges it (direction and is_called): lower
// (went back: new rows could reuse old ids), higher (moved on), equal; or missing / added.
struct SequenceDiff {
    enum class Status { Equal, Lower, Higher, Missing, Added };
    QualifiedName id;
    Status status = Status::Equal;
    std::optional<int64_t> before, after;  // last_value on each side
    std::string reason;                    // one line for people ("" when equal)
};

const char* statusName(SequenceDiff::Status s);

struct DiffReport {
    std::string baseline, other;  // what was compared, for people ("db:NAME" for a live database)
    // Tables, and the large objects as one more (pg_catalog.pg_largeobject: count and fingerprint, and
    // where both sides hold the objects, the OIDs lost, added and changed as its rows).
    std::vector<TableDiff> tables;
    std::vector<SequenceDiff> sequences;
    double seconds = 0;
    size_t count(TableDiff::Status s) const;
    size_t count(SequenceDiff::Status s) const;
    size_t sequencesDiffering() const { return sequences.size() - count(SequenceDiff::Status::Equal); }
    // 0 no difference, 1 differences (tables, large objects or sequences), 3 a table could not be
    // compared (and nothing differs).
    int exitCode() const;
};

using DifferenceCallback = std::function<void(const QualifiedName&, const RowDifference&)>;

// Throws BadInputError for a table asked for that neither side has, or a second file that is not an archive.
DiffReport runDiff(const Baseline& baseline, const DiffOptions& options, const DifferenceCallback& onDifference);

}  // namespace pgproof
