#include "ArchiveStream.hpp"

#include <oneapi/tbb/parallel_pipeline.h>

#include <mutex>
#include <vector>
#include <oneapi/tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <zstd.h>

#include "ArchiveFormat.hpp"
#include "ArchiveReader.hpp"
#include "Errors.hpp"
#include "FrameCodec.hpp"
#include "Interrupt.hpp"
#include "RowHashStream.hpp"

namespace pgproof {

namespace {
constexpr size_t kReadBytes = 1u << 20;
constexpr size_t kMaxBlock = 128u << 10;  // zstd's largest block
}  // namespace

ArchiveStream::ArchiveStream(std::unique_ptr<ArchiveSource> source) : source_(std::move(source)), name_(source_->name()) {}

ArchiveStream::ArchiveStream(int fd, std::string name) : ArchiveStream(openArchiveDescriptor(fd, std::move(name))) {}

bool ArchiveStream::fill(size_t n) {
    while (end_ - pos_ < n) {
        if (eof_) return false;
        if (pos_ > 0 && (buf_.size() - end_ < kReadBytes || pos_ == end_)) {
            std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
            end_ -= pos_;
            pos_ = 0;
        }
        if (buf_.size() < end_ + std::max(kReadBytes, n)) buf_.resize(end_ + std::max(kReadBytes, n));
        size_t got = source_->read(buf_.data() + end_, buf_.size() - end_);
        if (got == 0) eof_ = true;
        end_ += got;
    }
    return true;
}

void ArchiveStream::need(size_t n, const char* what) {
    if (!fill(n))
        throw ProofFailedError(name_ + " ends in the middle of " + what + " at offset " + std::to_string(offset_ + (end_ - pos_)) +
                               ": the stream was cut short (truncated archive); nothing is proven");
}

void ArchiveStream::take(size_t n, std::string& out) {
    out.append(buf_.data() + pos_, n);
    pos_ += n;
    offset_ += n;
}

bool ArchiveStream::next(std::string& compressed, uint64_t& offset) {
    compressed.clear();
    if (!beginFrame(offset)) return false;
    while (framePart(compressed)) {
    }
    return true;
}

size_t ArchiveStream::frameHeaderSize() {
    need(5, "a frame header");
    const auto* b = reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
    unsigned fhd = b[4];
    bool singleSegment = fhd & 0x20;
    static const size_t dictSizes[] = {0, 1, 2, 4};
    static const size_t fcsSizes[] = {0, 2, 4, 8};
    size_t fcs = fcsSizes[fhd >> 6];
    if ((fhd >> 6) == 0 && singleSegment) fcs = 1;
    if (fhd & 0x08)  // reserved bit: never set by zstd
        throw ProofFailedError(name_ + ": the frame at offset " + std::to_string(frameOffset_) + " has a damaged header: the archive is damaged");
    size_t header = 5 + (singleSegment ? 0 : 1) + dictSizes[fhd & 3] + fcs;
    need(header, "a frame header");
    return header;
}

bool ArchiveStream::frameIsHuge() {
    if (part_ != Part::Header) return false;
    size_t header = frameHeaderSize();
    // No content size: FrameCodec::Encoder's frame, which only a row too long to hold makes. A frame with
    // a size goes whole (FrameCodec::decode checks that size before it allocates).
    return ZSTD_getFrameContentSize(buf_.data() + pos_, header) == ZSTD_CONTENTSIZE_UNKNOWN;
}

bool ArchiveStream::framePart(std::string& out) {
    switch (part_) {
        case Part::None:
            return false;
        case Part::Header: {
            size_t header = frameHeaderSize();
            checksum_ = reinterpret_cast<const unsigned char*>(buf_.data() + pos_)[4] & 0x04;
            take(header, out);
            part_ = Part::Blocks;
            return true;
        }
        case Part::Blocks: {
            need(3, "a frame");
            const auto* b = reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
            uint32_t bh = b[0] | (b[1] << 8) | (b[2] << 16);
            bool last = bh & 1;
            unsigned type = (bh >> 1) & 3;
            size_t size = bh >> 3;
            if (type == 3 || size > kMaxBlock)
                throw ProofFailedError(name_ + ": the frame at offset " + std::to_string(frameOffset_) + " has a damaged block header: the archive is damaged");
            size_t content = type == 1 ? 1 : size;
            need(3 + content, "a frame");
            take(3 + content, out);
            if (last) part_ = checksum_ ? Part::Checksum : Part::None;
            return true;
        }
        case Part::Checksum:
            need(4, "a frame");
            take(4, out);
            part_ = Part::None;
            return true;
    }
    return false;
}

bool ArchiveStream::beginFrame(uint64_t& offset) {
    if (part_ != Part::None)
        throw std::logic_error("ArchiveStream::beginFrame: the previous frame of " + name_ + " was not read to its end");
    if (complete_) return false;
    offset = frameOffset_ = offset_;
    if (!fill(4)) {
        if (offset_ == 0 && end_ == pos_) throw BadInputError(name_ + " is empty: no archive arrived");
        if (offset_ == 0) throw BadInputError(name_ + " is not a pgproof archive (it does not start with a zstd frame)");
        throw ProofFailedError(name_ + " ends at offset " + std::to_string(offset_ + (end_ - pos_)) +
                               " without the manifest and trailer: the stream was cut short or never completed; nothing is proven");
    }
    const auto* b = reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
    uint32_t magic = archive::getLE32(b);
    if (offset_ == 0 && magic != archive::kZstdFrameMagic)
        throw BadInputError(name_ + " is not a pgproof archive (it does not start with a zstd frame)");
    if (magic == archive::kZstdFrameMagic) {
        part_ = Part::Header;
        return true;
    }
    if (magic != archive::kManifestFrameMagic)
        throw ProofFailedError(name_ + ": the bytes at offset " + std::to_string(offset_) +
                               " are neither a zstd frame nor the manifest: the archive is damaged");
    manifestOffset_ = offset_;
    need(archive::kSkippableHeaderSize, "the manifest");
    uint64_t length = archive::getLE32(reinterpret_cast<const unsigned char*>(buf_.data() + pos_ + 4));
    std::string header;
    take(archive::kSkippableHeaderSize, header);
    std::string body;
    body.reserve(std::min<uint64_t>(length, uint64_t{1} << 20));  // a damaged length must not allocate 4 GiB up front
    while (body.size() < length) {
        need(1, "the manifest");
        take(std::min<size_t>(length - body.size(), end_ - pos_), body);
    }
    need(archive::kTrailerSize, "the trailer");
    std::string tb;
    take(archive::kTrailerSize, tb);
    auto trailer = archive::decodeTrailer(reinterpret_cast<const unsigned char*>(tb.data()));
    if (!trailer)
        throw ProofFailedError(name_ + " has no valid pgproof trailer after its manifest: the archive is damaged or was never completed");
    if (trailer->formatVersion != archive::kFormatVersion)
        throw BadInputError(name_ + " uses archive format version " + std::to_string(trailer->formatVersion) +
                            "; this pgproof reads version " + std::to_string(archive::kFormatVersion));
    if (trailer->manifestOffset != manifestOffset_ || trailer->manifestLength != length)
        throw ProofFailedError(name_ + ": the trailer's manifest position does not match where the manifest is: the archive is damaged");
    manifest_ = ArchiveReader::decodeManifest(body, trailer->manifestChecksum, name_);
    if (fill(1))
        throw ProofFailedError(name_ + " goes on after its trailer (at offset " + std::to_string(offset_) +
                               "): two archives or garbage were concatenated; nothing is proven");
    complete_ = true;
    return false;
}

namespace {
// Frames in flight are recycled: their buffers keep their capacity (and the decoded text its size), so
// that a stream of thousands of frames does not allocate, zero and fault in fresh memory for each.
class FramePool {
public:
    std::shared_ptr<StreamedFrame> get() {
        std::lock_guard lock(mutex_);
        if (free_.empty()) return std::make_shared<StreamedFrame>();
        auto f = std::move(free_.back());
        free_.pop_back();
        return f;
    }
    void put(std::shared_ptr<StreamedFrame> f) {
        // A huge row's frame is not kept for the frames after it: each frame in flight would grow to it.
        if (f->bytes.capacity() > FrameCodec::kPiecesFrom) std::string().swap(f->bytes);
        if (f->raw.capacity() > FrameCodec::kPiecesFrom) std::string().swap(f->raw);
        f->bytes.clear();
        f->damage.clear();
        f->rows = {};
        std::lock_guard lock(mutex_);
        free_.push_back(std::move(f));
    }

private:
    std::mutex mutex_;
    std::vector<std::shared_ptr<StreamedFrame>> free_;
};
}  // namespace

namespace {
// The huge frame the stream stands at, decoded on this thread in pieces (FrameCodec::decodeInPieces),
// its compressed bytes pulled a block at a time and read to the frame's end even when it is damaged.
void decodeHugeFrame(ArchiveStream& stream, uint64_t offset, const StreamPieces& pieces) {
    StreamedFrame f;
    f.offset = offset;
    pieces.begin(f);
    std::string pending;
    size_t used = 0;
    bool more = true;
    auto readCompressed = [&](char* buf, size_t cap) -> size_t {
        while (used == pending.size() && more) {
            pending.clear();
            used = 0;
            more = stream.framePart(pending);
            f.compressed += pending.size();
        }
        size_t n = std::min(cap, pending.size() - used);
        std::memcpy(buf, pending.data() + used, n);
        used += n;
        return n;
    };
    RowHashStream rows;
    f.damage = FrameCodec::decodeInPieces(readCompressed, std::nullopt, [&](std::string_view piece) {
        f.rawBytes += piece.size();
        rows.feed(piece);
        pieces.piece(piece);
    });
    while (more) {  // a frame that stopped decoding early is still walked to its end: the next one follows it
        pending.clear();
        more = stream.framePart(pending);
        f.compressed += pending.size();
    }
    if (f.damage.empty()) f.rows = rows.finish();
    pieces.end(f);
}
}  // namespace

void decodeArchiveStream(ArchiveStream& stream, int threads, const std::function<void(StreamedFrame&)>& consume,
                         const StreamPieces* pieces) {
    threads = std::max(1, threads);
    FramePool pool;
    tbb::task_arena arena(threads);
    for (;;) {
        std::optional<uint64_t> huge;  // the offset of the huge frame the pipeline stopped at
        arena.execute([&] {
            tbb::parallel_pipeline(
                static_cast<size_t>(2 * threads + 2),
                tbb::make_filter<void, std::shared_ptr<StreamedFrame>>(
                    tbb::filter_mode::serial_in_order,
                    [&](tbb::flow_control& fc) -> std::shared_ptr<StreamedFrame> {
                        uint64_t offset = 0;
                        if (interrupted() || !stream.beginFrame(offset)) {
                            fc.stop();
                            return nullptr;
                        }
                        if (pieces && stream.frameIsHuge()) {
                            huge = offset;
                            fc.stop();
                            return nullptr;
                        }
                        auto f = pool.get();
                        f->offset = offset;
                        while (stream.framePart(f->bytes)) {
                        }
                        f->compressed = f->bytes.size();
                        return f;
                    }) &
                    tbb::make_filter<std::shared_ptr<StreamedFrame>, std::shared_ptr<StreamedFrame>>(
                        tbb::filter_mode::parallel,
                        [](std::shared_ptr<StreamedFrame> f) {
                            f->damage = FrameCodec::decode(f->bytes, std::nullopt, f->raw);
                            f->rawBytes = f->raw.size();
                            if (f->damage.empty()) f->rows = fingerprintRows(f->raw);
                            return f;
                        }) &
                    tbb::make_filter<std::shared_ptr<StreamedFrame>, void>(
                        tbb::filter_mode::serial_in_order, [&](std::shared_ptr<StreamedFrame> f) {
                            consume(*f);
                            pool.put(std::move(f));
                        }));
        });
        if (!huge || interrupted()) break;
        decodeHugeFrame(stream, *huge, *pieces);
    }
    throwIfInterrupted("reading " + stream.name());
}

}  // namespace pgproof
