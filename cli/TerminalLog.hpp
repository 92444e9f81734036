#pragma once
// A spdlog sink that converts each log line's text for the user's terminal
// (OutputEncoding::forTerminal) and hands it to another spdlog sink (the coloured stderr one):
// log lines carry names and server messages in the database encoding.
#include <memory>
#include <string>

#include <spdlog/sinks/sink.h>

namespace pgproof::cli {

class TerminalLog : public spdlog::sinks::sink {
public:
    explicit TerminalLog(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}
    void log(const spdlog::details::log_msg& msg) override;
    void flush() override { inner_->flush(); }
    void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
    void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override { inner_->set_formatter(std::move(formatter)); }

private:
    std::shared_ptr<spdlog::sinks::sink> inner_;
};

}  // namespace pgproof::cli
