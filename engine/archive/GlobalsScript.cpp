#include "GlobalsScript.hpp"

#include <algorithm>

#include "ArchiveReader.hpp"
#include "SqlIdentifier.hpp"
#include "TextLines.hpp"

namespace pgproof {

namespace {

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The role named right after `prefix` ("CREATE ROLE ", "ALTER ROLE "), or "".
std::string roleAfter(std::string_view line, std::string_view prefix) {
    size_t pos = prefix.size();
    auto name = parseIdent(line, pos);
    return name ? *name : std::string();
}

GlobalRole& roleNamed(GlobalsScript& g, const std::string& name) {
    for (auto& r : g.roles)
        if (r.name == name) return r;
    g.roles.push_back({name, {}, {}});
    return g.roles.back();
}

// "GRANT role TO member [WITH ADMIN OPTION] [GRANTED BY grantor];" -> (role, member, statement without GRANTED BY).
bool parseMembership(std::string_view line, std::string& role, std::string& member, std::string& statement) {
    size_t pos = 6;  // after "GRANT "
    auto r = parseIdent(line, pos);
    if (!r || line.substr(pos, 4) != " TO ") return false;
    pos += 4;
    auto m = parseIdent(line, pos);
    if (!m) return false;
    std::string rest(line.substr(pos));
    if (auto g = rest.find(" GRANTED BY "); g != std::string::npos) rest = rest.substr(0, g) + ";";
    if (rest.empty() || rest.back() != ';') rest += ";";
    role = *r;
    member = *m;
    statement = std::string(line.substr(0, pos)) + rest;
    return true;
}

}  // namespace

GlobalsScript GlobalsScript::parse(std::string_view sql) {
    GlobalsScript g;
    forEachLine(sql, [&](std::string_view line, size_t) {
        if (startsWith(line, "CREATE ROLE ")) {
            std::string name = roleAfter(line, "CREATE ROLE ");
            if (!name.empty()) roleNamed(g, name).statements.emplace_back(line);
        } else if (startsWith(line, "ALTER ROLE ")) {
            std::string name = roleAfter(line, "ALTER ROLE ");
            if (!name.empty()) roleNamed(g, name).statements.emplace_back(line);
        } else if (startsWith(line, "COMMENT ON ROLE ") && line.back() == ';') {
            std::string name = roleAfter(line, "COMMENT ON ROLE ");
            if (!name.empty()) roleNamed(g, name).statements.emplace_back(line);
        } else if (startsWith(line, "GRANT ")) {
            std::string role, member, statement;
            if (parseMembership(line, role, member, statement)) roleNamed(g, member).memberOf.push_back({role, statement});
        } else if (startsWith(line, "CREATE TABLESPACE ")) {
            std::string name = roleAfter(line, "CREATE TABLESPACE ");
            if (!name.empty()) g.tablespaces.push_back(name);
        }
    });
    return g;
}

GlobalsScript GlobalsScript::read(const ArchiveReader& archive) {
    std::string sql, frame;
    for (const auto& seg : archive.manifest().segments) {
        if (seg.kind != SegmentEntry::Kind::Sql) continue;
        for (const auto& f : seg.frames) {
            ArchiveReader::decompressFrame(archive.readFrame(f), f, archive.source().name() + " (globals)", frame);
            sql += frame;
        }
    }
    return parse(sql);
}

const GlobalRole* GlobalsScript::find(const std::string& name) const {
    for (const auto& r : roles)
        if (r.name == name) return &r;
    return nullptr;
}

std::vector<std::string> GlobalsScript::roleNames() const {
    std::vector<std::string> out;
    for (const auto& r : roles) out.push_back(r.name);
    return out;
}

}  // namespace pgproof
