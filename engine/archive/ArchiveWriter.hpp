#pragma once
// Writes an archive strictly in order: frames (buffered into 1 MiB writes), then on commit() the
// manifest and the trailer, and hands it to its output (ArchiveOutput: a local file moved into place
// atomically, or a sequential stream). Destroyed without commit, the output abandons the archive: no
// partial file at the final path, and a stream without a trailer that every reader rejects.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <memory>

#include "ArchiveOutput.hpp"
#include "Manifest.hpp"

namespace pgproof {

class ArchiveWriter {
public:
    // "-" writes to stdout. An existing file is refused (BadInputError) unless `overwrite`.
    explicit ArchiveWriter(const std::filesystem::path& target, bool overwrite = false);
    // Any other output: an encrypting one (encryptingOutput), a store's.
    explicit ArchiveWriter(std::unique_ptr<ArchiveOutput> output) : output_(std::move(output)) {}
    ~ArchiveWriter();
    ArchiveWriter(const ArchiveWriter&) = delete;
    ArchiveWriter& operator=(const ArchiveWriter&) = delete;

    // Appends one compressed frame (buffered); returns its offset. Throws IncompleteError on I/O failure.
    uint64_t append(std::string_view frame);
    uint64_t size() const { return offset_; }
    // Writes manifest and trailer, syncs and renames into place.
    void commit(const Manifest& manifest);
    const std::string& target() const { return output_->name(); }

private:
    void flush();  // writes the buffered frames

    std::string buffer_;  // frames not yet written: small frames cost one write(2) per MiB, not each
    std::unique_ptr<ArchiveOutput> output_;
    uint64_t offset_ = 0;
};

}  // namespace pgproof
