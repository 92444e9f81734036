#pragma once
// Live reads of rows that hold a huge value, without holding the value whole.
//
// libpq receives a COPY row whole and hands over a copy of it: a plain read of a row with a 500 MB
// value holds 1 GB. A row whose bytea, text or varchar value is kHugeValueBytes or more (its length,
// not its stored size: a compressed value is as long in COPY text) is read apart instead, at the
// reader's snapshot: its other columns by one COPY of that row, each huge value by substring(), a
// piece at a time, turned into COPY text here (bytea as \\x and two hex digits a byte, as the pinned
// bytea_output = hex writes it; text with COPY's backslash escapes). The bytes handed on are exactly
// the line COPY would have sent, so the fingerprint is the same.
//
// Pieces are 8 MiB where the server can cut a value where it lies (a bytea stored uncompressed). Where
// it cannot (a compressed value, or text, which substr() cuts by characters: each piece decodes or reads
// the value from its start) a value is read in at most 8 pieces of about an eighth of its bytes (text by
// its char_length, counted once), so the server's work stays within a few times one read and memory
// within an eighth of the value. A row COPY itself could not write (a bytea over 512 MiB, a line over
// 1 GB) is refused, as pg_dump fails on it.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "PgConnection.hpp"
#include "SqlIdentifier.hpp"
#include "TidRange.hpp"

namespace pgproof {

constexpr uint64_t kHugeValueBytes = 16ull << 20;

// Whether a table of `heapPages` heap pages and `toastBytes` of TOAST is read looking for huge values.
// Looking costs a scan of the heap (each row's value lengths) on top of the read: 25-35% more for a table of
// millions of short rows. So a table is looked at when its TOAST could hold such a value uncompressed (16
// MiB or more), or when its heap is small enough (kHugeHeapPages) for the scan to cost nothing; a table of
// a large heap and little TOAST is read as before, and a value that compresses below that (16 MiB of text
// in under 16 MiB of TOAST, in a large table) is then held whole, as libpq hands it over.
constexpr uint64_t kHugeHeapPages = 1024;
inline bool mayHoldHugeValues(uint64_t heapPages, uint64_t toastBytes) {
    return toastBytes >= kHugeValueBytes || (toastBytes > 0 && heapPages <= kHugeHeapPages);
}

// The columns among `columns` of `table` whose values can be read in pieces (bytea, text, varchar, or
// a domain over one), read on `conn`. Throws IncompleteError when that fails.
struct PieceColumns {
    std::vector<std::string> names;
    std::vector<bool> bytea;  // alike: true for bytea, false for text and varchar
    bool empty() const { return names.empty(); }
    // The SQL condition a row meets when one of them holds a value of kHugeValueBytes or more ("" for none).
    std::string condition() const;
    // The SQL expression of the stored bytes of a row's values among them that are huge ("0" for none).
    std::string hugeStored() const;
};
PieceColumns pieceColumns(const PgConnection& conn, const QualifiedName& table, const std::vector<std::string>& columns);

// Feeds `out` the COPY text line of `columns`, '\n' included, of each row of `table` that meets `where`
// (a WHERE clause, "" for every row) and `huge.condition()`, in ctid order, its huge values in pieces.
// Reads on `conn` in the caller's transaction. Throws IncompleteError naming the table when a read
// fails, InterruptedError when interrupted between pieces. `rowEnd`, when given, is called at the end
// of each row's fields, before its '\n', with the row's fields (those of its huge values empty).
void readHugeRows(const PgConnection& conn, const QualifiedName& table, const std::vector<std::string>& columns, const PieceColumns& huge,
                  const std::string& where, const std::function<void(std::string_view)>& out,
                  const std::function<void(const std::vector<std::string_view>&)>& rowEnd = {});

// The rows of `table` in `range` (TidRange.hpp) that meet `huge.condition()`, in ctid order: where a
// reader that must keep ctid order (backup --jobs N) reads them apart, between COPYs of the stretches
// around them. Throws IncompleteError when the read fails.
std::vector<Tid> hugeRowsIn(const PgConnection& conn, const QualifiedName& table, const PieceColumns& huge, const TidRange& range);

// `value` as a field of COPY text: backslash, and the control characters COPY names (\b \f \n \r \t
// \v), escaped with a backslash; appended to `out`.
void appendCopyEscaped(std::string& out, std::string_view value);

}  // namespace pgproof
