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
#include "RepositoryStore.hpp"

namespace pgproof::repository {

struct Pin {
    std::string at, reason, by;
};

struct ArchiveInfo {
    std::filesystem::path path;  // where it is: a path, or an s3:// URL (RepositoryStore::locate)
    std::string name;            // its name in the repository, "DATABASE/FILE"
    std::string database;     // its folder
    std::string server;       // "host:port" of the manifest's source ("" for a dump read from stdin or an unreadable archive)
    std::time_t created = 0;  // the manifest's creation time (the writing host's clock); for an unreadable archive, the file's mtime
    std::string createdText;
    // When the repository saw it: the first history record bound to it (the backup's own, written by the
    // host that ran it), else the file's mtime. Ages and order use `dated` = min(created, seen): an archive
    // whose own clock is ahead never looks fresher than the repository saw it, one that is behind looks older.
    std::time_t seen = 0, dated = 0;
    std::string clockNote;    // when created and seen disagree beyond the backup's duration, for people
    uint64_t size = 0;
    bool complete = false;    // trailer and manifest present and intact (ArchiveReader)
    // NAME.sql.zst.age: read without its key, from the record its backup wrote (bound to the ciphertext's
    // header and size); complete when that record is there and says the backup passed. docs/ENCRYPTION.md.
    bool encrypted = false;
    std::string problem;      // why it is not complete
    uint64_t tables = 0, rows = 0;
    std::string manifestChecksum;  // the trailer's, 16 hex digits; "" when not complete
    // Partial: the archive leaves out table data the database held at the snapshot (schema-only, excluded
    // table data, excluded tables or schemas, large objects left out): what is not covered, for people;
    // "" for a full archive (or one whose manifest predates coverage).
    std::string partial;
    ArchiveHistory history;   // only the records bound to this file (ArchiveHistory::bindTo)
    std::optional<Pin> pin;

    // Damaged: incomplete, or an archive check of it found it damaged. A damaged archive never counts as a backup.
    bool damaged() const { return !complete || history.damaged(); }
    bool isPartial() const { return !partial.empty(); }
    // A backup of the whole database: not damaged, not partial. Only these fill status and retention.
    bool isFull() const { return !damaged() && !isPartial(); }
    // Proven: a backup with a passed check, restore or drill in its history.
    const HistoryRecord* proof() const { return damaged() ? nullptr : history.lastProof(); }
    const HistoryRecord* lastPassedDrill() const { return damaged() ? nullptr : history.lastPassed("drill"); }
    // "proven", "unproven", "proven, partial", "DAMAGED: ..." for people.
    std::string state() const;
};

struct DatabaseArchives {
    std::string database;
    std::vector<ArchiveInfo> archives;  // newest first (by `dated`)

    // The newest full backup, and the newest proven full backup: partial archives never count for them.
    const ArchiveInfo* newestBackup() const;
    const ArchiveInfo* newestProven() const;
    // The full archive with the newest passed drill, and that record.
    const ArchiveInfo* newestDrilled() const;
    size_t backups() const;  // full backups
    size_t partials() const;  // partial archives that are not damaged
    size_t damagedCount() const;
};

// Reads every database folder of the repository (its checkRepository errors first).
std::vector<DatabaseArchives> scanRepository(RepositoryStore& store);
ArchiveInfo readArchiveInfo(const RepositoryStore& store, const RepositoryStore::Entry& archive, const std::string& database);
// Sets seen, dated and clockNote of an archive whose created, complete and (bound) history are known;
// mtime: the file's modification time, the repository's clock when no record names the archive.
void dateArchive(ArchiveInfo& archive, std::time_t mtime);

// NAME.pin.json beside the archive (`archive`: its name in the store). writePin replaces it atomically;
// removePin says whether there was one. Both throw IncompleteError naming the file.
std::optional<Pin> readPin(const RepositoryStore& store, const std::string& archive);
void writePin(RepositoryStore& store, const std::string& archive, const std::string& reason);
bool removePin(RepositoryStore& store, const std::string& archive);

}  // namespace pgproof::repository
