// Inputs the fuzz targets of fuzz/ found (tests/data/fuzz, docs/RELIABILITY.md), fed to the fixed readers:
// each is refused with the documented error, nothing else escapes.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ArchiveReader.hpp"
#include "ArchiveStream.hpp"
#include "Baseline.hpp"
#include "Errors.hpp"
#include "XxHash.hpp"

using namespace pgproof;

namespace {
std::string fuzzFile(const std::string& name) { return (std::filesystem::path(PGPROOF_SOURCE_DIR) / "tests/data/fuzz" / name).string(); }
std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
}  // namespace

TEST_CASE("fuzz: a manifest integer written as a huge float is a damaged manifest, not undefined behaviour") {
    std::string body = contents(fuzzFile("manifest-float-integer.json"));
    REQUIRE(!body.empty());
    try {
        ArchiveReader::decodeManifest(body, XXH3_64bits(body.data(), body.size()), "a.sql.zst");
        FAIL("expected a damaged manifest");
    } catch (const ProofFailedError& e) {
        CHECK(std::string(e.what()).rfind("a.sql.zst: the manifest cannot be read (", 0) == 0);
    }
    std::string intField = contents(fuzzFile("manifest-float-int.json"));  // an int field (3.33e21): the same UB
    REQUIRE_THROWS_AS(ArchiveReader::decodeManifest(intField, XXH3_64bits(intField.data(), intField.size()), "c"), ProofFailedError);
    std::string fractional = R"({"format":"pgproof-archive","format_version":1.5})";
    REQUIRE_THROWS_AS(ArchiveReader::decodeManifest(fractional, XXH3_64bits(fractional.data(), fractional.size()), "b"),
                      ProofFailedError);
}

TEST_CASE("fuzz: a stream whose manifest claims 4 GiB and is cut short is damaged, without allocating 4 GiB") {
    int fd = open(fuzzFile("archive-huge-manifest-length.bin").c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    ArchiveStream stream(fd, "the archive on standard input");
    std::string compressed;
    uint64_t offset = 0;
    REQUIRE_THROWS_AS([&] { while (stream.next(compressed, offset)) {} }(), ProofFailedError);
    close(fd);
}

TEST_CASE("fuzz: a snapshot whose format or format_version has the wrong type is bad input naming the file") {
    const std::string file = fuzzFile("baseline-format-number.json");
    try {
        Baseline::load(file);
        FAIL("expected bad input");
    } catch (const BadInputError& e) {
        CHECK(std::string(e.what()) == "baseline " + file + " is JSON but not a pgproof snapshot (\"format\": \"pgproof-snapshot\" missing)");
    }
    auto dir = std::filesystem::temp_directory_path() / ("pgproof-fuzz-regression-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    for (const char* text : {R"({"format":"pgproof-snapshot","format_version":"1"})", R"({"format":"pgproof-snapshot","format_version":1e300})"}) {
        std::ofstream(dir / "s.json") << text;
        REQUIRE_THROWS_AS(Baseline::load(dir / "s.json"), BadInputError);
    }
    std::filesystem::remove_all(dir);
}
