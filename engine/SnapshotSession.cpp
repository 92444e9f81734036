#include "SnapshotSession.hpp"

#include "SqlIdentifier.hpp"

namespace pgproof {

SnapshotSession::SnapshotSession(const ConnectionTarget& target, int workers, const std::string& purpose) {
    leader_ = std::make_unique<PgConnection>(PgConnection::connect(target, purpose));
    leader_->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting the snapshot transaction");
    settings_ = leader_->pinSettings();
    snapshot_ = leader_->exec("SELECT pg_catalog.pg_export_snapshot()", "exporting a snapshot").value(0, 0);
    for (int i = 0; i < workers; ++i) {
        auto w = std::make_unique<PgConnection>(PgConnection::connect(target, purpose));
        w->pinSettings(&settings_);
        importSnapshot(*w);
        workers_.push_back(std::move(w));
    }
}

void SnapshotSession::importSnapshot(PgConnection& c) {
    c.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT " + quoteLiteral(snapshot_),
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

}  // namespace pgproof
