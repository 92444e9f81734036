#pragma once
// `backup --jobs N` (N >= 2): the plain tables' data read on N connections at the backup's snapshot,
// spliced into pg_dump's script where pg_dump would have written it.
//
// pg_dump still runs at the snapshot and writes the schema and every data entry pgproof does not take
// over (extension configuration tables with their filters, partitions loaded via the root, sequences,
// large objects, foreign data, matview refreshes); it gets --exclude-table-data for exactly the taken
// tables. ParallelTableData then reads pg_dump's script until the first entry after pre-data (or the
// closing comment), learns from its TABLE entries which tables pg_dump dumps (so -t/-n/-T/-N select as
// pg_dump selects), starts N workers on SnapshotSession's connections (COPY ... TO stdout, largest
// first), and hands out: the pre-data, then each taken table's data entry exactly as pg_dump writes it
// (header comment, COPY line, rows, "\." and two blank lines), then the rest of pg_dump's script. The
// backup pipeline reads that one stream as if pg_dump had written it, so frames, TOC, manifest and
// fingerprints come out as on the pg_dump path.
//
// Every table has one COPY statement (docs/ARCHIVE.md: one rows segment per table). A big table (heap
// and TOAST over PGPROOF_DUMP_RANGE_BYTES, 64 MiB) is still read by several connections: in ctid ranges
// of its heap pages (PostgreSQL 14+), whose rows are handed out one range after the other inside that one
// statement. A worker writes its piece to an unlinked temporary file (TMPDIR); the reader follows the
// piece started first while it is being written, and takes the others in order. Memory stays bounded;
// the workers keep at most 2N+1 pieces ahead of the reader, so temporary disk use is bounded by that many
// ranges (whole tables below the range size, or everywhere before PostgreSQL 14).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "SqlIdentifier.hpp"

namespace pgproof {

class PgConnection;
class SnapshotSession;

// Why these pg_dump arguments need the pg_dump path (they change what a data entry holds or which data
// is dumped in a way the parallel path does not reproduce), or nullopt when the parallel path honours them.
std::optional<std::string> parallelDumpRefusal(const std::vector<std::string>& pgDumpArgs);

// A table whose data pgproof reads itself.
struct TakenTable {
    QualifiedName id;
    std::string copyTarget;   // schema.table as pg_dump quotes it
    std::string columnList;   // "(a, "B")" as pg_dump writes it; "" for a table without columns
    std::string owner;        // as in the header ("-" with --no-owner)
    uint64_t bytes = 0;       // heap and TOAST, estimated (relpages): largest first, and how many ranges
    uint64_t heapPages = 0;   // the heap's pages (relpages): what the ctid ranges divide
    uint64_t toastBytes = 0;  // its TOAST's size: whether rows with a huge value are looked for (HugeValues.hpp)
};

// The plain tables at the leader's snapshot whose data the parallel path takes over: not extension
// configuration tables, not partitions when pg_dump loads them via the root, no name pg_dump's header
// comment would alter (newlines) or that reads ambiguously there (";"), no partition pg_dump loads via
// the root of its own accord (hash partitioning on an enum).
std::vector<TakenTable> chooseTakenTables(const PgConnection& leader, const std::vector<std::string>& pgDumpArgs);

// pg_dump's pattern that matches exactly this table: both names double-quoted, quotes doubled, so that
// dots, capitals, '*', '?' and spaces are taken literally.
std::string exactPgDumpPattern(const QualifiedName& id);

class ParallelTableData {
public:
    // readDump(buf, cap): pg_dump's output, 0 at its end. The workers are the session's.
    ParallelTableData(SnapshotSession& session, std::vector<TakenTable> tables,
                      std::function<size_t(char*, size_t)> readDump);
    ~ParallelTableData();  // stops and joins the workers (cancelling their statements)
    ParallelTableData(const ParallelTableData&) = delete;
    ParallelTableData& operator=(const ParallelTableData&) = delete;

    // The spliced script, as DumpSplitter reads it. Throws IncompleteError when a worker failed.
    size_t read(char* buf, size_t cap);
    // Tables read by the workers (those pg_dump's script has a TABLE entry for).
    size_t tablesRead() const;
    // Statements the workers ran: one per table, one per ctid range of a table read in ranges.
    size_t rangesRead() const;

private:
    struct State;
    std::unique_ptr<State> s_;
};

}  // namespace pgproof
