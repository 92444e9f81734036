// The manifest JSON reader: ArchiveReader::decodeManifest with a checksum that matches, so that every
// input reaches the JSON parser, the text-encoding conversion and Manifest::fromJson.
#include <string>

#include "ArchiveReader.hpp"
#include "FuzzSupport.hpp"
#include "XxHash.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string body(reinterpret_cast<const char*>(data), size);
    pgproof::fuzz::expectDocumentedFailures([&] {
        pgproof::Manifest m = pgproof::ArchiveReader::decodeManifest(body, XXH3_64bits(body.data(), body.size()), "fuzz");
        (void)m.totalRows();
        (void)m.frameCount();
        (void)m.toJson().dump();
    });
    return 0;
}
