#pragma once
// Drafts a migration plan from a migration's SQL: ADD COLUMN, ADD CONSTRAINT (foreign keys also give an
// orphans item, UNIQUE a unique item), CREATE TYPE ... AS ENUM, ALTER TYPE ... ADD VALUE, CREATE INDEX,
// DROP COLUMN / DROP TABLE (declared changes) and UPDATE t SET a = b (backfill candidates).
// A starting point for the user to edit, not a parser of all SQL: unrecognised statements are listed.
#include <string>
#include <vector>

namespace pgproof {

struct PlanDraft {
    std::string yaml;
    size_t statements = 0;
    std::vector<std::string> skipped;  // first words of statements that gave no plan item
};

PlanDraft draftPlanFromMigration(const std::string& sql, const std::string& sourceName);

// Splits SQL into statements at semicolons outside quotes, dollar quotes and comments.
std::vector<std::string> splitSqlStatements(const std::string& sql);

}  // namespace pgproof
