#pragma once
#include <atomic>
#include <exception>
#include <mutex>

#include "Interrupt.hpp"

namespace pgproof {

// Remembers the first failure of parallel workers and tells the others to stop.
class FirstFailure {
public:
    void record(std::exception_ptr e) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = e;
        stop_ = true;
    }
    bool stopped() const { return stop_.load() || interrupted(); }
    void rethrow() {
        throwIfInterrupted("restoring");
        std::lock_guard lock(mutex_);
        if (error_) std::rethrow_exception(error_);
    }

private:
    std::mutex mutex_;
    std::exception_ptr error_;
    std::atomic<bool> stop_{false};
};

}  // namespace pgproof
