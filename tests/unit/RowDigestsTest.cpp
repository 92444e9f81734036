// snapshot --rows digest files: tied to the snapshot written with them (id, size, checksum), and each
// table's digests adding up to its fingerprint. A file that is not the one written (another snapshot's,
// emptied, cut at a frame boundary, altered) is refused with the exit code its kind calls for.
#include <stdlib.h>
#include <zstd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "Errors.hpp"
#include "RowDigests.hpp"
#include "TableFingerprint.hpp"

using namespace pgproof;
namespace fs = std::filesystem;

namespace {

struct Folder {
    fs::path path;
    Folder() {
        std::string tmpl = (fs::temp_directory_path() / "pgproof-digests-test.XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~Folder() { fs::remove_all(path); }
};

std::string rows(int from, int to) {
    std::string out;
    for (int i = from; i <= to; ++i) out += std::to_string(i) + "\tv" + std::to_string(i) + "\n";
    return out;
}

const std::vector<std::string> kColumns = {"id", "v"};

// Writes two tables (0: keyed by id, 1: keyless) in several frames each; returns the file's binding.
RowDigestBinding writeDigests(const fs::path& file, int rowsPerTable) {
    RowDigestFile out(file);
    auto keyed = out.table(0, kColumns, {"id"});
    auto keyless = out.table(1, kColumns, {});
    for (int from = 1; from <= rowsPerTable; from += 100) {
        keyed->addRows(rows(from, std::min(from + 99, rowsPerTable)));
        keyless->addRows(rows(from, std::min(from + 99, rowsPerTable)));
    }
    out.commit();
    return out.binding();
}

std::string bytesOf(const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const fs::path& f, const std::string& bytes) { std::ofstream(f, std::ios::binary | std::ios::trunc) << bytes; }

// What a verify reads of both tables.
std::map<size_t, TableFingerprint> readBoth(const fs::path& file, const std::optional<RowDigestBinding>& binding) {
    SpillFolder folder(fs::temp_directory_path());
    RowSpill keyed(folder, "0", RowLayout::digestOf(1), 2), keyless(folder, "1", RowLayout::digestOf(0), 2);
    return readRowDigests(file, "s.json", binding, {{0, &keyed}, {1, &keyless}});
}

template <class E>
std::string messageOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    FAIL("no error of the expected kind");
    return "";
}

}  // namespace

TEST_CASE("row digests are bound to their snapshot: the file written with it is read, and adds up to the fingerprints") {
    Folder dir;
    const fs::path file = dir.path / "s.rows.zst";
    const RowDigestBinding binding = writeDigests(file, 1000);
    CHECK(binding.bytes == fs::file_size(file));
    CHECK(binding.id.size() == 32);
    CHECK(binding.checksum.size() == 32);
    CHECK_NOTHROW(checkRowDigestFile(file, "s.json", binding));
    auto sums = readBoth(file, binding);
    CHECK(sums[0] == fingerprintRows(rows(1, 1000)));
    CHECK(sums[1] == fingerprintRows(rows(1, 1000)));
    // Two files written alike still carry different ids.
    CHECK(writeDigests(dir.path / "other.rows.zst", 1000).id != binding.id);
}

TEST_CASE("a digest file that is not the one written with the snapshot is refused, never read as rows") {
    Folder dir;
    const fs::path file = dir.path / "s.rows.zst";
    const RowDigestBinding binding = writeDigests(file, 1000);
    const std::string original = bytesOf(file);

    SECTION("another snapshot's: exit 2, naming the file") {
        writeDigests(dir.path / "later.rows.zst", 999);
        fs::copy_file(dir.path / "later.rows.zst", file, fs::copy_options::overwrite_existing);
        auto m = messageOf<BadInputError>([&] { checkRowDigestFile(file, "s.json", binding); });
        CHECK_THAT(m, Catch::Contains(file.string()) && Catch::Contains("belong to another snapshot"));
        CHECK_THROWS_AS(readBoth(file, binding), BadInputError);
    }
    SECTION("emptied: exit 3") {
        writeBytes(file, "");
        auto m = messageOf<IncompleteError>([&] { checkRowDigestFile(file, "s.json", binding); });
        CHECK_THAT(m, Catch::Contains(file.string()) && Catch::Contains("empty") && Catch::Contains("snapshot --rows"));
    }
    SECTION("cut at a frame boundary (every frame whole, the last ones gone): exit 3") {
        // Frames of one table's rows are small: cut right after the first ones, where zstd itself sees nothing wrong.
        const std::string cut = original.substr(0, original.size() / 2);
        std::string head = cut;
        // Back to the end of a whole frame: the first frame that starts at or after the cut is dropped.
        size_t at = 0, lastWhole = 0;
        while (at < cut.size()) {
            size_t n = ZSTD_findFrameCompressedSize(original.data() + at, original.size() - at);
            REQUIRE_FALSE(ZSTD_isError(n));
            if (at + n > cut.size()) break;
            at += n;
            lastWhole = at;
        }
        REQUIRE(lastWhole > 0);
        writeBytes(file, original.substr(0, lastWhole));
        auto m = messageOf<IncompleteError>([&] { checkRowDigestFile(file, "s.json", binding); });
        CHECK_THAT(m, Catch::Contains(file.string()) && Catch::Contains("cut short"));
        // An older snapshot recorded no binding: the file reads without error, and its sums fall short of
        // the fingerprints, which the comparison then refuses (Verification).
        auto sums = readBoth(file, std::nullopt);
        CHECK(sums[0].rows + sums[1].rows < 2000);
    }
    SECTION("altered in place, same size: exit 3 wherever the byte is (a malformed line, zstd, the checksum)") {
        for (size_t at : {original.size() / 3, original.size() / 2, original.size() - 10}) {
            INFO("byte " << at << " of " << original.size());
            std::string altered = original;
            altered[at] ^= 0x01;
            writeBytes(file, altered);
            CHECK_NOTHROW(checkRowDigestFile(file, "s.json", binding));
            auto m = messageOf<IncompleteError>([&] { readBoth(file, binding); });
            CHECK_THAT(m, Catch::Contains(file.string()));
        }
    }
    SECTION("not a digest file at all: exit 2") {
        writeBytes(file, "{\"format\": \"pgproof-snapshot\"}");
        CHECK_THROWS_AS(checkRowDigestFile(file, "s.json", binding), BadInputError);
    }
    SECTION("missing: exit 2") {
        fs::remove(file);
        CHECK_THROWS_AS(checkRowDigestFile(file, "s.json", binding), BadInputError);
        CHECK_THROWS_AS(checkRowDigestFile(file, "s.json", std::nullopt), BadInputError);
    }
}
