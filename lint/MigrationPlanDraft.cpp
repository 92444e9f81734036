#include "MigrationPlanDraft.hpp"

#include "ParseTree.hpp"

#include <cctype>
#include <functional>
#include <map>

#include "SqlIdentifier.hpp"
#include "UnfilledColumns.hpp"

namespace pgproof::lint {

using nlohmann::json;

namespace {

std::string yamlScalar(const std::string& s) {
    bool plain = !s.empty() && s.find_first_of(":#{}[],&*!|>'\"%@`") == std::string::npos && s.front() != ' ' && s.back() != ' ' &&
                 s != "true" && s != "false" && s != "null" && s != "yes" && s != "no" && s != "~";
    if (plain) return s;
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

// The plan's spelling of a table: "name" in public (or unqualified), else "schema.name".
std::string planTable(const json& rangeVar) {
    std::string schema = rangeVar.value("schemaname", "");
    std::string name = rangeVar.value("relname", "");
    return schema.empty() || schema == "public" ? name : schema + "." + name;
}

std::string planName(const std::vector<std::string>& qualified) {
    if (qualified.empty()) return "";
    if (qualified.size() == 1 || qualified.front() == "public") return qualified.back();
    return qualified[qualified.size() - 2] + "." + qualified.back();
}

// A type as the server would accept it back: pg_catalog's internal names (int4, varchar, timestamptz) are
// valid spellings; modifiers and array bounds follow.
std::string typeText(const json& typeName) {
    auto names = stringList(typeName.value("names", json::array()));
    if (!names.empty() && names.front() == "pg_catalog") names.erase(names.begin());
    // The parser's internal names, back in the SQL spelling people write (the server accepts both).
    static const std::map<std::string, std::string> spelled = {{"bool", "boolean"}, {"int2", "smallint"}, {"int4", "integer"},
                                                               {"int8", "bigint"},  {"float4", "real"},    {"float8", "double precision"},
                                                               {"bpchar", "character"}};
    if (names.size() == 1)
        if (auto it = spelled.find(names[0]); it != spelled.end()) names[0] = it->second;
    std::string out = planName(names);
    auto mods = typeName.value("typmods", json::array());
    if (!mods.empty()) {
        std::string list;
        for (const auto& m : mods) {
            const json& c = field(m, "A_Const");
            list += (list.empty() ? "" : ",") + (c.contains("ival") ? std::to_string(field(c, "ival").value("ival", 0)) : std::string("?"));
        }
        out += "(" + list + ")";
    }
    for (size_t i = 0; i < typeName.value("arrayBounds", json::array()).size(); ++i) out += "[]";
    return out;
}

// A default as the plan compares it: a constant's value (a quoted literal without quotes and cast), a
// call without arguments as name(), CURRENT_TIMESTAMP and friends by name; "" for anything else.
std::string defaultText(const json& expr) {
    if (expr.contains("TypeCast")) return defaultText(field(expr["TypeCast"], "arg"));
    if (expr.contains("A_Const")) {
        const json& c = expr["A_Const"];
        if (c.contains("sval")) return field(c, "sval").value("sval", "");
        if (c.contains("ival")) return std::to_string(field(c, "ival").value("ival", 0));
        if (c.contains("fval")) return field(c, "fval").value("fval", "");
        if (c.contains("boolval")) return field(c, "boolval").value("boolval", false) ? "true" : "false";
        return "";
    }
    if (expr.contains("FuncCall")) {
        const json& f = expr["FuncCall"];
        if (f.contains("args")) return "";
        auto names = stringList(f.value("funcname", json::array()));
        return names.empty() ? "" : names.back() + "()";
    }
    if (expr.contains("SQLValueFunction")) {
        std::string op = expr["SQLValueFunction"].value("op", "");
        if (op.rfind("SVFOP_", 0) == 0) return op.substr(6);
    }
    return "";
}

// The first one or two words of a statement, for the "no plan item from" list.
std::string firstWords(const std::string& text) {
    std::string out;
    size_t i = 0, words = 0;
    while (i < text.size() && words < 2) {
        size_t start = i;
        while (i < text.size() && (std::isalpha(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
        if (i == start) break;
        out += (out.empty() ? "" : " ") + text.substr(start, i - start);
        ++words;
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    }
    return out.empty() ? text.substr(0, 20) : out;
}

std::vector<std::string> columnRef(const json& node) {
    return node.contains("ColumnRef") ? stringList(node["ColumnRef"].value("fields", json::array())) : std::vector<std::string>{};
}

class Drafter {
public:
    std::vector<std::string> columns, constraints, indexes, backfills, orphans, uniques, droppedColumns, droppedTables;
    std::map<std::string, std::vector<std::string>> enums;
    std::vector<std::string> enumOrder;

    bool statement(const MigrationStatement& st) {
        const json& n = st.node;
        if (st.kind == "AlterTableStmt" && n.value("objtype", "") == "OBJECT_TABLE") return alterTable(n);
        if (st.kind == "CreateEnumStmt") {
            std::string type = planName(stringList(n.value("typeName", json::array())));
            if (!enums.count(type)) enumOrder.push_back(type);
            for (const auto& v : stringList(n.value("vals", json::array()))) enums[type].push_back(v);
            return true;
        }
        if (st.kind == "AlterEnumStmt" && n.contains("newVal") && !n.contains("oldVal")) {
            std::string type = planName(stringList(n.value("typeName", json::array())));
            if (!enums.count(type)) enumOrder.push_back(type);
            enums[type].push_back(n.value("newVal", ""));
            return true;
        }
        if (st.kind == "IndexStmt" && n.contains("idxname")) {
            std::string table = planTable(field(n, "relation"));
            indexes.push_back("{table: " + yamlScalar(table) + ", name: " + yamlScalar(n.value("idxname", "")) + "}");
            // A unique index over plain columns (no WHERE): no duplicates of them afterwards.
            if (n.value("unique", false) && !n.contains("whereClause")) {
                std::vector<std::string> keys;
                for (const auto& p : n.value("indexParams", json::array())) {
                    const json& e = field(p, "IndexElem");
                    if (!e.contains("name")) return true;
                    keys.push_back(e.value("name", ""));
                }
                unique(table, keys);
            }
            return true;
        }
        if (st.kind == "DropStmt" && n.value("removeType", "") == "OBJECT_TABLE") {
            for (const auto& o : n.value("objects", json::array()))
                droppedTables.push_back(yamlScalar(planName(stringList(field(o, "List").value("items", json::array())))));
            return true;
        }
        if (st.kind == "UpdateStmt") return update(n);
        return false;
    }

private:
    void orphan(const std::string& table, const std::vector<std::string>& cols, const json& constraint) {
        auto pk = stringList(constraint.value("pk_attrs", json::array()));
        if (cols.size() == 1 && pk.size() == 1)
            orphans.push_back("{table: " + yamlScalar(table) + ", column: " + yamlScalar(cols[0]) + ", references: " +
                              yamlScalar(planTable(field(constraint, "pktable")) + "." + pk[0]) + "}");
    }

    void unique(const std::string& table, const std::vector<std::string>& keys) {
        if (keys.empty()) return;
        std::string list;
        for (const auto& c : keys) list += (list.empty() ? "" : ", ") + yamlScalar(c);
        uniques.push_back("{table: " + yamlScalar(table) + ", columns: [" + list + "]}");
    }

    bool alterTable(const json& n) {
        std::string table = planTable(field(n, "relation"));
        bool used = false;
        for (const auto& c : n.value("cmds", json::array())) {
            const json& cmd = field(c, "AlterTableCmd");
            std::string sub = cmd.value("subtype", "");
            if (sub == "AT_AddColumn") {
                const json& col = field(field(cmd, "def"), "ColumnDef");
                std::string name = col.value("colname", "");
                std::string item = "{table: " + yamlScalar(table) + ", column: " + yamlScalar(name) + ", type: " +
                                   yamlScalar(typeText(field(col, "typeName")));
                bool notNull = false;
                std::string def;
                for (const auto& k : col.value("constraints", json::array())) {
                    const json& con = field(k, "Constraint");
                    std::string type = con.value("contype", "");
                    if (type == "CONSTR_NOTNULL" || type == "CONSTR_PRIMARY") notNull = true;
                    if (type == "CONSTR_DEFAULT") def = defaultText(field(con, "raw_expr"));
                    if (type == "CONSTR_FOREIGN") orphan(table, {name}, con);
                    if (type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") unique(table, {name});
                }
                if (notNull) item += ", nullable: false";
                if (!def.empty()) item += ", default: " + yamlScalar(def);
                columns.push_back(item + "}");
                used = true;
            } else if (sub == "AT_AddConstraint") {
                const json& con = field(field(cmd, "def"), "Constraint");
                std::string type = con.value("contype", "");
                if (con.contains("conname"))
                    constraints.push_back("{table: " + yamlScalar(table) + ", name: " + yamlScalar(con.value("conname", "")) + "}");
                if (type == "CONSTR_FOREIGN") orphan(table, stringList(con.value("fk_attrs", json::array())), con);
                if (type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") unique(table, stringList(con.value("keys", json::array())));
                used = true;
            } else if (sub == "AT_DropColumn") {
                droppedColumns.push_back(yamlScalar(table + "." + cmd.value("name", "")));
                used = true;
            }
        }
        return used;
    }

    // SET a = b (a column of the same row), or SET a = o.b FROM o WHERE o.k = t.c: backfill a when c is set.
    bool update(const json& n) {
        const json& rel = field(n, "relation");
        std::string table = planTable(rel);
        std::string alias = field(rel, "alias").value("aliasname", rel.value("relname", ""));
        auto targets = n.value("targetList", json::array());
        if (targets.empty()) return false;
        const json& target = field(targets.front(), "ResTarget");
        std::string column = target.value("name", "");
        auto source = columnRef(field(target, "val"));
        std::string when;
        if (source.size() == 1 || (source.size() == 2 && source[0] == alias)) {
            when = source.back();
        } else if (source.size() == 2 && n.contains("fromClause")) {
            // The join key: the target table's column compared with the source table's in WHERE.
            std::function<void(const json&)> find = [&](const json& e) {
                if (!when.empty()) return;
                if (e.contains("BoolExpr"))
                    for (const auto& a : e["BoolExpr"].value("args", json::array())) find(a);
                if (e.contains("A_Expr")) {
                    const json& x = e["A_Expr"];
                    auto op = stringList(x.value("name", json::array()));
                    if (op != std::vector<std::string>{"="}) return;
                    auto l = columnRef(field(x, "lexpr")), r = columnRef(field(x, "rexpr"));
                    if (l.size() == 2 && r.size() == 2 && l[0] == alias && r[0] == source[0]) when = l[1];
                    if (l.size() == 2 && r.size() == 2 && r[0] == alias && l[0] == source[0]) when = r[1];
                }
            };
            find(field(n, "whereClause"));
        }
        if (when.empty() || when == column) return false;
        backfills.push_back("{table: " + yamlScalar(table) + ", column: " + yamlScalar(column) + ", when_not_null: " + yamlScalar(when) + "}");
        return true;
    }
};

}  // namespace

PlanDraft draftPlan(const MigrationScript& script) {
    Drafter d;
    PlanDraft draft;
    draft.statements = script.statements().size();
    for (const auto& st : script.statements())
        if (!d.statement(st)) draft.skipped.push_back(firstWords(st.text));

    std::string y = "# Draft plan from " + script.name() + " (pgproof plan --from-migration): review and edit before use.\n";
    y += "# Check every item; add `counts` for soft-delete filters and `checks` for invariants by hand.\n";
    auto section = [](const std::string& indent, const std::vector<std::string>& items) {
        std::string out;
        for (const auto& i : items) out += indent + "- " + i + "\n";
        return out;
    };
    auto list = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
        return s;
    };
    if (!d.columns.empty() || !d.constraints.empty() || !d.indexes.empty() || !d.enums.empty()) {
        y += "expect:\n";
        if (!d.columns.empty()) y += "  columns:\n" + section("    ", d.columns);
        if (!d.constraints.empty()) y += "  constraints:\n" + section("    ", d.constraints);
        if (!d.indexes.empty()) y += "  indexes:\n" + section("    ", d.indexes);
        if (!d.enums.empty()) {
            y += "  enums:\n";
            for (const auto& t : d.enumOrder) {
                std::vector<std::string> values;
                for (const auto& v : d.enums[t]) values.push_back(yamlScalar(v));
                y += "    " + yamlScalar(t) + ": [" + list(values) + "]\n";
            }
        }
    }
    if (!d.backfills.empty()) y += "backfill:\n" + section("  ", d.backfills);
    if (!d.orphans.empty()) y += "orphans:\n" + section("  ", d.orphans);
    if (!d.uniques.empty()) y += "unique:\n" + section("  ", d.uniques);
    // A column the migration adds and relies on but never fills: the draft asks that it be filled, so that
    // a rehearsal of the migration without its backfill fails on this item (lint's rule unfilled-column).
    auto unfilled = unfilledColumns(script);
    if (!unfilled.empty()) {
        y += "checks:\n";
        for (const auto& u : unfilled) {
            std::string table = (u.schema.empty() ? "" : quoteIdent(u.schema) + ".") + quoteIdent(u.table);
            std::string shown = (u.schema.empty() || u.schema == "public" ? "" : u.schema + ".") + u.table + "." + u.column;
            y += "  - name: " + yamlScalar(shown + " filled (added at line " + std::to_string(u.addedAt.line) + ", " + u.use + " at line " +
                                            std::to_string(u.usedAt.line) + " relies on it, no statement fills it)") + "\n";
            y += "    sql: " + yamlScalar("SELECT count(*) FROM " + table + " WHERE " + quoteIdent(u.column) + " IS NULL") + "\n";
            y += "    expect: 0\n";
        }
    }
    if (!d.droppedColumns.empty() || !d.droppedTables.empty()) {
        y += "changes:\n";
        if (!d.droppedColumns.empty()) y += "  dropped_columns: [" + list(d.droppedColumns) + "]\n";
        if (!d.droppedTables.empty()) y += "  dropped_tables: [" + list(d.droppedTables) + "]\n";
    }
    draft.yaml = y;
    return draft;
}

}  // namespace pgproof::lint
