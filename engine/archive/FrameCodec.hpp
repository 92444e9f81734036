#pragma once
// The one frame codec of the readers (check, restore, inspect; file and stream forms alike):
// decompression with the zstd content checksum verified, the raw size, the rule that a frame
// ends at a line boundary, and the rows fingerprint of its lines.
#include <cstdint>
#include <functional>
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

    // The same proof of one frame without holding it whole, for frames of huge rows (kPiecesFrom raw bytes
    // and more, or of unknown size): `readCompressed(buf, cap)` hands over the frame's compressed bytes in
    // order (0 once they end), and its decompressed bytes go to `onRaw` in pieces of at most kPieceBytes,
    // cut anywhere (inside a row too: RowHashStream fingerprints them). Memory stays at a few MiB
    // whatever the frame's size. Returns "" or why the frame is damaged, as decode(); `onRaw` may
    // already have seen bytes of a frame that turns out damaged.
    static std::string decodeInPieces(const std::function<size_t(char*, size_t)>& readCompressed,
                                      std::optional<uint64_t> expectedRaw,
                                      const std::function<void(std::string_view)>& onRaw);

    // Frames this large (raw) are decoded in pieces: only a row longer than DumpSplitter's long line
    // makes one, and the rest stay on the whole-frame path.
    static constexpr uint64_t kPiecesFrom = 16u << 20;
    static constexpr size_t kPieceBytes = 1u << 20;

    // Largest raw size a frame header may claim before it is called damaged (frames hold about 1 MiB).
    static constexpr uint64_t kMaxRawBytes = 1ull << 30;
    // What one zstd block decompresses to at most (ZSTD_BLOCKSIZE_MAX).
    static constexpr uint64_t kMaxBlockBytes = 128u << 10;
};

}  // namespace pgproof
