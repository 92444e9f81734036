#pragma once
// Columns a migration adds to a table it did not create and then relies on without ever filling them:
// the mistake of a backfill left out. A column counts as added without a value when its ADD COLUMN has
// no DEFAULT (or DEFAULT NULL), is not identity, generated or serial; it counts as filled when any
// statement of the file is an UPDATE of that table assigning it. It is relied on when a later statement
// gives it a FOREIGN KEY (also an inline REFERENCES), a UNIQUE or PRIMARY KEY (constraint or unique
// index), SET NOT NULL or CHECK (c IS NOT NULL), or compares it with `=` to another column (a join key)
// in a statement that names its table. Every existing row then keeps NULL in it.
// One mechanism for lint (rule unfilled-column, counted with --db) and plan --from-migration (a checks item).
#include <string>
#include <vector>

#include "MigrationScript.hpp"

namespace pgproof::lint {

struct UnfilledColumn {
    std::string schema, table, column;  // as the migration names them; schema "" when unqualified
    size_t addedStatement = 0;
    SourcePosition addedAt;
    size_t usedStatement = 0;
    SourcePosition usedAt;
    std::string use;  // what relies on it: "FOREIGN KEY onboarding_states_clientId_fkey", "a join key"
};

// In file order of the ADD COLUMN; each column once, with its first use.
std::vector<UnfilledColumn> unfilledColumns(const MigrationScript& script);

}  // namespace pgproof::lint
