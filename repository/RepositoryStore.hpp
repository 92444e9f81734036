#pragma once
// Where a repository's files live, behind one interface with two drivers (docs/REPOSITORY.md):
//   FolderStore: a local folder DIR (plain files; history appended under flock; flock holds);
//   BucketStore: a bucket prefix s3://BUCKET/PREFIX (objects; nothing is appended in place: one object
//     per history record, a claim object per name reservation, a lease object per reader).
// Catalog, history, pins, reservations, holds, status, prune and report each have one body over this.
// Names are relative to the repository, '/'-separated: "pgproof-repository.json",
// "app/app-20261202T013000Z.sql.zst". locate() turns one into what the rest of pgproof opens (a path or
// an s3:// URL: ArchiveReader, openArchiveSource and ArchiveOutput take both).
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ArchiveHistory.hpp"

namespace pgproof::repository {

// A reader's hold on an archive (check, verify, restore, drill): prune does not remove a held archive.
// Released by the destructor.
class ArchiveHold {
public:
    virtual ~ArchiveHold() = default;
};

// A new archive's name, taken for one backup until release() (RepositoryStore::tryClaim).
class NameClaim {
public:
    virtual ~NameClaim() = default;
    // Ends the claim; if the archive was never written, the name is free again.
    virtual void release() = 0;
};

class RepositoryStore {
public:
    // DIR or s3://BUCKET/PREFIX (a malformed URL: BadInputError). Opening touches nothing yet.
    static std::shared_ptr<RepositoryStore> open(const std::string& location);
    // The repository holding `archive` (DIR/DATABASE/NAME.sql.zst or s3://B/P/DATABASE/NAME.sql.zst whose
    // DIR or P has the marker), with the archive's name in it; nullopt for anything else ("-", a loose file).
    struct Located;
    static std::optional<Located> ofArchive(const std::string& archive);

    virtual ~RepositoryStore() = default;
    // As given (a folder as typed, a URL without a trailing '/'): reports and messages name it so.
    const std::string& location() const { return location_; }
    virtual std::string locate(const std::string& name) const = 0;
    virtual bool inBucket() const = 0;

    // The marker. checkRepository(): IncompleteError when the repository cannot be read (missing folder,
    // unreachable bucket, refused credentials), BadInputError when it is no repository (no marker).
    virtual void checkRepository() const = 0;
    // Makes it a repository (backup --repo): the marker, unless there.
    virtual void create() = 0;
    bool hasMarker() const;

    struct Entry {
        std::string name;  // "DATABASE/FILE"
        uint64_t size = 0;
        std::time_t modified = 0;
    };
    // The database folders, sorted; the archives of one (NAME.sql.zst, NAME.sql.zst.age), sorted by name.
    virtual std::vector<std::string> databaseFolders() const = 0;
    virtual std::vector<Entry> archivesIn(const std::string& database) const = 0;
    virtual bool exists(const std::string& name) const = 0;

    // Small whole files (pins, server run records, the marker): read (nullopt when missing), replaced
    // atomically, removed (false when it was not there). Failures: IncompleteError naming the file.
    virtual std::optional<std::string> read(const std::string& name) const = 0;
    virtual void write(const std::string& name, const std::string& text) = 0;
    virtual bool remove(const std::string& name) = 0;
    // Top-level names that start with `prefix` (the server run records).
    virtual std::vector<std::string> topLevelNames(const std::string& prefix) const = 0;

    // An archive's history (ArchiveHistory.hpp): one more record, never rewriting others; all records in
    // the order written. `archive` is the archive's name ("DATABASE/NAME.sql.zst").
    virtual void appendHistory(const std::string& archive, const HistoryRecord& record) = 0;
    virtual ArchiveHistory readHistory(const std::string& archive) const = 0;

    // Takes the name DATABASE/NAME (archive NAME + suffix) for one backup, or nullptr when it is taken
    // (an archive, its history or another backup's claim): two backups never get the same name.
    virtual std::unique_ptr<NameClaim> tryClaim(const std::string& database, const std::string& name, const std::string& suffix) = 0;
    // A reader's hold (`command`: check, verify, ...); nullptr when the archive cannot be held (the command
    // itself then reports why it cannot read it).
    virtual std::unique_ptr<ArchiveHold> hold(const std::string& archive, const std::string& command) = 0;

    // prune: removes the archive with its history and globals, unless a running command holds it.
    struct Removal {
        enum Result { Removed, InUse, Failed } result = Removed;
        std::string why;  // InUse: who holds it; Failed: the error; Removed: notes (stale leases ignored)
    };
    virtual Removal removeArchive(const std::string& archive) = 0;
    // After prune: what killed runs left in a database folder, removed; one line each, for people.
    virtual std::vector<std::string> removeLeftovers(const std::string& database) = 0;

protected:
    explicit RepositoryStore(std::string location) : location_(std::move(location)) {}
    std::string location_;
};

struct RepositoryStore::Located {
    std::shared_ptr<RepositoryStore> store;
    std::string archive;  // its name in the store
};

// NAME.sql.zst / NAME.sql.zst.age -> NAME (the stem that history, pin and globals share).
std::string archiveStem(const std::string& archiveName);

// How long a bucket lease or name claim of a run that was killed keeps counting (docs/REPOSITORY.md):
// 48 hours by default, PGPROOF_LEASE_HOURS to change it.
double leaseStaleSeconds();

}  // namespace pgproof::repository
