#include "WorkProgress.hpp"

namespace pgproof {

WorkProgress& WorkProgress::process() {
    static WorkProgress progress;
    return progress;
}

ProgressFigures WorkProgress::readLocked() const {
    ProgressFigures f;
    f.phase = phase_;
    f.unit = unit_;
    f.done = done_.load(std::memory_order_relaxed);
    f.total = total_.load(std::memory_order_relaxed);
    f.rows = rows_.load(std::memory_order_relaxed);
    f.bytes = bytes_.load(std::memory_order_relaxed);
    f.work = work_.load(std::memory_order_relaxed);
    f.workTotal = workTotal_.load(std::memory_order_relaxed);
    f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    return f;
}

ProgressFigures WorkProgress::read() const {
    std::lock_guard lock(mutex_);
    return readLocked();
}

void WorkProgress::startPhase(const std::string& phase, const std::string& unit, uint64_t total, uint64_t workTotal) {
    std::lock_guard lock(mutex_);
    if (observer_ && !phase_.empty()) observer_(readLocked());
    phase_ = phase;
    unit_ = unit;
    started_ = std::chrono::steady_clock::now();
    for (auto* counter : {&done_, &rows_, &bytes_, &work_}) counter->store(0, std::memory_order_relaxed);
    total_.store(total, std::memory_order_relaxed);
    workTotal_.store(workTotal, std::memory_order_relaxed);
}

void WorkProgress::setTotals(uint64_t total, uint64_t workTotal, const std::string& unit) {
    std::lock_guard lock(mutex_);
    unit_ = unit;
    total_.store(total, std::memory_order_relaxed);
    workTotal_.store(workTotal, std::memory_order_relaxed);
}

void WorkProgress::setObserver(std::function<void(const ProgressFigures&)> observer) {
    std::lock_guard lock(mutex_);
    observer_ = std::move(observer);
}

void WorkProgress::finish() {
    std::lock_guard lock(mutex_);
    if (observer_ && !phase_.empty()) observer_(readLocked());
    phase_.clear();
}

TableCountdown::TableCountdown(const std::vector<uint64_t>& piecesPerTable) : left_(piecesPerTable.size()) {
    uint64_t empty = 0;
    for (size_t t = 0; t < piecesPerTable.size(); ++t) {
        left_[t].store(piecesPerTable[t], std::memory_order_relaxed);
        if (piecesPerTable[t] == 0) ++empty;
    }
    WorkProgress::process().addDone(empty);
}

void TableCountdown::pieceDone(size_t table) {
    if (table < left_.size() && left_[table].fetch_sub(1, std::memory_order_relaxed) == 1) WorkProgress::process().addDone();
}

}  // namespace pgproof
