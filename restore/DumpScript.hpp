#pragma once
// The SQL part of an archive as pg_dump's TOC entries, ready to run: the manifest's table of
// contents (engine/archive/DumpToc) says where each entry is in the script and in which section;
// this only slices the SQL segments accordingly. Archives written before the TOC was recorded get
// it from the same TocBuilder the backup uses, run over their SQL segments.
#include <string>
#include <string_view>
#include <vector>

#include "ArchiveReader.hpp"
#include "DumpToc.hpp"

namespace pgproof {

// A TOC entry (engine/archive/DumpToc: type, schema, name, owner, section, its place in the script)
// with its statements, ready to run. The entry is the manifest's own; this adds only the SQL.
struct ScriptEntry : TocEntry {
    std::string sql;     // the statements (psql meta-commands removed; empty for TABLE DATA)
    // SET default_tablespace / default_table_access_method as pg_dump had them at this entry, for an
    // entry run on a connection of its own (parallel post-data); "" when pg_dump never set them.
    std::string sessionSetup() const;
};

struct DumpScript {
    std::string preamble;  // session settings before the first entry: run on every connection
    std::vector<ScriptEntry> entries;  // without the database's own entries (isDatabaseEntry)

    // Reads and decompresses every SQL segment of the archive and slices it by the manifest's TOC.
    static DumpScript fromArchive(const ArchiveReader& archive);
    // A whole script held in memory (tests).
    static DumpScript parse(const std::string& sql);

    // pg_restore's --no-owner: drops each entry's closing ALTER ... OWNER TO; returns how many.
    size_t dropOwnership();
    // pg_restore's --no-privileges: drops ACL and DEFAULT ACL entries; returns how many.
    size_t dropPrivileges();
    // Owners named by the entries (for checking that they exist on the target before anything changes).
    std::vector<std::string> owners() const;
};

// One TOC entry with its slice of the script, ready to run (what fromArchive builds for each entry; a
// stream restore builds them one by one as the script arrives).
ScriptEntry makeScriptEntry(TocEntry toc, std::string_view sql);
// The session settings before the first entry, as run on every connection.
std::string runnablePreamble(std::string_view text);
// Entries about the database itself, which pg_dump -C writes (CREATE DATABASE, ALTER DATABASE ... SET,
// comments, labels and grants on the database, each followed by a \connect to it): they act on the
// database of the dump's name on the server, not on the target. Never restored, as pg_restore without
// --create skips them; the scratch database of a drill or a rehearsal is never left by them.
bool isDatabaseEntry(const TocEntry& e);
// pg_restore's --no-privileges drops these entries.
bool isPrivilegeEntry(const ScriptEntry& e);
// pg_restore's --no-owner: drops the entry's closing ALTER ... OWNER TO; whether it had one.
bool dropOwnerStatement(ScriptEntry& e);
bool hasOwnerStatement(const ScriptEntry& e);

}  // namespace pgproof
