#pragma once
// The progress line on stderr, drawn from the process's WorkProgress counters by a ticker thread:
// the phase, the tables (or statements) done of the total, rows, bytes, the rate and the time left,
// as pg_verifybackup --progress does.
//
// On a terminal: one line rewritten in place at most 4 times a second, and erased at the end (and
// before every log line, which then starts on a clean line). Asked for with --progress on a pipe or a
// CI log: a plain line at the end of every phase with its figures, and one every 5 seconds during long
// phases. Nothing at all when not enabled (see progressWanted: --quiet, or no terminal and no --progress).
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "WorkProgress.hpp"

namespace pgproof::cli {

class ProgressLine {
public:
    explicit ProgressLine(bool enabled);
    ~ProgressLine();  // finish()
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    // Ends the last phase, stops the ticker and erases the line: call before printing the results.
    void finish();
    // Erases the line on a terminal if one is shown, so that a log line starts on a clean line.
    static void clearForLog();

    // The text of one line (no line end), e.g. "loading rows: 3/7 tables, 12,000 rows, 1.2 MiB, 4.0 MiB/s, 43%, 0:02 left".
    static std::string render(const ProgressFigures& f, bool ended);

private:
    void tick();
    void draw(const std::string& text);  // with mutex_ held
    void erase();                        // with mutex_ held

    bool enabled_, terminal_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false, shown_ = false;
    std::thread ticker_;
};

}  // namespace pgproof::cli
