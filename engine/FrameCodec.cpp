#include "FrameCodec.hpp"

#include <zstd.h>

#include <memory>

namespace pgproof {

namespace {
struct DCtxDeleter {
    void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};
}  // namespace

std::string FrameCodec::decode(std::string_view compressed, std::optional<uint64_t> expectedRaw, std::string& raw) {
    thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
    uint64_t size = 0;
    if (expectedRaw) {
        size = *expectedRaw;
    } else {
        unsigned long long claimed = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
        if (claimed == ZSTD_CONTENTSIZE_ERROR || claimed == ZSTD_CONTENTSIZE_UNKNOWN || claimed > kMaxRawBytes)
            return "its frame header is damaged";
        size = claimed;
    }
    raw.resize(size);
    size_t n = ZSTD_decompressDCtx(dctx.get(), raw.data(), raw.size(), compressed.data(), compressed.size());
    if (ZSTD_isError(n)) {
        raw.clear();
        return ZSTD_getErrorName(n);
    }
    if (n != size) {
        raw.resize(n);
        return "it holds " + std::to_string(n) + " bytes, the manifest says " + std::to_string(size);
    }
    if (!raw.empty() && raw.back() != '\n') return "it does not end at a line boundary";
    return "";
}

}  // namespace pgproof
