// backup --jobs N (N >= 2) against a real PostgreSQL: the plain tables read on N connections at the
// snapshot and spliced into pg_dump's script give the same tables, rows, fingerprints, TOC, sequences and
// large objects as the pg_dump path (--jobs 1) on the same unchanged database; the archive restores with
// zstd -dc | psql and with pgproof restore; pg_dump arguments the parallel path cannot honour fall back with
// a note; a reading connection terminated mid-COPY fails the backup with no archive left.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>

#include <catch2/catch.hpp>

#include "SqlIdentifier.hpp"
#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// The fixtures' tables are small: without this, pgproof would leave them to pg_dump (tables the catalog
// knows to be under 1 MiB). Every test but the one about that default has every table read in parallel.
const bool kEveryTable = [] { return setenv("PGPROOF_DUMP_SMALL_TABLE_BYTES", "0", 1) == 0; }();

// The awkward fixture, the test extension's configuration table, a materialized view, and names that
// pg_dump's patterns would read as wildcards or qualifiers unless quoted exactly: if an
// --exclude-table-data pattern matched more than its table, pg_dump would drop the data of a table the
// parallel path leaves to it (the enum-hash partitions moods_0/moods_1, the extension's table).
void createFixture(const ScratchDatabase& db) {
    createAwkwardTables(db);
    db.exec("CREATE EXTENSION pgproof_testext; INSERT INTO testext_config VALUES (5001, 'user row', false), (5002, 'another', false)");
    db.exec("CREATE MATERIALIZED VIEW vehicle_names AS SELECT name FROM vehicles");
    db.exec("CREATE TABLE \"moods_?\" (v int); INSERT INTO \"moods_?\" VALUES (1), (2)");
    db.exec("CREATE TABLE \"moods*\" (v int); INSERT INTO \"moods*\" VALUES (3)");
    db.exec("CREATE TABLE \"testext_config*\" (v int); INSERT INTO \"testext_config*\" VALUES (4)");
    db.exec("CREATE SCHEMA a; CREATE TABLE a.b (v int); INSERT INTO a.b VALUES (1), (2), (3)");
    db.exec("CREATE TABLE public.\"a.b\" (v int); INSERT INTO public.\"a.b\" VALUES (4)");
    db.exec("CREATE TABLE \"We\"\"ird Name\" (\"Col \"\"1\"\"\" text, \"select\" int); INSERT INTO \"We\"\"ird Name\" VALUES ('x', 1)");
    db.exec("CREATE TABLE \"UPPER\" (v int); INSERT INTO \"UPPER\" SELECT g FROM generate_series(1, 1000) g");
    db.exec("CREATE TABLE mostly_toast (id int, doc text); ALTER TABLE mostly_toast ALTER doc SET STORAGE EXTERNAL; "
            "INSERT INTO mostly_toast SELECT g, repeat(md5(g::text), 100) FROM generate_series(1, 3000) g");
    db.exec("VACUUM ANALYZE");  // relpages of tables and of their TOAST (which only VACUUM counts)
}

struct TableFacts {
    uint64_t rows;
    std::string fingerprint, copy, rawBytes;
    bool operator==(const TableFacts&) const = default;
};

std::map<std::pair<std::string, std::string>, TableFacts> tableFacts(const json& m) {
    std::map<std::pair<std::string, std::string>, TableFacts> out;
    for (const auto& t : m.at("tables"))
        out[{t.at("schema"), t.at("name")}] = {t.value("rows", uint64_t{0}), t.value("fingerprint", std::string()),
                                              t.value("copy", std::string()), t.value("raw_bytes", json(0)).dump()};
    return out;
}

std::multiset<std::string> tocEntries(const json& m) {
    std::multiset<std::string> out;
    for (const auto& e : m.at("toc")) {
        json k = e;
        k.erase("offset");
        k.erase("length");
        k.erase("table");
        out.insert(k.dump());
    }
    return out;
}

// The script's lines as a multiset (\restrict keys aside): the same lines, whatever the entries' order.
std::multiset<std::string> scriptLines(const fs::path& archive) {
    auto r = run("zstd -dc " + q(archive));
    REQUIRE(r.exitCode == 0);
    std::multiset<std::string> out;
    size_t pos = 0;
    while (pos < r.out.size()) {
        size_t nl = r.out.find('\n', pos);
        std::string line = r.out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (line.rfind("\\restrict ", 0) != 0 && line.rfind("\\unrestrict ", 0) != 0) out.insert(line);
        pos = nl == std::string::npos ? r.out.size() : nl + 1;
    }
    return out;
}

// The rows of the one COPY statement that starts with `copy` ("COPY public.t "), in the script's order.
std::vector<std::string> copyRowsInOrder(const fs::path& archive, const std::string& copy) {
    auto r = run("zstd -dc " + q(archive));
    REQUIRE(r.exitCode == 0);
    std::vector<std::string> out;
    size_t at = r.out.find("\n" + copy);
    REQUIRE(at != std::string::npos);
    size_t pos = r.out.find('\n', at + 1) + 1;
    while (pos < r.out.size()) {
        size_t nl = r.out.find('\n', pos);
        std::string line = r.out.substr(pos, nl - pos);
        if (line == "\\.") break;
        out.push_back(std::move(line));
        pos = nl + 1;
    }
    return out;
}

fs::path backupWith(const ScratchDatabase& db, const fs::path& archive, const std::string& flags, const std::string& dumpArgs = "") {
    auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()) + " " + flags +
                        (dumpArgs.empty() ? "" : " -- " + dumpArgs));
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    REQUIRE(fs::exists(archive));
    return archive;
}

// The archive restored with stock tools only, as a user without pgproof would: zstd -dc | psql, stopping
// at the first error.
void restoreWithPsql(const fs::path& archive, const ScratchDatabase& into) {
    auto restored = run("bash -o pipefail -c " + shellQuote("zstd -dc " + q(archive) + " | psql -q -X -v ON_ERROR_STOP=1 -d " +
                                                            shellQuote(into.name()) + " >/dev/null"));
    INFO(restored.err);
    REQUIRE(restored.exitCode == 0);
}

// Every table's count in `restored` equals the source's; rows of the enum-hash partitions may land in the
// other leaf after a restore (pg_dump loads them via the root), so those compare as a whole.
void requireSameCounts(const ScratchDatabase& source, const ScratchDatabase& restored) {
    auto tables = dataTables(source);
    CHECK(dataTables(restored) == tables);
    for (const auto& [schema, name] : tables) {
        if (name == "moods_0" || name == "moods_1") continue;
        std::string sql = "SELECT count(*) FROM ONLY " + pgproof::QualifiedName{schema, name}.sql();
        INFO(schema << "." << name);
        CHECK(restored.scalar(sql) == source.scalar(sql));
    }
    CHECK(restored.scalar("SELECT count(*) FROM moods") == source.scalar("SELECT count(*) FROM moods"));
    CHECK(restored.scalar("SELECT count(*) FROM pg_largeobject_metadata") == source.scalar("SELECT count(*) FROM pg_largeobject_metadata"));
    CHECK(restored.scalar("SELECT last_value FROM standalone_seq") == source.scalar("SELECT last_value FROM standalone_seq"));
    CHECK(restored.scalar("SELECT count(*) FROM vehicle_names") == "4");
}

// A backup with --jobs 1 (dir/one.sql.zst) and one with --jobs 2 in stretches of 1 MiB (dir/two.sql.zst,
// returned; its manifest in `m`), which must record the same tables and hold the same script lines.
fs::path besideJobsOne(const ScratchDatabase& db, const TempDir& dir, json& m) {
    json one = inspectManifest(backupWith(db, dir / "one.sql.zst", "--jobs 1"));
    setenv("PGPROOF_DUMP_RANGE_BYTES", "1048576", 1);
    fs::path archive = backupWith(db, dir / "two.sql.zst", "--jobs 2");
    unsetenv("PGPROOF_DUMP_RANGE_BYTES");
    m = inspectManifest(archive);
    CHECK(tableFacts(m) == tableFacts(one));
    CHECK(scriptLines(archive) == scriptLines(dir / "one.sql.zst"));
    return archive;
}

}  // namespace

TEST_CASE("backup --jobs 2 and 3 record what --jobs 1 records, restore with psql and pgproof, and check") {
    ScratchDatabase db("par");
    createFixture(db);
    TempDir dir;
    json one = inspectManifest(backupWith(db, dir / "one.sql.zst", "--jobs 1"));
    CHECK_FALSE(one.at("source").contains("parallel_dump"));
    for (int jobs : {2, 3}) {
        DYNAMIC_SECTION("--jobs " << jobs) {
            // At 3, tables over 16 KiB (heap and TOAST) are read in ctid ranges: "UPPER" (a few heap pages) and
            // mostly_toast (a few heap pages, megabytes of TOAST) among them.
            if (jobs == 3) setenv("PGPROOF_DUMP_RANGE_BYTES", "16384", 1);
            fs::path archive = backupWith(db, dir / ("par" + std::to_string(jobs) + ".sql.zst"), "--jobs " + std::to_string(jobs));
            unsetenv("PGPROOF_DUMP_RANGE_BYTES");
            json m = inspectManifest(archive);
            const auto& pd = m.at("source").at("parallel_dump");
            if (jobs == 3) CHECK(pd.at("statements").get<size_t>() >= pd.at("tables").get<size_t>() + 10);
            else CHECK(pd.at("statements") == pd.at("tables"));
            REQUIRE(m.at("source").contains("parallel_dump"));
            CHECK(m.at("source").at("parallel_dump").at("connections") == jobs);
            // Tables read in parallel: all plain tables but the extension's and the enum-hash partitions.
            CHECK(m.at("source").at("parallel_dump").at("tables").get<size_t>() == one.at("tables").size() - 3);

            auto expected = tableFacts(one), got = tableFacts(m);
            CHECK(got.size() == expected.size());
            for (const auto& [id, facts] : expected) {
                INFO(id.first << "." << id.second);
                REQUIRE(got.count(id) == 1);
                CHECK(got.at(id) == facts);
            }
            CHECK(tocEntries(m) == tocEntries(one));
            CHECK(m.at("sequences") == one.at("sequences"));
            CHECK(m.at("large_objects") == one.at("large_objects"));
            CHECK(m.at("large_objects_fingerprint") == one.at("large_objects_fingerprint"));
            CHECK(m.at("totals").at("rows") == one.at("totals").at("rows"));
            CHECK(scriptLines(archive) == scriptLines(dir / "one.sql.zst"));

            auto check = runPgproof("check " + q(archive));
            INFO(check.out << check.err);
            CHECK(check.exitCode == 0);

            ScratchDatabase viaPsql("par_psql");
            restoreWithPsql(archive, viaPsql);
            requireSameCounts(db, viaPsql);

            ScratchDatabase viaPgproof("par_restore");
            auto r = runPgproof("restore " + q(archive) + " --db " + shellQuote(viaPgproof.conninfo()) + " --jobs 2");
            INFO(r.out << r.err);
            CHECK(r.exitCode == 0);
            requireSameCounts(db, viaPgproof);
        }
    }
}

TEST_CASE("backup --jobs 2 follows pg_dump's table selection (-t, -n, -T) and --no-owner exactly") {
    ScratchDatabase db("par_sel");
    createFixture(db);
    TempDir dir;
    for (const std::string& args : {std::string("-t 'public.\"UPPER\"' -t public.hard_values"), std::string("-n a --no-owner"),
                                    std::string("-T public.hard_values -T 'public.\"moods*\"' -O")}) {
        DYNAMIC_SECTION(args) {
            json one = inspectManifest(backupWith(db, dir / "one.sql.zst", "--force --jobs 1", args));
            json par = inspectManifest(backupWith(db, dir / "par.sql.zst", "--force --jobs 2", args));
            REQUIRE(par.at("source").contains("parallel_dump"));
            CHECK(tableFacts(par) == tableFacts(one));
            CHECK(tocEntries(par) == tocEntries(one));
            CHECK(scriptLines(dir / "par.sql.zst") == scriptLines(dir / "one.sql.zst"));
        }
    }
}

TEST_CASE("backup --jobs 2 with a pg_dump argument it cannot honour says so in one line and takes pg_dump's path") {
    ScratchDatabase db("par_fallback");
    createFixture(db);
    TempDir dir;
    for (std::string arg : {"--quote-all-identifiers", "--disable-triggers", "--exclude-table-data=public.hard_values", "-a"}) {
        DYNAMIC_SECTION(arg) {
            fs::path archive = dir / "fb.sql.zst";
            auto r = runPgproof("backup --force -o " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --jobs 2 -- " + arg);
            INFO(r.out << r.err);
            REQUIRE(r.exitCode == 0);
            CHECK(contains(r.err, "pg_dump argument " + std::string(arg) + " needs pg_dump's own data path"));
            json m = inspectManifest(archive);
            CHECK_FALSE(m.at("source").contains("parallel_dump"));
            json one = inspectManifest(backupWith(db, dir / "one.sql.zst", "--force --jobs 1", arg));
            CHECK(tableFacts(m) == tableFacts(one));
        }
    }
}

TEST_CASE("backup --jobs 2 whose reading connection is terminated mid-COPY: exit 3, no archive, no temporary files") {
    ScratchDatabase db("par_term");
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); "
            "INSERT INTO big SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 300000) g; "
            "CREATE TABLE small (id int); INSERT INTO small VALUES (1)");
    TempDir dir, tmp;
    fs::path out = dir / "out";
    fs::create_directory(out);
    fs::path archive = out / "b.sql.zst";
    // The workers' temporary files go to TMPDIR (inherited by the child).
    const char* before = std::getenv("TMPDIR");
    std::string saved = before ? before : "";
    setenv("TMPDIR", tmp.path().c_str(), 1);
    BackgroundPgproof p({"backup", "-o", archive.string(), "--db", db.conninfo(), "--jobs", "2"});
    if (before) setenv("TMPDIR", saved.c_str(), 1);
    else unsetenv("TMPDIR");
    REQUIRE(waitForActiveQuery(db.name(), "COPY %public.big%", 120s, [&] { return p.running(); }));
    admin().exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name() +
                 "' AND query LIKE 'COPY %public.big%'");
    REQUIRE(p.waitExit(60s));
    INFO("stdout: " << p.out() << "\nstderr: " << p.err());
    CHECK(p.exitCode() == 3);
    CHECK(contains(p.err(), "big failed"));
    CHECK(folderEntries(out).empty());
    CHECK(folderEntries(tmp.path()).empty());
    auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --jobs 2");
    INFO(r.err);
    CHECK(r.exitCode == 0);
}

TEST_CASE("backup --jobs and --compress-threads refuse bad values, and --jobs makes no sense with --from-stdin") {
    TempDir dir;
    auto r = runPgproof("backup -o " + q(dir / "x.sql.zst") + " --compress-threads 0");
    CHECK(r.exitCode == 2);
    CHECK(contains(r.err, "--compress-threads must be between 1 and 256"));
    r = runPgproof("backup -o " + q(dir / "x.sql.zst") + " --from-stdin --jobs 2 < /dev/null");
    CHECK(r.exitCode == 2);
    CHECK(contains(r.err, "--jobs"));
    CHECK(folderEntries(dir.path()).empty());
}

TEST_CASE("Pagila: backup --jobs 3 records what --jobs 1 records and restores with psql and pgproof") {
    ScratchDatabase db("par_pagila");
    loadPagila(db);
    TempDir dir;
    json one = inspectManifest(backupWith(db, dir / "one.sql.zst", "--jobs 1"));
    fs::path archive = backupWith(db, dir / "par.sql.zst", "--jobs 3");
    json m = inspectManifest(archive);
    REQUIRE(m.at("source").contains("parallel_dump"));
    CHECK(m.at("source").at("parallel_dump").at("tables") == 22);
    CHECK(tableFacts(m) == tableFacts(one));
    CHECK(tocEntries(m) == tocEntries(one));
    CHECK(m.at("sequences") == one.at("sequences"));
    CHECK(scriptLines(archive) == scriptLines(dir / "one.sql.zst"));

    ScratchDatabase viaPsql("par_pagila_psql");
    restoreWithPsql(archive, viaPsql);
    for (const auto& [schema, name] : dataTables(db)) {
        std::string sql = "SELECT count(*) FROM ONLY " + pgproof::QualifiedName{schema, name}.sql();
        INFO(schema << "." << name);
        CHECK(viaPsql.scalar(sql) == db.scalar(sql));
    }
    ScratchDatabase viaPgproof("par_pagila_restore");
    auto r = runPgproof("restore " + q(archive) + " --db " + shellQuote(viaPgproof.conninfo()) + " --jobs 2");
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
}

TEST_CASE("backup --jobs 2 splits a few huge values in one page by row, as --jobs 1 dumps them") {
    ScratchDatabase db("par_fewhuge");
    db.exec("CREATE TABLE few (id int PRIMARY KEY, b bytea); ALTER TABLE few ALTER COLUMN b SET STORAGE EXTERNAL;"
            "INSERT INTO few SELECT n, (SELECT decode(string_agg(md5(n::text || ':' || g), ''), 'hex') FROM generate_series(1, mb * 32768) g) "
            "FROM unnest('{2,1,3,1}'::int[]) WITH ORDINALITY v(mb, n)");
    db.exec("VACUUM ANALYZE few");
    REQUIRE(db.scalar("SELECT pg_relation_size('few') / current_setting('block_size')::int") == "1");
    TempDir dir;
    // 7 MB against 1 MiB stretches: more wanted than the table's one page could give.
    json m;
    fs::path archive = besideJobsOne(db, dir, m);
    CHECK(m.at("source").at("parallel_dump").at("tables") == 1);
    CHECK(m.at("source").at("parallel_dump").at("statements") == 4);
    ScratchDatabase viaPsql("par_fewhuge_psql");
    restoreWithPsql(archive, viaPsql);
    CHECK(viaPsql.scalar("SELECT string_agg(id || ':' || md5(b), ',' ORDER BY id) FROM few") ==
          db.scalar("SELECT string_agg(id || ':' || md5(b), ',' ORDER BY id) FROM few"));
}

// Rows with a value of 16 MiB or more are read apart, the value in pieces, between COPYs of the stretches
// around them: the script must still hold every row where one COPY of the stretch puts it.
TEST_CASE("backup --jobs 2 reads huge values in pieces, in ctid order, as --jobs 1 dumps them") {
    ScratchDatabase db("par_pieces");
    db.exec("CREATE TABLE few (id int, b bytea, t text); ALTER TABLE few ALTER COLUMN b SET STORAGE EXTERNAL;"
            "INSERT INTO few VALUES (1, '\\x01', E'a\tb');"
            "INSERT INTO few SELECT 2, (SELECT decode(string_agg(md5(g::text), ''), 'hex') FROM generate_series(1, 1100000) g), 'big b';"
            "INSERT INTO few VALUES (3, NULL, NULL), (4, '\\x02', 'x');"
            "INSERT INTO few SELECT 5, '\\x03', repeat(E'l\\or\tem é\n', 2000000);"
            "INSERT INTO few VALUES (6, '\\x04', 'last');"
            // A table of many pages (split by pages) with one huge value in the middle of a stretch.
            "CREATE TABLE many (id int, body text);"
            "INSERT INTO many SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 20000) g;"
            "INSERT INTO many SELECT 20001, repeat(E'\\many\t', 3000000);"
            "INSERT INTO many SELECT g, repeat(md5(g::text), 4) FROM generate_series(20002, 40000) g;");
    db.exec("VACUUM ANALYZE few");
    db.exec("VACUUM ANALYZE many");
    TempDir dir;
    json m;
    fs::path archive = besideJobsOne(db, dir, m);
    CHECK(m.at("source").at("parallel_dump").at("tables") == 2);
    CHECK(m.at("source").at("parallel_dump").at("statements").get<size_t>() > 4);
    for (const char* copy : {"COPY public.few ", "COPY public.many "}) {
        INFO(copy);
        const auto rows = copyRowsInOrder(archive, copy);
        CHECK(rows.size() == (std::string(copy) == "COPY public.few " ? 6u : 40000u));
        CHECK(rows == copyRowsInOrder(dir / "one.sql.zst", copy));  // the same rows in the same order
    }
    ScratchDatabase viaPsql("par_pieces_psql");
    restoreWithPsql(archive, viaPsql);
    for (const char* sql : {"SELECT string_agg(id || ':' || coalesce(md5(b), '-') || ':' || coalesce(md5(t), '-'), ',' ORDER BY id) FROM few",
                            "SELECT md5(string_agg(id || ':' || md5(body), ',' ORDER BY id)) FROM many"})
        CHECK(viaPsql.scalar(sql) == db.scalar(sql));
}

TEST_CASE("backup --jobs 2 keeps at most 2N+1 pieces in temporary files when compression is the slower side") {
    ScratchDatabase db("par_ahead");
    db.exec("CREATE TABLE wide (id int, body text); "
            "INSERT INTO wide SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 100000) g");
    db.exec("VACUUM ANALYZE wide");
    TempDir dir;
    fs::path archive = dir / "w.sql.zst";
    // About 250 ranges of 128 KiB, compressed slowly on one thread at level 19: the connections run ahead.
    setenv("PGPROOF_DUMP_RANGE_BYTES", "131072", 1);
    BackgroundPgproof p({"backup", "-o", archive.string(), "--db", db.conninfo(), "--jobs", "2", "--level", "19", "--compress-threads", "1"});
    unsetenv("PGPROOF_DUMP_RANGE_BYTES");
    size_t most = 0;
    while (p.running()) {
        size_t open = 0;
        std::error_code ec;
        for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(p.pid()) + "/fd", ec)) {
            std::error_code lec;
            if (contains(fs::read_symlink(fd.path(), lec).string(), "pgproof-table-")) ++open;
        }
        most = std::max(most, open);
        std::this_thread::sleep_for(5ms);
    }
    REQUIRE(p.waitExit(60s));
    INFO(p.err());
    CHECK(p.exitCode() == 0);
    CHECK(most >= 1);
    CHECK(most <= 5);
    json m = inspectManifest(archive);
    CHECK(m.at("source").at("parallel_dump").at("statements").get<size_t>() > 50);
    CHECK(m.at("tables").at(0).at("rows") == 100000);
    CHECK(m.at("tables").at(0).at("fingerprint") == independentFingerprint(db, "public", "wide").hex);
}

TEST_CASE("backup --jobs 2 leaves tables the catalog knows to be small to pg_dump, and records the same") {
    REQUIRE(kEveryTable);
    unsetenv("PGPROOF_DUMP_SMALL_TABLE_BYTES");
    ScratchDatabase db("par_small");
    createFixture(db);
    db.exec("CREATE TABLE never_analyzed (id int)");  // no size known (reltuples -1): taken whatever its size
    TempDir dir;
    json one = inspectManifest(backupWith(db, dir / "one.sql.zst", "--jobs 1"));
    fs::path archive = backupWith(db, dir / "par.sql.zst", "--jobs 2");
    json m = inspectManifest(archive);
    const auto& pd = m.at("source").at("parallel_dump");
    // mostly_toast (megabytes of uncompressed TOAST) and never_analyzed; hard_values' long values compress.
    CHECK(pd.at("tables") == 2);
    CHECK(tableFacts(m) == tableFacts(one));
    CHECK(tocEntries(m) == tocEntries(one));
    CHECK(scriptLines(archive) == scriptLines(dir / "one.sql.zst"));
}

TEST_CASE("Ctrl-C during backup --jobs 2 cancels the workers' COPY and pg_dump: exit 3, no file, no temporary files") {
    ScratchDatabase db("par_int");
    // Rows of ~10 KB that TOAST stores compressed: every COPY of the table produces 200 MB of text.
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); "
            "INSERT INTO big SELECT g, repeat(md5(g::text), 320) FROM generate_series(1, 20000) g");
    TempDir dir, tmp;
    fs::path out = dir / "out";
    fs::create_directory(out);
    setenv("TMPDIR", tmp.path().c_str(), 1);
    BackgroundPgproof p({"backup", "-o", (out / "b.sql.zst").string(), "--db", db.conninfo(), "--jobs", "2", "--level", "19"});
    unsetenv("TMPDIR");
    REQUIRE(waitForActiveQuery(db.name(), "COPY %public.big%", 120s, [&] { return p.running(); }));
    p.signal(SIGINT);
    REQUIRE(p.waitExit(30s));
    INFO("stdout: " << p.out() << "\nstderr: " << p.err());
    CHECK(p.exitCode() == 3);
    CHECK(contains(p.err(), "interrupted"));
    CHECK(folderEntries(out).empty());
    CHECK(folderEntries(tmp.path()).empty());
    std::this_thread::sleep_for(300ms);
    CHECK(activeQueries(db.name(), "COPY %public.big%") == 0);
}
