#include "DumpScript.hpp"

#include <regex>
#include <sstream>

#include "Errors.hpp"

namespace pgproof {

namespace {

bool startsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

bool isDataType(const std::string& t) { return t == "TABLE DATA" || t == "SEQUENCE SET" || t == "BLOBS" || t == "LARGE OBJECTS"; }

// Parses "-- Name: X; Type: T; Schema: S; Owner: O" (or "-- Data for Name: ...").
bool parseHeader(const std::string& line, ScriptEntry& e) {
    std::string rest;
    if (startsWith(line, "-- Name: ")) rest = line.substr(9);
    else if (startsWith(line, "-- Data for Name: ")) rest = line.substr(18);
    else return false;
    auto typePos = rest.rfind("; Type: ");
    if (typePos == std::string::npos) return false;
    e.name = rest.substr(0, typePos);
    std::string after = rest.substr(typePos + 8);
    auto schemaPos = after.find("; Schema: ");
    e.type = after.substr(0, schemaPos);
    if (schemaPos != std::string::npos) {
        std::string s = after.substr(schemaPos + 10);
        e.schema = s.substr(0, s.find("; "));
    }
    return true;
}

// psql meta-commands pg_dump writes that are not SQL: \restrict KEY and \unrestrict KEY.
bool isMetaCommand(const std::string& line) { return startsWith(line, "\\restrict ") || startsWith(line, "\\unrestrict "); }

}  // namespace

DumpScript DumpScript::parse(const std::string& sql) {
    DumpScript script;
    std::vector<std::string> lines;
    {
        size_t pos = 0;
        while (pos < sql.size()) {
            size_t nl = sql.find('\n', pos);
            if (nl == std::string::npos) nl = sql.size();
            lines.push_back(sql.substr(pos, nl - pos));
            pos = nl + 1;
        }
    }
    std::string* current = &script.preamble;
    std::string pendingSets;  // SET lines pg_dump writes just before the next entry's header
    for (size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        ScriptEntry e;
        if (line == "--" && i + 2 < lines.size() && lines[i + 2] == "--" && parseHeader(lines[i + 1], e)) {
            // Move trailing SET lines of the previous entry to this one (they prepare it).
            if (current != &script.preamble) {
                std::string& prev = *current;
                size_t cut = prev.size();
                while (true) {
                    size_t end = cut;
                    while (end > 0 && prev[end - 1] == '\n') --end;
                    size_t start = prev.rfind('\n', end == 0 ? 0 : end - 1);
                    start = start == std::string::npos ? 0 : start + 1;
                    if (end > start && prev.compare(start, 4, "SET ") == 0) cut = start;
                    else break;
                }
                pendingSets = prev.substr(cut);
                prev.resize(cut);
            }
            e.sql = pendingSets;
            pendingSets.clear();
            script.entries.push_back(std::move(e));
            current = &script.entries.back().sql;
            i += 2;
            continue;
        }
        if (isMetaCommand(line)) continue;
        if (line == "\\.") continue;  // end of a COPY block: rows are restored separately
        if (!line.empty() && line[0] == '\\')
            throw BadInputError("the archive's SQL holds a psql meta-command pgproof cannot run: " + line.substr(0, 60) +
                                "; restore it with zstd -dc FILE | psql instead");
        *current += line;
        *current += '\n';
    }
    // Sections: pre-data before the first data entry, post-data after the last.
    size_t first = script.entries.size(), last = 0;
    for (size_t i = 0; i < script.entries.size(); ++i)
        if (isDataType(script.entries[i].type)) {
            first = std::min(first, i);
            last = i;
        }
    for (size_t i = 0; i < script.entries.size(); ++i) {
        auto& e = script.entries[i];
        if (first == script.entries.size()) {
            static const std::vector<std::string> postTypes = {"INDEX", "CONSTRAINT", "FK CONSTRAINT", "TRIGGER", "RULE",
                                                               "INDEX ATTACH", "POLICY", "MATERIALIZED VIEW DATA"};
            bool post = false;
            for (size_t j = 0; j <= i && !post; ++j)
                for (const auto& t : postTypes) post = post || script.entries[j].type == t;
            e.section = post ? ScriptEntry::Section::PostData : ScriptEntry::Section::PreData;
        } else if (i < first) {
            e.section = ScriptEntry::Section::PreData;
        } else if (i <= last) {
            e.section = isDataType(e.type) ? ScriptEntry::Section::Data : ScriptEntry::Section::PreData;
        } else {
            e.section = ScriptEntry::Section::PostData;
        }
    }
    return script;
}

DumpScript DumpScript::fromArchive(const ArchiveReader& archive) {
    const Manifest& m = archive.manifest();
    std::string sql;
    std::string raw;
    for (size_t s = 0; s < m.segments.size(); ++s) {
        const auto& seg = m.segments[s];
        if (seg.kind != SegmentEntry::Kind::Sql) continue;
        for (size_t f = 0; f < seg.frames.size(); ++f) {
            ArchiveReader::decompressFrame(archive.readFrame(seg.frames[f]), seg.frames[f],
                                           "frame " + std::to_string(f + 1) + " of SQL segment " + std::to_string(s), raw);
            sql += raw;
        }
    }
    return parse(sql);
}

std::vector<std::string> lockedTables(const ScriptEntry& entry) {
    static const std::regex onTable(R"(\bON (?:ONLY )?((?:"(?:[^"]|"")*"|[^\s(".]+)\.(?:"(?:[^"]|"")*"|[^\s(".]+)))");
    static const std::regex alterTable(R"(ALTER TABLE (?:ONLY )?((?:"(?:[^"]|"")*"|[^\s(".]+)\.(?:"(?:[^"]|"")*"|[^\s(".]+)))");
    static const std::regex references(R"(REFERENCES ((?:"(?:[^"]|"")*"|[^\s(".]+)\.(?:"(?:[^"]|"")*"|[^\s(".]+)))");
    std::vector<std::string> out;
    std::smatch m;
    if (std::regex_search(entry.sql, m, alterTable)) out.push_back(m[1]);
    else if (std::regex_search(entry.sql, m, onTable)) out.push_back(m[1]);
    if (std::regex_search(entry.sql, m, references)) out.push_back(m[1]);
    return out;
}

}  // namespace pgproof
