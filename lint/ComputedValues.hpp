#pragma once
// The values an UPDATE of the migration would give a column, read before it runs: for
//   UPDATE t [AS] a SET col = EXPR [FROM other ...] [WHERE cond]
// a SELECT over the table's rows now, each with the value it would have after that UPDATE (EXPR where
// the row matches, its current value or NULL for a column the migration adds where it does not; one
// match per row, as UPDATE ... FROM takes one). Lint --db asks a UNIQUE over a computed column about these
// values, since the column's values before the migration say nothing. The statement's text is cut at its
// top-level SET / FROM / WHERE keywords (quotes, dollar quotes, comments and parentheses respected); a
// form this does not cover (WITH, RETURNING, WHERE CURRENT OF, a multi-column SET) gives nullopt.
#include <optional>
#include <string>

#include "MigrationScript.hpp"

namespace pgproof::lint {

// `tableSql`: the table, schema-qualified and quoted; `columnExists`: whether `column` exists before the
// migration. The query's one output column is named `column`.
std::optional<std::string> computedValuesQuery(const MigrationStatement& update, const std::string& column, const std::string& tableSql,
                                               bool columnExists);

}  // namespace pgproof::lint
