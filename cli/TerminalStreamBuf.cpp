#include "TerminalStreamBuf.hpp"

#include "OutputEncoding.hpp"

namespace pgproof::cli {

TerminalStreamBuf::TerminalStreamBuf(std::ostream& stream) : stream_(stream), inner_(stream.rdbuf()) { stream_.rdbuf(this); }

TerminalStreamBuf::~TerminalStreamBuf() {
    sync();
    stream_.rdbuf(inner_);
}

TerminalStreamBuf::int_type TerminalStreamBuf::overflow(int_type c) {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    std::lock_guard lock(mutex_);
    pending_ += traits_type::to_char_type(c);
    if (c == '\n') emitLines(false);
    return c;
}

std::streamsize TerminalStreamBuf::xsputn(const char* s, std::streamsize n) {
    std::lock_guard lock(mutex_);
    pending_.append(s, static_cast<size_t>(n));
    emitLines(false);
    return n;
}

int TerminalStreamBuf::sync() {
    std::lock_guard lock(mutex_);
    emitLines(true);
    return inner_->pubsync();
}

void TerminalStreamBuf::emitLines(bool all) {
    size_t end = pending_.size();
    if (!all) {
        size_t newline = pending_.rfind('\n');
        if (newline == std::string::npos) return;
        end = newline + 1;  // through the newline
    }
    if (end == 0) return;
    std::string text = OutputEncoding::forTerminal(std::string_view(pending_).substr(0, end));
    inner_->sputn(text.data(), static_cast<std::streamsize>(text.size()));
    pending_.erase(0, end);
}

}  // namespace pgproof::cli
