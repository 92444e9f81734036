// The snapshot JSON baseline reader: Baseline::load on the input as a file (an archive when it starts
// with the zstd magic, else a snapshot's JSON), as `--baseline FILE` reads it.
#include <string>

#include "Baseline.hpp"
#include "FuzzSupport.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = pgproof::fuzz::writeInputFile(data, size, ".json");
    pgproof::fuzz::expectDocumentedFailures([&] { (void)pgproof::Baseline::load(path); });
    return 0;
}
