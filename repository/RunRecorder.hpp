#pragma once
// What a run of backup, check, verify, restore or drill leaves behind for the repository and for
// monitoring: one history record beside the archive (when the archive lives in a repository) and the
// --metrics file (docs/METRICS.md). The command layer opens one recorder per run, gives it the figures it
// has, and finishes it with the exit code on every outcome, errors included.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ArchiveHistory.hpp"
#include "RepositoryStore.hpp"
#include "Repository.hpp"

namespace pgproof::repository {

struct RunFigures {
    std::string database;  // metrics label; default: the repository folder, else the archive's source database
    std::optional<uint64_t> tables, rows, bytes;
    std::optional<double> recoverySeconds;  // drill, restore: the measured recovery time
    std::string verdict;  // instead of the exit code's: "not verified" for restore --no-verify (exit 0, no proof)
};

class RunRecorder {
public:
    // subject: the archive (or baseline) as given; "-" for a stream. An archive of a repository (a folder's
    // or a bucket's) is held (RepositoryStore::hold: a shared flock, or a lease object) from here until the
    // process exits, so prune leaves it alone, and its manifest
    // checksum is read now: the records of this run are bound to the file it opened.
    RunRecorder(std::string command, std::string subject, std::string metricsFile);
    void addFigures(const RunFigures& figures);
    // The metrics label "host:port" (default: the archive's source, "" when unknown).
    void setServer(std::string server) { server_ = std::move(server); }
    // The Markdown report a drill or rehearsal wrote (--report), recorded in the history for `pgproof report`.
    void setReport(std::string report) { report_ = std::move(report); }
    // backup of an encrypted archive: what list, status and prune read from its record instead of the
    // manifest they cannot decrypt (HistoryRecord::archiveCreated, partial: counts, never names).
    void describeEncryptedArchive(std::string created, std::optional<std::string> partial) {
        created_ = std::move(created);
        partial_ = std::move(partial);
    }
    // Who is to blame for a failure. Only an archive check may find the archive damaged: check itself
    // (its exit 1 always means that), backup --check, the check step of a restore, drill or rehearsal.
    // A restore, drill or rehearsal whose archive checked intact but whose target refused it or holds
    // something else is recorded as verdict "target_failed", and the archive stays as it was.
    void markArchiveDamaged() { archiveDamaged_ = true; }
    void markTargetFailed() { targetFailed_ = true; }
    // backup --repo: the reserved name, released when the run finishes.
    void holdReservation(ReservedArchive reservation);
    // Appends one more record now (backup --check: the check of the archive just written), if the
    // subject is an archive of a repository, with the archive's manifest checksum. Never throws: returns
    // what could not be recorded.
    std::vector<std::string> recordNow(const HistoryRecord& record);
    // Records the outcome once (later calls do nothing). Exit 2 (bad usage) is no outcome of the archive
    // and leaves no history record. Never throws: returns what could not be recorded, for a warning.
    std::vector<std::string> finish(int exitCode, const std::string& error);
    // backup --all-databases: finish() adds this run's samples to `into` (one file for every database of
    // the run, written by the caller) instead of writing the metrics file itself; the file is still read
    // for the last success time.
    void collectMetricsInto(class PrometheusTextfile& into) { collect_ = &into; }

private:
    std::string databaseLabel() const;
    std::string serverLabel() const;
    void addMetrics(class PrometheusTextfile& m, int exitCode, double seconds) const;
    // Reads what binds records to the subject archive (ArchiveHistory::bindTo): its manifest checksum, or
    // for an encrypted archive its ciphertext identity.
    void bindSubject();
    std::string command_, subject_, metrics_, checksum_, ciphertext_, server_, report_;
    std::optional<RepositoryStore::Located> repository_;  // the subject's repository and its name there
    std::unique_ptr<ArchiveHold> hold_;
    std::optional<ReservedArchive> reservation_;
    RunFigures figures_;
    std::string created_;
    std::optional<std::string> partial_;
    std::chrono::steady_clock::time_point start_;
    bool finished_ = false;
    class PrometheusTextfile* collect_ = nullptr;
    bool archiveDamaged_ = false, targetFailed_ = false;
};

}  // namespace pgproof::repository
