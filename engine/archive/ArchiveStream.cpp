#include "ArchiveStream.hpp"

#include <oneapi/tbb/parallel_pipeline.h>

#include <mutex>
#include <vector>
#include <oneapi/tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "ArchiveFormat.hpp"
#include "ArchiveReader.hpp"
#include "Errors.hpp"
#include "FrameCodec.hpp"
#include "Interrupt.hpp"

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
    if (complete_) return false;
    offset = offset_;
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
        need(5, "a frame header");
        b = reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
        unsigned fhd = b[4];
        bool singleSegment = fhd & 0x20;
        bool checksum = fhd & 0x04;
        static const size_t dictSizes[] = {0, 1, 2, 4};
        static const size_t fcsSizes[] = {0, 2, 4, 8};
        size_t fcs = fcsSizes[fhd >> 6];
        if ((fhd >> 6) == 0 && singleSegment) fcs = 1;
        if (fhd & 0x08)  // reserved bit: never set by zstd
            throw ProofFailedError(name_ + ": the frame at offset " + std::to_string(offset) + " has a damaged header: the archive is damaged");
        size_t header = 5 + (singleSegment ? 0 : 1) + dictSizes[fhd & 3] + fcs;
        need(header, "a frame header");
        take(header, compressed);
        for (;;) {
            need(3, "a frame");
            b = reinterpret_cast<const unsigned char*>(buf_.data() + pos_);
            uint32_t bh = b[0] | (b[1] << 8) | (b[2] << 16);
            bool last = bh & 1;
            unsigned type = (bh >> 1) & 3;
            size_t size = bh >> 3;
            if (type == 3 || size > kMaxBlock)
                throw ProofFailedError(name_ + ": the frame at offset " + std::to_string(offset) + " has a damaged block header: the archive is damaged");
            size_t content = type == 1 ? 1 : size;
            need(3 + content, "a frame");
            take(3 + content, compressed);
            if (last) break;
        }
        if (checksum) {
            need(4, "a frame");
            take(4, compressed);
        }
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

void decodeArchiveStream(ArchiveStream& stream, int threads, const std::function<void(StreamedFrame&)>& consume) {
    threads = std::max(1, threads);
    FramePool pool;
    tbb::task_arena arena(threads);
    arena.execute([&] {
        tbb::parallel_pipeline(
            static_cast<size_t>(2 * threads + 2),
            tbb::make_filter<void, std::shared_ptr<StreamedFrame>>(
                tbb::filter_mode::serial_in_order,
                [&](tbb::flow_control& fc) -> std::shared_ptr<StreamedFrame> {
                    if (interrupted()) {
                        fc.stop();
                        return nullptr;
                    }
                    auto f = pool.get();
                    if (!stream.next(f->bytes, f->offset)) {
                        fc.stop();
                        return nullptr;
                    }
                    f->compressed = f->bytes.size();
                    return f;
                }) &
                tbb::make_filter<std::shared_ptr<StreamedFrame>, std::shared_ptr<StreamedFrame>>(
                    tbb::filter_mode::parallel,
                    [](std::shared_ptr<StreamedFrame> f) {
                        f->damage = FrameCodec::decode(f->bytes, std::nullopt, f->raw);
                        if (f->damage.empty()) f->rows = fingerprintRows(f->raw);
                        return f;
                    }) &
                tbb::make_filter<std::shared_ptr<StreamedFrame>, void>(
                    tbb::filter_mode::serial_in_order, [&](std::shared_ptr<StreamedFrame> f) {
                        consume(*f);
                        pool.put(std::move(f));
                    }));
    });
    throwIfInterrupted("reading " + stream.name());
}

}  // namespace pgproof
