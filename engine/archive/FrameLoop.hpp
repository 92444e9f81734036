#pragma once
// The one frame loop of the random-access readers (check, the row sources of verify and diff, restore's
// rows and schema, large objects): each frame read by offset (ArchiveReader::readFrame) and decoded by
// FrameCodec (content checksum, size, line boundary), then handed on as whole lines.
//   parallel():     `count` frames on `jobs` threads, in any order. The first error is kept (FirstFailure):
//                   frames not yet started are skipped and the error is rethrown once the running ones end.
//   parallelEach(): the same, but each frame's error goes to `failed` and the loop goes on (check names
//                   every damaged frame).
//   inOrder():      one frame after another on the calling thread; the first error propagates at once.
// A huge frame (FrameCodec::kPiecesFrom raw bytes and more: one long row) is decoded a MiB at a time
// (ArchiveReader::decodeFrameInPieces), never with its compressed bytes held. By default its pieces are
// joined into `raw` (one copy, released after use); a loop given inPieces() hands them over instead, so
// that check and restore never hold the row whole.
// A frame that does not decode is a ProofFailedError "<name> is damaged: <why>". Ctrl-C stops the loop
// with an InterruptedError naming `doing`. The stream's form of the loop is decodeArchiveStream.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ArchiveReader.hpp"

namespace pgproof {

class FrameLoop {
public:
    // Frame i of the loop is frame(i) of the archive, named in messages by name(i); either may throw.
    using FrameAt = std::function<const FrameEntry&(size_t i)>;
    using FrameName = std::function<std::string(size_t i)>;
    // Called with each frame's decoded lines; `raw` is the thread's buffer (valid during the call).
    using Use = std::function<void(size_t i, std::string& raw)>;
    // A huge frame in pieces: begin(i), then piece(i, bytes) for its decoded bytes in order, cut anywhere
    // (inside a row too: RowHashStream fingerprints them), then end(i) once the whole frame proved intact.
    // A frame that turns out damaged after some pieces fails like any other (end is not called).
    struct Pieces {
        std::function<void(size_t i)> begin;
        std::function<void(size_t i, std::string_view piece)> piece;
        std::function<void(size_t i)> end;
    };

    FrameLoop(const ArchiveReader& archive, size_t count, FrameAt frame, FrameName name, std::string doing)
        : archive_(archive), count_(count), frame_(std::move(frame)), name_(std::move(name)), doing_(std::move(doing)) {}

    // Huge frames go to `pieces` instead of to the loop's `use` (which still gets every other frame).
    FrameLoop& inPieces(Pieces pieces) {
        pieces_ = std::move(pieces);
        return *this;
    }

    void parallel(int jobs, const Use& use) const;
    void parallelEach(int jobs, const Use& use, const std::function<void(size_t i, const std::string& error)>& failed) const;
    void inOrder(const Use& use) const;

private:
    // Decodes frame i and hands it on: whole to `use`, or in pieces to pieces_.
    void run(size_t i, std::string& raw, const Use& use) const;

    const ArchiveReader& archive_;
    size_t count_;
    FrameAt frame_;
    FrameName name_;
    std::string doing_;
    std::optional<Pieces> pieces_;
};

}  // namespace pgproof
