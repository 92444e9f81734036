#pragma once
// Joins two sides of one table's rows (RowSpill) partition by partition and names every difference:
// by key when the table has one (lost keys, added keys, rows whose compared columns changed, keys
// present more than once), else as multisets of whole rows (lost and added rows, with multiplicity).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "RowSpill.hpp"

namespace pgproof {

struct ColumnChange {
    std::string column;
    std::string before, after;  // COPY text (\N for NULL)
};

struct RowDifference {
    enum class Kind { Lost, Duplicated, Changed, Added };  // the order reports list them in
    Kind kind = Kind::Lost;
    std::string key;       // "id=5, code=x" (COPY text values); empty for a table without a key
    std::string row;       // the row as COPY text: the baseline's for lost and changed rows, the current one otherwise
    uint64_t count = 1;    // how many times (rows without a key; a key present more than once: how often now)
    std::vector<ColumnChange> changes;  // changed rows: the compared columns that differ
    std::vector<std::string> keyValues;  // the key's values (COPY text), in key column order
    uint64_t baselineLocator = UINT64_MAX;  // internal: where a key-only baseline's row is in its archive
};

const char* kindName(RowDifference::Kind k);

// What one table's row comparison found.
struct RowDiffSummary {
    std::vector<std::string> key;       // the key columns (empty: compared as a multiset of rows)
    std::vector<std::string> excluded;  // baseline columns left out of the comparison (declared by a plan)
    uint64_t lost = 0, added = 0, changed = 0, duplicated = 0;  // rows of each kind
    std::vector<RowDifference> rows;    // the first differences (up to the cap), in a stable order
    uint64_t differences() const { return lost + added + changed + duplicated; }
    bool truncated() const { return rows.size() < differenceEntries; }
    uint64_t differenceEntries = 0;     // differences found (entries, not rows: a duplicated key is one)
};

// Cuts a value for people: at most `max` characters (bytes of whole UTF-8 sequences), "..." marking the cut.
std::string readableValue(const std::string& value, size_t max = 60);

// Compares `before` (the baseline) with `after`. Both spills must have the same partition count
// (RowSpill::partitionsFor; else IncompleteError, for this table only) and layouts built from `key`
// and `compared` over their own column lists. Differences beyond `cap` are
// counted, not kept; `onDifference`, when given, receives every difference (in the same order, one thread at
// a time). Runs partitions on up to `jobs` threads.
RowDiffSummary compareRows(const RowSpill& before, const std::vector<std::string>& beforeColumns, const RowSpill& after,
                           const std::vector<std::string>& afterColumns, const std::vector<std::string>& key,
                           const std::vector<std::string>& compared, size_t cap, int jobs,
                           const std::function<void(const RowDifference&)>& onDifference = {});

// The current rows (COPY text of the after side's columns) holding any of `keys` (each its key's values as
// COPY text, in key order).
using RowFetcher = std::function<std::vector<std::string>(const std::vector<std::vector<std::string>>& keys)>;

// The baseline rows at these locations (SpilledRow::locator), in the order given.
using LocatedRowFetcher = std::function<std::vector<std::string>(const std::vector<uint64_t>& locations)>;

// After compareRows with sides spilled key-only (RowLayout::keyOnly): fills in the kept differences'
// rows and changed columns: the baseline's (lost and changed rows) from `fetchBaseline` when `before`
// is a located key-only spill, the current ones (added, duplicated and changed) from `fetchCurrent`
// when `after` is key-only. The totals are not touched: they came from the keys and hashes.
void completeKeyOnlyRows(RowDiffSummary& summary, const RowSpill& before, const std::vector<std::string>& beforeColumns,
                         const RowSpill& after, const std::vector<std::string>& afterColumns, const std::vector<std::string>& key,
                         const std::vector<std::string>& compared, const LocatedRowFetcher& fetchBaseline, const RowFetcher& fetchCurrent);

// A COPY row for people: its fields in parentheses, each cut to `width`: "(5, x, \\N)".
std::string rowDisplay(const std::string& row, size_t width = 60);

nlohmann::json rowDifferenceToJson(const RowDifference& d, size_t valueWidth = 200);
// "key id=5: amount 10.00 -> 12.50" / "row '1\tx' x2": one line for people.
std::string describeRowDifference(const RowDifference& d, size_t valueWidth = 60);
// The row-difference summary of one table, the one wording of verify and diff: "2 lost, 1 duplicated,
// 1 changed, 3 added (by key id)", "... (rows compared as a multiset: the table has no key)";
// "every row equal" when there is none.
std::string describeRowDiff(const RowDiffSummary& d);

}  // namespace pgproof
