#pragma once
// Where an archive's bytes come from, named once by what the user gave: "-" is standard input,
// "s3://BUCKET/KEY" an object (S3ObjectSource), anything else a local file. An age-encrypted archive (a file, an
// object or stdin that starts with age's header, AgeEncryption.hpp) is a sequential source of `age -d`'s output, with the
// identities of --identity / PGPROOF_AGE_IDENTITY: readers never see ciphertext and need no branch for it.
// A source offers one of two access forms:
//   - random access: its size, and bytes read at any offset, from several threads at once (a local file
//     by pread; an object by ranged reads). ArchiveReader opens these: trailer, manifest, frames by offset.
//   - sequential: bytes in order, once, to the end (a pipe). ArchiveStream reads these.
// Commands open a source with openArchiveSource and take the random-access path when the source has it,
// the sequential decode otherwise; nothing else in pgproof compares a name with "-".
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace pgproof {

class ArchiveSource {
public:
    virtual ~ArchiveSource() = default;

    // What the user gave ("-", a path): reports and history record this.
    const std::string& location() const { return location_; }
    // How messages name it ("the archive on standard input", a path).
    const std::string& name() const { return name_; }

    virtual bool randomAccess() const = 0;
    // Whether the bytes are decrypted from an age file (for stdin: known once the first byte was read).
    virtual bool encrypted() const { return false; }

    // Random access only. size(): the archive's length in bytes. readAt(): exactly `length` bytes at
    // `offset` (thread-safe); throws ProofFailedError when the archive ends first (truncated),
    // IncompleteError when reading fails.
    virtual uint64_t size() const;
    virtual void readAt(void* buffer, size_t length, uint64_t offset) const;

    // Sequential only: up to `length` bytes, 0 at the end. Throws IncompleteError when reading fails,
    // InterruptedError on Ctrl-C. A decrypting source ends only once age has ended cleanly: otherwise
    // it throws age's failure (no or wrong identity: BadInputError; damaged ciphertext: ProofFailedError).
    virtual size_t read(void* buffer, size_t length);

protected:
    ArchiveSource(std::string location, std::string name) : location_(std::move(location)), name_(std::move(name)) {}

private:
    std::string location_;
    std::string name_;
};

// The one opener: "-" is standard input (refused when it is a terminal), "s3://BUCKET/KEY" an object
// (openArchiveObject: asked for its size, BadInputError when the key is missing), anything else a local file
// (BadInputError when it cannot be opened or is not a regular file). A file that starts with age's header
// is decrypted through age (BadInputError now when no identity was given); stdin is told apart by its
// first bytes, at its first read. Opening reads nothing else yet.
std::unique_ptr<ArchiveSource> openArchiveSource(const std::string& location);

// A local file by pread (random access).
std::unique_ptr<ArchiveSource> openArchiveFile(const std::string& path);
// An open descriptor read to its end (sequential); the descriptor stays the caller's. A terminal is
// refused (BadInputError) when `refuseTerminal`.
std::unique_ptr<ArchiveSource> openArchiveDescriptor(int fd, std::string name, bool refuseTerminal = true);

}  // namespace pgproof
