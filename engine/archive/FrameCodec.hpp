#pragma once
// The one frame codec of the archive, both directions: encoding (the backup's frames: one zstd frame
// with its content checksum and content size, at a given level; a huge row's frame streamed by Encoder)
// and decoding (check, restore, inspect,
// diff; file and stream forms alike: decompression with the content checksum verified, the raw size,
// and the rule that a frame ends at a line boundary).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pgproof {

class FrameCodec {
public:
    // Compresses `raw` (whole lines) into one zstd frame in `compressed` (reused across calls), with
    // the content checksum and content size recorded. Throws IncompleteError if zstd fails.
    static void encode(std::string_view raw, int level, std::string& compressed);

    // One frame encoded as its raw bytes stream through, for a row too long to hold (DumpSplitter hands
    // it out in pieces): the same zstd frame with its content checksum, but no content size in its header
    // (unknown when the frame begins; the manifest records it, and decode accepts its absence).
    class Encoder {
    public:
        Encoder();
        ~Encoder();
        Encoder(const Encoder&) = delete;
        Encoder& operator=(const Encoder&) = delete;
        // Starts a frame at `level`; with jobs > 1, zstd's own workers compress it on that many threads
        // (ignored by a single-threaded libzstd).
        void begin(int level, int jobs);
        // Compresses one piece of raw bytes; `last` ends the frame. The compressed bytes go to `out` as
        // zstd produces them. Throws IncompleteError if zstd fails.
        void feed(std::string_view piece, bool last, const std::function<void(std::string_view)>& out);

    private:
        struct State;
        std::unique_ptr<State> state_;
    };

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
