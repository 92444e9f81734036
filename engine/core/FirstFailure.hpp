#pragma once
// The one way parallel work keeps its first error: the first failure recorded (any exception) is
// kept, every worker is told to stop (stopped()), and rethrow() raises it once they have. Ctrl-C
// stops the workers too and is raised as InterruptedError naming what was being done.
#include <atomic>
#include <exception>
#include <mutex>
#include <string>

#include "Interrupt.hpp"

namespace pgproof {

class FirstFailure {
public:
    void record(std::exception_ptr e) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = e;
        stop_ = true;
    }
    bool stopped() const { return stop_.load() || interrupted(); }
    bool failed() const { return stop_.load(); }
    // `doing` names the work in an InterruptedError ("restoring", "reading the rows of T").
    void rethrow(const std::string& doing = "restoring") {
        throwIfInterrupted(doing);
        std::lock_guard lock(mutex_);
        if (error_) std::rethrow_exception(error_);
    }

private:
    std::mutex mutex_;
    std::exception_ptr error_;
    std::atomic<bool> stop_{false};
};

}  // namespace pgproof
