#include "TerminalLog.hpp"

#include "OutputEncoding.hpp"
#include "ProgressLine.hpp"

namespace pgproof::cli {

void TerminalLog::log(const spdlog::details::log_msg& msg) {
    std::string text = OutputEncoding::forTerminal(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg converted = msg;
    converted.payload = spdlog::string_view_t(text.data(), text.size());
    ProgressLine::clearForOutput();  // a log line starts on a clean line, the progress line is redrawn below it
    inner_->log(converted);
}

}  // namespace pgproof::cli
