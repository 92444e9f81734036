#pragma once
// The one frame codec of the archive, both directions: encoding (the backup's frames: one zstd frame
// with its content checksum and content size, at a given level) and decoding (check, restore, inspect,
// diff; file and stream forms alike: decompression with the content checksum verified, the raw size,
// and the rule that a frame ends at a line boundary).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgproof {

class FrameCodec {
public:
    // Compresses `raw` (whole lines) into one zstd frame in `compressed` (reused across calls), with
    // the content checksum and content size recorded. Throws IncompleteError if zstd fails.
    static void encode(std::string_view raw, int level, std::string& compressed);

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
