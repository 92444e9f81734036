// One archive source for file and stream: the same archive bytes opened from a file (random access,
// frames by offset) and through a pipe (sequential) give the same manifest and the same check; a
// flipped byte and a cut-short file are damage in both forms; the opener refuses what is no archive.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ArchiveChecker.hpp"
#include "ArchiveSource.hpp"
#include "ArchiveWriter.hpp"
#include "Errors.hpp"
#include "FrameCodec.hpp"
#include "OpenedArchive.hpp"
#include "TableFingerprint.hpp"

using namespace pgproof;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("pgproof-source-test-" + std::to_string(::getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
};

// An archive of one table, public.t, with three rows, between two SQL frames (as pg_dump writes them).
void writeArchive(const fs::path& path) {
    const std::string rows = "1\talice\n2\tbob\n3\tcarol\n";
    Manifest m;
    m.settings = {{"client_encoding", "UTF8"}};
    ArchiveWriter writer(path);
    auto frame = [&](const std::string& raw, SegmentEntry::Kind kind, int table) {
        std::string compressed;
        FrameCodec::encode(raw, 3, compressed);
        FrameEntry f;
        f.compressed = compressed.size();
        f.offset = writer.append(compressed);
        f.raw = raw.size();
        if (kind == SegmentEntry::Kind::Rows) f.rows = fingerprintRows(raw).rows;
        m.segments.push_back({kind, table, {f}});
    };
    frame("CREATE TABLE public.t (id integer, name text);\nCOPY public.t (id, name) FROM stdin;\n", SegmentEntry::Kind::Sql, -1);
    frame(rows, SegmentEntry::Kind::Rows, 0);
    frame("\\.\n\n", SegmentEntry::Kind::Sql, -1);
    TableEntry t;
    t.schema = "public";
    t.name = "t";
    t.columns = {"id", "name"};
    t.rows = 3;
    t.fingerprint = fingerprintRows(rows).hex();
    t.rawBytes = rows.size();
    t.segment = 1;
    m.tables.push_back(t);
    writer.commit(m);
}

std::string contents(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
void overwrite(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes; }

// Checks `bytes` as a stream through a real pipe.
CheckReport checkPiped(const std::string& bytes) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    std::thread feeder([&] {
        size_t at = 0;
        while (at < bytes.size()) {
            ssize_t n = ::write(fds[1], bytes.data() + at, bytes.size() - at);
            if (n <= 0) break;
            at += static_cast<size_t>(n);
        }
        ::close(fds[1]);
    });
    try {
        OpenedArchive archive(openArchiveDescriptor(fds[0], "the archive on the pipe"));
        REQUIRE(archive.stream());
        CHECK_FALSE(archive.manifestKnown());
        CheckReport report = checkArchive(archive, 2);
        CHECK(archive.manifestKnown());
        feeder.join();
        ::close(fds[0]);
        return report;
    } catch (...) {
        feeder.join();
        ::close(fds[0]);
        throw;
    }
}

}  // namespace

TEST_CASE("archive source: a file is read by offset, a pipe in order, and both prove the same archive") {
    TempDir dir;
    fs::path file = dir.path / "a.sql.zst";
    writeArchive(file);

    OpenedArchive fromFile(file.string());
    REQUIRE(fromFile.reader());
    CHECK(fromFile.source().randomAccess());
    CHECK(fromFile.size() == fs::file_size(file));
    CHECK(fromFile.manifest().tables.at(0).rows == 3);
    CheckReport byOffset = checkArchive(fromFile, 2);
    CHECK(byOffset.ok());
    CHECK(byOffset.frames == 3);
    CHECK(byOffset.tables.at(0).actual.rows == 3);

    CheckReport inOrder = checkPiped(contents(file));
    CHECK(inOrder.ok());
    CHECK(inOrder.frames == byOffset.frames);
    CHECK(inOrder.tables.at(0).actual.hex() == byOffset.tables.at(0).actual.hex());
}

TEST_CASE("archive source: a flipped byte in a rows frame names the table in both forms") {
    TempDir dir;
    fs::path file = dir.path / "a.sql.zst";
    writeArchive(file);
    std::string bytes = contents(file);
    OpenedArchive intact(file.string());
    const FrameEntry& rowsFrame = intact.manifest().segments.at(1).frames.at(0);
    bytes[rowsFrame.offset + rowsFrame.compressed / 2] ^= 0x20;
    fs::path damaged = dir.path / "damaged.sql.zst";
    overwrite(damaged, bytes);

    OpenedArchive fromFile(damaged.string());
    CheckReport byOffset = checkArchive(fromFile, 2);
    CHECK_FALSE(byOffset.ok());
    REQUIRE_FALSE(byOffset.tables.at(0).ok());
    CHECK(byOffset.tables.at(0).problems.front().find("rows of table public.t") != std::string::npos);

    CheckReport inOrder = checkPiped(bytes);
    CHECK_FALSE(inOrder.ok());
    CHECK_FALSE(inOrder.tables.at(0).ok());
}

TEST_CASE("archive source: a cut-short archive is damage, not an archive that proves") {
    TempDir dir;
    fs::path file = dir.path / "a.sql.zst";
    writeArchive(file);
    std::string bytes = contents(file);
    bytes.resize(bytes.size() - 10);
    overwrite(file, bytes);
    CHECK_THROWS_AS(OpenedArchive(file.string()), ProofFailedError);
    CHECK_THROWS_AS(checkPiped(bytes), ProofFailedError);
}

TEST_CASE("archive source: the opener refuses what it cannot read, naming it") {
    TempDir dir;
    try {
        openArchiveSource((dir.path / "missing.sql.zst").string());
        FAIL("expected a missing file to be refused");
    } catch (const BadInputError& e) {
        CHECK(std::string(e.what()).find("cannot open") != std::string::npos);
    }
    try {
        openArchiveSource(dir.path.string());
        FAIL("expected a folder to be refused");
    } catch (const BadInputError& e) {
        CHECK(std::string(e.what()).find("is not a regular file") != std::string::npos);
    }
    fs::path text = dir.path / "notes.txt";
    overwrite(text, "not an archive\n");
    CHECK_THROWS_AS(OpenedArchive(text.string()), BadInputError);
    // A random-access source reads exactly what is asked, and a read past its end is a truncation.
    auto source = openArchiveSource(text.string());
    REQUIRE(source->randomAccess());
    char buf[4];
    source->readAt(buf, 3, 4);
    CHECK(std::string(buf, 3) == "an ");
    CHECK_THROWS_AS(source->readAt(buf, 4, source->size() - 2), ProofFailedError);
}
