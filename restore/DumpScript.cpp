#include "DumpScript.hpp"

#include "FrameLoop.hpp"

#include <algorithm>
#include <set>

#include "TextLines.hpp"
#include "Errors.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof {

namespace {

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A stretch of the script that pgproof holds as text: one SQL segment, at its script offset.
struct ScriptSlice {
    uint64_t offset = 0;
    std::string text;
};

// Removes what is not SQL: psql's \restrict / \unrestrict, the "\." ending a COPY block (rows are
// restored separately). Any other meta-command cannot run through libpq.
std::string runnableSql(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    forEachLine(text, [&](std::string_view line, size_t) {
        if (!line.empty() && line[0] == '\\') {
            if (startsWith(line, "\\restrict ") || startsWith(line, "\\unrestrict ") || line == "\\.") return;
            throw BadInputError("the archive's SQL holds a psql meta-command pgproof cannot run: " +
                                std::string(line.substr(0, 60)) + "; restore it with zstd -dc FILE | psql instead");
        }
        out.append(line);
        out += '\n';
    });
    return out;
}

std::vector<TocEntry> buildToc(const std::vector<ScriptSlice>& slices, uint64_t scriptSize) {
    TocBuilder builder;
    for (const auto& s : slices)
        forEachLine(s.text, [&](std::string_view line, size_t pos) { builder.line(line, s.offset + pos); });
    return builder.finish(scriptSize);
}

// The slices are in script order: the one holding `offset` is found by binary search (an archive of
// thousands of tables has thousands of SQL segments and several entries for each).
std::string_view sliceOf(const std::vector<ScriptSlice>& slices, uint64_t offset, uint64_t length) {
    auto it = std::upper_bound(slices.begin(), slices.end(), offset, [](uint64_t o, const ScriptSlice& s) { return o < s.offset; });
    if (it == slices.begin()) return {};
    const ScriptSlice& s = *std::prev(it);
    if (offset >= s.offset + s.text.size()) return {};
    uint64_t from = offset - s.offset;
    return std::string_view(s.text).substr(from, std::min<uint64_t>(length, s.text.size() - from));
}

DumpScript assemble(std::vector<TocEntry> toc, const std::vector<ScriptSlice>& slices) {
    DumpScript script;
    uint64_t first = toc.empty() ? UINT64_MAX : toc.front().offset;
    if (!slices.empty()) script.preamble = runnableSql(std::string_view(slices.front().text).substr(0, std::min<uint64_t>(first, slices.front().text.size())));
    for (auto& e : toc) {
        if (isDatabaseEntry(e)) continue;
        std::string_view sql = e.type == "TABLE DATA" ? std::string_view() : sliceOf(slices, e.offset, e.length);
        script.entries.push_back(makeScriptEntry(std::move(e), sql));
    }
    return script;
}

bool isOwnerStatement(std::string_view line) {
    return startsWith(line, "ALTER ") && line.find(" OWNER TO ") != std::string_view::npos && !line.empty() && line.back() == ';';
}

// Where an entry's closing ALTER ... OWNER TO starts (pg_dump writes it last, on one line); npos if it has none.
size_t ownerStatementAt(const std::string& sql) {
    size_t end = sql.find_last_not_of('\n');
    if (end == std::string::npos) return std::string::npos;
    size_t start = sql.rfind('\n', end);
    start = start == std::string::npos ? 0 : start + 1;
    return isOwnerStatement(std::string_view(sql).substr(start, end + 1 - start)) ? start : std::string::npos;
}

}  // namespace

ScriptEntry makeScriptEntry(TocEntry e, std::string_view sql) {
    ScriptEntry se{std::move(e), {}};
    // TABLE DATA is restored from its rows segment; its SQL (COPY line, --disable-triggers) is not run.
    if (se.type != "TABLE DATA") se.sql = runnableSql(sql);
    // pg_dump -n public writes CREATE SCHEMA public, which every new database already has (psql
    // reports the error and goes on): the schema that exists is the one meant.
    if (se.type == "SCHEMA")
        for (size_t p = se.sql.find("CREATE SCHEMA "); p != std::string::npos; p = se.sql.find("CREATE SCHEMA ", p + 1))
            if ((p == 0 || se.sql[p - 1] == '\n') && se.sql.compare(p + 14, 14, "IF NOT EXISTS ") != 0)
                se.sql.insert(p + 14, "IF NOT EXISTS ");
    return se;
}

std::string runnablePreamble(std::string_view text) { return runnableSql(text); }

bool isDatabaseEntry(const TocEntry& e) {
    if (e.type == "DATABASE" || e.type == "DATABASE PROPERTIES") return true;
    return (e.type == "COMMENT" || e.type == "SECURITY LABEL" || e.type == "ACL") && startsWith(e.name, "DATABASE ");
}

bool isPrivilegeEntry(const ScriptEntry& e) { return e.type == "ACL" || e.type == "DEFAULT ACL"; }

bool dropOwnerStatement(ScriptEntry& e) {
    size_t start = ownerStatementAt(e.sql);
    if (start == std::string::npos) return false;
    e.sql.resize(start);
    return true;
}

bool hasOwnerStatement(const ScriptEntry& e) { return ownerStatementAt(e.sql) != std::string::npos; }

std::string ScriptEntry::sessionSetup() const {
    std::string out;
    if (defaultTablespace) out += "SET default_tablespace = " + (defaultTablespace->empty() ? std::string("''") : quoteIdent(*defaultTablespace)) + ";\n";
    if (accessMethod) out += "SET default_table_access_method = " + quoteIdent(*accessMethod) + ";\n";
    return out;
}

DumpScript DumpScript::parse(const std::string& sql) {
    std::vector<ScriptSlice> slices{{0, sql}};
    return assemble(buildToc(slices, sql.size()), slices);
}

DumpScript DumpScript::fromArchive(const ArchiveReader& archive) {
    const Manifest& m = archive.manifest();
    std::vector<ScriptSlice> slices;
    uint64_t offset = 0;
    for (size_t s = 0; s < m.segments.size(); ++s) {
        const auto& seg = m.segments[s];
        if (seg.kind != SegmentEntry::Kind::Sql) {
            for (const auto& f : seg.frames) offset += f.raw;
            continue;
        }
        ScriptSlice slice{offset, {}};
        FrameLoop(archive, seg.frames.size(), [&](size_t f) -> const FrameEntry& { return seg.frames[f]; },
                  [&](size_t f) { return "frame " + std::to_string(f + 1) + " of SQL segment " + std::to_string(s); },
                  "reading the archive's schema")
            .inOrder([&](size_t f, std::string& raw) {
                slice.text += raw;
                offset += seg.frames[f].raw;
            });
        slices.push_back(std::move(slice));
    }
    return assemble(m.toc.empty() ? buildToc(slices, offset) : m.toc, slices);
}

size_t DumpScript::dropOwnership() {
    size_t dropped = 0;
    for (auto& e : entries) dropped += dropOwnerStatement(e) ? 1 : 0;
    return dropped;
}

size_t DumpScript::dropPrivileges() {
    size_t before = entries.size();
    std::erase_if(entries, isPrivilegeEntry);
    return before - entries.size();
}

std::vector<std::string> DumpScript::owners() const {
    std::set<std::string> out;
    for (const auto& e : entries)
        if (!e.owner.empty() && ownerStatementAt(e.sql) != std::string::npos) out.insert(e.owner);
    return {out.begin(), out.end()};
}

}  // namespace pgproof
