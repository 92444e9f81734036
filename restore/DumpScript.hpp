#pragma once
// The SQL part of an archive split into pg_dump's TOC entries, using the
// "-- Name: X; Type: T; Schema: S; Owner: O" headers of the plain format, and
// sorted into pg_dump's sections: pre-data (before the first data entry),
// data (TABLE DATA, SEQUENCE SET, BLOBS) and post-data (after the last).
#include <string>
#include <vector>

#include "ArchiveReader.hpp"

namespace pgproof {

struct ScriptEntry {
    enum class Section { PreData, Data, PostData };
    std::string type;    // "TABLE", "INDEX", "FK CONSTRAINT", ...
    std::string name;
    std::string schema;
    std::string sql;     // the statements (psql meta-commands removed)
    Section section = Section::PreData;
    std::string label() const { return type + " " + (schema.empty() || schema == "-" ? "" : schema + ".") + name; }
};

struct DumpScript {
    std::string preamble;  // session settings before the first entry: run on every connection
    std::vector<ScriptEntry> entries;

    // Reads, decompresses and parses every SQL segment of the archive.
    static DumpScript fromArchive(const ArchiveReader& archive);
    static DumpScript parse(const std::string& sql);
};

// Tables an entry's statement locks (for scheduling parallel post-data work): the table of
// CREATE INDEX ... ON / ALTER TABLE, and for foreign keys also the referenced table.
std::vector<std::string> lockedTables(const ScriptEntry& entry);

}  // namespace pgproof
