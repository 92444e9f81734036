#pragma once
// The one frame codec of the readers (check, restore, inspect; file and stream forms alike):
// decompression with the zstd content checksum verified, the raw size, the rule that a frame
// ends at a line boundary, and the rows fingerprint of its lines.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgproof {

class FrameCodec {
public:
    // Decompresses one zstd frame into `raw` (reused across calls). `expectedRaw` is the manifest's size
    // (file form); without it the frame header's content size is used (stream form: the manifest comes
    // last). Returns "" when the frame is intact, else why it is damaged ("Data corruption detected",
    // "it holds 10 bytes, the manifest says 12", "it does not end at a line boundary"). A claimed size
    // is checked before it is allocated: against the frame header's, kMaxRawBytes and what the
    // compressed bytes can hold.
    static std::string decode(std::string_view compressed, std::optional<uint64_t> expectedRaw, std::string& raw);

    // Largest raw size a frame header may claim before it is called damaged (frames hold about 1 MiB).
    static constexpr uint64_t kMaxRawBytes = 1ull << 30;
    // What one zstd block decompresses to at most (ZSTD_BLOCKSIZE_MAX).
    static constexpr uint64_t kMaxBlockBytes = 128u << 10;
};

}  // namespace pgproof
