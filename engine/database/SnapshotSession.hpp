#pragma once
// Several libpq connections that all see one consistent moment: a leader
// exports a snapshot in a REPEATABLE READ READ ONLY transaction, workers
// import it with SET TRANSACTION SNAPSHOT. Every connection has the pinned
// fingerprint settings. The leader's transaction stays open until finish().
//
// Locking like pg_dump: right after the export, the leader reads the tables (LiveCatalog) and takes
// ACCESS SHARE on all of them (TableLocking). If one was rewritten or dropped between the snapshot and
// its lock, its heap no longer matches the snapshot: the leader starts over with a new snapshot, a few
// times, then gives up with IncompleteError naming the table. Workers connect only once that holds.
// Each worker's transaction opens the savepoint kReadSavepoint right after importing the snapshot; a
// worker rolls back to it between tables, which releases the locks its reads took (LiveFingerprinter).
// A backup's leader (zero workers, lockTables off) only exports the snapshot: pg_dump imports it and
// takes the locks, and Backup checks for rewrites once pg_dump holds them.
#include <memory>
#include <string>
#include <vector>

#include "ConnectionTarget.hpp"
#include "LiveCatalog.hpp"
#include "PgConnection.hpp"

namespace pgproof {

struct SnapshotSessionOptions {
    std::string lockWaitTimeout;  // --lock-wait-timeout: a PostgreSQL duration; "" waits as pg_dump does
    int attempts = 5;             // snapshots tried while tables keep being rewritten under them
    bool lockTables = true;       // off: lock nothing, check nothing (a backup: its pg_dump locks)
};

class SnapshotSession {
public:
    static constexpr const char* kReadSavepoint = "pgproof_read";

    // Opens the leader and `workers` worker connections. Throws IncompleteError if any cannot connect,
    // a lock is not granted within the timeout, or tables kept being rewritten.
    SnapshotSession(const ConnectionTarget& target, int workers, const std::string& purpose,
                    const SnapshotSessionOptions& options = {});

    const PgConnection& leader() const { return *leader_; }
    size_t workerCount() const { return workers_.size(); }
    PgConnection& worker(size_t i) { return *workers_[i]; }
    const std::string& snapshotId() const { return snapshot_; }
    const PinnedSettings& settings() const { return settings_; }
    // Every table whose rows pg_dump would dump, as the snapshot sees it, locked (readLiveTables).
    const std::vector<LiveTable>& tables() const { return tables_; }
    // How many snapshots were taken (more than 1: tables were rewritten under the earlier ones).
    int attempts() const { return attempts_; }
    // After a failed statement: roll the worker back and import the snapshot again.
    void resetWorker(size_t i);
    // A worker's lock on the table it reads next, as pg_dump -j's workers take it: ACCESS SHARE with NOWAIT
    // (the leader, or pg_dump, holds it already; a wait could only be behind DDL queued behind that lock,
    // which waits for the leader: a hang no deadlock check sees), after rolling back to kReadSavepoint,
    // which releases the locks the worker's last read took. Lock refused: IncompleteError naming the
    // table and `holder` (whose lock the DDL is queued behind).
    static void lockForRead(PgConnection& worker, const QualifiedName& table, const std::string& holder);
    void finish();

private:
    void importSnapshot(PgConnection& c);
    std::unique_ptr<PgConnection> leader_;
    std::vector<std::unique_ptr<PgConnection>> workers_;
    std::string snapshot_;
    PinnedSettings settings_;
    std::vector<LiveTable> tables_;
    int attempts_ = 0;
};

}  // namespace pgproof
