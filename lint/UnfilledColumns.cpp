#include "UnfilledColumns.hpp"

#include "ParseTree.hpp"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <set>

namespace pgproof::lint {

using nlohmann::json;

namespace {

// "public" and no schema name the same table within one file.
std::string tableKey(const std::string& schema, const std::string& name) {
    return fmt::format("{}.{}", schema.empty() || schema == "public" ? "" : schema, name);
}
std::string tableKey(const json& rangeVar) { return tableKey(rangeVar.value("schemaname", ""), rangeVar.value("relname", "")); }

// DEFAULT NULL (or NULL::type) gives existing rows nothing.
bool isNullConstant(const json& expr) {
    if (expr.contains("TypeCast")) return isNullConstant(field(expr["TypeCast"], "arg"));
    return expr.contains("A_Const") && expr["A_Const"].value("isnull", false);
}

bool serialType(const json& typeName) {
    auto names = stringList(typeName.value("names", json::array()));
    static const std::set<std::string> serials = {"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"};
    return !names.empty() && serials.count(names.back()) > 0;
}

class Finder {
public:
    std::vector<UnfilledColumn> run(const MigrationScript& script) {
        for (const auto& st : script.statements()) statement(st);
        std::vector<UnfilledColumn> out;
        for (const auto& a : added_)
            if (a.used && !filled_.count({a.key, a.column.column})) out.push_back(a.column);
        return out;
    }

private:
    struct Added {
        UnfilledColumn column;
        std::string key;
        bool used = false;
    };
    std::set<std::string> created_;
    std::vector<Added> added_;
    std::set<std::pair<std::string, std::string>> filled_;

    void use(const MigrationStatement& st, const std::string& key, const std::string& column, const std::string& what) {
        for (auto& a : added_)
            if (!a.used && a.key == key && a.column.column == column) {
                a.used = true;
                a.column.usedStatement = st.index;
                a.column.usedAt = st.at;
                a.column.use = what;
            }
    }

    void statement(const MigrationStatement& st) {
        const json& n = st.node;
        if (st.kind == "CreateStmt") {
            created_.insert(tableKey(field(n, "relation")));
        } else if (st.kind == "CreateTableAsStmt") {
            created_.insert(tableKey(field(field(n, "into"), "rel")));
        } else if (st.kind == "AlterTableStmt" && n.value("objtype", "") == "OBJECT_TABLE") {
            alterTable(st);
        } else if (st.kind == "IndexStmt" && n.value("unique", false)) {
            std::string key = tableKey(field(n, "relation"));
            std::string name = n.value("idxname", "");
            for (const auto& p : n.value("indexParams", json::array())) {
                const json& e = field(p, "IndexElem");
                if (e.contains("name")) use(st, key, e.value("name", ""), fmt::format("UNIQUE INDEX{}{}", name.empty() ? "" : " ", name));
            }
        } else {
            if (st.kind == "UpdateStmt") {
                std::string key = tableKey(field(n, "relation"));
                for (const auto& t : n.value("targetList", json::array())) filled_.insert({key, field(t, "ResTarget").value("name", "")});
            }
            joinKeys(st);
        }
    }

    void alterTable(const MigrationStatement& st) {
        const json& n = st.node;
        const json& rel = field(n, "relation");
        std::string key = tableKey(rel);
        for (const auto& c : n.value("cmds", json::array())) {
            const json& cmd = field(c, "AlterTableCmd");
            std::string sub = cmd.value("subtype", "");
            if (sub == "AT_AddColumn") {
                const json& col = field(field(cmd, "def"), "ColumnDef");
                std::string name = col.value("colname", "");
                bool hasValue = serialType(field(col, "typeName"));
                std::vector<std::string> inlineUses;
                for (const auto& k : col.value("constraints", json::array())) {
                    const json& con = field(k, "Constraint");
                    std::string type = con.value("contype", "");
                    if (type == "CONSTR_DEFAULT" && !isNullConstant(field(con, "raw_expr"))) hasValue = true;
                    if (type == "CONSTR_IDENTITY" || type == "CONSTR_GENERATED") hasValue = true;
                    if (type == "CONSTR_FOREIGN") inlineUses.push_back(fmt::format("REFERENCES {}", relationName(field(con, "pktable"))));
                    if (type == "CONSTR_UNIQUE") inlineUses.push_back("UNIQUE");
                }
                if (hasValue) {
                    filled_.insert({key, name});
                } else if (!created_.count(key)) {
                    Added a;
                    a.key = key;
                    a.column.schema = rel.value("schemaname", "");
                    a.column.table = rel.value("relname", "");
                    a.column.column = name;
                    a.column.addedStatement = st.index;
                    a.column.addedAt = st.at;
                    added_.push_back(a);
                    if (!inlineUses.empty()) use(st, key, name, inlineUses.front());
                }
            } else if (sub == "AT_AddConstraint") {
                const json& con = field(field(cmd, "def"), "Constraint");
                std::string type = con.value("contype", "");
                std::string label = con.contains("conname") ? fmt::format(" {}", con.value("conname", "")) : "";
                if (type == "CONSTR_FOREIGN")
                    for (const auto& col : stringList(con.value("fk_attrs", json::array()))) use(st, key, col, fmt::format("FOREIGN KEY{}", label));
                if (type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY")
                    for (const auto& col : stringList(con.value("keys", json::array())))
                        use(st, key, col, fmt::format("{}{}", type == "CONSTR_UNIQUE" ? "UNIQUE" : "PRIMARY KEY", label));
                if (type == "CONSTR_CHECK") {
                    const json& expr = field(con, "raw_expr");
                    if (expr.contains("NullTest") && expr["NullTest"].value("nulltesttype", "") == "IS_NOT_NULL") {
                        auto cols = stringList(field(field(expr["NullTest"], "arg"), "ColumnRef").value("fields", json::array()));
                        if (cols.size() == 1) use(st, key, cols.front(), fmt::format("CHECK{} ({} IS NOT NULL)", label, cols.front()));
                    }
                }
            } else if (sub == "AT_SetNotNull") {
                use(st, key, cmd.value("name", ""), "SET NOT NULL");
            }
        }
    }

    // `a = b` between two columns, one of them an added column, in a statement that names its table
    // (UPDATE ... FROM, INSERT ... SELECT with a join, CREATE VIEW, ...): rows with NULL never match.
    void joinKeys(const MigrationStatement& st) {
        std::set<std::string> tables, names;
        std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> equalities;
        std::vector<std::string> usingColumns;
        std::function<void(const json&)> walk = [&](const json& node) {
            if (node.is_array()) {
                for (const auto& x : node) walk(x);
                return;
            }
            if (!node.is_object()) return;
            if (const auto it = node.find("RangeVar"); it != node.end()) {
                tables.insert(tableKey(*it));
                names.insert(it->value("relname", ""));
            }
            if (const auto it = node.find("A_Expr"); it != node.end() && stringList(it->value("name", json::array())) == std::vector<std::string>{"="}) {
                auto l = stringList(field(field(*it, "lexpr"), "ColumnRef").value("fields", json::array()));
                auto r = stringList(field(field(*it, "rexpr"), "ColumnRef").value("fields", json::array()));
                if (!l.empty() && !r.empty()) equalities.push_back({l, r});
            }
            if (const auto it = node.find("JoinExpr"); it != node.end())
                for (const auto& c : stringList(it->value("usingClause", json::array()))) usingColumns.push_back(c);
            for (const auto& [k, v] : node.items()) walk(v);
        };
        walk(st.node);
        if (equalities.empty() && usingColumns.empty()) return;
        for (auto& a : added_) {
            if (a.used || !tables.count(a.key)) continue;
            const std::string& c = a.column.column;
            bool hit = false;
            for (const auto& [l, r] : equalities) {
                // Qualified by another table's name: not this column.
                auto mine = [&](const std::vector<std::string>& f) {
                    return f.back() == c && (f.size() == 1 || !names.count(f[f.size() - 2]) || f[f.size() - 2] == a.column.table);
                };
                hit = hit || mine(l) || mine(r);
            }
            for (const auto& u : usingColumns) hit = hit || u == c;
            if (hit) use(st, a.key, c, "a join key");
        }
    }
};

}  // namespace

std::vector<UnfilledColumn> unfilledColumns(const MigrationScript& script) { return Finder().run(script); }

}  // namespace pgproof::lint
