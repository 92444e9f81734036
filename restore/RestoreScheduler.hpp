#pragma once
// One scheduler for all the restore's work on its N connections: loading rows, building indexes and
// keys, foreign keys, the rest of post-data, ANALYZE and the proof reads, as one set of jobs.
//   - a job starts once every job it comes after has finished;
//   - a job never starts while a running job holds a lock on one of its tables that conflicts with its
//     own (PostgreSQL's lock conflict table), so no connection sits waiting for another one;
//   - among the jobs that may start, the one on the longest remaining path (its own weight plus the
//     heaviest chain of jobs after it) goes first: the critical path first, largest first;
//   - a job without work (a milestone: "rows of t loaded") finishes as soon as it may start, on no
//     connection.
// With --verbose every job logs "started: LABEL" and "finished: LABEL (S s)" on stderr.
// The first failure stops the others (no new job starts) and is rethrown by run().
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "FirstFailure.hpp"
#include "LockMode.hpp"
#include "PgConnection.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof {

struct TableLock {
    QualifiedName table;
    LockMode mode;
};

// What a job is part of, for the report's spans.
enum class RestoreWork { Rows, Data, PostData, Proof, Analyze };
constexpr size_t kRestoreWorkKinds = 5;

// When one kind of work ran, in seconds since the restore started; start < 0: it never ran.
struct WorkSpan {
    double start = -1;
    double end = -1;
    bool ran() const { return start >= 0; }
    double seconds() const { return ran() ? end - start : 0; }
    void include(double from, double to);
};

struct RestoreJob {
    std::string label;  // "INDEX public.t_a_idx"
    RestoreWork work = RestoreWork::PostData;
    uint64_t weight = 0;             // about how many bytes it reads or writes
    std::vector<size_t> after;       // ids of jobs that must finish first
    std::vector<TableLock> locks;    // what it locks (empty: nothing the scheduler knows of)
    std::function<void(PgConnection&)> run;  // empty: a milestone
};

class RestoreScheduler {
public:
    using Clock = std::chrono::steady_clock;
    explicit RestoreScheduler(Clock::time_point origin) : origin_(origin) {}

    // Adds a job; the jobs it comes after must have been added before. Returns its id.
    size_t add(RestoreJob job);
    // A milestone that finishes once all of `after` have.
    size_t milestone(std::string label, std::vector<size_t> after);
    size_t size() const { return jobs_.size(); }

    // Runs every job on the connections (one thread each); returns when all are done, or rethrows
    // the first failure (InterruptedError on Ctrl-C) once the running ones have stopped.
    void run(std::vector<std::unique_ptr<PgConnection>>& connections);

    const WorkSpan& span(RestoreWork w) const { return spans_[static_cast<size_t>(w)]; }
    // Whether a job failed (or Ctrl-C): long jobs check it to stop early.
    bool stopped() const { return failure_.stopped(); }

private:
    Clock::time_point origin_;
    FirstFailure failure_;
    std::vector<RestoreJob> jobs_;
    WorkSpan spans_[kRestoreWorkKinds];
};

}  // namespace pgproof
