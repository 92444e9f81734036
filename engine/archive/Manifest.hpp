#pragma once
// The archive manifest (docs/ARCHIVE.md): where every frame is, what every
// table held at backup time. Shared by backup, check, inspect, verify, restore.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "DumpToc.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof {

struct FrameEntry {
    uint64_t offset = 0;      // of the zstd frame in the archive
    uint64_t compressed = 0;  // frame size in the archive
    uint64_t raw = 0;         // decompressed size
    uint64_t rows = 0;        // rows in the frame (rows segments only)
};

struct SegmentEntry {
    enum class Kind { Sql, Rows };
    Kind kind = Kind::Sql;
    int table = -1;  // index into Manifest::tables for rows segments
    std::vector<FrameEntry> frames;
};

struct TableEntry {
    std::string schema;
    std::string name;
    std::vector<std::string> columns;
    std::vector<std::string> types;  // empty when unknown (dump read from stdin)
    uint64_t rows = 0;
    std::string fingerprint;  // 32 lowercase hex digits
    uint64_t rawBytes = 0;
    int segment = -1;
    std::string copyLine;  // the COPY statement the dump used (names the root for partitions loaded via root)
    // The table's unfiltered row count at the snapshot, where it differs in meaning from `rows`: an
    // extension's configuration table, whose dump holds only the rows pg_extension_config_dump's
    // condition selects (CREATE EXTENSION inserts the rest). Tables not covered carry it too.
    std::optional<uint64_t> rowsTotal;
    std::string filter;    // that condition, as pg_dump applies it (empty: the whole table is dumped)
    // The row identity at the snapshot (LiveTable::key): column names; empty when the table has none
    // or the baseline predates keys. Rows of a table without a key are compared as a multiset.
    std::vector<std::string> key;
    QualifiedName id() const { return {schema, name}; }
    // The table `copyLine` loads (parsed by DumpSplitter's parseCopyLine, the one COPY line parser): the
    // partition root for a leaf dumped via its root, else the table itself (also when no line is
    // recorded); nullopt when the recorded line is not a `COPY ... FROM stdin;`.
    std::optional<QualifiedName> copyTarget() const;
};

// A table that existed at the snapshot but whose rows are not in the archive (pg_dump -s,
// --exclude-table-data, -t/-T/-n/-N): named as "not covered", never as new.
struct UncoveredTable {
    std::string schema;
    std::string name;
    std::optional<uint64_t> rows;  // unfiltered count at the snapshot, when it was read
    std::string reason;            // "schema only" (its definition is in the archive) or "excluded"
    QualifiedName id() const { return {schema, name}; }
};

struct SequenceEntry {
    std::string schema;
    std::string name;
    int64_t lastValue = 0;
    bool isCalled = false;
    std::optional<QualifiedName> ownedBy;  // table whose serial/identity column owns it, when known
    QualifiedName id() const { return {schema, name}; }
};

struct Manifest {
    uint32_t formatVersion = 1;
    std::string toolVersion;
    std::string created;         // ISO 8601 UTC
    nlohmann::json source;       // host, port, database, user, server_version, pg_dump_version, ...
    nlohmann::json settings;     // pinned session settings
    int compressionLevel = 3;
    std::vector<SegmentEntry> segments;
    std::vector<TableEntry> tables;
    std::vector<SequenceEntry> sequences;
    uint64_t largeObjects = 0;
    std::string largeObjectsFingerprint;     // of the dumped large objects' oids and data; "" in old archives
    std::optional<uint64_t> largeObjectsAtSnapshot;  // large objects in the database at the snapshot
    std::vector<UncoveredTable> notCovered;  // tables at the snapshot whose rows the archive does not hold
    std::vector<TocEntry> toc;               // the dump's table of contents (empty in archives of pgproof 0.1)
    nlohmann::json plan;         // filtered counts recorded for a plan (optional)

    uint64_t totalRows() const;
    uint64_t totalRawBytes() const;
    uint64_t totalCompressedBytes() const;
    size_t frameCount() const;

    nlohmann::json toJson() const;
    // Throws std::exception on a malformed manifest.
    static Manifest fromJson(const nlohmann::json& j);
};

nlohmann::json tableToJson(const TableEntry& t);
nlohmann::json sequenceToJson(const SequenceEntry& s);
SequenceEntry sequenceFromJson(const nlohmann::json& j);
TableEntry tableFromJson(const nlohmann::json& j);
nlohmann::json uncoveredToJson(const UncoveredTable& t);
UncoveredTable uncoveredFromJson(const nlohmann::json& j);
// "12 of 14 tables; 2 not covered: public.big (excluded), ..." or "12 tables" when all are covered.
std::string coverageSummary(size_t covered, const std::vector<UncoveredTable>& notCovered, size_t listAtMost = 5);

}  // namespace pgproof
