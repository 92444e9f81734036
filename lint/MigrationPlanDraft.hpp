#pragma once
// `pgproof plan --from-migration`: a draft migration plan (docs/PLANS.md §8) from a migration's parse
// trees, for a person to review. From ADD COLUMN (expect.columns; a column REFERENCES or UNIQUE also gives
// orphans / unique items), ADD CONSTRAINT (expect.constraints when named; a single-column FOREIGN KEY gives
// an orphans item, UNIQUE / PRIMARY KEY a unique item), CREATE TYPE ... AS ENUM and ALTER TYPE ... ADD
// VALUE (expect.enums), CREATE INDEX (expect.indexes), DROP COLUMN / DROP TABLE (changes), and
// UPDATE t SET a = b, or SET a = other.b FROM other WHERE other.k = t.b (backfill: a when_not_null b).
#include <string>
#include <vector>

#include "MigrationScript.hpp"

namespace pgproof::lint {

struct PlanDraft {
    std::string yaml;
    size_t statements = 0;
    std::vector<std::string> skipped;  // first words of statements that gave no plan item
};

PlanDraft draftPlan(const MigrationScript& script);

}  // namespace pgproof::lint
