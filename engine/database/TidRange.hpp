#pragma once
// Stretches of a table's heap in ctid order, read on several connections at once and added up (their
// fingerprints are sums): the one way snapshot, verify, diff, a restore's proof reads and the parallel
// dump split a table. A stretch is [from, to) in ctid order, either bound open; the first stretch of a
// table has no lower bound and the last no upper one, so together they cover every row, wherever the
// table grew since its size was read. Page bounds are (page,0); a table whose bytes lie out of line in
// a few heap pages (a handful of huge values) is cut between its rows instead.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "PgConnection.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof {

struct Tid {
    uint64_t page = 0;
    uint32_t offset = 0;  // 0: the start of the page
};

// A ctid as the server writes it, "(p,o)"; nullopt for anything else.
std::optional<Tid> parseTid(const std::string& text);
// Its literal in SQL: '(p,o)'::pg_catalog.tid.
std::string tidLiteral(const Tid& t);

struct TidRange {
    std::optional<Tid> from, to;
    bool whole() const { return !from && !to; }
    // "ctid >= '(p,o)'::pg_catalog.tid AND ctid < '(p,o)'::pg_catalog.tid", or empty for the whole table.
    std::string condition() const;
};

// `pages` heap pages in `ranges` stretches of whole pages (fewer when there are fewer pages).
std::vector<TidRange> pageRanges(uint64_t pages, uint64_t ranges);

// The rows of `table` (those `filter` keeps, when not empty) cut into at most `ranges` stretches of
// about equal stored bytes, from each visible row's ctid and the stored size of its columns, read on
// `conn` inside its transaction: cheap, no value is fetched from TOAST (pg_column_size of a value stored
// out of line is the size its pointer records). It lists every row, so it is for a table of few heap
// pages only (kRowSplitPages) whose bytes are out of line. A table with a row of kRowSplitMaxRowBytes or
// more stored is not cut (one stretch): its huge rows are read one at a time, on one connection, so
// memory stays at one such row per table. With `inPieces` (the reader reads huge values in pieces,
// HugeValues.hpp) only a row whose bulk is not in such a value keeps the table whole. Throws
// IncompleteError when the read fails.
constexpr uint64_t kRowSplitPages = 64;
constexpr uint64_t kRowSplitMaxRowBytes = 16ull << 20;
std::vector<TidRange> rowRanges(const PgConnection& conn, const QualifiedName& table, const std::string& filter, uint64_t ranges,
                                bool inPieces = false);

// How a split read cuts a table of `pages` heap pages that wants `wanted` stretches: between its rows
// (rowRanges, listed on `lister` after `lock` took the table's lock there) when it has too few pages
// for that and at most kRowSplitPages, else by pages. A failure to list costs the row split only:
// `reset` restores the lister and page stretches are used. Interrupts propagate.
std::vector<TidRange> splitTable(PgConnection* lister, const QualifiedName& table, const std::string& filter, uint64_t pages,
                                 uint64_t wanted, const std::function<void(PgConnection&)>& lock, const std::function<void()>& reset,
                                 bool inPieces = false);

}  // namespace pgproof
