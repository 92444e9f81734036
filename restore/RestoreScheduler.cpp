#include "RestoreScheduler.hpp"

#include "WorkProgress.hpp"

#include <algorithm>
#include <condition_variable>
#include <spdlog/spdlog.h>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "Errors.hpp"

namespace pgproof {

void WorkSpan::include(double from, double to) {
    if (!ran() || from < start) start = from;
    if (to > end) end = to;
}

size_t RestoreScheduler::add(RestoreJob job) {
    for (size_t a : job.after)
        if (a >= jobs_.size()) throw std::logic_error("restore job " + job.label + " comes after a job not added yet");
    jobs_.push_back(std::move(job));
    return jobs_.size() - 1;
}

size_t RestoreScheduler::milestone(std::string label, std::vector<size_t> after) {
    RestoreJob j;
    j.label = std::move(label);
    j.after = std::move(after);
    return add(std::move(j));
}

void RestoreScheduler::run(std::vector<std::unique_ptr<PgConnection>>& connections) {
    const size_t n = jobs_.size();
    std::vector<std::vector<size_t>> next(n);
    std::vector<size_t> waitingFor(n);
    for (size_t j = 0; j < n; ++j) {
        waitingFor[j] = jobs_[j].after.size();
        for (size_t a : jobs_[j].after) next[a].push_back(j);
    }
    // The longest remaining path from each job (jobs only come after earlier ones: one pass backwards).
    std::vector<uint64_t> path(n);
    for (size_t j = n; j-- > 0;) {
        uint64_t longest = 0;
        for (size_t d : next[j]) longest = std::max(longest, path[d]);
        path[j] = jobs_[j].weight + longest;
    }

    // Progress: one phase for all restore work (rows, post-data, proof reads overlap), counted in jobs.
    const auto runnable = static_cast<uint64_t>(std::count_if(jobs_.begin(), jobs_.end(), [](const RestoreJob& j) { return static_cast<bool>(j.run); }));
    WorkProgress::process().startPhase("restoring (rows loaded and read back, indexes, keys)", "jobs", runnable, runnable);
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<size_t> ready;
    size_t finished = 0, running = 0;
    std::multimap<QualifiedName, LockMode> held;
    FirstFailure& failure = failure_;
    auto now = [&] { return std::chrono::duration<double>(Clock::now() - origin_).count(); };

    // Under the mutex: a finished job releases the jobs after it; milestones finish at once.
    std::function<void(size_t)> finish = [&](size_t j) {
        ++finished;
        for (size_t d : next[j])
            if (--waitingFor[d] == 0) {
                if (jobs_[d].run) ready.push_back(d);
                else finish(d);
            }
    };
    std::vector<size_t> first;
    for (size_t j = 0; j < n; ++j)
        if (waitingFor[j] == 0) first.push_back(j);
    for (size_t j : first) {
        if (jobs_[j].run) ready.push_back(j);
        else finish(j);
    }

    auto fits = [&](const RestoreJob& job) {
        for (const auto& l : job.locks) {
            auto [from, to] = held.equal_range(l.table);
            for (auto it = from; it != to; ++it)
                if (locksConflict(l.mode, it->second)) return false;
        }
        return true;
    };
    // The tables whose rows a running job is loading. Two connections loading one table queue for its
    // extension lock (the cores idle meanwhile): another table's rows, or any other work, go first.
    std::multiset<QualifiedName> loading;
    auto loadsTable = [&](const RestoreJob& job) -> const QualifiedName* {
        return job.work == RestoreWork::Rows && job.locks.size() == 1 ? &job.locks[0].table : nullptr;
    };
    auto contends = [&](const RestoreJob& job) {
        const QualifiedName* t = loadsTable(job);
        return t && loading.count(*t) > 0;
    };
    // Under the mutex: the ready job on the longest path that fits the locks held now, preferring one
    // that does not load a table already being loaded.
    auto pick = [&]() -> std::optional<size_t> {
        std::optional<size_t> best;
        bool bestContends = false;
        for (size_t k = 0; k < ready.size(); ++k) {
            size_t j = ready[k];
            if (!fits(jobs_[j])) continue;
            const bool c = contends(jobs_[j]);
            if (!best || (bestContends && !c) || (bestContends == c && path[j] > path[ready[*best]])) {
                best = k;
                bestContends = c;
            }
        }
        if (!best) return std::nullopt;
        size_t j = ready[*best];
        ready.erase(ready.begin() + static_cast<std::ptrdiff_t>(*best));
        return j;
    };

    std::vector<std::thread> threads;
    for (auto& c : connections) {
        threads.emplace_back([&, conn = c.get()] {
            for (;;) {
                size_t j;
                {
                    std::unique_lock lock(mutex);
                    std::optional<size_t> got;
                    changed.wait(lock, [&] {
                        if (failure.stopped() || finished == n) return true;
                        got = pick();
                        if (!got && running == 0 && ready.empty()) {
                            // Nothing runs, nothing may start, and jobs are left: they wait for each other.
                            failure.record(std::make_exception_ptr(IncompleteError(
                                "restore jobs wait for each other (" + std::to_string(n - finished) + " left): a pgproof bug")));
                            return true;
                        }
                        return got.has_value();
                    });
                    if (!got) {
                        changed.notify_all();
                        return;
                    }
                    j = *got;
                    ++running;
                    for (const auto& l : jobs_[j].locks) held.emplace(l.table, l.mode);
                    if (const QualifiedName* t = loadsTable(jobs_[j])) loading.insert(*t);
                }
                double started = now();
                spdlog::debug("started: {}", jobs_[j].label);
                bool ok = true;
                try {
                    jobs_[j].run(*conn);
                } catch (...) {
                    ok = false;
                    failure.record(std::current_exception());
                }
                double ended = now();
                WorkProgress::process().addDone();
                spdlog::debug("{}: {} ({:.2f} s)", ok ? "finished" : "failed", jobs_[j].label, ended - started);
                {
                    std::lock_guard lock(mutex);
                    --running;
                    if (const QualifiedName* t = loadsTable(jobs_[j])) loading.erase(loading.find(*t));
                    for (const auto& l : jobs_[j].locks) {
                        auto [from, to] = held.equal_range(l.table);
                        for (auto it = from; it != to; ++it)
                            if (it->second == l.mode) {
                                held.erase(it);
                                break;
                            }
                    }
                    spans_[static_cast<size_t>(jobs_[j].work)].include(started, ended);
                    if (ok) finish(j);
                }
                changed.notify_all();
            }
        });
    }
    for (auto& t : threads) t.join();
    failure.rethrow();
    if (finished != n) throw IncompleteError("the restore stopped with " + std::to_string(n - finished) + " job(s) not done");
}

}  // namespace pgproof
