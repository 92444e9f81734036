#pragma once
// Locking like pg_dump, so that no table's figures come from a heap rewritten after the snapshot.
// TRUNCATE and table-rewriting DDL (VACUUM FULL, CLUSTER, ALTER TABLE ... TYPE) are not MVCC-safe:
// a reader at an older snapshot that opens the new heap sees it empty (or half-loaded). The leader,
// right after exporting the snapshot, takes ACCESS SHARE on every table that will be read (nothing
// can rewrite them afterwards), then checks that no rewrite slipped in between: each table's
// relfilenode as the snapshot sees it in pg_class against pg_relation_filenode() now.
#include <optional>
#include <string>
#include <vector>

#include "LiveCatalog.hpp"
#include "PgConnection.hpp"

namespace pgproof {

// A table whose heap or name is not what the snapshot saw.
struct ChangedTable {
    QualifiedName id;
    std::string change;  // "rewritten (TRUNCATE, VACUUM FULL, CLUSTER or ALTER TABLE ... TYPE)", "dropped", "renamed"
};

// Locks `tables` (in batches, one LOCK statement per batch) inside the leader's snapshot transaction.
// Each lock waits at most lockWaitTimeout (a PostgreSQL duration, "" = wait as long as it takes, as
// pg_dump does). Tables the role may not SELECT are left unlocked: reading them fails anyway, naming them.
// Returns the first table changed since the snapshot (the caller retries with a new snapshot), or nothing
// when every table is locked as the snapshot saw it; then each locked table's bytes and pages are exact
// (readLiveTables only estimates them, without locking). Throws IncompleteError naming the table whose
// lock was not granted in time.
std::optional<ChangedTable> lockTablesAtSnapshot(const PgConnection& leader, std::vector<LiveTable>& tables,
                                                 const std::string& lockWaitTimeout);

// Throws BadInputError unless `value` is a duration PostgreSQL accepts ("30s", "500ms", "2min", "1000").
void checkLockWaitTimeout(const std::string& value);

// A backup's leader takes no locks: pg_dump locks every table it dumps before it writes its first byte,
// and one set of locks is all the server's lock table may have room for (it is shared by all sessions:
// max_locks_per_transaction * (max_connections + max_prepared_transactions) entries). Once pg_dump has
// written, this compares each of `tables` as the leader's snapshot saw it with what is committed now
// (read on `current`, a connection outside the snapshot). A changed table that a session other than
// `current` holds locked (pg_dump, or the leader after reading it) was read, or will be, from a heap the
// snapshot did not see: it comes first in the result, `held`. A changed table nobody holds is not one
// pg_dump dumps (it holds its locks to the end): it is listed after them. When no session but the leader
// has the snapshot open any more (pg_dump was done before the check), every change counts as held.
struct SnapshotChange {
    ChangedTable table;
    bool held = false;
};
std::vector<SnapshotChange> changesSinceSnapshot(const PgConnection& leader, const PgConnection& current,
                                                 const std::vector<LiveTable>& tables);

// The message of a lock not granted within --lock-wait-timeout; `table` as the user reads it
// ("public.orders", or "one of 1000 tables").
std::string lockTimeoutMessage(const std::string& table, const std::string& timeout, const std::string& serverMessage);

// Taking a new snapshot after `changed` overtook attempt `attempt` of `attempts`: logs it, or, on the
// last attempt, throws IncompleteError naming the table.
void retryAfterChange(const ChangedTable& changed, int attempt, int attempts);

}  // namespace pgproof
