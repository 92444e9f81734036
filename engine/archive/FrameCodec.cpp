#include "FrameCodec.hpp"

#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "Errors.hpp"

namespace pgproof {

namespace {
struct DCtxDeleter {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};
struct CCtxDeleter {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
}  // namespace

void FrameCodec::encode(std::string_view in, int level, std::string& compressed) {
    thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx(ZSTD_createCCtx());
    // One scratch buffer per thread: no zero-filling or fresh pages for every frame.
    thread_local std::unique_ptr<char[]> scratch;
    thread_local size_t scratchSize = 0;
    ZSTD_CCtx_reset(cctx.get(), ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 1);
    size_t bound = ZSTD_compressBound(in.size());
    if (scratchSize < bound) {
        scratch = std::make_unique_for_overwrite<char[]>(bound);
        scratchSize = bound;
    }
    size_t n = ZSTD_compress2(cctx.get(), scratch.get(), scratchSize, in.data(), in.size());
    if (ZSTD_isError(n)) throw IncompleteError(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    compressed.assign(scratch.get(), n);
}

struct FrameCodec::Encoder::State {
    std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx{ZSTD_createCCtx()};
    std::vector<char> out;
};

FrameCodec::Encoder::Encoder() : state_(std::make_unique<State>()) {}
FrameCodec::Encoder::~Encoder() = default;

void FrameCodec::Encoder::begin(int level, int jobs) {
    ZSTD_CCtx* c = state_->cctx.get();
    ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    if (jobs > 1) ZSTD_CCtx_setParameter(c, ZSTD_c_nbWorkers, jobs);
}

void FrameCodec::Encoder::feed(std::string_view piece, bool last, const std::function<void(std::string_view)>& out) {
    std::vector<char>& buf = state_->out;
    buf.resize(ZSTD_CStreamOutSize());
    ZSTD_inBuffer in{piece.data(), piece.size(), 0};
    const ZSTD_EndDirective mode = last ? ZSTD_e_end : ZSTD_e_continue;
    for (;;) {
        ZSTD_outBuffer o{buf.data(), buf.size(), 0};
        size_t left = ZSTD_compressStream2(state_->cctx.get(), &o, &in, mode);
        if (ZSTD_isError(left)) throw IncompleteError(std::string("zstd compression failed: ") + ZSTD_getErrorName(left));
        if (o.pos > 0) out(std::string_view(buf.data(), o.pos));
        if (last ? left == 0 : in.pos == in.size) break;
    }
}

std::string FrameCodec::decode(std::string_view compressed, std::optional<uint64_t> expectedRaw, std::string& raw) {
    thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
    raw.clear();
    // Every size is checked before anything is allocated: a damaged manifest or frame header can claim
    // any size (2^63 bytes), and the buffer is allocated from it.
    unsigned long long claimed = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
    if (claimed == ZSTD_CONTENTSIZE_ERROR) return "its frame header is damaged";
    if (!expectedRaw && claimed == ZSTD_CONTENTSIZE_UNKNOWN) {
        // A frame of one huge row is written as it streams through the backup, before its size is known.
        // Decoded in pieces, only the bytes really there are stored: no claimed size is allocated.
        size_t at = 0;
        return decodeInPieces(
            [&](char* buf, size_t cap) {
                size_t n = std::min(cap, compressed.size() - at);
                std::memcpy(buf, compressed.data() + at, n);
                at += n;
                return n;
            },
            std::nullopt, [&](std::string_view piece) { raw.append(piece); });
    }
    if (expectedRaw && claimed != ZSTD_CONTENTSIZE_UNKNOWN && claimed != *expectedRaw)
        return "its header says it holds " + std::to_string(claimed) + " bytes, the manifest says " + std::to_string(*expectedRaw);
    const uint64_t size = expectedRaw ? *expectedRaw : claimed;
    const char* whoSays = expectedRaw ? "the manifest says" : "its header says";
    if (size > kMaxRawBytes)
        return std::string(whoSays) + " it holds " + std::to_string(size) + " bytes, more than a frame can (at most " +
               std::to_string(kMaxRawBytes) + ")";
    // Every block costs at least its 3-byte header and yields at most 128 KiB (an RLE block): a few bytes
    // cannot hold a gigabyte. A frame whose blocks cannot even be walked is damaged: zstd names how.
    size_t frameSize = ZSTD_findFrameCompressedSize(compressed.data(), compressed.size());
    if (ZSTD_isError(frameSize)) return ZSTD_getErrorName(frameSize);
    const uint64_t bound = uint64_t{frameSize / 3} * kMaxBlockBytes;
    if (size > bound)
        return std::string(whoSays) + " it holds " + std::to_string(size) + " bytes, more than its " + std::to_string(frameSize) +
               " compressed bytes can";
    raw.resize(size);
    size_t n = ZSTD_decompressDCtx(dctx.get(), raw.data(), raw.size(), compressed.data(), compressed.size());
    if (ZSTD_isError(n)) {
        raw.clear();
        return ZSTD_getErrorName(n);
    }
    if (n != size) {
        raw.resize(n);
        return "it holds " + std::to_string(n) + " bytes, " + whoSays + " " + std::to_string(size);
    }
    if (!raw.empty() && raw.back() != '\n') return "it does not end at a line boundary";
    return "";
}

std::string FrameCodec::decodeInPieces(const std::function<size_t(char*, size_t)>& readCompressed,
                                       std::optional<uint64_t> expectedRaw,
                                       const std::function<void(std::string_view)>& onRaw) {
    thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
    ZSTD_DCtx_reset(dctx.get(), ZSTD_reset_session_and_parameters);
    // A huge frame's window is still zstd's default for its level (a few MiB); refuse a header asking for more.
    ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, 27);
    thread_local std::vector<char> in(ZSTD_DStreamInSize()), out(kPieceBytes);
    const char* whoSays = expectedRaw ? "the manifest says" : "its header says";
    ZSTD_inBuffer input{in.data(), 0, 0};
    bool first = true, ended = false, inputDone = false, outputFull = false;
    uint64_t total = 0;
    char last = '\n';
    std::optional<uint64_t> claimedSize;
    for (;;) {
        if (input.pos == input.size && !inputDone) {
            input.size = readCompressed(in.data(), in.size());
            input.pos = 0;
            if (input.size == 0) inputDone = true;
            if (first && input.size > 0) {
                first = false;
                unsigned long long claimed = ZSTD_getFrameContentSize(in.data(), input.size);
                if (claimed == ZSTD_CONTENTSIZE_ERROR) return "its frame header is damaged";
                if (claimed != ZSTD_CONTENTSIZE_UNKNOWN) {
                    if (expectedRaw && claimed != *expectedRaw)
                        return "its header says it holds " + std::to_string(claimed) + " bytes, the manifest says " +
                               std::to_string(*expectedRaw);
                    claimedSize = claimed;
                }
            }
        }
        if (ended) {
            if (input.pos < input.size) return "it goes on after the end of its zstd frame";
            break;
        }
        // With no input left, only output the decoder still holds (the last call filled its buffer) may come.
        if (inputDone && input.pos == input.size && !outputFull) return "it ends in the middle of its zstd frame (truncated)";
        ZSTD_outBuffer output{out.data(), out.size(), 0};
        size_t r = ZSTD_decompressStream(dctx.get(), &output, &input);
        if (ZSTD_isError(r)) return ZSTD_getErrorName(r);
        outputFull = output.pos == output.size;
        if (output.pos > 0) {
            total += output.pos;
            const uint64_t limit = expectedRaw ? *expectedRaw : claimedSize.value_or(UINT64_MAX);
            if (total > limit) return "it holds more than the " + std::to_string(limit) + " bytes " + whoSays;
            last = out[output.pos - 1];
            onRaw(std::string_view(out.data(), output.pos));
        }
        if (r == 0) ended = true;  // the frame is complete and its content checksum matched
    }
    const uint64_t want = expectedRaw ? *expectedRaw : claimedSize.value_or(total);
    if (total != want) return "it holds " + std::to_string(total) + " bytes, " + whoSays + " " + std::to_string(want);
    if (total > 0 && last != '\n') return "it does not end at a line boundary";
    return "";
}

}  // namespace pgproof
