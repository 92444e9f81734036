#include "AccessProof.hpp"

#include <fmt/format.h>

#include "SqlIdentifier.hpp"
#include "TextLines.hpp"

namespace pgproof {

namespace {

bool isRelation(const std::string& type) {
    return type == "TABLE" || type == "VIEW" || type == "MATERIALIZED VIEW" || type == "SEQUENCE" || type == "FOREIGN TABLE";
}

// Several columns of text as arrays in one parameter each (newline-separated).
struct Columns {
    std::vector<std::string> text;
    explicit Columns(size_t n) : text(n) {}
    size_t rows = 0;
    void add(const std::vector<std::string>& values) {
        for (size_t i = 0; i < values.size(); ++i) text[i] += (rows ? "\n" : "") + values[i];
        ++rows;
    }
};

// One GRANT line of an ACL entry on a table or sequence: its object, grantee and privileges ("ALL" expanded).
bool parseGrant(std::string_view line, std::string& object, std::string& grantee, std::vector<std::string>& privileges) {
    if (line.substr(0, 6) != "GRANT ") return false;
    size_t on = line.find(" ON ");
    if (on == std::string_view::npos) return false;
    std::string_view privs = line.substr(6, on - 6);
    if (privs.find('(') != std::string_view::npos) return false;  // column privileges: not read back here
    size_t pos = on + 4;
    bool sequence = false;
    if (line.substr(pos, 6) == "TABLE ") pos += 6;
    else if (line.substr(pos, 9) == "SEQUENCE ") pos += 9, sequence = true;
    else return false;
    auto name = parseQualifiedName(line, pos);
    if (!name || line.substr(pos, 4) != " TO ") return false;
    pos += 4;
    if (line.substr(pos, 6) == "PUBLIC") {
        grantee = "PUBLIC";
    } else {
        auto g = parseIdent(line, pos);
        if (!g) return false;
        grantee = *g;
    }
    object = name->sql();
    privileges.clear();
    if (privs == "ALL") {
        privileges = sequence ? std::vector<std::string>{"USAGE", "SELECT", "UPDATE"}
                              : std::vector<std::string>{"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"};
    } else {
        size_t start = 0;
        while (start <= privs.size()) {
            size_t comma = privs.find(',', start);
            privileges.emplace_back(privs.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
    }
    return true;
}

}  // namespace

AccessProof proveAccess(const PgConnection& conn, const std::vector<ScriptEntry>& entries) {
    AccessProof out;
    out.ran = true;
    Columns owners(3);  // kind, object, expected owner
    Columns grants(3);  // object, grantee, privilege
    for (const auto& e : entries) {
        if (!e.owner.empty() && hasOwnerStatement(e)) {
            if (isRelation(e.type)) owners.add({"r", QualifiedName{e.schema, e.name}.sql(), e.owner});
            else if (e.type == "SCHEMA") owners.add({"n", e.name, e.owner});
        }
        if (e.type != "ACL") continue;
        forEachLine(e.sql, [&](std::string_view line, size_t) {
            std::string object, grantee;
            std::vector<std::string> privileges;
            if (!parseGrant(line, object, grantee, privileges)) return;
            for (const auto& p : privileges) grants.add({object, grantee, p});
        });
    }
    if (owners.rows) {
        auto r = conn.execParams(
            "SELECT x.k, x.o, x.e, CASE x.k WHEN 'r' THEN (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c "
            "WHERE c.oid = pg_catalog.to_regclass(x.o)) ELSE (SELECT pg_catalog.pg_get_userbyid(n.nspowner) FROM pg_catalog.pg_namespace n "
            "WHERE n.nspname = x.o) END FROM (SELECT pg_catalog.unnest(pg_catalog.string_to_array($1, E'\\n')) k, "
            "pg_catalog.unnest(pg_catalog.string_to_array($2, E'\\n')) o, pg_catalog.unnest(pg_catalog.string_to_array($3, E'\\n')) e) x",
            {owners.text[0], owners.text[1], owners.text[2]}, "reading back the restored objects' owners");
        out.owners = static_cast<size_t>(r.rows());
        for (int i = 0; i < r.rows(); ++i)
            if (r.value(i, 3) != r.value(i, 2))
                out.problems.push_back(fmt::format("{} {} is owned by {}, the archive says {}", r.value(i, 0) == "r" ? "relation" : "schema",
                                                   r.value(i, 1), r.isNull(i, 3) ? "nobody (it is missing)" : r.value(i, 3), r.value(i, 2)));
    }
    if (grants.rows) {
        auto r = conn.execParams(
            "SELECT x.o, x.g, x.p, EXISTS (SELECT 1 FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a "
            "WHERE c.oid = pg_catalog.to_regclass(x.o) AND a.privilege_type = x.p AND a.grantee = CASE WHEN x.g = 'PUBLIC' THEN 0 "
            "ELSE (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = x.g) END) FROM (SELECT "
            "pg_catalog.unnest(pg_catalog.string_to_array($1, E'\\n')) o, pg_catalog.unnest(pg_catalog.string_to_array($2, E'\\n')) g, "
            "pg_catalog.unnest(pg_catalog.string_to_array($3, E'\\n')) p) x",
            {grants.text[0], grants.text[1], grants.text[2]}, "reading back the restored grants");
        out.grants = static_cast<size_t>(r.rows());
        for (int i = 0; i < r.rows(); ++i)
            if (r.value(i, 3) != "t")
                out.problems.push_back(fmt::format("grant {} on {} to {} is missing", r.value(i, 2), r.value(i, 0), r.value(i, 1)));
    }
    return out;
}

std::string describeAccess(const AccessProof& p) {
    std::string what = fmt::format("ownership of {} object(s) and {} grant(s)", p.owners, p.grants);
    if (p.held()) return what + " proven as the archive records them";
    return what + " NOT proven: " + std::to_string(p.problems.size()) + " differ (first: " + p.problems.front() + ")";
}

nlohmann::json accessJson(const AccessProof& p) {
    if (!p.ran) return nullptr;
    return {{"owners_checked", p.owners}, {"grants_checked", p.grants}, {"held", p.held()}, {"problems", p.problems}};
}

}  // namespace pgproof
