// Huge values in bounded memory: one 300 MB bytea value and one 100 MB text value go through backup,
// check and restore (file and stream forms), verify and diff, each command proven (or, for diff, naming the one changed row), and
// the peak resident memory of each pgproof process, as wait4(2) reports it, is held to the bound the
// README documents: backup (--jobs 2 too), check, restore (its proof reads too), verify and snapshot
// (--rows too) hold no row whole (256 MiB whatever the row size: a live read takes a huge value in pieces,
// and a spill of keys takes such a row by its hash); diff, which keeps whole rows, holds what libpq holds
// of the row it hands over (its receive buffer and the copy: about twice the row) and the one row it compares. The
// values are made by the server (repeat, decode), never sent through the client.
#include <catch2/catch.hpp>

#include "TestSupport.hpp"

using namespace pgproof::test;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMiB = 1u << 20;
constexpr uint64_t kBound = 256 * kMiB;
constexpr uint64_t kByteaBytes = 300'000'000;
constexpr uint64_t kTextBytes = 100'000'000;
// The longest COPY text row: "1\t\\x" and two hex digits per byte.
constexpr uint64_t kLongestRow = 2 * kByteaBytes + 5;
// What libpq holds while it hands over one row of the longest: the row received whole, and its copy.
constexpr uint64_t kLiveRead = 2 * kLongestRow;

void requireWithin(const MeasuredRun& run, uint64_t bound, const std::string& what) {
    INFO(what << ": exit " << run.result.exitCode << ", peak RSS " << run.peakRssBytes / kMiB << " MiB (bound "
              << bound / kMiB << " MiB)\n" << run.result.out << run.result.err);
    CHECK(run.peakRssBytes <= bound);
}

}  // namespace

TEST_CASE("a 300 MB bytea and a 100 MB text value: backup, check, restore, verify and diff stay within their memory bounds") {
    ScratchDatabase db{"huge"};
    db.exec("CREATE TABLE blobs (id int PRIMARY KEY, b bytea);"
            "CREATE TABLE docs (id int PRIMARY KEY, t text);"
            "ALTER TABLE blobs ALTER COLUMN b SET STORAGE EXTERNAL;"
            "INSERT INTO blobs VALUES (1, pg_catalog.decode(pg_catalog.repeat('00ff5a1c', " + std::to_string(kByteaBytes / 4) +
            "), 'hex')), (2, '\\x00'), (3, NULL);"
            "INSERT INTO docs SELECT 1, pg_catalog.repeat(E'lorem\\tipsum\\\\', " + std::to_string(kTextBytes / 12) + ");"
            "INSERT INTO docs SELECT g, 'row ' || g FROM pg_catalog.generate_series(2, 1000) g;");
    REQUIRE(db.scalar("SELECT pg_catalog.octet_length(b) FROM blobs WHERE id = 1") == std::to_string(kByteaBytes));
    TempDir dir;
    const fs::path archive = dir / "huge.sql.zst";

    // pg_dump feeds pgproof's stdin: the measure is pgproof's own (pg_dump holds the row twice, in libpq).
    auto backup = runPgproofMeasured({"backup", "--from-stdin", "-o", archive.string()}, "pg_dump -d " + shellQuote(db.name()));
    REQUIRE(backup.result.exitCode == 0);
    requireWithin(backup, kBound, "backup");

    // backup --jobs 2 reads the table data itself, the huge values in pieces: its process tree stays within the bound.
    auto parallel = runPgproofMeasured({"backup", "--jobs", "2", "--db", db.conninfo(), "-o", (dir / "parallel.sql.zst").string()});
    REQUIRE(parallel.result.exitCode == 0);
    requireWithin(parallel, kBound, "backup --jobs 2");

    auto check = runPgproofMeasured({"check", archive.string()});
    REQUIRE(check.result.exitCode == 0);
    CHECK(contains(check.result.out, "public.blobs"));
    requireWithin(check, kBound, "check");

    // The stream forms read the huge row's frame in pieces too (decodeArchiveStream's StreamPieces).
    auto streamCheck = runPgproofMeasured({"check", "-"}, "cat " + shellQuote(archive.string()));
    REQUIRE(streamCheck.result.exitCode == 0);
    CHECK(contains(streamCheck.result.out, "public.blobs"));
    requireWithin(streamCheck, kBound, "check -");

    ScratchDatabase streamed{"hugest"};
    auto streamLoad = runPgproofMeasured({"restore", "-", "--db", streamed.conninfo(), "--no-verify"}, "cat " + shellQuote(archive.string()));
    REQUIRE(streamLoad.result.exitCode == 0);
    requireWithin(streamLoad, kBound, "restore - --no-verify");

    ScratchDatabase target{"hugeto"};
    auto load = runPgproofMeasured({"restore", archive.string(), "--db", target.conninfo(), "--no-verify"});
    REQUIRE(load.result.exitCode == 0);
    requireWithin(load, kBound, "restore --no-verify");
    const std::string md5 = "SELECT pg_catalog.md5(b) FROM blobs WHERE id = 1";
    CHECK(target.scalar(md5) == db.scalar(md5));
    CHECK(streamed.scalar(md5) == db.scalar(md5));
    const std::string textMd5 = "SELECT pg_catalog.md5(t) FROM docs WHERE id = 1";
    CHECK(streamed.scalar(textMd5) == db.scalar(textMd5));

    ScratchDatabase proven{"hugepr"};
    auto restore = runPgproofMeasured({"restore", archive.string(), "--db", proven.conninfo()});
    REQUIRE(restore.result.exitCode == 0);
    // Its proof reads read the restored tables back, the huge values in pieces.
    requireWithin(restore, kBound, "restore (verified)");

    auto verify = runPgproofMeasured({"verify", "--baseline", archive.string(), "--db", proven.conninfo()});
    REQUIRE(verify.result.exitCode == 0);
    requireWithin(verify, kBound, "verify");

    auto snapshot = runPgproofMeasured({"snapshot", "--db", proven.conninfo(), "-o", (dir / "s.json").string()});
    REQUIRE(snapshot.result.exitCode == 0);
    requireWithin(snapshot, kBound, "snapshot");

    // A table that differs is read again for its rows: with a key (the parallel backup's manifest records
    // it), the live spill keeps each row's hash and key, and the huge value's row is read in pieces again.
    proven.exec("UPDATE blobs SET b = '\\x01' WHERE id = 2");
    auto differs = runPgproofMeasured({"verify", "--baseline", (dir / "parallel.sql.zst").string(), "--db", proven.conninfo()});
    CHECK(differs.result.exitCode == 1);
    CHECK(contains(differs.result.out, "changed key id=2"));
    CHECK(contains(differs.result.out, "1 row(s) changed"));  // the huge row, taken by its hash, matched its archived self
    CHECK_FALSE(contains(differs.result.out, "id=1"));
    // The live side stays in pieces; the archive's side of the join reads the row's frame whole, once: one
    // copy of its COPY text, the bound for verify.
    requireWithin(differs, kBound + kLongestRow, "verify naming a changed row of the table with the huge value");
    // snapshot --rows writes each row's digest and key: the same.
    auto digests = runPgproofMeasured({"snapshot", "--rows", "--db", proven.conninfo(), "-o", (dir / "rows.json").string()});
    REQUIRE(digests.result.exitCode == 0);
    requireWithin(digests, kBound, "snapshot --rows");
    proven.exec("UPDATE blobs SET b = '\\x00' WHERE id = 2");
    auto named = runPgproof("verify --baseline " + shellQuote((dir / "rows.json").string()) + " --db " + shellQuote(proven.conninfo()));
    CHECK(named.exitCode == 1);
    CHECK(contains(named.out, "changed key id=2"));
    CHECK_FALSE(contains(named.out, "id=1"));

    // One small row of the table with the 100 MB value changes: diff reads that table row by row.
    proven.exec("UPDATE docs SET t = 'changed' WHERE id = 2");
    auto diff = runPgproofMeasured({"diff", archive.string(), "--db", proven.conninfo()});
    CHECK(diff.result.exitCode == 1);
    CHECK(contains(diff.result.out, "public.docs"));
    // --from-stdin records no keys: the rows are compared as a multiset, the changed one lost and added.
    CHECK(contains(diff.result.out, "lost row (2, row 2)"));
    CHECK(contains(diff.result.out, "added row (2, changed)"));
    // The 100 MB row of docs is compared whole, once from the archive (its COPY text has 14 bytes per 12).
    requireWithin(diff, kBound + kLiveRead + 2 * kTextBytes, "diff");
}

// PostgreSQL's COPY writes a bytea value as text in one allocation of at most 1 GB: a value over about
// 512 MiB cannot be dumped by pg_dump, nor by one COPY. Read in pieces it could be; pgproof must refuse it
// all the same (exit 3 naming the row), never fingerprint or archive a row no COPY could restore.
TEST_CASE("a bytea over 512 MiB, which COPY cannot write: snapshot and backup --jobs 2 fail naming the row") {
    ScratchDatabase db{"hugecopy"};
    db.exec("CREATE TABLE toolong (id int, b bytea); ALTER TABLE toolong ALTER COLUMN b SET STORAGE EXTERNAL;"
            "INSERT INTO toolong VALUES (1, '\\x00');"
            "INSERT INTO toolong SELECT 2, pg_catalog.decode(pg_catalog.repeat('5a', 280000000), 'hex') || "
            "pg_catalog.decode(pg_catalog.repeat('c3', 280000000), 'hex');");
    TempDir dir;
    auto direct = run("psql -X -q -d " + shellQuote(db.name()) + " -c 'COPY toolong TO STDOUT' > /dev/null");
    REQUIRE(direct.exitCode != 0);  // the server's own COPY cannot write it
    auto snapshot = runPgproof("snapshot -o " + q(dir / "s.json") + " --db " + shellQuote(db.conninfo()));
    INFO(snapshot.out << snapshot.err);
    CHECK(snapshot.exitCode == 3);
    CHECK(contains(snapshot.out + snapshot.err, "(0,2) of public.toolong"));
    CHECK_FALSE(fs::exists(dir / "s.json"));
    auto backup = runPgproof("backup --jobs 2 -o " + q(dir / "b.sql.zst") + " --db " + shellQuote(db.conninfo()));
    INFO(backup.out << backup.err);
    CHECK(backup.exitCode == 3);
    CHECK(contains(backup.out + backup.err, "COPY cannot write it"));
    CHECK_FALSE(fs::exists(dir / "b.sql.zst"));
}
