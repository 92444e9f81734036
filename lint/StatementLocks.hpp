#pragma once
// The strongest table lock a statement takes, and whether it rewrites the table, as PostgreSQL 15's
// documentation lists them ("Explicit Locking", ALTER TABLE). Lint uses it for missing-lock-timeout
// and the table-lock notes; rehearse reports it per statement.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "LockMode.hpp"

namespace pgproof::lint {

struct StatementLock {
    LockMode mode = LockMode::None;
    std::vector<nlohmann::json> tables;  // RangeVar nodes of the tables the lock is on
    bool rewrites = false;               // the whole table is rewritten (new heap)
};

// kind and node as in MigrationStatement.
StatementLock statementLock(const std::string& kind, const nlohmann::json& node);

// Whether a column default expression is volatile (evaluated per row, so ADD COLUMN rewrites the table):
// calls of PostgreSQL's volatile built-ins (random, gen_random_uuid, clock_timestamp, nextval, ...).
// now(), CURRENT_TIMESTAMP and constants are not.
bool volatileDefault(const nlohmann::json& expression);

}  // namespace pgproof::lint
