// Inputs the fuzz targets of fuzz/ found (tests/data/fuzz, docs/RELIABILITY.md), fed to the fixed readers:
// each is refused with the documented error, nothing else escapes.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <cstring>

#include "ArchiveHistory.hpp"
#include "ArchiveReader.hpp"
#include "ArchiveStream.hpp"
#include "ArchiveWriter.hpp"
#include "Baseline.hpp"
#include "DumpSplitter.hpp"
#include "Errors.hpp"
#include "FrameCodec.hpp"
#include "OutputEncoding.hpp"
#include "ScriptFollower.hpp"
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
// A splitter reading `text` in reads of at most `piece` bytes (a pipe gives 64 KiB, a file what is asked).
std::unique_ptr<DumpSplitter> splitterOf(const std::string& text, size_t target, size_t piece) {
    auto pos = std::make_shared<size_t>(0);
    return std::make_unique<DumpSplitter>(
        [&text, pos, piece](char* buf, size_t cap) {
            size_t n = std::min({cap, piece, text.size() - *pos});
            std::memcpy(buf, text.data() + *pos, n);
            *pos += n;
            return n;
        },
        target);
}
const std::string kHead = "--\n-- PostgreSQL database dump\n--\n\nSET client_encoding = 'UTF8';\n\n";
const std::string kTail = "\n--\n-- PostgreSQL database dump complete\n--\n\n";
const std::string kDataFor = "--\n-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: me\n--\n\n";
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

TEST_CASE("fuzz: rows longer than a frame after the input was read to its end are whole rows, not a truncated dump") {
    // As found: the pagila excerpt with a 16-byte frame, read at once (the first SQL read-ahead reached its end).
    const std::string found = contents(fuzzFile("splitter-rows-longer-than-frame.sql"));
    REQUIRE(!found.empty());
    // The same at pgproof's frame size: two 5 MiB rows at the end of a dump read from a file (--from-stdin < FILE).
    const std::string big = kHead + kDataFor + "COPY public.t (a, b) FROM stdin;\n1\t" + std::string(5u << 20, 'x') + "\n2\t" +
                            std::string(5u << 20, 'y') + "\n\\.\n" + kTail;
    for (auto [text, target] : {std::pair<const std::string*, size_t>{&found, 16}, {&big, 4u << 20}}) {
        auto splitter = splitterOf(*text, target, SIZE_MAX);
        std::string joined;
        uint64_t rows = 0;
        DumpChunk c;
        REQUIRE_NOTHROW([&] {
            while (splitter->next(c)) {
                joined += c.bytes;
                if (c.kind == DumpChunk::Kind::Rows) rows += static_cast<uint64_t>(std::count(c.bytes.begin(), c.bytes.end(), '\n'));
            }
        }());
        CHECK(joined == *text);
        CHECK(rows == (text == &big ? 2u : 15u));
    }
    // A dump that does end inside a long row is still truncated, naming the table.
    const std::string cut = kHead + kDataFor + "COPY public.t (a) FROM stdin;\nshort\n" + std::string(1000, 'z');
    try {
        auto splitter = splitterOf(cut, 16, SIZE_MAX);
        DumpChunk c;
        while (splitter->next(c)) {
        }
        FAIL("expected a truncated dump");
    } catch (const IncompleteError& e) {
        CHECK(std::string(e.what()) == "the dump stream ends inside the rows of public.t: it is truncated");
    }
}

TEST_CASE("fuzz: a frame whose manifest or header claims more than it can hold is damaged, without allocating it") {
    // As found: the manifest's size (8 bytes, little endian) then the frame; the size was allocated (3.6e18 bytes).
    const std::string found = contents(fuzzFile("frame-huge-manifest-size.bin"));
    REQUIRE(found.size() > 8);
    uint64_t claimed = 0;
    for (int i = 7; i >= 0; --i) claimed = (claimed << 8) | static_cast<unsigned char>(found[static_cast<size_t>(i)]);
    std::string raw;
    CHECK(!FrameCodec::decode(std::string_view(found).substr(8), claimed, raw).empty());
    CHECK(raw.capacity() < (1u << 20));
    FrameEntry f{0, found.size() - 8, claimed, 0};
    REQUIRE_THROWS_AS(ArchiveReader::decompressFrame(found.substr(8), f, "frame 1", raw), ProofFailedError);
    // A frame as pgproof writes it (content size in its header), its manifest size changed: beyond what a
    // frame holds, or other than its header says.
    const std::string lines = "1\tPENELOPE\tGUINESS\n2\tNICK\tWAHLBERG\n";
    std::string frame(ZSTD_compressBound(lines.size()), '\0');
    frame.resize(ZSTD_compress(frame.data(), frame.size(), lines.data(), lines.size(), 3));
    CHECK(FrameCodec::decode(frame, uint64_t{1} << 62, raw) ==
          "its header says it holds " + std::to_string(lines.size()) + " bytes, the manifest says 4611686018427387904");
    CHECK(FrameCodec::decode(frame, lines.size() + 1, raw) ==
          "its header says it holds " + std::to_string(lines.size()) + " bytes, the manifest says " + std::to_string(lines.size() + 1));
    CHECK(FrameCodec::decode(frame, lines.size(), raw).empty());
    CHECK(raw == lines);
    // Stream form: a 16-byte frame whose header claims 1 GiB, then 2 GiB (then one empty block).
    std::string claims("\x28\xb5\x2f\xfd\xe0\x00\x00\x00\x40\x00\x00\x00\x00\x01\x00\x00", 16);
    CHECK(FrameCodec::decode(claims, std::nullopt, raw) == "its header says it holds 1073741824 bytes, more than its 16 compressed bytes can");
    claims[8] = '\x80';
    CHECK(FrameCodec::decode(claims, std::nullopt, raw) == "its header says it holds 2147483648 bytes, more than a frame can (at most 1073741824)");
    CHECK(raw.capacity() < (1u << 20));
}

TEST_CASE("fuzz: the stream readers find rows where the backup put them, not after any COPY line ending a frame") {
    // As found: a COPY line in a COMMENT entry (no TABLE DATA header) ended an SQL frame; check - and restore -
    // took the next SQL frame for rows. Then the real-world form: a COPY line inside a function body.
    const std::string found = contents(fuzzFile("toc-copy-line-outside-table-data.sql"));
    REQUIRE(!found.empty());
    const std::string function = kHead + "--\n-- Name: f(); Type: FUNCTION; Schema: public; Owner: me\n--\n\n"
                                 "CREATE FUNCTION public.f() RETURNS void LANGUAGE sql AS $$\n"
                                 "COPY public.log (x) FROM stdin;\nSELECT 1;\n$$;\n\n" +
                                 kDataFor + "COPY public.t (a) FROM stdin;\n1\n\\.\n" + kTail;
    for (const std::string* text : {&found, &function}) {
        auto splitter = splitterOf(*text, 16, SIZE_MAX);  // a 16-byte frame: every line ends one
        ScriptFollower follower;
        DumpChunk c;
        size_t rowsFrames = 0;
        try {
            while (splitter->next(c)) {
                if (c.bytes.empty()) continue;
                bool rows = c.kind == DumpChunk::Kind::Rows;
                INFO("frame at script offset " << follower.scriptBytes() << ": " << c.bytes.substr(0, 60));
                REQUIRE(follower.isRows(c.bytes) == rows);
                rowsFrames += rows;
                if (rows) follower.rowsFrame(c.bytes.size());
                else follower.sqlFrame(c.bytes, {});
            }
        } catch (const BadInputError&) {
            CHECK(text == &found);  // the found input is no dump pgproof backs up (a COPY line cut short), after that frame
        }
        if (text == &function) CHECK(rowsFrames == 1);
    }
}

TEST_CASE("fuzz: integers of a manifest's TOC or tables written as floats are a damaged manifest, not undefined behaviour") {
    std::string body = contents(fuzzFile("manifest-toc-float-offset.json"));
    REQUIRE(!body.empty());
    try {
        ArchiveReader::decodeManifest(body, XXH3_64bits(body.data(), body.size()), "a.sql.zst");
        FAIL("expected a damaged manifest");
    } catch (const ProofFailedError& e) {
        CHECK(std::string(e.what()) == "a.sql.zst: the manifest cannot be read (offset is not an integer)");
    }
    for (std::string field : {R"("raw_bytes":1e300)", R"("segment":3.3e21)"}) {
        std::string m = R"({"format":"pgproof-archive","format_version":1,"compression":{},"segments":[],"tables":[{"schema":"s","name":"t","columns":[],"rows":1,)" +
                        field + "}]}";
        REQUIRE_THROWS_AS(ArchiveReader::decodeManifest(m, XXH3_64bits(m.data(), m.size()), "b"), ProofFailedError);
    }
    std::string lo = R"({"format":"pgproof-archive","format_version":1,"compression":{},"segments":[],"tables":[],"large_objects":-1})";
    REQUIRE_THROWS_AS(ArchiveReader::decodeManifest(lo, XXH3_64bits(lo.data(), lo.size()), "c"), ProofFailedError);
}

TEST_CASE("fuzz: a history record whose integers are floats or out of range is an unreadable line, never a passed run") {
    const std::string file = fuzzFile("history-integer-fields.jsonl");
    auto h = repository::readHistory(file);
    CHECK(h.records.empty());  // an exit_code of 4294967296 was read as 0: a passed check
    REQUIRE(h.problems.size() == 3);
    CHECK(h.problems[0] == file + " line 1: unreadable record (exit_code is out of range), skipped");
    CHECK(h.problems[1] == file + " line 2: unreadable record (exit_code is not an integer), skipped");
    CHECK(h.problems[2] == file + " line 3: unreadable record (rows is out of range), skipped");
    CHECK(h.lastProof() == nullptr);
}

TEST_CASE("fuzz: a dump on stdin whose names are not the UTF-8 it declares leaves no archive and names the string") {
    // The splitter takes the dump's bytes as they are; the manifest, which must be UTF-8, names the table.
    const std::string dump = contents(fuzzFile("splitter-invalid-utf8-name.sql"));
    auto splitter = splitterOf(dump, 1u << 20, SIZE_MAX);
    DumpChunk c;
    std::optional<DumpTable> table;
    while (splitter->next(c))
        if (c.opensTable) table = c.opensTable;
    REQUIRE(table);
    Manifest m;
    m.settings = {{"client_encoding", "UTF8"}};
    m.tables.push_back(TableEntry{});
    m.tables.back().schema = table->id.schema;
    m.tables.back().name = table->id.name;
    auto dir = std::filesystem::temp_directory_path() / ("pgproof-fuzz-regression-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    try {
        ArchiveWriter writer(dir / "a.sql.zst");
        writer.commit(m);
        FAIL("expected the manifest to be refused");
    } catch (const IncompleteError& e) {
        CHECK(std::string(e.what()).find("is not valid UTF8: byte 0x8c at offset 1 (at /tables/0/name)") != std::string::npos);
    }
    CHECK(!std::filesystem::exists(dir / "a.sql.zst"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("fuzz: a splitter with a frame target under 3 bytes ends, with every row") {
    // Rows of a dump more than 64 KiB from its end (the splitter's read-ahead has not reached the end): with a
    // target of 1 or 2 bytes, nextRows asked again and again for the 3 bytes a terminator needs, and had them.
    std::string rows;
    for (int i = 0; i < 30000; ++i) rows += std::to_string(i) + "\n";
    const std::string dump = kHead + kDataFor + "COPY public.t (a) FROM stdin;\n" + rows + "\\.\n" + kTail;
    for (size_t target : {size_t(1), size_t(2)}) {
        auto splitter = splitterOf(dump, target, 7);
        std::string joined;
        DumpChunk c;
        while (splitter->next(c)) joined += c.bytes;
        CHECK(joined == dump);
    }
}
