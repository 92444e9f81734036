#pragma once
// `pgproof verify`: recomputes the baseline's tables on the live database (all
// connections on one snapshot) and applies the rules:
//   missing table or baseline column: fail; new tables and columns: listed, ignored;
//   exact: rows and fingerprint equal; no-loss: rows not lower, content changes reported;
//   sequences: not lower. A table that could not be read is an error, never a pass.
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "Baseline.hpp"
#include "LiveFingerprinter.hpp"
#include "MigrationPlan.hpp"
#include "RowComparison.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof {

enum class VerifyMode { Exact, NoLoss };

// Row differences kept per table for reports (JSON); the totals of each kind are always complete.
constexpr size_t kRowDifferencesKept = 1000;

struct VerifyOptions {
    std::optional<std::string> db;
    int jobs = 2;
    VerifyMode mode = VerifyMode::Exact;
    bool countsOnly = false;
    std::optional<MigrationPlan> plan;
    // Verifying a restore: tables the archive does not cover were restored empty, as expected; they
    // are named, not compared. Otherwise their row count at the baseline (when known) is compared.
    bool afterRestore = false;
    std::string lockWaitTimeout;  // --lock-wait-timeout ("" waits, as pg_dump does)
    // Row level (an archive baseline): a table whose rows or fingerprint differ is read again at the same
    // snapshot, its rows spilled by key, and joined with the archive's rows to name its lost, added and
    // changed rows (a table with columns the plan declares changed or dropped is spilled in its first read).
    bool rowLevel = true;
    size_t rowCap = kRowDifferencesKept;
    std::filesystem::path tmpdir;         // for the spill files; empty: $TMPDIR, else /tmp
    std::vector<QualifiedName> onlyTables;  // compare just these (pgproof diff --table); empty: all
    // Tables read from this very database already (a restore's proof reads: each table read back, with the
    // baseline's columns and the pinned settings, once its rows were committed; nothing wrote to it since).
    // Used instead of reading them again when the table is compared on exactly those columns, unfiltered.
    std::map<QualifiedName, LiveTableResult> alreadyRead;
    // Every difference of every table, when set (pgproof diff); called one at a time.
    std::function<void(const QualifiedName&, const RowDifference&)> onDifference;
};

enum class Verdict { Ok, Failed, Error };

// The ledger of one table: which checks ran on it, recorded where each check is made. What a report
// says was proven (the verdict line, rows_proven and content_proven, coverage, JUnit) is derived from
// it (VerifyReportWriter), never from the mode.
struct TableChecks {
    enum class Rows { None, ByKey, AsMultiset };
    bool counted = false;            // its rows were counted at the snapshot and compared with the baseline's
    bool fingerprinted = false;      // its content fingerprint (or its partition group's) was compared
    bool wholeTableCounted = false;  // the unfiltered count of a filtered extension table was compared too
    Rows rows = Rows::None;          // its rows were compared one by one (by key, or as a multiset)
    bool notCovered = false;         // the baseline holds none of its rows
    bool notRead = false;            // it could not be read: nothing is known of it
};

struct TableVerdict {
    QualifiedName id;
    uint64_t baselineRows = 0;
    std::optional<uint64_t> rows;   // current rows, if counted
    std::string baselineFingerprint;
    std::string fingerprint;        // current, if computed
    std::string content;            // "equal", "changed", "not checked"
    Verdict verdict = Verdict::Ok;
    std::string reason;             // one line for people
    double seconds = 0;
    bool columnsMissing = false;    // a baseline column is gone (undeclared)
    // Its rows were to be compared one by one and could not be (a full --tmpdir, a damaged archive): a
    // failure its count proved stays one for verify, but diff cannot list its rows.
    bool rowsNotCompared = false;
    std::string notCoveredBecause;  // for tables the baseline does not cover: "schema only", "excluded", "large objects"
    std::optional<RowDiffSummary> rowDiff;  // row-level comparison, when one was made
    TableChecks checks;
    // Every baseline row is proven still there: the fingerprints are equal (the same rows, as a multiset)
    // or the rows were compared one by one and none was lost; and the table passed.
    bool rowsProven() const;
    // Its content is proven unchanged: the fingerprint was compared and equal.
    bool contentProven() const { return checks.fingerprinted && content == "equal"; }
    // The strongest comparison that ran, in the reports' words: "rows by key", "rows as a multiset"
    // (every baseline row looked for), "fingerprint" (equal proves every row; a difference failed exact
    // mode), "count only" (rows may have been replaced), "not covered", "not read", "" (nothing compared:
    // missing, dropped as the plan declares).
    std::string comparedBy() const;
    bool isLargeObjects() const { return id == QualifiedName{"pg_catalog", "pg_largeobject"}; }
};

// Where a sequence is now, against the baseline, in the direction it counts (a descending sequence
// moves on by going down; a value handed out is one step past the same value not yet handed out).
enum class SequenceMove { Equal, Ahead, Behind };
SequenceMove sequenceMove(int64_t before, bool beforeCalled, int64_t now, bool nowCalled, bool descending);
const char* sequenceMoveName(SequenceMove m);  // "equal", "higher", "lower" (as a DBA reads an ascending one)

struct SequenceVerdict {
    QualifiedName id;
    int64_t baselineValue = 0;
    std::optional<int64_t> value;
    std::optional<SequenceMove> move;  // when the sequence is still there
    Verdict verdict = Verdict::Ok;
    std::string reason;
};

// One line of a migration plan's report.
struct PlanItemResult {
    std::string kind;   // column, constraint, index, enum, backfill, orphans, unique, counts, check
    std::string name;   // e.g. "onboarding_states.clientId"
    Verdict verdict = Verdict::Ok;
    std::string message;  // "3 rows with customer_id set and clientId NULL (ids 1, 2, 3)"
    std::vector<std::string> samples;
    std::vector<std::string> sql;
    std::string label() const { return kind + " " + name; }
};

struct NewTable {
    QualifiedName id;
    uint64_t rows = 0;
};

struct VerifyReport {
    VerifyMode mode = VerifyMode::Exact;
    bool countsOnly = false;
    bool rowLevel = false;  // tables were compared row by row where their figures differed
    const Baseline* baseline = nullptr;
    nlohmann::json database;  // host, port, database, user, server_version, snapshot
    std::vector<TableVerdict> tables;
    std::vector<SequenceVerdict> sequences;
    std::vector<NewTable> newTables;
    // Tables whose rows the baseline does not hold (and large objects, as pg_catalog.pg_largeobject,
    // when the dump excluded them): named as not covered, their counts compared where known.
    std::vector<TableVerdict> notCovered;
    std::vector<std::string> notes;  // things that may explain a difference (settings that differ from the baseline's)
    std::optional<MigrationPlan> plan;
    std::vector<PlanItemResult> planItems;
    double seconds = 0;

    size_t count(Verdict v) const;
    // 0 proven, 1 failed (any data loss outranks an incomplete check), 3 incomplete.
    int exitCode() const;
};

VerifyReport runVerification(const Baseline& baseline, const VerifyOptions& options);

const char* verdictName(Verdict v);
const char* modeName(VerifyMode m);
// The one note of a table whose rows only a count proved: "count only: its rows were not compared one by
// one", then " (why)" when given. The model appends it to the table's reason where it records the check;
// the text writer to the line of a table that passed unproven and whose reason does not carry it. "" when
// `reason` says "count only" already.
std::string countOnlyNote(const std::string& reason, const std::string& why = "");

}  // namespace pgproof
