#include "ArchiveLock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

namespace pgproof::repository {

std::optional<ArchiveLock> ArchiveLock::shared(const std::filesystem::path& archive) {
    FileDescriptor fd(::open(archive.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    while (::flock(fd.get(), LOCK_SH) != 0)
        if (errno != EINTR) return std::nullopt;
    return ArchiveLock(std::move(fd));
}

std::optional<ArchiveLock> ArchiveLock::tryExclusive(const std::filesystem::path& archive) {
    FileDescriptor fd(::open(archive.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return std::nullopt;
    return ArchiveLock(std::move(fd));
}

}  // namespace pgproof::repository
