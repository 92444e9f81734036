#pragma once
// The data half of lint (--db): answers MigrationAnalysis's questions on a live database, all in one
// REPEATABLE READ READ ONLY transaction on one connection (one snapshot for every file linted; ACCESS
// SHARE locks only, as pg_dump takes), and turns the answers into findings with their figures and a
// few sample values:
//   set-not-null-has-nulls, unique-has-duplicates, foreign-key-has-orphans (errors),
//   add-column-not-null-without-default (completed with the table's row count),
//   table-lock (notes: rows and size under an exclusive lock or a rewrite),
//   not-checked (note: a table or column the question needs does not exist yet).
// Where an earlier statement of the file changes the data, the finding says so and is only a warning:
// what the statement will see is the rehearsal's to tell.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "MigrationAnalysis.hpp"
#include "PgConnection.hpp"

namespace pgproof::lint {

class LiveDataChecks {
public:
    // Starts the transaction. Throws IncompleteError if it cannot.
    LiveDataChecks(const PgConnection& conn, size_t samples = 3);
    ~LiveDataChecks();  // ends the transaction (it only read)
    LiveDataChecks(const LiveDataChecks&) = delete;
    LiveDataChecks& operator=(const LiveDataChecks&) = delete;

    // Answers every question of one file's analysis: appends to and completes analysis.findings.
    void answer(MigrationAnalysis& analysis, const std::string& file);
    size_t questionsAnswered() const { return answered_; }

private:
    struct Table {
        std::string sql;      // schema-qualified and quoted
        std::string display;  // schema.name for people
        std::string oid;
    };
    std::optional<Table> resolve(const QualifiedName& name);
    // Columns of `t` among `wanted` that do not exist.
    std::vector<std::string> missingColumns(const Table& t, const std::vector<std::string>& wanted);
    std::vector<std::string> primaryKey(const Table& t);
    long long rowCount(const Table& t);
    // A UNIQUE over a column one UPDATE of the file computes: its duplicates among the would-be values.
    // False when they cannot be computed (the question is then answered as any other).
    bool computedDuplicates(const DataQuestion& q, const Table& table, const LintFinding& base, std::vector<LintFinding>& added);

    const PgConnection& conn_;
    size_t samples_;
    size_t answered_ = 0;
    std::map<std::string, std::optional<Table>> resolved_;
    std::map<std::string, long long> rows_;
};

}  // namespace pgproof::lint
