#include "FrameCodec.hpp"

#include <zstd.h>

#include <memory>

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

std::string FrameCodec::decode(std::string_view compressed, std::optional<uint64_t> expectedRaw, std::string& raw) {
    thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
    raw.clear();
    // Every size is checked before anything is allocated: a damaged manifest or frame header can claim
    // any size (2^63 bytes), and the buffer is allocated from it.
    unsigned long long claimed = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
    if (claimed == ZSTD_CONTENTSIZE_ERROR || (!expectedRaw && claimed == ZSTD_CONTENTSIZE_UNKNOWN))
        return "its frame header is damaged";
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

}  // namespace pgproof
