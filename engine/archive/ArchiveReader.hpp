#pragma once
// Opens an archive from a random-access source (ArchiveSource: a local file, an object): finds the
// trailer, reads and checks the manifest, and reads single frames by offset (thread-safe), so that
// several workers can decompress frames at once.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>
#include <string>

#include "ArchiveSource.hpp"
#include "Manifest.hpp"

namespace pgproof {

class ArchiveReader {
public:
    // Throws BadInputError when the file is missing or not a pgproof archive at all,
    // ProofFailedError when it is one but its trailer or manifest is missing or damaged.
    explicit ArchiveReader(const std::filesystem::path& path);
    // The same from a source that has random access (ArchiveSource::randomAccess()).
    explicit ArchiveReader(std::unique_ptr<ArchiveSource> source);

    const Manifest& manifest() const { return manifest_; }
    const ArchiveSource& source() const { return *source_; }
    uint64_t fileSize() const { return size_; }
    uint64_t manifestOffset() const { return manifestOffset_; }
    // The manifest's checksum as its trailer records it (XXH3-64): what a repository's history binds
    // its records to (manifestChecksumText: 16 lowercase hex digits).
    uint64_t manifestChecksum() const { return manifestChecksum_; }
    std::string manifestChecksumText() const;

    // The compressed bytes of one frame. Throws ProofFailedError if the file is too short.
    std::string readFrame(const FrameEntry& frame) const;
    // Decompresses one frame and checks its content checksum; throws ProofFailedError naming `what`.
    // `out` is reused across calls to avoid reallocations.
    static void decompressFrame(const std::string& compressed, const FrameEntry& frame, const std::string& what,
                                std::string& out);
    // Decompresses one frame a piece at a time (FrameCodec::decodeInPieces: the source read in MiB pieces, raw
    // pieces to `onRaw`), for frames of FrameCodec::kPiecesFrom raw bytes and more: memory stays at a
    // few MiB whatever the frame's size. Throws ProofFailedError naming `what`, as decompressFrame.
    void decodeFrameInPieces(const FrameEntry& frame, const std::string& what,
                             const std::function<void(std::string_view)>& onRaw) const;
    // Checks the manifest's checksum and parses it; throws ProofFailedError naming `archive`.
    static Manifest decodeManifest(const std::string& body, uint64_t checksum, const std::string& archive);

private:
    std::unique_ptr<ArchiveSource> source_;
    uint64_t size_ = 0;
    uint64_t manifestOffset_ = 0;
    uint64_t manifestChecksum_ = 0;
    Manifest manifest_;
};

}  // namespace pgproof
