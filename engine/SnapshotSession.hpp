#pragma once
// Several libpq connections that all see one consistent moment: a leader
// exports a snapshot in a REPEATABLE READ READ ONLY transaction, workers
// import it with SET TRANSACTION SNAPSHOT. Every connection has the pinned
// fingerprint settings. The leader's transaction stays open until finish().
#include <memory>
#include <string>
#include <vector>

#include "ConnectionTarget.hpp"
#include "PgConnection.hpp"

namespace pgproof {

class SnapshotSession {
public:
    // Opens the leader and `workers` worker connections. Throws IncompleteError if any cannot connect.
    SnapshotSession(const ConnectionTarget& target, int workers, const std::string& purpose);

    const PgConnection& leader() const { return *leader_; }
    size_t workerCount() const { return workers_.size(); }
    PgConnection& worker(size_t i) { return *workers_[i]; }
    const std::string& snapshotId() const { return snapshot_; }
    const PinnedSettings& settings() const { return settings_; }
    // After a failed statement: roll the worker back and import the snapshot again.
    void resetWorker(size_t i);
    void finish();

private:
    void importSnapshot(PgConnection& c);
    std::unique_ptr<PgConnection> leader_;
    std::vector<std::unique_ptr<PgConnection>> workers_;
    std::string snapshot_;
    PinnedSettings settings_;
};

}  // namespace pgproof
