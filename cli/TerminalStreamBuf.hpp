#pragma once
// Puts itself between a standard stream (std::cout, std::cerr) and its buffer for its lifetime, and
// converts every line written through it for the user's terminal (OutputEncoding::forTerminal):
// names and server messages arrive in the database encoding, the terminal shows its locale's codeset.
// Lines are converted whole (a character never spans a line), a partial line on flush.
// Documents written to stdout (reports, snapshot files) bypass it: see writeReportDocument.
#include <mutex>
#include <ostream>
#include <streambuf>
#include <string>

namespace pgproof::cli {

class TerminalStreamBuf : public std::streambuf {
public:
    explicit TerminalStreamBuf(std::ostream& stream);
    ~TerminalStreamBuf() override;  // flushes and gives the stream its own buffer back
    TerminalStreamBuf(const TerminalStreamBuf&) = delete;
    TerminalStreamBuf& operator=(const TerminalStreamBuf&) = delete;

protected:
    int_type overflow(int_type c) override;
    std::streamsize xsputn(const char* s, std::streamsize n) override;
    int sync() override;

private:
    void emitLines(bool all);  // with mutex_ held

    std::ostream& stream_;
    std::streambuf* inner_;
    std::mutex mutex_;
    std::string pending_;
};

}  // namespace pgproof::cli
