#pragma once
// The static half of lint: one pass over a migration's statements in order, applying the rules of
// docs/LINT.md, and listing the questions only the data can answer (nulls under SET NOT NULL,
// duplicates under a UNIQUE, orphans under a FOREIGN KEY, rows under a NOT NULL column without default,
// the size of every table an exclusive lock or a rewrite touches, the rows of a table whose added
// column is relied on but never filled: UnfilledColumns) for LiveDataChecks to answer with --db.
#include <optional>
#include <string>
#include <vector>

#include "LintFinding.hpp"
#include "MigrationScript.hpp"
#include "SqlIdentifier.hpp"
#include "StatementLocks.hpp"

namespace pgproof::lint {

// A table as the migration names it (a RangeVar node); an empty schema means "found through the search_path".
QualifiedName tableOf(const nlohmann::json& rangeVar);

enum class QuestionKind {
    NullsInColumn,      // SET NOT NULL, or the keys of a new PRIMARY KEY
    DuplicateKeys,      // UNIQUE / PRIMARY KEY constraint, CREATE UNIQUE INDEX
    ForeignKeyOrphans,  // FOREIGN KEY (checked where it is validated)
    RowsInTable,        // NOT NULL column without default: fails unless the table is empty
    LockedTable,        // size and rows under an exclusive lock or a rewrite
    UnfilledColumn,     // a column added and relied on but never filled: the table's rows keep NULL in it
};

struct DataQuestion {
    QuestionKind kind = QuestionKind::LockedTable;
    size_t statement = 0;
    SourcePosition at;
    QualifiedName table;
    std::vector<std::string> columns;
    QualifiedName referenced;                  // ForeignKeyOrphans
    std::vector<std::string> referencedColumns;  // empty: the referenced table's primary key
    std::string label;                         // what the statement does, for messages: "SET NOT NULL", "UNIQUE u"
    std::string constraint;                    // name, if given
    bool nullsNotDistinct = false;             // DuplicateKeys
    bool leftUnvalidated = false;              // ForeignKeyOrphans: NOT VALID and never validated in the file
    LockMode lock = LockMode::None;            // LockedTable
    bool rewrites = false;
    std::optional<size_t> refines;             // index of the static finding the answer completes
    // Where an earlier statement of the file changes the data the answer depends on (a backfill, an
    // ADD COLUMN of the same column): the figure read now is then not what the statement will see.
    std::optional<SourcePosition> earlierChange;
    std::string earlierChangeWhat;  // "UPDATE onboarding_states"
    // DuplicateKeys on one column that exactly one UPDATE of the file assigns, the latest change before it:
    // that UPDATE, whose would-be values are asked about instead (ComputedValues).
    std::optional<MigrationStatement> computedBy;
};

struct MigrationAnalysis {
    std::vector<LintFinding> findings;
    std::vector<DataQuestion> questions;
};

MigrationAnalysis analyseMigration(const MigrationScript& script);

}  // namespace pgproof::lint
