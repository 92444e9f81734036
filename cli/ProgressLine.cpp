#include "ProgressLine.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>

#include "ReportOutput.hpp"

namespace pgproof::cli {

namespace {
std::atomic<ProgressLine*> active{nullptr};

void writeAll(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::write(STDERR_FILENO, s.data() + off, s.size() - off);
        if (n <= 0) return;  // a closed stderr is no reason to stop the work
        off += static_cast<size_t>(n);
    }
}

std::string duration(double seconds) {
    auto s = static_cast<uint64_t>(std::llround(seconds));
    if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    return fmt::format("{}:{:02}", s / 60, s % 60);
}
}  // namespace

ProgressLine::ProgressLine(bool enabled) : enabled_(enabled), terminal_(::isatty(STDERR_FILENO) == 1) {
    if (!enabled_) return;
    active.store(this);
    // Phases that end are reported by the thread that ends them: a short phase is never missed.
    WorkProgress::process().setObserver([this](const ProgressFigures& f) {
        std::lock_guard lock(mutex_);
        if (terminal_) erase();
        else draw(render(f, true));
    });
    ticker_ = std::thread([this] { tick(); });
}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::finish() {
    if (!enabled_) return;
    enabled_ = false;
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    ticker_.join();
    WorkProgress::process().finish();
    WorkProgress::process().setObserver({});
    std::lock_guard lock(mutex_);
    erase();
    active.store(nullptr);
}

void ProgressLine::clearForLog() {
    ProgressLine* line = active.load();
    if (!line || !line->terminal_) return;
    std::lock_guard lock(line->mutex_);
    line->erase();
}

void ProgressLine::tick() {
    auto every = terminal_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(5000);
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, every, [this] { return stop_; })) {
        lock.unlock();
        ProgressFigures f = WorkProgress::process().read();  // its own lock first: never both at once the other way
        lock.lock();
        if (!stop_ && !f.phase.empty()) draw(render(f, false));
    }
}

void ProgressLine::draw(const std::string& text) {
    if (terminal_) {
        writeAll("\r" + text + "\033[K");
        shown_ = true;
    } else {
        writeAll(text + "\n");
    }
}

void ProgressLine::erase() {
    if (terminal_ && shown_) writeAll("\r\033[K");
    shown_ = false;
}

std::string ProgressLine::render(const ProgressFigures& f, bool ended) {
    std::string s = f.phase + ":";
    if (f.total) s += fmt::format(" {}/{} {}", withThousands(f.done), withThousands(f.total), f.unit);
    else s += fmt::format(" {} {}", withThousands(f.done), f.unit);
    if (f.rows) s += ", " + withThousands(f.rows) + " rows";
    if (f.bytes) s += ", " + humanBytes(f.bytes);
    if (f.seconds > 0.05 && (f.bytes || f.rows))
        s += f.bytes ? ", " + humanBytes(static_cast<uint64_t>(static_cast<double>(f.bytes) / f.seconds)) + "/s"
                     : ", " + withThousands(static_cast<uint64_t>(static_cast<double>(f.rows) / f.seconds)) + " rows/s";
    if (ended) return s + fmt::format(", {:.2f} s", f.seconds);  // ended: done, or stopped by a failure
    if (f.workTotal) {
        uint64_t work = std::min(f.work, f.workTotal);
        s += fmt::format(", {}%", work * 100 / f.workTotal);
        if (work > 0 && f.seconds > 1)
            s += ", " + duration(f.seconds * static_cast<double>(f.workTotal - work) / static_cast<double>(work)) + " left";
    }
    return s;
}

}  // namespace pgproof::cli
