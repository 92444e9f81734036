// One archive frame, fed directly (the archive target rarely gets past the manifest's checksum to its
// frames). The input is the frame's size as a manifest records it (8 bytes, little endian) followed by
// the compressed frame as it lies in the archive (fuzz/make-seeds.sh cuts real ones out of an archive).
// The frame goes through every reader of frames:
//   - the file form, FrameCodec::decode with the manifest's size (ArchiveReader::decompressFrame, check,
//     restore);
//   - the stream form, FrameCodec::decode with the frame header's own size, then the rows' fingerprint
//     (decodeArchiveStream, `pgproof check -`);
//   - ArchiveStream delimiting the frame from its zstd frame and block headers without decompressing it.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "ArchiveFormat.hpp"
#include "ArchiveStream.hpp"
#include "FrameCodec.hpp"
#include "FuzzSupport.hpp"
#include "TableFingerprint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 8) return 0;
    const uint64_t manifestRaw = pgproof::archive::getLE64(data);
    const std::string_view frame(reinterpret_cast<const char*>(data) + 8, size - 8);
    std::string raw;
    pgproof::fuzz::expectDocumentedFailures([&] {
        std::string damage = pgproof::FrameCodec::decode(frame, manifestRaw, raw);
        // An intact frame holds exactly what the manifest says, up to a line end.
        if (damage.empty() && (raw.size() != manifestRaw || (!raw.empty() && raw.back() != '\n'))) std::abort();
    });
    pgproof::fuzz::expectDocumentedFailures([&] {
        if (pgproof::FrameCodec::decode(frame, std::nullopt, raw).empty()) (void)pgproof::fingerprintRows(raw);
    });
    const std::string& path = pgproof::fuzz::writeInputFile(data + 8, size - 8, ".frame");
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) return 0;
    pgproof::fuzz::expectDocumentedFailures([&] {
        pgproof::ArchiveStream stream(fd, "fuzz input");
        std::string compressed;
        uint64_t offset = 0;
        while (stream.next(compressed, offset)) {
            // What the stream delimits is a frame of the input, from where it says it starts.
            if (offset + compressed.size() > frame.size() || frame.substr(offset, compressed.size()) != compressed) std::abort();
            (void)pgproof::FrameCodec::decode(compressed, std::nullopt, raw);
        }
    });
    close(fd);
    return 0;
}
