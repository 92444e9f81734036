#pragma once
// Writes an archive next to its final path and moves it into place only on
// commit(): temporary file (mode 0600), frames, manifest, trailer, fsync,
// rename, fsync of the folder. Destroyed without commit, it removes the
// temporary file, so no partial archive is ever left where a good one is expected.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "FileDescriptor.hpp"
#include "Manifest.hpp"

namespace pgproof {

class ArchiveWriter {
public:
    explicit ArchiveWriter(std::filesystem::path finalPath);
    ~ArchiveWriter();
    ArchiveWriter(const ArchiveWriter&) = delete;
    ArchiveWriter& operator=(const ArchiveWriter&) = delete;

    // Appends one compressed frame (buffered); returns its offset. Throws IncompleteError on I/O failure.
    uint64_t append(std::string_view frame);
    uint64_t size() const { return offset_; }
    // Writes manifest and trailer, syncs and renames into place.
    void commit(const Manifest& manifest);
    const std::filesystem::path& finalPath() const { return final_; }

private:
    void writeAll(const void* data, size_t len);
    void flush();  // writes the buffered frames

    std::string buffer_;  // frames not yet written: small frames cost one write(2) per MiB, not each
    std::filesystem::path final_;
    std::filesystem::path temp_;
    FileDescriptor fd_;
    uint64_t offset_ = 0;
    bool committed_ = false;
};

}  // namespace pgproof
