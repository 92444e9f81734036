#pragma once
// An archive opened for reading from its source (ArchiveSource), in the form the source allows:
//   - random access: an ArchiveReader, with the trailer and manifest read at once (frames by offset,
//     in parallel, as often as needed);
//   - sequential: an ArchiveStream, read once in order; its manifest is known only at its end.
// Commands that read an archive (check, inspect, restore, drill) take one of these and have one body:
// they use reader() where there is one and the stream's in-order decode otherwise.
#include <memory>
#include <string>

#include "ArchiveReader.hpp"
#include "ArchiveSource.hpp"
#include "ArchiveStream.hpp"

namespace pgproof {

class OpenedArchive {
public:
    // Opens `location` with openArchiveSource. A random-access source has its trailer and manifest
    // read now: BadInputError when it is not an archive, ProofFailedError when it is a damaged one.
    explicit OpenedArchive(const std::string& location);
    explicit OpenedArchive(std::unique_ptr<ArchiveSource> source);

    // Exactly one of these is set.
    const ArchiveReader* reader() const { return reader_.get(); }
    ArchiveStream* stream() { return stream_.get(); }

    const ArchiveSource& source() const { return reader_ ? reader_->source() : stream_->source(); }
    const std::string& location() const { return source().location(); }
    const std::string& name() const { return source().name(); }

    // The manifest is known: always for random access, for a stream once it has been read to its end.
    bool manifestKnown() const { return reader_ || stream_->complete(); }
    const Manifest& manifest() const { return reader_ ? reader_->manifest() : stream_->manifest(); }
    uint64_t manifestOffset() const { return reader_ ? reader_->manifestOffset() : stream_->manifestOffset(); }
    // The archive's length: the file's or object's size, or the bytes a stream has delivered so far.
    uint64_t size() const { return reader_ ? reader_->fileSize() : stream_->bytesRead(); }

    // For a stream: reads it to its end without decompressing a frame, so that the manifest is known
    // (inspect). Nothing for random access. Throws as ArchiveStream::next.
    void readToManifest();

private:
    std::unique_ptr<ArchiveReader> reader_;
    std::unique_ptr<ArchiveStream> stream_;
};

}  // namespace pgproof
