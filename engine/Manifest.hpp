#pragma once
// The archive manifest (docs/ARCHIVE.md): where every frame is, what every
// table held at backup time. Shared by backup, check, inspect, verify, restore.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

}  // namespace pgproof
