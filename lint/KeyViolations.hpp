#pragma once
// The rows that break a key, as one mechanism for every command that asks: lint --db (before the
// migration), rehearse (at the statement, with the values the migration computed), restore and drill (a
// constraint of the source that its own rows violate). Each answer is a count and the first few keys,
// spelled as people read them: `"clientId" = 'c1' x2` for a duplicate, `"clientId" = 'zz'` for an orphan.
#include <optional>
#include <string>
#include <vector>

#include "MigrationScript.hpp"
#include "PgConnection.hpp"

namespace pgproof::lint {

struct KeyViolations {
    long long keys = 0;   // duplicated keys, or distinct orphan values
    long long rows = 0;   // rows holding them
    std::vector<std::string> samples;  // up to `samples` keys, most repeated (duplicates) or lowest (orphans) first
};

// Duplicates of (columns) in `tableSql` (schema-qualified and quoted). Rows with a NULL in the key are
// not duplicates unless nullsNotDistinct, as a UNIQUE constraint sees them.
KeyViolations duplicateKeys(const PgConnection& conn, const std::string& tableSql, const std::vector<std::string>& columns,
                            bool nullsNotDistinct, size_t samples, const std::string& what);
// Rows of `tableSql` whose (columns) match no row of `parentSql` (parentColumns); MATCH SIMPLE: a row with
// a NULL in the key is not checked.
KeyViolations orphanKeys(const PgConnection& conn, const std::string& tableSql, const std::vector<std::string>& columns,
                         const std::string& parentSql, const std::vector<std::string>& parentColumns, size_t samples,
                         const std::string& what);

// A UNIQUE / PRIMARY KEY / FOREIGN KEY that a statement creates: ALTER TABLE ... ADD [CONSTRAINT] (the
// first such action), ADD COLUMN ... UNIQUE, CREATE UNIQUE INDEX over plain columns without WHERE.
struct KeyConstraint {
    enum class Kind { Unique, ForeignKey } kind = Kind::Unique;
    std::string name, label;              // label: "UNIQUE clients_email_key", "FOREIGN KEY fk", "CREATE UNIQUE INDEX i"
    std::string schema, table;            // as written; schema "" when unqualified
    std::vector<std::string> columns;
    bool nullsNotDistinct = false;
    std::string referencedSchema, referencedTable;
    std::vector<std::string> referencedColumns;  // empty: the referenced table's primary key
    // "schema"."name" or "name" as written, quoted for SQL.
    std::string tableSql() const;
    std::string referencedSql() const;
};
std::optional<KeyConstraint> keyConstraintOf(const MigrationStatement& st);

// "clientId = 'c1'" or "(a, b) = ('x', NULL)": row `row` of `r` from column `firstColumn` on.
std::string keyEquals(const std::vector<std::string>& columns, const PgResult& r, int row, int firstColumn);

}  // namespace pgproof::lint
