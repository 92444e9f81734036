#pragma once
// "This archive is in use" in a folder repository (FolderStore; a bucket uses lease objects instead,
// BucketStore): a flock on the archive file itself. Every pgproof command that reads an archive of a
// repository (check, verify, restore, drill) holds a shared lock on it until its run is recorded;
// prune removes an archive only while it holds the exclusive lock, taken without waiting. The lock goes
// with the process (kill -9 included), so nothing stale is ever left behind. No lock files.
#include <filesystem>
#include <optional>

#include "FileDescriptor.hpp"

namespace pgproof::repository {

class ArchiveLock {
public:
    // A shared hold for a reader; waits while prune holds the archive (a moment). nullopt if the file
    // cannot be opened (the command itself then reports why).
    static std::optional<ArchiveLock> shared(const std::filesystem::path& archive);
    // The exclusive hold for removal, or nullopt when a running command holds the archive.
    static std::optional<ArchiveLock> tryExclusive(const std::filesystem::path& archive);

private:
    explicit ArchiveLock(FileDescriptor fd) : fd_(std::move(fd)) {}
    FileDescriptor fd_;
};

}  // namespace pgproof::repository
