#pragma once
// `pgproof rehearse`: the deploy, rehearsed on production data. The archive is restored into a scratch
// database exactly as `drill` does it (checked, restored, proven; its time is the rollback estimate),
// the migration runs there with psql's semantics (statement by statement, stopping at the first error;
// in one transaction unless the file manages its own or uses CONCURRENTLY), each statement timed with
// the rows it affected and the lock PostgreSQL documents for it, then `verify` (with the plan, if given)
// proves the migrated copy against the archive. The scratch database is dropped unless --keep, pass or fail.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "Baseline.hpp"
#include "MigrationPlan.hpp"
#include "RestoreDrill.hpp"
#include "Verification.hpp"

namespace pgproof {

// A rehearsal is a drill, a migration, then a verification: `drill` holds the drill's options (the
// archive, server, connections, --keep, ...), `verify` the final verification's (--mode, the plan); its
// database and connections are the drill's scratch database and connections.
struct RehearsalOptions {
    RehearsalOptions() { verify.mode = VerifyMode::NoLoss; }
    DrillOptions drill;
    VerifyOptions verify;
    std::string migration;                // the SQL file
    std::string planPath;                 // where verify.plan came from
};

struct RehearsedStatement {
    size_t line = 0;
    std::string sql;       // the statement's text, whitespace collapsed
    std::string command;   // the server's command tag: "UPDATE 3", "ALTER TABLE"
    long long rows = -1;   // rows affected, where the command reports them
    std::string lock;      // the strongest table lock it takes ("ACCESS EXCLUSIVE"), "" for none
    bool rewrites = false;
    double seconds = 0;
    std::string error;     // the server's message, for the statement that failed
    // The rest of PostgreSQL's error, as psql shows it: SQLSTATE, DETAIL (the key: "Key (email)=(a@x)
    // already exists."), HINT, and the constraint it names.
    std::string sqlstate, errorDetail, errorHint, errorConstraint;
    // A UNIQUE / PRIMARY KEY / unique index that failed over duplicates: every duplicated key, counted on
    // the values the migration had computed by then (lint::duplicateKeys).
    long long duplicateKeys = 0, duplicateRows = 0;
    std::vector<std::string> duplicateSamples;
};

struct RehearsalResult {
    std::string archive, migration, planPath;
    DrillResult restore;               // the restore into the scratch database (its timings: the rollback estimate)
    bool singleTransaction = false;
    std::string transactionNote;       // why not one transaction
    std::vector<RehearsedStatement> statements;  // those that ran, the failed one last
    size_t statementsInFile = 0;
    double migrationSeconds = 0;       // the downtime estimate
    bool migrationFailed = false;
    std::unique_ptr<Baseline> baseline;           // the archive, for the verification
    std::optional<VerifyReport> verification;     // after the migration, with the plan
    std::string scratchDatabase;
    bool kept = false, dropped = false;
    std::string verdict;               // "proven", "failed", "incomplete"
    int exitCode = 0;
    std::string problem;
};

// Throws BadInputError (nothing created) for an unreadable or unparsable migration, one holding a
// statement that acts beyond the scratch database (lint::serverWideEffect, or a write to one of the
// archive's foreign tables), or an archive that
// is not one; every later failure is in the result, whose reports are always written.
RehearsalResult rehearseMigration(const RehearsalOptions& options);

std::string renderRehearsalText(const RehearsalResult& r, size_t slowest = 5);
// PASSED, FAILED (exit 1) or INCOMPLETE (exit 3: nothing proven).
std::string rehearsalVerdictWord(const RehearsalResult& r);
std::string renderRehearsalMarkdown(const RehearsalResult& r);
nlohmann::json rehearsalJson(const RehearsalResult& r);
std::vector<JUnitCase> rehearsalJUnitCases(const RehearsalResult& r);

}  // namespace pgproof
