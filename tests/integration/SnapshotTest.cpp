// `pgproof snapshot` against a real PostgreSQL: the snapshot of a live database
// equals the manifest of a backup taken of the same data (same tables, rows and
// fingerprints), for any number of connections and any ctid split of the work,
// and every snapshot sees one moment even while a writer keeps moving rows.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "LiveFingerprinter.hpp"
#include "SnapshotSession.hpp"
#include "TestSupport.hpp"

using namespace pgproof;
using namespace pgproof::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

using TableKey = std::pair<std::string, std::string>;  // (schema, name)

std::string readWholeFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string dbFlag(const ScratchDatabase& db) { return "--db " + shellQuote(db.conninfo()); }

// pgproof snapshot -o FILE with the given extra flags; the parsed document.
json takeSnapshot(const ScratchDatabase& db, const fs::path& file, const std::string& flags) {
    auto r = runPgproof("snapshot -o " + shellQuote(file.string()) + " " + dbFlag(db) + " " + flags);
    INFO("pgproof snapshot " << flags << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    json doc = json::parse(readWholeFile(file));
    REQUIRE(doc.at("format") == "pgproof-snapshot");
    return doc;
}

json archiveManifest(const fs::path& archive) {
    auto r = runPgproof("inspect " + shellQuote(archive.string()) + " --json");
    INFO("pgproof inspect --json\nstderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    return json::parse(r.out);
}

void backup(const ScratchDatabase& db, const fs::path& archive) {
    auto r = runPgproof("backup -o " + shellQuote(archive.string()) + " " + dbFlag(db));
    INFO("pgproof backup\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exitCode == 0);
}

std::map<TableKey, json> tablesByName(const json& doc) {
    std::map<TableKey, json> out;
    for (const auto& t : doc.at("tables")) out[{t.at("schema").get<std::string>(), t.at("name").get<std::string>()}] = t;
    return out;
}

std::string display(const TableKey& k) { return k.first + "." + k.second; }

// The snapshot holds exactly the manifest's tables, each with the same columns, rows and fingerprint.
void requireSameTables(const json& manifest, const json& snapshot) {
    auto expected = tablesByName(manifest);
    auto actual = tablesByName(snapshot);
    std::set<TableKey> expectedNames, actualNames;
    for (const auto& [k, v] : expected) expectedNames.insert(k);
    for (const auto& [k, v] : actual) actualNames.insert(k);
    REQUIRE(actualNames == expectedNames);
    for (const auto& [key, m] : expected) {
        const json& s = actual.at(key);
        INFO("table " << display(key));
        CHECK(s.at("columns") == m.at("columns"));
        CHECK(s.at("rows").get<uint64_t>() == m.at("rows").get<uint64_t>());
        REQUIRE(s.contains("fingerprint"));
        CHECK(s.at("fingerprint").get<std::string>() == m.at("fingerprint").get<std::string>());
    }
}

// Tables whose rows pg_dump writes, straight from the catalog (ordinary tables and leaf partitions).
std::set<TableKey> catalogTables(const ScratchDatabase& db) {
    std::set<TableKey> out;
    for (const auto& row : db.rows("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                   "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                                   "AND n.nspname NOT LIKE 'pg\\_%'"))
        out.insert({row[0], row[1]});
    return out;
}

uint64_t totalRows(const json& doc) {
    uint64_t n = 0;
    for (const auto& t : doc.at("tables")) n += t.at("rows").get<uint64_t>();
    return n;
}

// One line, no trailing text: the shape of an error message people paste into a ticket.
size_t nonEmptyLines(const std::string& s) {
    size_t n = 0;
    size_t start = 0;
    while (start < s.size()) {
        size_t end = s.find('\n', start);
        if (end == std::string::npos) end = s.size();
        if (end > start) ++n;
        start = end + 1;
    }
    return n;
}

}  // namespace

TEST_CASE("snapshot of the awkward tables equals the archive's manifest, with 1 and 4 connections") {
    ScratchDatabase db("snapawk");
    createAwkwardTables(db);
    TempDir dir;
    backup(db, dir / "awkward.sql.zst");
    json manifest = archiveManifest(dir / "awkward.sql.zst");

    // The comparison is only meaningful if the manifest has the awkward cases in it.
    auto names = tablesByName(manifest);
    for (const TableKey& k : std::vector<TableKey>{{"Ünïcode Schema", "Täble \"quoted\" Name"},
                                                   {"public", "zero_columns"},
                                                   {"public", "empty_table"},
                                                   {"public", "dropped_and_generated"},
                                                   {"public", "measurements_2025"},
                                                   {"public", "moods_0"},
                                                   {"public", "cars"},
                                                   {"public", "scratch_unlogged"},
                                                   {"public", "hard_values"},
                                                   {"public", "no_key_duplicates"}}) {
        INFO("table " << display(k));
        CHECK(names.count(k) == 1);
    }
    CHECK(names.at({"public", "zero_columns"}).at("rows") == 3);

    for (int jobs : {1, 4}) {
        INFO("--jobs " << jobs);
        json snap = takeSnapshot(db, dir / ("jobs" + std::to_string(jobs) + ".json"), "--jobs " + std::to_string(jobs));
        requireSameTables(manifest, snap);
        CHECK(snap.at("counts_only") == false);
        CHECK(snap.at("source").at("database") == db.name());
        std::set<TableKey> snapNames;
        for (const auto& [k, v] : tablesByName(snap)) snapNames.insert(k);
        CHECK(snapNames == catalogTables(db));
    }

    // And both agree with a fingerprint computed here, independently, over COPY of the live table.
    auto again = tablesByName(takeSnapshot(db, dir / "again.json", "--jobs 2"));
    for (const TableKey& k : std::vector<TableKey>{{"public", "hard_values"}, {"public", "no_key_duplicates"}}) {
        auto fp = independentFingerprint(db, k.first, k.second);
        const json& t = again.at(k);
        INFO("table " << display(k));
        CHECK(t.at("rows").get<uint64_t>() == fp.rows);
        CHECK(t.at("fingerprint").get<std::string>() == fp.hex);
    }
}

TEST_CASE("snapshot of Pagila equals the archive's manifest, with 1 and 4 connections") {
    ScratchDatabase db("snappagila");
    loadPagila(db);
    TempDir dir;
    backup(db, dir / "pagila.sql.zst");
    json manifest = archiveManifest(dir / "pagila.sql.zst");
    REQUIRE(manifest.at("tables").size() >= 20);
    auto names = tablesByName(manifest);
    CHECK(names.at({"public", "rental"}).at("rows") == 16044);
    CHECK(names.count({"public", "payment_p2007_02"}) == 1);  // leaf partitions, under their own names

    for (int jobs : {1, 4}) {
        INFO("--jobs " << jobs);
        json snap = takeSnapshot(db, dir / ("jobs" + std::to_string(jobs) + ".json"), "--jobs " + std::to_string(jobs));
        requireSameTables(manifest, snap);
        CHECK(totalRows(snap) == totalRows(manifest));
    }
}

TEST_CASE("a 300k-row table gets the same counts and fingerprints with 1, 2 and 4 connections") {
    ScratchDatabase db("snapbig");
    db.exec("CREATE TABLE big (id bigint PRIMARY KEY, payload text, amount numeric, seen timestamptz);"
            "INSERT INTO big SELECT g, md5(g::text), g * 0.01, TIMESTAMPTZ '2025-01-01 00:00+00' + g * INTERVAL '1 second' "
            "FROM generate_series(1, 300000) g;"
            "DELETE FROM big WHERE id % 1000 = 0;"  // holes in many pages
            "CREATE TABLE small_a (id int, v text); INSERT INTO small_a SELECT g, 'a' || g FROM generate_series(1, 20000) g;"
            "CREATE TABLE small_b (id int, v text); INSERT INTO small_b SELECT g, 'b' || g FROM generate_series(1, 5000) g;"
            "CREATE TABLE tiny (v text); INSERT INTO tiny VALUES ('x'), ('x'), (NULL);");
    TempDir dir;
    auto expectedBig = independentFingerprint(db, "public", "big");
    REQUIRE(expectedBig.rows == 299700);

    std::map<TableKey, json> first;
    for (int jobs : {1, 2, 4}) {
        INFO("--jobs " << jobs);
        json snap = takeSnapshot(db, dir / ("jobs" + std::to_string(jobs) + ".json"), "--jobs " + std::to_string(jobs));
        auto tables = tablesByName(snap);
        REQUIRE(tables.size() == 4);
        CHECK(tables.at({"public", "big"}).at("rows").get<uint64_t>() == expectedBig.rows);
        CHECK(tables.at({"public", "big"}).at("fingerprint").get<std::string>() == expectedBig.hex);
        CHECK(tables.at({"public", "small_a"}).at("rows") == 20000);
        CHECK(tables.at({"public", "tiny"}).at("rows") == 3);
        if (first.empty()) {
            first = tables;
            continue;
        }
        for (const auto& [k, t] : tables) {
            INFO("table " << display(k));
            CHECK(t.at("rows") == first.at(k).at("rows"));
            CHECK(t.at("fingerprint") == first.at(k).at("fingerprint"));
        }
    }
}

// Tables above 1.5 x 8192 pages are split into ctid ranges; building one that big takes too long for a
// test, so this drives the live fingerprinter directly with tiny chunks over a real table.
TEST_CASE("ctid ranges of any size add up to the table's fingerprint, under the shared snapshot") {
    ScratchDatabase db("snapchunks");
    db.exec("CREATE TABLE spread (id int, t text);"
            "INSERT INTO spread SELECT g, repeat(chr(65 + g % 26), g % 97) FROM generate_series(1, 60000) g;"
            "DELETE FROM spread WHERE id % 7 = 0 OR id BETWEEN 20000 AND 26000;"  // sparse and empty pages
            "INSERT INTO spread SELECT 5, 'duplicate' FROM generate_series(1, 3);");
    const auto expected = independentFingerprint(db, "public", "spread");
    const uint64_t pages = std::stoull(db.scalar("SELECT pg_relation_size('spread') / current_setting('block_size')::int"));
    REQUIRE(pages > 200);

    SnapshotSession session(ConnectionTarget(db.conninfo()), 3, "pgproof tests");
    // Rows committed after the snapshot, in new pages beyond the size read above, must not be counted.
    db.exec("INSERT INTO spread SELECT g, 'late' FROM generate_series(1, 20000) g");

    LiveTableRequest request{{"public", "spread"}, {"id", "t"}, pages, false, ""};
    for (uint64_t chunk : {uint64_t{1}, uint64_t{3}, uint64_t{64}, pages / 3, pages * 2}) {
        INFO("chunk of " << chunk << " pages over " << pages << " pages");
        auto results = fingerprintLiveTables(session, {request}, {chunk});
        REQUIRE(results.size() == 1);
        CHECK(results[0].error.empty());
        CHECK(results[0].fingerprint.rows == expected.rows);
        CHECK(results[0].fingerprint.hex() == expected.hex);
    }

    SECTION("the last range is open-ended, so a size read too small still covers every row") {
        LiveTableRequest undersized = request;
        undersized.pages = pages / 2;
        auto results = fingerprintLiveTables(session, {undersized}, {5});
        CHECK(results[0].fingerprint.rows == expected.rows);
        CHECK(results[0].fingerprint.hex() == expected.hex);
    }
    SECTION("counting in ranges gives the exact count") {
        LiveTableRequest counting = request;
        counting.countOnly = true;
        auto results = fingerprintLiveTables(session, {counting}, {4});
        CHECK(results[0].error.empty());
        CHECK(results[0].fingerprint.rows == expected.rows);
        CHECK_FALSE(results[0].fingerprinted);
    }
    session.finish();
}

TEST_CASE("a table that is mostly TOAST is split by its whole size, and its ranges add up to its fingerprint") {
    ScratchDatabase db("snap_toast");
    // 400 rows of about 40 KB each, stored out of line: a few heap pages, about 16 MB of TOAST.
    db.exec("CREATE TABLE docs (id int PRIMARY KEY, body text); ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;"
            "INSERT INTO docs SELECT g, (SELECT string_agg(md5(g::text || ':' || i), '') FROM generate_series(1, 1250) i) "
            "FROM generate_series(1, 400) g");
    db.exec("VACUUM ANALYZE docs");
    const uint64_t pages = std::stoull(db.scalar("SELECT pg_relation_size('docs') / current_setting('block_size')::int"));
    const uint64_t toastPages = std::stoull(db.scalar(
        "SELECT pg_relation_size(reltoastrelid) / current_setting('block_size')::int FROM pg_class WHERE relname = 'docs'"));
    REQUIRE(pages >= 2);
    REQUIRE(toastPages > 20 * pages);
    const auto expected = independentFingerprint(db, "public", "docs");
    SnapshotSession session(ConnectionTarget(db.conninfo()), 2, "pgproof tests");
    LiveTableRequest request{{"public", "docs"}, {"id", "body"}, pages, false, ""};
    // A range of `pages` pages of work: the heap alone would be one range, heap and TOAST make many,
    // each a handful of heap pages (one page each at the smallest).
    for (uint64_t chunk : {pages, toastPages / 8, uint64_t{1}}) {
        INFO("chunk of " << chunk << " pages of work; heap " << pages << " pages, TOAST " << toastPages << " pages");
        auto results = fingerprintLiveTables(session, {request}, {chunk});
        REQUIRE(results.size() == 1);
        CHECK(results[0].error.empty());
        CHECK(results[0].fingerprint.rows == 400);
        CHECK(results[0].fingerprint.hex() == expected.hex);
    }
    session.finish();
}

// A table of a few huge values out of line has one heap page: page stretches cannot split it, so it would
// be read on one connection while the others idle. It is cut between its rows instead, by stored size.
TEST_CASE("a few huge values in one heap page are read in row stretches that add up") {
    ScratchDatabase db("snap_fewhuge");
    // Six values of 0.5-3 MB, stored out of line uncompressed: one heap page, about 10 MB of TOAST.
    db.exec("CREATE TABLE few (id int PRIMARY KEY, b bytea, note text); ALTER TABLE few ALTER COLUMN b SET STORAGE EXTERNAL;"
            "INSERT INTO few SELECT n, (SELECT decode(string_agg(md5(n::text || ':' || g), ''), 'hex') FROM generate_series(1, mb * 32768) g), "
            "CASE WHEN n % 2 = 0 THEN NULL ELSE 'n' || n END FROM unnest('{1,3,2,1,2,1}'::int[]) WITH ORDINALITY v(mb, n)");
    db.exec("DELETE FROM few WHERE id = 2");  // a dead line pointer between live rows
    db.exec("VACUUM ANALYZE few");
    const uint64_t pages = std::stoull(db.scalar("SELECT pg_relation_size('few') / current_setting('block_size')::int"));
    REQUIRE(pages == 1);
    const auto expected = independentFingerprint(db, "public", "few");
    SnapshotSession session(ConnectionTarget(db.conninfo()), 3, "pgproof tests");
    // Rows committed after the snapshot land in the same page, beyond the stretches' last row: not counted.
    db.exec("INSERT INTO few VALUES (100, 'late'::bytea, 'late'), (101, NULL, NULL)");
    LiveTableRequest request{{"public", "few"}, {"id", "b", "note"}, pages, false, ""};
    for (uint64_t chunk : {uint64_t{64}, uint64_t{256}, uint64_t{100000}}) {
        INFO("chunk of " << chunk << " pages of work");
        auto results = fingerprintLiveTables(session, {request}, {chunk});
        REQUIRE(results.size() == 1);
        CHECK(results[0].error.empty());
        CHECK(results[0].fingerprint.rows == 5);
        CHECK(results[0].fingerprint.hex() == expected.hex);
        if (chunk == 64) CHECK(results[0].reads == 5);  // ~1,280 pages of work: more stretches wanted than rows
        if (chunk == 256) CHECK(results[0].reads >= 2);
        if (chunk == 100000) CHECK(results[0].reads == 1);
    }
    session.finish();

    // A row with a value of 16 MiB or more: read apart, the value in pieces, so the table is cut between
    // its rows like any other. Rows that go to a spill are read whole: then the table is read on one
    // connection, so that no two such rows are held at once for it (the README's memory bound).
    db.exec("CREATE TABLE huge (id int, b bytea); ALTER TABLE huge ALTER COLUMN b SET STORAGE EXTERNAL;"
            "INSERT INTO huge SELECT n, (SELECT decode(string_agg(md5(n::text || ':' || g), ''), 'hex') FROM generate_series(1, mb * 65536) g) "
            "FROM unnest('{17,1,1}'::int[]) WITH ORDINALITY v(mb, n)");
    db.exec("VACUUM ANALYZE huge");
    const auto hugeExpected = independentFingerprint(db, "public", "huge");
    SnapshotSession again(ConnectionTarget(db.conninfo()), 2, "pgproof tests");
    LiveTableRequest hugeRequest{{"public", "huge"}, {"id", "b"}, 1, false, ""};
    auto results = fingerprintLiveTables(again, {hugeRequest}, {64});
    CHECK(results[0].error.empty());
    CHECK(results[0].fingerprint.hex() == hugeExpected.hex);
    CHECK(results[0].reads == 3);
    struct Lines : RowSink {
        std::mutex mutex;
        uint64_t rows = 0;
        void addRows(std::string_view r) override {
            std::lock_guard lock(mutex);
            rows += static_cast<uint64_t>(std::count(r.begin(), r.end(), '\n'));
        }
        void finish() override {}
    } lines;
    hugeRequest.spill = &lines;
    results = fingerprintLiveTables(again, {hugeRequest}, {64});
    CHECK(results[0].error.empty());
    CHECK(results[0].fingerprint.hex() == hugeExpected.hex);
    CHECK(results[0].reads == 1);
    CHECK(lines.rows == 3);
    again.finish();
}

// Values of 16 MiB or more are read in pieces and turned into COPY text by pgproof: every escape COPY
// writes, characters of several bytes, compressed and uncompressed values, domains, NULLs, a subset of
// the columns in another order and a filter must give the bytes COPY gives.
TEST_CASE("huge values read in pieces fingerprint as COPY sends them") {
    ScratchDatabase db("snap_pieces");
    db.exec("CREATE DOMAIN longtext AS text;"
            "CREATE TABLE vals (id int, b bytea, t text, v varchar, d longtext, small text, n int);"
            "ALTER TABLE vals ALTER COLUMN b SET STORAGE EXTERNAL;"
            // 1: uncompressed bytea (8 MiB pieces cut where they lie) and text of every escape with 'é' and '€'.
            "INSERT INTO vals SELECT 1, (SELECT decode(string_agg(md5(g::text), ''), 'hex') FROM generate_series(1, 1200000) g), "
            "  repeat(E'a\\tb\tc\nd\re\bf\fg\vh\x01é€ ', 1500000), 'short', NULL, E'x\ty', 7;"
            // 2: compressible values (stored compressed: read in at most 8 pieces from the start) and a domain.
            "INSERT INTO vals SELECT 2, decode(repeat('00ff5a1c', 5000000), 'hex'), NULL, repeat('v€', 6000000), "
            "  repeat(E'dom\\ain\n', 2500000), NULL, NULL;"
            // 3: nothing huge.
            "INSERT INTO vals VALUES (3, '\\x00', E'tab\there', 'v', 'd', 's', 3);"
            "CREATE TABLE expect AS SELECT d, n, t, b FROM vals WHERE id <> 3;");
    db.exec("VACUUM ANALYZE vals");
    REQUIRE(db.scalar("SELECT count(*) FROM vals WHERE octet_length(b) >= 16777216 OR octet_length(t) >= 16777216 OR "
                      "octet_length(v) >= 16777216 OR octet_length(d) >= 16777216") == "2");
    const auto whole = independentFingerprint(db, "public", "vals");
    const auto subset = independentFingerprint(db, "public", "expect");
    SnapshotSession session(ConnectionTarget(db.conninfo()), 2, "pgproof tests");
    const uint64_t pages = 1;
    auto results = fingerprintLiveTables(session, {LiveTableRequest{{"public", "vals"}, {"id", "b", "t", "v", "d", "small", "n"}, pages, false, ""},
                                                   LiveTableRequest{{"public", "vals"}, {"d", "n", "t", "b"}, pages, false, "id <> 3"}});
    REQUIRE(results.size() == 2);
    CHECK(results[0].error.empty());
    CHECK(results[0].fingerprint.rows == 3);
    CHECK(results[0].fingerprint.hex() == whole.hex);
    CHECK(results[1].error.empty());
    CHECK(results[1].fingerprint.rows == 2);
    CHECK(results[1].fingerprint.hex() == subset.hex);
    session.finish();
}

TEST_CASE("snapshot --counts-only records exact row counts and no fingerprints") {
    ScratchDatabase db("snapcounts");
    createAwkwardTables(db);
    TempDir dir;
    json full = takeSnapshot(db, dir / "full.json", "--jobs 2");
    json counts = takeSnapshot(db, dir / "counts.json", "--jobs 2 --counts-only");
    CHECK(counts.at("counts_only") == true);
    auto fullTables = tablesByName(full);
    auto countTables = tablesByName(counts);
    REQUIRE(countTables.size() == fullTables.size());
    for (const auto& [k, t] : countTables) {
        INFO("table " << display(k));
        REQUIRE(fullTables.count(k) == 1);
        CHECK_FALSE(t.contains("fingerprint"));
        CHECK(t.at("rows") == fullTables.at(k).at("rows"));
    }
    CHECK(countTables.at({"public", "measurements_2025"}).at("rows").get<uint64_t>() ==
          std::stoull(db.scalar("SELECT count(*) FROM ONLY public.measurements_2025")));
    CHECK(countTables.at({"public", "vehicles"}).at("rows") == 2);  // ONLY the parent's own rows, not the children's
    CHECK(countTables.at({"public", "zero_columns"}).at("rows") == 3);
}

TEST_CASE("every snapshot sees one moment while a writer moves rows between two tables") {
    ScratchDatabase db("snapmoving");
    // `filler` is the largest table, so with two connections one reads it while the other reads
    // `a` and then `b` one after the other: only a shared snapshot keeps a + b constant.
    constexpr uint64_t kTotal = 200000;
    db.exec("CREATE TABLE filler (id int PRIMARY KEY, payload text);"
            "INSERT INTO filler SELECT g, md5(g::text) || md5(g::text) FROM generate_series(1, 250000) g;"
            "CREATE TABLE a (id int PRIMARY KEY, payload text);"
            "CREATE TABLE b (id int PRIMARY KEY, payload text);"
            "INSERT INTO a SELECT g, md5(g::text) FROM generate_series(1, 150000) g;"
            "INSERT INTO b SELECT g, md5(g::text) FROM generate_series(150001, 200000) g");
    db.exec("VACUUM ANALYZE");
    // a and b hold the same set of (id, payload) rows between them at every commit, so the sum of their
    // fingerprints is constant too, not only the sum of their counts.
    const auto fa = independentFingerprint(db, "public", "a");
    const auto fb = independentFingerprint(db, "public", "b");
    const uint128_t expectedSum = *TableFingerprint::parseHex(fa.hex) + *TableFingerprint::parseHex(fb.hex);
    REQUIRE(fa.rows + fb.rows == kTotal);

    std::atomic<bool> stop{false};
    std::atomic<uint64_t> moves{0};
    std::string writerError;
    std::thread writer([&] {
        try {
            PgConnection c = db.connect();
            const std::string aToB = "BEGIN; WITH m AS (DELETE FROM a WHERE id = (SELECT min(id) FROM a) RETURNING id, payload) "
                                     "INSERT INTO b SELECT id, payload FROM m; COMMIT";
            const std::string bToA = "BEGIN; WITH m AS (DELETE FROM b WHERE id = (SELECT min(id) FROM b) RETURNING id, payload) "
                                     "INSERT INTO a SELECT id, payload FROM m; COMMIT";
            for (uint64_t i = 0; !stop; ++i) {
                c.exec((i / 500) % 2 == 0 ? aToB : bToA);  // 500 one way, then 500 back
                ++moves;
            }
        } catch (const std::exception& e) {
            writerError = e.what();
        }
    });

    TempDir dir;
    std::set<uint64_t> rowsOfA;
    uint64_t overlapping = 0;
    try {
        while (moves < 50 && writerError.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        for (int i = 0; i < 10; ++i) {
            INFO("snapshot " << i);
            uint64_t before = moves;
            json snap = takeSnapshot(db, dir / ("moving" + std::to_string(i) + ".json"), "--jobs 2");
            overlapping += moves > before;
            auto tables = tablesByName(snap);
            const json& ta = tables.at({"public", "a"});
            const json& tb = tables.at({"public", "b"});
            uint64_t ra = ta.at("rows"), rb = tb.at("rows");
            rowsOfA.insert(ra);
            CHECK(ra + rb == kTotal);
            CHECK(*TableFingerprint::parseHex(ta.at("fingerprint").get<std::string>()) +
                      *TableFingerprint::parseHex(tb.at("fingerprint").get<std::string>()) ==
                  expectedSum);
            CHECK(tables.at({"public", "filler"}).at("rows") == 250000);
        }
    } catch (...) {
        stop = true;
        writer.join();
        throw;
    }
    stop = true;
    writer.join();
    INFO("writer: " << writerError);
    REQUIRE(writerError.empty());
    // The test means something only if rows really moved while snapshots were read.
    CHECK(overlapping >= 8);
    CHECK(rowsOfA.size() >= 3);
    CHECK(std::stoull(db.scalar("SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b)")) == kTotal);
}

TEST_CASE("snapshot of an unreachable database exits 3 with one line naming the target, never the password") {
    TempDir dir;
    const auto out = dir / "never.json";
    struct Target {
        std::string conninfo, host;
    };
    for (const Target& t : {Target{"host=/nonexistent port=1 dbname=x password=s3cret", "/nonexistent"},
                            Target{"host=127.0.0.1 port=1 dbname=x user=someone password=s3cret connect_timeout=5", "127.0.0.1"},
                            Target{"postgresql://someone:s3cret@127.0.0.1:1/x?connect_timeout=5", "127.0.0.1"}}) {
        const std::string& conninfo = t.conninfo;
        INFO("--db " << conninfo);
        auto r = runPgproof("snapshot -o " + shellQuote(out.string()) + " --db " + shellQuote(conninfo));
        INFO("stdout: " << r.out << "\nstderr: " << r.err);
        CHECK(r.exitCode == 3);
        CHECK(nonEmptyLines(r.err) == 1);
        CHECK(r.err.find("port 1") != std::string::npos);
        CHECK(r.err.find("database x") != std::string::npos);
        CHECK(r.err.find("host " + t.host) != std::string::npos);
        CHECK(r.out.find("s3cret") == std::string::npos);
        CHECK(r.err.find("s3cret") == std::string::npos);
        CHECK_FALSE(fs::exists(out));
    }
}

TEST_CASE("snapshot uses DATABASE_URL when --db is absent") {
    ScratchDatabase db("snapenv");
    db.exec("CREATE TABLE only_here (id int); INSERT INTO only_here SELECT generate_series(1, 42)");
    TempDir dir;
    const char* host = std::getenv("PGHOST");
    const char* port = std::getenv("PGPORT");
    REQUIRE(host);
    REQUIRE(port);
    const std::string url = "postgresql:///" + db.name() + "?host=" + host + "&port=" + port;
    // PGDATABASE points elsewhere: only DATABASE_URL leads to the table.
    auto r = run("env PGDATABASE=postgres DATABASE_URL=" + shellQuote(url) + " " + PGPROOF_BIN + " snapshot -o " +
                 shellQuote((dir / "env.json").string()));
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    json snap = json::parse(readWholeFile(dir / "env.json"));
    CHECK(snap.at("source").at("database") == db.name());
    auto tables = tablesByName(snap);
    REQUIRE(tables.count({"public", "only_here"}) == 1);
    CHECK(tables.at({"public", "only_here"}).at("rows") == 42);
}
