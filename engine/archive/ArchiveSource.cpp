#include "ArchiveSource.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "AgeEncryption.hpp"
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

size_t readSome(int fd, void* buffer, size_t length, const std::string& name) {
    for (;;) {
        ssize_t got = ::read(fd, buffer, length);
        if (got >= 0) return static_cast<size_t>(got);
        if (errno != EINTR) throw IncompleteError("reading " + name + " failed: " + std::strerror(errno));
        throwIfInterrupted("reading " + name);
    }
}

class DescriptorSource final : public ArchiveSource {
public:
    DescriptorSource(int fd, std::string name) : ArchiveSource("-", std::move(name)), fd_(fd) {}
    bool randomAccess() const override { return false; }
    size_t read(void* buffer, size_t length) override { return readSome(fd_, buffer, length, name()); }

private:
    int fd_;
};

// age's plaintext: what `age -d` writes, ending only when age ended cleanly (its authentication of every
// chunk is the proof over the ciphertext; a cut or flipped byte makes age fail, and that failure is
// what the reader sees instead of a truncated archive).
size_t readDecrypted(AgeDecryption& age, bool& finished, void* buffer, size_t length, const std::string& name) {
    if (finished) return 0;
    size_t got = readSome(age.fd(), buffer, length, name);
    if (got == 0) {
        finished = true;
        age.finish();
    }
    return got;
}

// An age file: the identities are required now (one line, before anything runs); age starts at the first
// read, so that opening a source only to see whether it has random access costs nothing.
class AgeFileSource final : public ArchiveSource {
public:
    explicit AgeFileSource(const std::string& path) : ArchiveSource(path, path) { AgeDecryption::requireIdentities(path); }
    bool randomAccess() const override { return false; }
    bool encrypted() const override { return true; }
    size_t read(void* buffer, size_t length) override {
        if (!age_) age_ = std::make_unique<AgeDecryption>(location(), name());
        return readDecrypted(*age_, finished_, buffer, length, name());
    }

private:
    std::unique_ptr<AgeDecryption> age_;
    bool finished_ = false;
};

// An age-encrypted object: its ciphertext is fed to age by sequential ranged reads (bounded memory);
// the identities are required now, age starts at the first read, as for a file.
class AgeObjectSource final : public ArchiveSource {
public:
    explicit AgeObjectSource(std::unique_ptr<ArchiveSource> object)
        : ArchiveSource(object->location(), object->name()), object_(std::move(object)) {
        AgeDecryption::requireIdentities(name());
    }
    bool randomAccess() const override { return false; }
    bool encrypted() const override { return true; }
    size_t read(void* buffer, size_t length) override {
        if (!age_)
            age_ = std::make_unique<AgeDecryption>(
                [o = object_.get(), offset = uint64_t{0}](char* into, size_t n) mutable -> size_t {
                    size_t take = static_cast<size_t>(std::min<uint64_t>(n, o->size() - offset));
                    if (take == 0) return 0;
                    o->readAt(into, take, offset);
                    offset += take;
                    return take;
                },
                name());
        return readDecrypted(*age_, finished_, buffer, length, name());
    }

private:
    std::unique_ptr<ArchiveSource> object_;
    std::unique_ptr<AgeDecryption> age_;
    bool finished_ = false;
};

// Standard input, plain or age-encrypted: its first bytes say which. They are read at the first read()
// (opening reads nothing) and then go on to whichever reads the archive: age, or the reader itself.
class StdinSource final : public ArchiveSource {
public:
    explicit StdinSource(std::string name) : ArchiveSource("-", std::move(name)) {}
    bool randomAccess() const override { return false; }
    bool encrypted() const override { return age_ != nullptr; }
    size_t read(void* buffer, size_t length) override {
        if (!looked_) look();
        if (age_) return readDecrypted(*age_, finished_, buffer, length, name());
        if (headPos_ < head_.size()) {
            size_t n = std::min(length, head_.size() - headPos_);
            std::memcpy(buffer, head_.data() + headPos_, n);
            headPos_ += n;
            return n;
        }
        return readSome(STDIN_FILENO, buffer, length, name());
    }

private:
    void look() {
        looked_ = true;
        head_.resize(kAgeHeaderLine.size());
        size_t have = 0;
        while (have < head_.size()) {
            size_t got = readSome(STDIN_FILENO, head_.data() + have, head_.size() - have, name());
            if (got == 0) break;
            have += got;
        }
        head_.resize(have);
        if (!startsWithAgeHeader(head_)) return;
        age_ = std::make_unique<AgeDecryption>("-", name() + " (age-encrypted)", std::move(head_));
        head_.clear();
    }

    bool looked_ = false;
    std::string head_;
    size_t headPos_ = 0;
    std::unique_ptr<AgeDecryption> age_;
    bool finished_ = false;
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
    if (location == "-") {
        openArchiveDescriptor(STDIN_FILENO, "-");  // refuses a terminal
        return std::make_unique<StdinSource>("the archive on standard input");
    }
    if (S3Url::is(location)) {
        auto object = openArchiveObject(location);
        std::string head(std::min<uint64_t>(object->size(), kAgeHeaderLine.size()), '\0');
        object->readAt(head.data(), head.size(), 0);
        if (startsWithAgeHeader(head)) return std::make_unique<AgeObjectSource>(std::move(object));
        return object;
    }
    auto file = openArchiveFile(location);
    std::string head(std::min<uint64_t>(file->size(), kAgeHeaderLine.size()), '\0');
    file->readAt(head.data(), head.size(), 0);
    if (startsWithAgeHeader(head)) return std::make_unique<AgeFileSource>(location);
    return file;
}

}  // namespace pgproof
