// The archive trailer, manifest and frames: the input as an archive file, opened by ArchiveReader (trailer
// at the end, manifest checksum, each frame read and decompressed) and read again sequentially by
// ArchiveStream, as `pgproof check -` reads a pipe.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "ArchiveReader.hpp"
#include "ArchiveStream.hpp"
#include "FuzzSupport.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = pgproof::fuzz::writeInputFile(data, size, ".pgproof");
    pgproof::fuzz::expectDocumentedFailures([&] {
        pgproof::ArchiveReader reader(path);
        std::string raw;
        for (const auto& segment : reader.manifest().segments)
            for (const auto& frame : segment.frames) {
                // A manifest can promise any size; the fuzzer's memory limit is not the finding looked for.
                if (frame.raw > (1u << 24) || frame.compressed > (1u << 24)) continue;
                pgproof::ArchiveReader::decompressFrame(reader.readFrame(frame), frame, "frame", raw);
            }
    });
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) return 0;
    pgproof::fuzz::expectDocumentedFailures([&] {
        pgproof::ArchiveStream stream(fd, "fuzz input");
        std::string compressed;
        uint64_t offset = 0;
        while (stream.next(compressed, offset)) {
        }
    });
    close(fd);
    return 0;
}
