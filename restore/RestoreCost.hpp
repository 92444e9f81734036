#pragma once
// What the restore scheduler weighs its jobs by: a table's COPY text bytes, scaled up for column types
// whose text costs the server more to parse and to write back than their length says. A jsonb, numeric,
// timestamp or array value is parsed into a binary form and printed again from it; an integer or a
// string is not much more than its bytes. Measured on 2 cores: pgbench_accounts (integers and a
// character(84)) loads at about 9 ns a byte of COPY text, a table of text, jsonb, numeric, timestamptz,
// bytea and arrays at about 33 ns. Without this the scheduler put a small costly table last, and the
// restore ended with one connection reading it back while the other had nothing left to do.
#include <cstdint>

#include "Manifest.hpp"

namespace pgproof {

// The extra cost of one row of `table`, in bytes of plain COPY text, from its column types (none when
// the manifest does not know them: a dump read from stdin).
uint64_t extraRowCost(const TableEntry& table);

// `bytes` of `table`'s rows (all of them, or one stretch or range) as a scheduling weight.
uint64_t restoreWeight(const TableEntry& table, uint64_t bytes);

}  // namespace pgproof
