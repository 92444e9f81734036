#pragma once
// What a long command has done so far, for the progress line (cli/ProgressLine): the pipelines count
// rows, bytes and finished tables with relaxed atomics as they go, and the line reads them a few times
// a second. One per process, as a process runs one command; counting costs a few atomic adds per frame
// or batch, whether a line is shown or not.
//
// A command's work is a sequence of phases ("checking", "loading rows", "verifying"); each phase has
// its own counters and totals. `work` is the phase's measure of how far it is (raw bytes, pages,
// statements), against `workTotal` when known: it gives the percentage and the time left.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace pgproof {

struct ProgressFigures {
    std::string phase;      // "" before the first phase
    std::string unit;       // what `done` counts: "tables", "statements"
    uint64_t done = 0, total = 0;  // total 0: not known (a stream)
    uint64_t rows = 0, bytes = 0;
    uint64_t work = 0, workTotal = 0;
    double seconds = 0;     // since the phase started
};

class WorkProgress {
public:
    static WorkProgress& process();

    // Ends the current phase (the observer sees its last figures) and starts `phase` with zero counters,
    // and its totals when known (0: not known).
    void startPhase(const std::string& phase, const std::string& unit = "tables", uint64_t total = 0, uint64_t workTotal = 0);
    // The totals of the current phase, once known.
    void setTotals(uint64_t total, uint64_t workTotal, const std::string& unit = "tables");
    // Adds to the current phase's totals (several parts of one phase, each knowing its own).
    void addTotals(uint64_t total, uint64_t workTotal) {
        total_.fetch_add(total, std::memory_order_relaxed);
        workTotal_.fetch_add(workTotal, std::memory_order_relaxed);
    }
    void addRows(uint64_t n) { rows_.fetch_add(n, std::memory_order_relaxed); }
    void addBytes(uint64_t n) { bytes_.fetch_add(n, std::memory_order_relaxed); }
    void addWork(uint64_t n) { work_.fetch_add(n, std::memory_order_relaxed); }
    void addDone(uint64_t n = 1) { done_.fetch_add(n, std::memory_order_relaxed); }

    ProgressFigures read() const;
    // Called with the figures of a phase as it ends (from startPhase and finish), on the caller's thread.
    void setObserver(std::function<void(const ProgressFigures&)> observer);
    // Ends the last phase (the observer sees it) and clears the phase.
    void finish();

private:
    ProgressFigures readLocked() const;
    mutable std::mutex mutex_;
    std::string phase_, unit_ = "tables";
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::function<void(const ProgressFigures&)> observer_;
    std::atomic<uint64_t> done_{0}, total_{0}, rows_{0}, bytes_{0}, work_{0}, workTotal_{0};
};

// Counts a table as done when the last of its pieces (frames, ranges) is done, whichever thread does it.
class TableCountdown {
public:
    // piecesPerTable[t]: how many pieces table t has; tables without pieces count as done at once.
    explicit TableCountdown(const std::vector<uint64_t>& piecesPerTable);
    void pieceDone(size_t table);

private:
    std::vector<std::atomic<uint64_t>> left_;
};

}  // namespace pgproof
