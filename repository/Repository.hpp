#pragma once
// A repository is a folder of archives (docs/REPOSITORY.md):
//   DIR/pgproof-repository.json                      marker: this folder is a pgproof repository
//   DIR/<database>/<database>-<UTC timestamp>.sql.zst  one archive (timestamp 20261202T013000Z)
//   DIR/<database>/<name>.history.jsonl              its history: one JSON line per check/verify/restore/drill
//   DIR/<database>/<name>.pin.json                   present while the archive is pinned (never pruned)
// Everything here is plain files, readable with ls, cat, jq and zstd, without pgproof. The same repository
// under a bucket prefix (s3://BUCKET/PREFIX) is laid out in BucketStore.hpp; RepositoryStore is the seam.
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "RepositoryStore.hpp"

namespace pgproof::repository {

namespace fs = std::filesystem;

inline constexpr const char* kMarkerFile = "pgproof-repository.json";
inline constexpr const char* kArchiveSuffix = ".sql.zst";
// An encrypted archive (docs/ENCRYPTION.md): NAME.sql.zst.age, with the same NAME.history.jsonl and NAME.pin.json.
inline constexpr const char* kEncryptedSuffix = ".sql.zst.age";

// NAME.sql.zst -> NAME.history.jsonl and NAME.pin.json, beside it.
fs::path historyPathFor(const fs::path& archive);
fs::path pinPathFor(const fs::path& archive);
// NAME.sql.zst -> NAME.globals.sql.zst: the server's roles, written with it by backup --globals.
fs::path globalsPathFor(const fs::path& archive);
// Whether a file name is a database archive's (NAME.sql.zst or NAME.sql.zst.age, not a hidden temporary,
// not the globals written beside one).
bool isArchiveName(const std::string& filename);

// The repository folder holding `archive` (DIR for DIR/<database>/NAME.sql.zst when DIR has the marker).
std::optional<fs::path> repositoryOf(const fs::path& archive);

// Throws BadInputError for a folder name that cannot be a database folder (empty, '/', leading '.').
void checkDatabaseFolderName(const std::string& name);

// Opens DIR as a repository: IncompleteError when it is missing or unreadable (a mount that is gone),
// BadInputError when it is a folder but not a repository (no marker).
void openRepository(const fs::path& dir);
// Makes DIR a repository (creates the folder and the marker if missing) for backup --repo.
void createRepository(const fs::path& dir);
// The database folders of a repository, sorted by name.
std::vector<std::string> databaseFolders(const fs::path& dir);
// The archives of one database folder, sorted by name (= by creation time for pgproof's names).
std::vector<fs::path> archivesIn(const fs::path& databaseFolder);

// A new archive's name, reserved for one backup (RepositoryStore::tryClaim), so that concurrent backups of
// the same second get distinct names (NAME-2, NAME-3, ...). In a folder: its history file is created
// exclusively (O_EXCL) and held with a shared flock while the backup runs, so that prune never removes it
// as a leftover. In a bucket: a claim object, verified by listing (BucketStore.hpp).
class ReservedArchive {
public:
    // `encrypted`: the name is NAME.sql.zst.age.
    static ReservedArchive reserve(RepositoryStore& store, const std::string& database, std::time_t when, bool encrypted = false);
    // Where the archive goes: a path or an s3:// URL (RepositoryStore::locate).
    const std::string& archive() const { return archive_; }
    // Drops the hold; if the archive was never written, the name is free again.
    void release();
    ~ReservedArchive();
    ReservedArchive(ReservedArchive&&) = default;
    ReservedArchive& operator=(ReservedArchive&&) = default;

private:
    ReservedArchive() = default;
    std::string archive_;
    std::unique_ptr<NameClaim> claim_;
};

// "20261202T013000Z": the UTC timestamp in archive names (sorts as it reads, no ':' for any file system).
std::string nameTimestamp(std::time_t when);

}  // namespace pgproof::repository
