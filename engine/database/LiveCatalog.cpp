#include "LiveCatalog.hpp"

#include <map>

namespace pgproof {

std::vector<LiveTable> readLiveTables(const PgConnection& conn) {
    // Ordinary tables and leaf partitions outside system schemas, not owned by an extension,
    // not temporary: the tables whose data pg_dump writes as COPY blocks.
    auto r = conn.exec(
        // relpages, not pg_relation_size: that one takes ACCESS SHARE itself, before lockTablesAtSnapshot
        // could bound the wait; the exact size is read once the tables are locked.
        "SELECT c.oid, n.nspname, c.relname, GREATEST(c.relpages, 0)::pg_catalog.int8 * "
        "pg_catalog.current_setting('block_size')::pg_catalog.int8, "
        "pg_catalog.current_setting('block_size')::int, "
        "(SELECT x.cond FROM pg_catalog.pg_extension e, "
        "ROWS FROM (pg_catalog.unnest(e.extconfig), pg_catalog.unnest(e.extcondition)) AS x(tab, cond) "
        "WHERE x.tab = c.oid LIMIT 1) "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND c.relpersistence <> 't' "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast' "
        "AND n.nspname !~ '^pg_temp_' "
        "AND (NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass "
        "AND d.objid = c.oid AND d.deptype = 'e') "
        // an extension's configuration tables are dumped like user tables (pg_extension_config_dump)
        "OR c.oid IN (SELECT pg_catalog.unnest(e.extconfig) FROM pg_catalog.pg_extension e)) "
        "ORDER BY n.nspname, c.relname",
        "reading the list of tables");
    std::vector<LiveTable> tables;
    std::map<uint32_t, size_t> byOid;
    for (int i = 0; i < r.rows(); ++i) {
        LiveTable t;
        t.oid = static_cast<uint32_t>(std::stoul(r.value(i, 0)));
        t.id = {r.value(i, 1), r.value(i, 2)};
        t.bytes = std::stoull(r.value(i, 3));
        uint64_t block = std::stoull(r.value(i, 4));
        t.pages = block ? (t.bytes + block - 1) / block : 0;
        if (!r.isNull(i, 5)) {
            // pg_dump writes "WHERE cond" conditions verbatim after the table name; keep the condition.
            std::string cond = r.value(i, 5);
            if (cond.rfind("WHERE ", 0) == 0 || cond.rfind("where ", 0) == 0) cond = cond.substr(6);
            t.filter = cond;
        }
        byOid[t.oid] = tables.size();
        tables.push_back(std::move(t));
    }
    auto cols = conn.exec(
        "SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
        "WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
        "ORDER BY a.attrelid, a.attnum",
        "reading the table columns");
    for (int i = 0; i < cols.rows(); ++i) {
        auto it = byOid.find(static_cast<uint32_t>(std::stoul(cols.value(i, 0))));
        if (it == byOid.end()) continue;
        tables[it->second].columns.push_back({cols.value(i, 1), cols.value(i, 2)});
    }
    // One key per table: the primary key first, then the unique index with the fewest columns (then the
    // oldest). Only indexes over plain NOT NULL columns that COPY lists identify a row.
    auto keys = conn.exec(
        "WITH chosen AS (SELECT DISTINCT ON (i.indrelid) i.indrelid, i.indkey, i.indnkeyatts "
        " FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
        " WHERE c.relkind = 'r' AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL "
        " AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY k(att, ord) "
        "  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.att "
        "  WHERE k.ord <= i.indnkeyatts AND (a.attnum IS NULL OR NOT a.attnotnull OR a.attgenerated <> '' OR a.attisdropped)) "
        " ORDER BY i.indrelid, i.indisprimary DESC, i.indnkeyatts, i.indexrelid) "
        "SELECT ch.indrelid, a.attname FROM chosen ch, "
        "pg_catalog.unnest(ch.indkey::pg_catalog.int2[]) WITH ORDINALITY k(att, ord) "
        "JOIN pg_catalog.pg_attribute a ON a.attnum = k.att "
        "WHERE a.attrelid = ch.indrelid AND k.ord <= ch.indnkeyatts ORDER BY ch.indrelid, k.ord",
        "reading the tables' keys");
    for (int i = 0; i < keys.rows(); ++i) {
        auto it = byOid.find(static_cast<uint32_t>(std::stoul(keys.value(i, 0))));
        if (it != byOid.end()) tables[it->second].key.push_back(keys.value(i, 1));
    }
    return tables;
}

std::vector<std::string> readColumnNames(const PgConnection& conn, const QualifiedName& table) {
    auto r = conn.execParams("SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::pg_catalog.regclass "
                             "AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
                             {table.sql()}, "reading the columns of " + table.display());
    std::vector<std::string> names;
    for (int c = 0; c < r.rows(); ++c) names.push_back(r.value(c, 0));
    return names;
}

std::vector<LiveSequence> listLiveSequences(const PgConnection& conn) {
    auto r = conn.exec(
        "SELECT n.nspname, c.relname, "
        "(SELECT tn.nspname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid = d.refobjid "
        "JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace WHERE d.classid = 'pg_catalog.pg_class'::regclass "
        "AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1), "
        "(SELECT t.relname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid = d.refobjid "
        "WHERE d.classid = 'pg_catalog.pg_class'::regclass "
        "AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1) "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass "
        "AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 1, 2",
        "reading the list of sequences");
    std::vector<LiveSequence> out;
    for (int i = 0; i < r.rows(); ++i) {
        LiveSequence seq{{r.value(i, 0), r.value(i, 1)}, 0, false, std::nullopt};
        if (!r.isNull(i, 2)) seq.ownedBy = QualifiedName{r.value(i, 2), r.value(i, 3)};
        out.push_back(seq);
    }
    return out;
}

std::vector<LiveSequence> readLiveSequences(const PgConnection& conn, const std::set<QualifiedName>* only) {
    std::vector<LiveSequence> out;
    std::string sql;
    for (auto& seq : listLiveSequences(conn)) {
        if (only && !only->count(seq.id)) continue;  // never read (nor need SELECT on) a sequence nobody asked for
        if (!sql.empty()) sql += " UNION ALL ";
        sql += "SELECT " + std::to_string(out.size()) + ", last_value, is_called FROM " + seq.id.sql();
        out.push_back(std::move(seq));
    }
    if (out.empty()) return out;
    auto v = conn.exec(sql + " ORDER BY 1", "reading sequence values");
    for (int i = 0; i < v.rows(); ++i) {
        auto idx = static_cast<size_t>(std::stoul(v.value(i, 0)));
        out[idx].lastValue = std::stoll(v.value(i, 1));
        out[idx].isCalled = v.value(i, 2) == "t";
    }
    return out;
}

}  // namespace pgproof
