#pragma once
// A migration plan (YAML): what a deployment checklist checks by hand after a
// migration: expected columns, constraints, indexes and enum values;
// backfills, orphans, duplicates about to break a UNIQUE constraint,
// filtered counts that must not drop, declared changes, and SQL invariants.
// Names are as in the catalog (case-sensitive, unquoted); `schema.table` when not public.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "SqlIdentifier.hpp"

namespace pgproof {

struct PlanPosition {
    int line = 0;    // 1-based, 0 when unknown
    int column = 0;
};

// A name as the plan writes it: "table" for public tables, else "schema.table"; never quoted.
inline std::string planName(const QualifiedName& t) { return t.schema == "public" ? t.name : t.schema + "." + t.name; }

struct ColumnRef {
    QualifiedName table;
    std::string column;
    std::string display() const { return planName(table) + "." + column; }
};

struct ExpectedColumn {
    ColumnRef ref;
    std::optional<std::string> type;
    std::optional<bool> nullable;
    std::optional<std::string> defaultValue;
};

struct ExpectedObject {  // a constraint or an index of a table
    QualifiedName table;
    std::string name;
};

struct ExpectedEnum {
    QualifiedName type;
    std::vector<std::string> values;
};

struct BackfillRule {
    ColumnRef target;
    std::string whenNotNull;  // source column of the same table
};

struct OrphanRule {
    ColumnRef child;
    ColumnRef parent;
};

struct UniqueRule {
    QualifiedName table;
    std::vector<std::string> columns;
};

struct CountRule {
    QualifiedName table;
    std::string where;
    std::string key() const { return table.schema + "." + table.name + " WHERE " + where; }
};

struct InvariantCheck {
    std::string name;
    std::string sql;
    std::string expect;  // compared as text, or as numbers when both are numeric
};

struct MigrationPlan {
    std::filesystem::path path;
    std::vector<ExpectedColumn> columns;
    std::vector<ExpectedObject> constraints;
    std::vector<ExpectedObject> indexes;
    std::vector<ExpectedEnum> enums;
    std::vector<BackfillRule> backfills;
    std::vector<OrphanRule> orphans;
    std::vector<UniqueRule> uniques;
    std::vector<CountRule> counts;
    std::vector<ColumnRef> droppedColumns;
    std::vector<QualifiedName> droppedTables;
    std::vector<ColumnRef> changedColumns;
    std::vector<InvariantCheck> checks;

    // Throws BadInputError "FILE:LINE:COLUMN: what is wrong" for YAML syntax errors,
    // unknown keys, wrong types and missing required keys.
    static MigrationPlan load(const std::filesystem::path& path);
    static MigrationPlan parse(const std::string& yaml, const std::string& name);

    bool declaresDroppedTable(const QualifiedName& t) const;
    bool declaresDroppedColumn(const QualifiedName& t, const std::string& column) const;
    bool declaresChangedColumn(const QualifiedName& t, const std::string& column) const;
};

// "orders" -> public.orders; "app.orders" -> app.orders.
QualifiedName parseTableName(const std::string& text);

}  // namespace pgproof
