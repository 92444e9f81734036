#include "ArchiveSource.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "Errors.hpp"
#include "FileDescriptor.hpp"
#include "Interrupt.hpp"
#include "S3ObjectSource.hpp"
#include "S3Url.hpp"

namespace pgproof {

uint64_t ArchiveSource::size() const { throw std::logic_error(name_ + " is read sequentially: it has no size up front"); }

void ArchiveSource::readAt(void*, size_t, uint64_t) const {
    throw std::logic_error(name_ + " is read sequentially: it cannot be read at an offset");
}

size_t ArchiveSource::read(void*, size_t) { throw std::logic_error(name_ + " is read by offset, not as a stream"); }

namespace {

class LocalFileSource final : public ArchiveSource {
public:
    LocalFileSource(const std::string& path, FileDescriptor fd, uint64_t size)
        : ArchiveSource(path, path), fd_(std::move(fd)), size_(size) {}
    bool randomAccess() const override { return true; }
    uint64_t size() const override { return size_; }
    void readAt(void* buffer, size_t length, uint64_t offset) const override {
        char* p = static_cast<char*>(buffer);
        while (length > 0) {
            ssize_t n = ::pread(fd_.get(), p, length, static_cast<off_t>(offset));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw IncompleteError("reading " + name() + " failed: " + std::strerror(errno));
            if (n == 0) throw ProofFailedError(name() + " is shorter than its manifest says: the file is truncated");
            p += n;
            length -= static_cast<size_t>(n);
            offset += static_cast<uint64_t>(n);
        }
    }

private:
    FileDescriptor fd_;
    uint64_t size_;
};

class DescriptorSource final : public ArchiveSource {
public:
    DescriptorSource(int fd, std::string name) : ArchiveSource("-", std::move(name)), fd_(fd) {}
    bool randomAccess() const override { return false; }
    size_t read(void* buffer, size_t length) override {
        for (;;) {
            ssize_t got = ::read(fd_, buffer, length);
            if (got >= 0) return static_cast<size_t>(got);
            if (errno != EINTR) throw IncompleteError("reading " + name() + " failed: " + std::strerror(errno));
            throwIfInterrupted("reading " + name());
        }
    }

private:
    int fd_;
};

}  // namespace

std::unique_ptr<ArchiveSource> openArchiveFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw BadInputError("cannot open " + path + ": " + std::strerror(errno));
    FileDescriptor owned(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) throw BadInputError(path + " is not a regular file");
    return std::make_unique<LocalFileSource>(path, std::move(owned), static_cast<uint64_t>(st.st_size));
}

std::unique_ptr<ArchiveSource> openArchiveDescriptor(int fd, std::string name, bool refuseTerminal) {
    if (refuseTerminal && ::isatty(fd))
        throw BadInputError("- reads the archive from standard input, but it is a terminal: pipe an archive in "
                            "(cat FILE | pgproof ... -, or aws s3 cp s3://bucket/NAME.sql.zst - | pgproof ... -)");
    return std::make_unique<DescriptorSource>(fd, std::move(name));
}

std::unique_ptr<ArchiveSource> openArchiveSource(const std::string& location) {
    if (location == "-") return openArchiveDescriptor(STDIN_FILENO, "the archive on standard input");
    if (S3Url::is(location)) return openArchiveObject(location);
    return openArchiveFile(location);
}

}  // namespace pgproof
