#include "KeyViolations.hpp"

#include "ParseTree.hpp"

#include <fmt/format.h>

#include "SqlIdentifier.hpp"

namespace pgproof::lint {

using nlohmann::json;

namespace {

std::string columnList(const std::vector<std::string>& columns, const std::string& prefix = "") {
    std::string out;
    for (const auto& c : columns) {
        if (!out.empty()) out += ", ";
        out += prefix;
        out += quoteIdent(c);
    }
    return out;
}

std::string allNotNull(const std::vector<std::string>& columns, const std::string& prefix = "") {
    std::string out;
    for (const auto& c : columns) {
        if (!out.empty()) out += " AND ";
        out += prefix;
        out += quoteIdent(c);
        out += " IS NOT NULL";
    }
    return out;
}

std::string spelled(const std::string& schema, const std::string& name) {
    return schema.empty() ? quoteIdent(name) : fmt::format("{}.{}", quoteIdent(schema), quoteIdent(name));
}

}  // namespace

std::string keyEquals(const std::vector<std::string>& columns, const PgResult& r, int row, int firstColumn) {
    auto value = [&](int col) {
        if (r.isNull(row, col)) return std::string("NULL");
        // Numbers as numbers (int2, int4, int8, oid, float4, float8, numeric), everything else as a literal.
        Oid type = PQftype(r.get(), col);
        bool number = type == 20 || type == 21 || type == 23 || type == 26 || type == 700 || type == 701 || type == 1700;
        return number ? r.value(row, col) : quoteLiteral(r.value(row, col));
    };
    if (columns.size() == 1) return displayIdent(columns[0]) + " = " + value(firstColumn);
    std::string names, values;
    for (size_t i = 0; i < columns.size(); ++i) {
        if (i) names += ", ", values += ", ";
        names += displayIdent(columns[i]);
        values += value(firstColumn + static_cast<int>(i));
    }
    return "(" + names + ") = (" + values + ")";
}

KeyViolations duplicateKeys(const PgConnection& conn, const std::string& tableSql, const std::vector<std::string>& columns,
                            bool nullsNotDistinct, size_t samples, const std::string& what) {
    std::string cols = columnList(columns);
    std::string where = nullsNotDistinct ? "" : " WHERE " + allNotNull(columns);
    auto r = conn.exec(fmt::format("SELECT pg_catalog.count(*) OVER (), pg_catalog.sum(pg_catalog.count(*)) OVER (), pg_catalog.count(*), {} "
                                   "FROM {}{} GROUP BY {} HAVING pg_catalog.count(*) > 1 ORDER BY pg_catalog.count(*) DESC, {} LIMIT {}",
                                   cols, tableSql, where, cols, cols, samples),
                       what);
    KeyViolations v;
    if (r.rows() == 0) return v;
    v.keys = std::stoll(r.value(0, 0));
    v.rows = std::stoll(r.value(0, 1));
    for (int i = 0; i < r.rows(); ++i) v.samples.push_back(keyEquals(columns, r, i, 3) + " x" + r.value(i, 2));
    return v;
}

KeyViolations orphanKeys(const PgConnection& conn, const std::string& tableSql, const std::vector<std::string>& columns,
                         const std::string& parentSql, const std::vector<std::string>& parentColumns, size_t samples,
                         const std::string& what) {
    std::string match;
    for (size_t i = 0; i < columns.size(); ++i)
        match += fmt::format("{}p.{} = c.{}", i ? " AND " : "", quoteIdent(parentColumns[i]), quoteIdent(columns[i]));
    auto r = conn.exec(fmt::format("SELECT pg_catalog.count(*) OVER (), pg_catalog.sum(pg_catalog.count(*)) OVER (), {} FROM {} c WHERE {} "
                                   "AND NOT EXISTS (SELECT 1 FROM {} p WHERE {}) GROUP BY {} ORDER BY {} LIMIT {}",
                                   columnList(columns, "c."), tableSql, allNotNull(columns, "c."), parentSql, match,
                                   columnList(columns, "c."), columnList(columns, "c."), samples),
                       what);
    KeyViolations v;
    if (r.rows() == 0) return v;
    v.keys = std::stoll(r.value(0, 0));
    v.rows = std::stoll(r.value(0, 1));
    for (int i = 0; i < r.rows(); ++i) v.samples.push_back(keyEquals(columns, r, i, 2));
    return v;
}

std::string KeyConstraint::tableSql() const { return spelled(schema, table); }
std::string KeyConstraint::referencedSql() const { return spelled(referencedSchema, referencedTable); }

std::optional<KeyConstraint> keyConstraintOf(const MigrationStatement& st) {
    const json& n = st.node;
    if (st.kind == "IndexStmt") {
        if (!n.value("unique", false) || n.contains("whereClause")) return std::nullopt;
        KeyConstraint k;
        for (const auto& p : n.value("indexParams", json::array())) {
            const json& e = field(p, "IndexElem");
            if (!e.contains("name")) return std::nullopt;  // an expression: not asked
            k.columns.push_back(e.value("name", ""));
        }
        const json& rel = field(n, "relation");
        k.schema = rel.value("schemaname", "");
        k.table = rel.value("relname", "");
        k.name = n.value("idxname", "");
        k.label = fmt::format("CREATE UNIQUE INDEX{}{}", k.name.empty() ? "" : " ", k.name);
        k.nullsNotDistinct = n.value("nulls_not_distinct", false);
        return k;
    }
    if (st.kind != "AlterTableStmt" || n.value("objtype", "") != "OBJECT_TABLE") return std::nullopt;
    const json& rel = field(n, "relation");
    for (const auto& c : n.value("cmds", json::array())) {
        const json& cmd = field(c, "AlterTableCmd");
        std::string sub = cmd.value("subtype", "");
        std::vector<std::pair<json, std::vector<std::string>>> candidates;  // constraint, its columns when inline
        if (sub == "AT_AddConstraint") candidates.push_back({field(field(cmd, "def"), "Constraint"), {}});
        if (sub == "AT_AddColumn") {
            const json& col = field(field(cmd, "def"), "ColumnDef");
            for (const auto& k : col.value("constraints", json::array()))
                candidates.push_back({field(k, "Constraint"), {col.value("colname", "")}});
        }
        for (const auto& [con, inlineColumns] : candidates) {
            std::string type = con.value("contype", "");
            KeyConstraint k;
            k.schema = rel.value("schemaname", "");
            k.table = rel.value("relname", "");
            k.name = con.value("conname", "");
            std::string named = fmt::format("{}{}", k.name.empty() ? "" : " ", k.name);
            if ((type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") && !con.contains("indexname")) {
                k.kind = KeyConstraint::Kind::Unique;
                k.columns = inlineColumns.empty() ? stringList(con.value("keys", json::array())) : inlineColumns;
                k.nullsNotDistinct = con.value("nulls_not_distinct", false);
                k.label = fmt::format("{}{}", type == "CONSTR_UNIQUE" ? "UNIQUE" : "PRIMARY KEY", named);
                if (!k.columns.empty()) return k;
            } else if (type == "CONSTR_FOREIGN") {
                k.kind = KeyConstraint::Kind::ForeignKey;
                k.columns = inlineColumns.empty() ? stringList(con.value("fk_attrs", json::array())) : inlineColumns;
                const json& p = field(con, "pktable");
                k.referencedSchema = p.value("schemaname", "");
                k.referencedTable = p.value("relname", "");
                k.referencedColumns = stringList(con.value("pk_attrs", json::array()));
                k.label = fmt::format("FOREIGN KEY{}", named);
                if (!k.columns.empty()) return k;
            }
        }
    }
    return std::nullopt;
}

}  // namespace pgproof::lint
