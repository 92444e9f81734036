#include "DumpToc.hpp"

#include <stdexcept>

#include "JsonFields.hpp"

namespace pgproof {

namespace {

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// pg_dump's section of an entry type; nullopt for types without one of their own (COMMENT, ACL,
// SECURITY LABEL, ...), which pg_dump writes right after their object and so share its section.
std::optional<TocSection> sectionOfType(std::string_view type) {
    static const char* data[] = {"TABLE DATA", "SEQUENCE SET", "BLOBS", "BLOB DATA", "LARGE OBJECTS"};
    static const char* post[] = {"INDEX",         "INDEX ATTACH", "CONSTRAINT", "FK CONSTRAINT",
                                 "CHECK CONSTRAINT", "TRIGGER",   "EVENT TRIGGER", "RULE",
                                 "POLICY",        "ROW SECURITY", "MATERIALIZED VIEW DATA", "PUBLICATION",
                                 "PUBLICATION TABLE", "PUBLICATION TABLES IN SCHEMA", "SUBSCRIPTION",
                                 "SUBSCRIPTION TABLE", "STATISTICS DATA", "STATISTICS"};
    static const char* none[] = {"COMMENT", "ACL", "SECURITY LABEL", "DEFAULT ACL"};
    for (const char* t : data)
        if (type == t) return TocSection::Data;
    for (const char* t : post)
        if (type == t) return TocSection::PostData;
    for (const char* t : none)
        if (type == t) return std::nullopt;
    return TocSection::PreData;
}

// "SET default_tablespace = fast;" -> "fast"; "SET default_tablespace = '';" -> "".
std::optional<std::string> setValue(std::string_view line, std::string_view name) {
    std::string prefix = "SET " + std::string(name) + " = ";
    if (!startsWith(line, prefix) || line.empty() || line.back() != ';') return std::nullopt;
    std::string_view v = line.substr(prefix.size(), line.size() - prefix.size() - 1);
    if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
        std::string out;
        for (size_t i = 1; i + 1 < v.size(); ++i) {
            out += v[i];
            if (v[i] == '\'' && i + 2 < v.size() && v[i + 1] == '\'') ++i;
        }
        return out;
    }
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        size_t pos = 0;
        if (auto id = parseIdent(v, pos)) return *id;
    }
    return std::string(v);
}

}  // namespace

const char* sectionName(TocSection s) {
    switch (s) {
    case TocSection::PreData: return "pre-data";
    case TocSection::Data: return "data";
    case TocSection::PostData: return "post-data";
    }
    return "?";
}

bool parseTocHeader(std::string_view line, TocEntry& e) {
    std::string_view rest;
    if (startsWith(line, "-- Name: ")) rest = line.substr(9);
    else if (startsWith(line, "-- Data for Name: ")) rest = line.substr(18);
    else return false;
    // Names may hold "; " (function signatures), types never do; owners and schemas are single names.
    size_t typePos = rest.rfind("; Type: ");
    if (typePos == std::string_view::npos) return false;
    e.name = std::string(rest.substr(0, typePos));
    std::string_view after = rest.substr(typePos + 8);
    size_t schemaPos = after.find("; Schema: ");
    if (schemaPos == std::string_view::npos) return false;
    e.type = std::string(after.substr(0, schemaPos));
    after = after.substr(schemaPos + 10);
    size_t ownerPos = after.find("; Owner: ");
    std::string_view schema = after.substr(0, ownerPos);
    e.schema = schema == "-" ? "" : std::string(schema);
    e.owner.clear();
    e.tablespace.clear();
    if (ownerPos != std::string_view::npos) {
        std::string_view owner = after.substr(ownerPos + 9);
        size_t tsPos = owner.find("; Tablespace: ");
        if (tsPos != std::string_view::npos) {
            e.tablespace = std::string(owner.substr(tsPos + 14));
            owner = owner.substr(0, tsPos);
        }
        e.owner = owner == "-" ? "" : std::string(owner);
    }
    return true;
}

void TocBuilder::line(std::string_view line, uint64_t offset) {
    firstStatement_ = false;
    // A header block: "--", optional "-- TOC entry ..." / "-- Dependencies: ..." (--verbose), the
    // "-- Name: ..." line, then "--". The entry starts at the SET lines that prepare it, if any.
    if (line == "--") {
        if (inComment_ && pendingHeader_) {
            TocEntry e = std::move(*pendingHeader_);
            pendingHeader_.reset();
            uint64_t start = setRunStart_ && !entries_.empty() ? *setRunStart_ : blockStart_;
            if (!entries_.empty()) entries_.back().length = start - entries_.back().offset;
            e.offset = start;
            auto s = sectionOfType(e.type);
            e.section = s ? *s : lastSection_;
            lastSection_ = e.section;
            e.defaultTablespace = tablespace_;
            e.accessMethod = accessMethod_;
            entries_.push_back(std::move(e));
            inComment_ = false;
            setRunStart_.reset();
            awaitingStatement_ = true;
            return;
        }
        if (inComment_ && sawText_) {
            inComment_ = false;  // a comment block that is not a header ("-- PostgreSQL database dump")
        } else {
            inComment_ = true;
            sawText_ = false;
            blockStart_ = offset;
        }
        return;
    }
    if (inComment_ && startsWith(line, "-- ")) {
        sawText_ = true;
        TocEntry e;
        if (parseTocHeader(line, e)) pendingHeader_ = std::move(e);
        return;
    }
    inComment_ = false;
    pendingHeader_.reset();
    if (line.empty()) return;
    if (startsWith(line, "SET ")) {
        if (!setRunStart_) setRunStart_ = offset;
        if (auto v = setValue(line, "default_tablespace")) tablespace_ = *v;
        else if (auto a = setValue(line, "default_table_access_method")) accessMethod_ = *a;
        return;
    }
    setRunStart_.reset();
    if (line[0] == '-' || line[0] == '\\' || !awaitingStatement_) return;
    // --disable-triggers wraps each table's data in ALTER TABLE ... DISABLE/ENABLE TRIGGER ALL.
    if (entries_.back().type == "TABLE DATA" && startsWith(line, "ALTER TABLE ")) return;
    awaitingStatement_ = false;
    firstStatement_ = true;
}

bool TocBuilder::opensRows(std::string_view line) const {
    constexpr std::string_view tail = " FROM stdin;";
    return firstStatement_ && entries_.back().type == "TABLE DATA" && startsWith(line, "COPY ") && line.size() > tail.size() &&
           line.substr(line.size() - tail.size()) == tail;
}

void TocBuilder::attachTable(int table, bool viaRoot) {
    if (entries_.empty()) return;
    entries_.back().table = table;
    entries_.back().viaRoot = viaRoot;
}

std::vector<TocEntry> TocBuilder::finish(uint64_t scriptSize) {
    if (!entries_.empty()) entries_.back().length = scriptSize - entries_.back().offset;
    return std::move(entries_);
}

nlohmann::json tocToJson(const std::vector<TocEntry>& toc) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : toc) {
        nlohmann::json j = {{"type", e.type},     {"schema", e.schema},       {"name", e.name},
                            {"owner", e.owner},   {"section", sectionName(e.section)},
                            {"offset", e.offset}, {"length", e.length}};
        if (!e.tablespace.empty()) j["tablespace"] = e.tablespace;
        if (e.table >= 0) j["table"] = e.table;
        if (e.viaRoot) j["via_root"] = true;
        if (e.defaultTablespace) j["default_tablespace"] = *e.defaultTablespace;
        if (e.accessMethod) j["access_method"] = *e.accessMethod;
        out.push_back(std::move(j));
    }
    return out;
}

std::vector<TocEntry> tocFromJson(const nlohmann::json& j) {
    std::vector<TocEntry> out;
    for (const auto& ej : j) {
        TocEntry e;
        e.type = ej.at("type").get<std::string>();
        e.schema = ej.value("schema", std::string());
        e.name = ej.at("name").get<std::string>();
        e.owner = ej.value("owner", std::string());
        e.tablespace = ej.value("tablespace", std::string());
        std::string s = ej.at("section").get<std::string>();
        if (s == "pre-data") e.section = TocSection::PreData;
        else if (s == "data") e.section = TocSection::Data;
        else if (s == "post-data") e.section = TocSection::PostData;
        else throw std::runtime_error("unknown TOC section '" + s + "'");
        e.offset = integerField<uint64_t>(ej.at("offset"), "offset");
        e.length = integerField<uint64_t>(ej.at("length"), "length");
        e.table = integerField<int>(ej, "table", -1);
        e.viaRoot = ej.value("via_root", false);
        if (ej.contains("default_tablespace")) e.defaultTablespace = ej["default_tablespace"].get<std::string>();
        if (ej.contains("access_method")) e.accessMethod = ej["access_method"].get<std::string>();
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace pgproof
