#pragma once
// An archive's history: NAME.history.jsonl beside NAME.sql.zst, one JSON object per line, appended by
// every check, verify, restore, drill (and the backup that wrote it), never rewritten (docs/REPOSITORY.md).
// Crash-safe: each record is one write() on an O_APPEND descriptor under an exclusive flock, then fsync;
// a writer killed mid-record leaves at most a torn last line, which readers skip and report, and the
// next writer starts its record on a new line. Concurrent writers (several hosts on NFS included, where
// flock is a POSIX lock) never interleave records.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pgproof::repository {

// One record. Keys (all written by pgproof): "at" (ISO 8601 UTC), "command", "verdict" (proven, failed,
// incomplete), "exit_code", "seconds", and optional figures: "tables", "rows", "recovery_seconds",
// "error", plus "host", "pid" and "pgproof_version".
struct HistoryRecord {
    std::string at;
    std::string command;
    std::string verdict;
    int exitCode = 0;
    double seconds = 0;
    std::optional<uint64_t> tables, rows;
    std::optional<double> recoverySeconds;
    std::string error;

    nlohmann::json toJson() const;
    static HistoryRecord fromJson(const nlohmann::json& j);
    bool passed() const { return exitCode == 0 && verdict == "proven"; }
};

struct ArchiveHistory {
    std::vector<HistoryRecord> records;  // in the order written
    std::vector<std::string> problems;   // torn last line, unreadable lines: named with the file and line

    // The newest record of `command` ("check", "drill", ...), and the newest passed one.
    const HistoryRecord* last(const std::string& command) const;
    const HistoryRecord* lastPassed(const std::string& command) const;
    // The newest passed check, restore or drill: the archive was read back and proven intact.
    const HistoryRecord* lastProof() const;
    // The newest check, restore or drill failed (exit 1): the archive is damaged or does not restore.
    bool damaged() const;
};

// Appends one record. Throws IncompleteError naming the file when it cannot be written.
void appendHistory(const std::filesystem::path& historyFile, const HistoryRecord& record);
// Reads a history; a missing file is an empty history. Throws IncompleteError when it cannot be read.
ArchiveHistory readHistory(const std::filesystem::path& historyFile);

}  // namespace pgproof::repository
