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

// One record. Keys (all written by pgproof): "at" (ISO 8601 UTC, the clock of the host that ran it),
// "command", "verdict" (proven, failed, incomplete, target_failed, not verified), "exit_code", "seconds",
// "manifest_checksum" (the archive's, as its trailer records it: what binds the record to the file), and
// optional: "damaged" (true: an archive check found the archive damaged), "tables", "rows",
// "recovery_seconds", "error", "report" (the run's --report file, as given), plus "host", "pid" and "pgproof_version".
struct HistoryRecord {
    std::string at;
    std::string command;
    std::string verdict;
    int exitCode = 0;
    double seconds = 0;
    std::optional<uint64_t> tables, rows;
    std::optional<double> recoverySeconds;
    std::string error;
    std::string report;            // drill, rehearse: the Markdown report written (--report), for `pgproof report` to link
    std::string manifestChecksum;  // 16 hex digits; "" when the archive's manifest could not be read
    // An encrypted archive's records bind to its ciphertext instead ("ciphertext": ciphertextIdentity,
    // readable without the key). Its backup's record also says what list, status and prune need without
    // the key: "archive_created" (the manifest's creation time) and "partial" (what is not covered, counted,
    // never named); with tables and rows. docs/ENCRYPTION.md.
    std::string ciphertext;
    std::string archiveCreated;
    std::optional<std::string> partial;
    bool damaged = false;          // only an archive check sets it (check, backup --check, the check step of restore/drill)

    nlohmann::json toJson() const;
    static HistoryRecord fromJson(const nlohmann::json& j);
    bool passed() const { return exitCode == 0 && verdict == "proven"; }
};

struct ArchiveHistory {
    std::vector<HistoryRecord> records;  // in the order written, only those bound to the archive (bindTo)
    std::vector<std::string> problems;   // torn last line, unreadable lines, records of another file: named
    size_t ignored = 0;                  // records bindTo set aside

    // The newest record of `command` ("check", "drill", ...), and the newest passed one.
    const HistoryRecord* last(const std::string& command) const;
    const HistoryRecord* lastPassed(const std::string& command) const;
    // The newest passed check, restore or drill: the archive was read back and proven intact.
    const HistoryRecord* lastProof() const;
    // The newest record that settles the archive's integrity says damaged: a check that found it damaged,
    // not overturned by a later passed check, restore or drill. A restore, drill or rehearsal that failed
    // because of its target (target_failed), a verify, an incomplete run: none of them settle it.
    bool damaged() const;
    const HistoryRecord* lastDamage() const;
    // Keeps only the records written for the archive whose manifest checksum is `checksum`; the others
    // (a file replaced at the same path, records of an earlier pgproof that carry no checksum) are set
    // aside and named in `problems` with the archive's file name.
    // For an encrypted archive, `ciphertext` (its ciphertextIdentity) is what records must carry instead.
    void bindTo(const std::string& checksum, const std::string& archiveName, const std::string& ciphertext = "");
};

// One record as written: its JSON on one line (no newline) with "host", "pid" and "pgproof_version".
std::string historyRecordText(const HistoryRecord& record);
// Appends one record. Throws IncompleteError naming the file when it cannot be written.
void appendHistory(const std::filesystem::path& historyFile, const HistoryRecord& record);
// Reads a history; a missing file is an empty history. Throws IncompleteError when it cannot be read.
ArchiveHistory readHistory(const std::filesystem::path& historyFile);

}  // namespace pgproof::repository
