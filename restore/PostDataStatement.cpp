#include "PostDataStatement.hpp"

#include <nlohmann/json.hpp>

#include "SqlParser.hpp"

namespace pgproof {

namespace {

using nlohmann::json;

// The parse tree of a whole entry, as libpg_query's JSON; null when PostgreSQL's grammar refuses it.
json parseTree(const std::string& sql) { return lint::parseSql(sql).tree; }

std::optional<QualifiedName> relationOf(const json& rangeVar) {
    if (!rangeVar.is_object() || !rangeVar.contains("schemaname") || !rangeVar.contains("relname")) return std::nullopt;
    return QualifiedName{rangeVar["schemaname"].get<std::string>(), rangeVar["relname"].get<std::string>()};
}

// A list of String nodes (column names) as a quoted SQL list; nullopt if anything else is in it.
std::optional<std::string> columnList(const json& list) {
    std::string out;
    for (const auto& item : list) {
        if (!item.contains("String")) return std::nullopt;
        out += (out.empty() ? "" : ", ") + quoteIdent(item["String"].value("sval", ""));
    }
    return out;
}

// WITH (name = value, ...) of plain storage parameters; nullopt for anything less simple.
std::optional<std::string> withOptions(const json& options) {
    std::string out;
    for (const auto& o : options) {
        const json d = o.value("DefElem", json::object());
        if (d.contains("defnamespace") || !d.contains("defname") || !d.contains("arg")) return std::nullopt;
        const json& arg = d["arg"];
        std::string value;
        if (arg.contains("String")) value = quoteLiteral(arg["String"].value("sval", ""));
        else if (arg.contains("Integer")) value = std::to_string(arg["Integer"].value("ival", 0));
        else if (arg.contains("Float")) value = arg["Float"].value("fval", "");
        else return std::nullopt;
        out += (out.empty() ? "" : ", ") + d["defname"].get<std::string>() + " = " + value;
    }
    return out;
}

void splitKey(const std::string& prefix, const QualifiedName& table, bool only, const json& con, PostDataStatement& out) {
    const std::string type = con.value("contype", "");
    if ((type != "CONSTR_PRIMARY" && type != "CONSTR_UNIQUE") || con.value("deferrable", false) ||
        con.value("initdeferred", false) || con.value("nulls_not_distinct", false) || con.contains("indexspace") ||
        con.contains("indexname") || con.contains("exclusions") || con.contains("where_clause") || !con.contains("conname") ||
        !con.contains("keys") || con.value("access_method", "btree") != "btree")
        return;
    auto keys = columnList(con["keys"]);
    auto including = columnList(con.value("including", json::array()));
    auto with = withOptions(con.value("options", json::array()));
    if (!keys || keys->empty() || !including || !with) return;
    const std::string name = quoteIdent(con["conname"].get<std::string>());
    out.keyIndexSql = prefix + "CREATE UNIQUE INDEX " + name + " ON " + table.sql() + " USING btree (" + *keys + ")" +
                      (including->empty() ? "" : " INCLUDE (" + *including + ")") + (with->empty() ? "" : " WITH (" + *with + ")") +
                      ";\n";
    out.keyConstraintSql = prefix + "ALTER TABLE " + (only ? "ONLY " : "") + table.sql() + " ADD CONSTRAINT " + name +
                           (type == "CONSTR_PRIMARY" ? " PRIMARY KEY" : " UNIQUE") + " USING INDEX " + name + ";\n";
}

}  // namespace

PostDataStatement describePostData(const ScriptEntry& entry) {
    PostDataStatement out;
    json tree = parseTree(entry.sql);
    if (!tree.is_object() || !tree.contains("stmts")) return out;
    // The entry's SET lines (default_tablespace, ...) and exactly one statement that does the work.
    // (json::value returns copies: the statement is kept by value.)
    std::optional<json> found;
    size_t workAt = 0;
    for (const auto& s : tree["stmts"]) {
        json stmt = s.value("stmt", json::object());
        if (stmt.contains("VariableSetStmt")) continue;
        if (found) return out;
        found = std::move(stmt);
        workAt = s.value("stmt_location", 0);
    }
    if (!found) return out;
    const json* work = &*found;
    if (work->contains("IndexStmt")) {
        const json& idx = (*work)["IndexStmt"];
        if (idx.value("concurrent", false)) return out;
        out.table = relationOf(idx.value("relation", json()));
        if (!out.table) return out;
        out.locks.push_back({*out.table, LockMode::Share});
        out.understood = true;
        return out;
    }
    if (!work->contains("AlterTableStmt")) return out;
    const json& alter = (*work)["AlterTableStmt"];
    if (alter.value("objtype", "") != "OBJECT_TABLE") return out;
    out.table = relationOf(alter.value("relation", json()));
    const json cmds = alter.value("cmds", json::array());
    if (!out.table || cmds.size() != 1) return out;
    const json cmd = cmds[0].value("AlterTableCmd", json::object());
    if (cmd.value("subtype", "") != "AT_AddConstraint" || !cmd.contains("def") || !cmd["def"].contains("Constraint")) return out;
    const json& con = cmd["def"]["Constraint"];
    if (con.value("contype", "") == "CONSTR_FOREIGN") {
        out.referenced = relationOf(con.value("pktable", json()));
        if (!out.referenced) return out;
        out.locks.push_back({*out.table, LockMode::ShareRowExclusive});
        if (!(*out.referenced == *out.table)) out.locks.push_back({*out.referenced, LockMode::ShareRowExclusive});
        out.understood = true;
        return out;
    }
    out.locks.push_back({*out.table, LockMode::AccessExclusive});
    out.understood = true;
    splitKey(entry.sql.substr(0, std::min(workAt, entry.sql.size())), *out.table,
             !alter["relation"].value("inh", false), con, out);
    return out;
}

}  // namespace pgproof
