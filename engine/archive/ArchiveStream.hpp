#pragma once
// Reads an archive sequentially from a byte stream (ArchiveSource in its sequential form: stdin, a pipe,
// an object store's client, a decrypting stream), never
// seeking and never copying it to disk: frame by frame, each delimited from its zstd frame and block
// headers without decompressing, then the manifest and the trailer at the end, which must agree with
// what was read (offsets, length, checksum) and be the last bytes. Until next() returns false the
// manifest is unknown: nothing read from a stream can be proven before that.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ArchiveSource.hpp"

#include "Manifest.hpp"
#include "TableFingerprint.hpp"

namespace pgproof {

class ArchiveStream {
public:
    // `source` is read to its end, in order; its name() names it in messages.
    explicit ArchiveStream(std::unique_ptr<ArchiveSource> source);
    // `fd` read to its end; `name` names it in messages ("the archive on standard input").
    // Throws BadInputError when fd is a terminal.
    ArchiveStream(int fd, std::string name);

    // Reads the next zstd frame whole into `compressed` and its offset in the archive; returns false once
    // the manifest and trailer have been read and checked. Throws BadInputError when the stream is not a
    // pgproof archive at all, ProofFailedError when it is cut short or damaged, IncompleteError on read errors.
    bool next(std::string& compressed, uint64_t& offset);

    // The same, a part at a time, so that a huge frame is never held: beginFrame() is false once the
    // manifest and trailer have been read and checked (as next()); otherwise framePart() appends the
    // frame's next part (its header, one block, its checksum) to `out` until it returns false at the
    // frame's end. frameIsHuge(), before the first part: the frame's header records no content size (the
    // frame of one row too long to hold, FrameCodec::Encoder's). Errors as next().
    bool beginFrame(uint64_t& offset);
    bool frameIsHuge();
    bool framePart(std::string& out);

    const Manifest& manifest() const { return manifest_; }
    bool complete() const { return complete_; }
    uint64_t bytesRead() const { return offset_; }
    uint64_t manifestOffset() const { return manifestOffset_; }
    const std::string& name() const { return name_; }
    const ArchiveSource& source() const { return *source_; }

private:
    bool fill(size_t n);  // at least n bytes buffered; false at the end of the stream
    void need(size_t n, const char* what);
    void take(size_t n, std::string& out);
    size_t frameHeaderSize();  // of the frame begun, validated and buffered

    enum class Part { None, Header, Blocks, Checksum };
    Part part_ = Part::None;  // what framePart() reads next
    bool checksum_ = false;
    uint64_t frameOffset_ = 0;

    std::unique_ptr<ArchiveSource> source_;
    std::string name_;
    std::string buf_;
    size_t pos_ = 0, end_ = 0;
    bool eof_ = false;
    uint64_t offset_ = 0;  // archive offset of buf_[pos_]
    uint64_t manifestOffset_ = 0;
    bool complete_ = false;
    Manifest manifest_;
};

// One frame of a stream, decoded.
struct StreamedFrame {
    uint64_t offset = 0;
    uint64_t compressed = 0;
    std::string bytes;        // the compressed frame
    std::string raw;          // its decompressed lines (empty when damaged, and for a frame handed over in pieces)
    uint64_t rawBytes = 0;    // how many bytes it decompressed to (in pieces too)
    std::string damage;       // why it is damaged ("" when intact)
    TableFingerprint rows;    // its lines taken as COPY rows (meaningful for rows frames)
};

// A huge frame (ArchiveStream::frameIsHuge: one long row) handed over in pieces instead of whole, so that
// neither its compressed nor its decompressed bytes are held: begin(frame) with its offset, piece() with
// its decompressed bytes in order, a MiB at most, cut anywhere (inside the row too), then end(frame)
// with its compressed and raw sizes, its rows' fingerprint (RowHashStream) and its damage ("" when
// intact; pieces may have gone out before a damage is found), `raw` left empty.
struct StreamPieces {
    std::function<void(const StreamedFrame& frame)> begin;
    std::function<void(std::string_view piece)> piece;
    std::function<void(StreamedFrame& frame)> end;
};

// Reads the whole stream: decodes up to `threads` frames at once and hands each to `consume` in stream
// order, with a bounded number of frames in flight (memory does not grow with the archive). Given
// `pieces`, a huge frame goes to it instead, once every frame before it has been consumed, and is
// decoded on the calling thread a MiB at a time. Returns once the manifest is read; exceptions of
// `consume`, `pieces` or of the stream stop the reading and propagate.
void decodeArchiveStream(ArchiveStream& stream, int threads, const std::function<void(StreamedFrame&)>& consume,
                         const StreamPieces* pieces = nullptr);

}  // namespace pgproof
