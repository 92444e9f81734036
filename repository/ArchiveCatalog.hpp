#pragma once
// What a repository holds, read fresh on every run: each archive with its state (complete or not, as its
// own trailer and manifest say), its history and its pin. list, status and prune judge from this.
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ArchiveHistory.hpp"

namespace pgproof::repository {

struct Pin {
    std::string at, reason, by;
};

struct ArchiveInfo {
    std::filesystem::path path;
    std::string database;     // its folder
    std::time_t created = 0;  // the manifest's creation time; for an unreadable archive, the file's mtime
    std::string createdText;
    uint64_t size = 0;
    bool complete = false;    // trailer and manifest present and intact (ArchiveReader)
    std::string problem;      // why it is not complete
    uint64_t tables = 0, rows = 0;
    ArchiveHistory history;
    std::optional<Pin> pin;

    // Damaged: incomplete, or its newest check/restore/drill failed. A damaged archive never counts as a backup.
    bool damaged() const { return !complete || history.damaged(); }
    // Proven: a backup with a passed check, restore or drill in its history.
    const HistoryRecord* proof() const { return damaged() ? nullptr : history.lastProof(); }
    const HistoryRecord* lastPassedDrill() const { return damaged() ? nullptr : history.lastPassed("drill"); }
    // "ok (proven)", "unproven", "damaged: ..." for people.
    std::string state() const;
};

struct DatabaseArchives {
    std::string database;
    std::vector<ArchiveInfo> archives;  // newest first

    const ArchiveInfo* newestBackup() const;
    const ArchiveInfo* newestProven() const;
    // The archive with the newest passed drill, and that record.
    const ArchiveInfo* newestDrilled() const;
    size_t backups() const;
};

// Reads every database folder of the repository (openRepository's errors first).
std::vector<DatabaseArchives> scanRepository(const std::filesystem::path& dir);
ArchiveInfo readArchiveInfo(const std::filesystem::path& archive, const std::string& database);

std::optional<Pin> readPin(const std::filesystem::path& archive);
// Writes NAME.pin.json atomically; removes it. Both throw IncompleteError naming the file.
void writePin(const std::filesystem::path& archive, const std::string& reason);
bool removePin(const std::filesystem::path& archive);

}  // namespace pgproof::repository
