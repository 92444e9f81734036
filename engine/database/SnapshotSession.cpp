#include "SnapshotSession.hpp"

#include <algorithm>

#include "Errors.hpp"
#include "SqlIdentifier.hpp"
#include "TableLocking.hpp"

namespace pgproof {

SnapshotSession::SnapshotSession(const ConnectionTarget& target, int workers, const std::string& purpose,
                                 const SnapshotSessionOptions& options) {
    leader_ = std::make_unique<PgConnection>(PgConnection::connect(target, purpose));
    const int attempts = std::max(1, options.attempts);
    for (attempts_ = 1;; ++attempts_) {
        leader_->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting the snapshot transaction");
        settings_ = leader_->pinSettings();
        snapshot_ = leader_->exec("SELECT pg_catalog.pg_export_snapshot()", "exporting a snapshot").value(0, 0);
        tables_ = readLiveTables(*leader_);
        if (!options.lockTables) break;
        auto changed = lockTablesAtSnapshot(*leader_, tables_, options.lockWaitTimeout);
        if (!changed) break;
        leader_->exec("ROLLBACK", "dropping a snapshot that a table change overtook");
        retryAfterChange(*changed, attempts_, attempts);
    }
    for (int i = 0; i < workers; ++i) {
        auto w = std::make_unique<PgConnection>(PgConnection::connect(target, purpose));
        w->pinSettings(&settings_);
        importSnapshot(*w);
        workers_.push_back(std::move(w));
    }
}

void SnapshotSession::importSnapshot(PgConnection& c) {
    c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT " + quoteLiteral(snapshot_) +
               "; SAVEPOINT " + kReadSavepoint,
           "importing the shared snapshot");
}

void SnapshotSession::resetWorker(size_t i) {
    workers_[i]->exec("ROLLBACK", "rolling back after an error");
    workers_[i]->pinSettings(&settings_);
    importSnapshot(*workers_[i]);
}

void SnapshotSession::finish() {
    for (auto& w : workers_)
        if (w->ok()) w->exec("COMMIT");
    leader_->exec("COMMIT", "ending the snapshot transaction");
}

void SnapshotSession::lockForRead(PgConnection& worker, const QualifiedName& table, const std::string& holder) {
    try {
        worker.exec(std::string("ROLLBACK TO SAVEPOINT ") + kReadSavepoint + "; LOCK TABLE ONLY " + table.sql() +
                    " IN ACCESS SHARE MODE NOWAIT");
    } catch (const IncompleteError& e) {
        std::string msg = e.what();
        if (msg.find("could not obtain lock") == std::string::npos) throw;
        throw IncompleteError("another session is waiting for an exclusive lock on " + table.display() + " (DDL queued behind " +
                              holder + "); run again when it is done");
    }
}

}  // namespace pgproof
