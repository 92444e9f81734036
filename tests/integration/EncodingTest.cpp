// Non-UTF8 databases end to end against a real PostgreSQL: a LATIN1 and a SQL_ASCII database with
// non-ASCII table, column and value bytes back up, check, inspect, snapshot, verify, restore and
// drill. Manifests, snapshot files and JSON reports are valid UTF-8 (names read "café"), the text
// report shows names as a UTF-8 terminal expects, restore and drill give back the very bytes, a
// drill's scratch database has the archive's encoding, and a restore into a database of another
// encoding is refused (exit 2) naming both.
#include <catch2/catch.hpp>

#include <algorithm>

#include "SqlIdentifier.hpp"
#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {




std::string encodingOf(const std::string& database) {
    auto r = admin().execParams("SELECT pg_catalog.pg_encoding_to_char(encoding) FROM pg_database WHERE datname = $1", {database});
    return r.rows() == 1 ? r.value(0, 0) : "";
}

// Runs UTF-8 SQL on a database of another encoding. The SET must be a statement of its own: the server
// converts a whole query string with the client_encoding in force when it arrives.
pgproof::PgResult execUtf8(const ScratchDatabase& db, const std::string& sql) {
    auto c = db.connect();
    c.exec("SET client_encoding = 'UTF8'");
    return c.exec(sql);
}

// The table of the issue in a database of `encoding`; `setup` is sent as UTF-8 when `utf8Setup`, else
// in the database's own bytes.
struct EncodedDatabase {
    std::string encoding;
    ScratchDatabase db;
    TempDir dir;
    fs::path archive;
    EncodedDatabase(const std::string& enc, const std::string& setup, bool utf8Setup) : encoding(enc), db("enc_src", enc) {
        if (utf8Setup) execUtf8(db, setup);
        else db.exec(setup);
        archive = dir / "enc.sql.zst";
    }
    CommandResult backup() const { return runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo())); }
    // Every row of the table, in the database's own bytes.
    std::vector<std::vector<std::string>> rowsOf(const ScratchDatabase& d, const std::string& tableSql) const {
        return d.rows("SELECT * FROM " + tableSql + " ORDER BY 1");
    }
};

const json& tableNamed(const json& doc, const std::string& name) {
    for (const auto& t : doc.at("tables"))
        if (t.at("name") == name) return t;
    FAIL("no table " << name << " in " << doc.dump(2));
    throw std::logic_error("unreachable");
}

// Backup, check, inspect --json, snapshot, verify (unchanged), restore into the same encoding, drill,
// then a change that verify must name. `tableSql` is the table in SQL (database bytes), `utf8Name` its
// name as the JSON documents and the terminal show it.
void provesEndToEnd(EncodedDatabase& e, const std::string& tableSql, const std::string& utf8Name, const std::string& changeSql) {
    const std::string db = shellQuote(e.db.conninfo());
    auto b = e.backup();
    INFO("backup stderr: " << b.err);
    REQUIRE(b.exitCode == 0);

    auto check = runPgproof("check " + q(e.archive) + " --jobs 2");
    INFO("check stdout: " << check.out << "\nstderr: " << check.err);
    CHECK(check.exitCode == 0);
    CHECK(contains(check.out, "public.\"" + utf8Name + "\""));
    CHECK(contains(check.out, "PROVEN"));

    // The manifest is valid UTF-8 (the parse rejects anything else), with the names converted.
    json m;
    REQUIRE_NOTHROW(m = inspectManifest(e.archive));
    const json& t = tableNamed(m, utf8Name);
    CHECK(t.at("rows") == 3);
    CHECK(m.at("settings").at("client_encoding") == e.encoding);
    CHECK(m.at("source").at("encoding") == e.encoding);
    CHECK(m.at("source").at("lc_collate") == "C");
    CHECK(m.at("source").at("lc_ctype") == "C");
    auto inspect = runPgproof("inspect " + q(e.archive));
    CHECK(inspect.exitCode == 0);
    CHECK(contains(inspect.out, "public.\"" + utf8Name + "\""));

    auto checkJson = runPgproof("check " + q(e.archive) + " --json -");
    CHECK(checkJson.exitCode == 0);
    json report;
    REQUIRE_NOTHROW(report = json::parse(checkJson.out));
    CHECK(tableNamed(report, utf8Name).at("ok") == true);

    // A snapshot file is UTF-8 too, and reads back as the database's names: verify against it holds.
    fs::path snap = e.dir / "snap.json";
    auto s = runPgproof("snapshot -o " + q(snap) + " --db " + db + " --jobs 2");
    INFO("snapshot stderr: " << s.err);
    REQUIRE(s.exitCode == 0);
    json snapDoc;
    REQUIRE_NOTHROW(snapDoc = json::parse(readFile(snap)));
    CHECK(tableNamed(snapDoc, utf8Name).at("rows") == 3);
    CHECK(snapDoc.at("source").at("encoding") == e.encoding);
    for (const auto& baseline : {snap, e.archive}) {
        auto v = runPgproof("verify --baseline " + q(baseline) + " --db " + db + " --jobs 2 --json " + q(e.dir / "v.json"));
        INFO("verify " << baseline << " stdout: " << v.out << "\nstderr: " << v.err);
        CHECK(v.exitCode == 0);
        CHECK(contains(v.out, "PROVEN"));
        json vj;
        REQUIRE_NOTHROW(vj = json::parse(readFile(e.dir / "v.json")));
    }

    // Restore into a new database of the same encoding: proven, and the rows are the source's bytes.
    ScratchDatabase target("enc_dst", e.encoding);
    auto r = runPgproof("restore " + q(e.archive) + " --db " + shellQuote(target.conninfo()) + " --jobs 2 --json " +
                        q(e.dir / "restore.json"));
    INFO("restore stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exitCode == 0);
    CHECK(e.rowsOf(target, tableSql) == e.rowsOf(e.db, tableSql));
    CHECK(target.scalar("SELECT count(*) FROM " + tableSql) == "3");
    REQUIRE_NOTHROW(json::parse(readFile(e.dir / "restore.json")));

    // A target in another encoding would reinterpret the COPY bytes: refused, naming both, changing nothing.
    ScratchDatabase utf8Target("enc_u8");
    auto refused = runPgproof("restore " + q(e.archive) + " --db " + shellQuote(utf8Target.conninfo()));
    INFO("refused restore stderr: " << refused.err);
    CHECK(refused.exitCode == 2);
    CHECK(contains(refused.err, e.encoding));
    CHECK(contains(refused.err, "UTF8"));
    CHECK(std::count(refused.err.begin(), refused.err.end(), '\n') == 1);
    CHECK(utf8Target.scalar("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace") == "0");

    // A drill restores into a scratch database of the archive's encoding.
    auto d = runPgproof("drill " + q(e.archive) + " --jobs 2 --keep --json " + q(e.dir / "drill.json") + " --report " +
                        q(e.dir / "drill.md"));
    INFO("drill stdout: " << d.out << "\nstderr: " << d.err);
    json dj;
    REQUIRE_NOTHROW(dj = json::parse(readFile(e.dir / "drill.json")));
    DropDatabaseAtEnd scratch{dj.value("scratch_database", "")};
    CHECK(d.exitCode == 0);
    CHECK(encodingOf(scratch.name) == e.encoding);
    CHECK(dj.at("scratch_database_encoding") == e.encoding);
    CHECK(dj.at("notes").empty());
    CHECK(contains(readFile(e.dir / "drill.md"), utf8Name));

    // After a change, verify fails and names the table as the terminal and the report show it.
    e.db.exec(changeSql);
    auto v = runPgproof("verify --baseline " + q(e.archive) + " --db " + db + " --jobs 2 --json " + q(e.dir / "changed.json"));
    INFO("verify after the change stdout: " << v.out << "\nstderr: " << v.err);
    CHECK(v.exitCode == 1);
    CHECK(contains(v.out, "FAIL"));
    CHECK(contains(v.out, "public.\"" + utf8Name + "\""));
    json changed;
    REQUIRE_NOTHROW(changed = json::parse(readFile(e.dir / "changed.json")));
    CHECK(contains(changed.dump(), utf8Name));
}

}  // namespace

TEST_CASE("EncodingTest: a LATIN1 database with a table named café backs up, verifies, restores and drills") {
    // Sent as UTF-8; the server stores LATIN1.
    EncodedDatabase e("LATIN1",
                      "CREATE TABLE \"café\" (id int PRIMARY KEY, \"naïve\" text);"
                      "INSERT INTO \"café\" VALUES (1, 'crème brûlée'), (2, 'Ä'), (3, 'ÿ déjà vu');"
                      "CREATE TABLE plain (id int); INSERT INTO plain VALUES (1);",
                      true);
    REQUIRE(e.db.scalar("SELECT octet_length(\"na\xefve\") FROM \"caf\xe9\" WHERE id = 2") == "1");  // one LATIN1 byte
    provesEndToEnd(e, "\"caf\xe9\"", "café", "UPDATE \"caf\xe9\" SET \"na\xefve\" = 'cr\xe8me' WHERE id = 1");
    // The restored rows were compared in the database's bytes above; as text they read as written.
    CHECK(execUtf8(e.db, "SELECT \"naïve\" FROM \"café\" WHERE id = 3").value(0, 0) == "ÿ déjà vu");
}

TEST_CASE("EncodingTest: a SQL_ASCII database with raw bytes >= 0x80 in names and values round-trips exactly") {
    // The server keeps bytes >= 0x80 as they are: a Latin-1 é, an invalid UTF-8 byte 0xff, and a
    // UTF-8 euro sign (three bytes), in the table name, a column name and the values.
    EncodedDatabase e("SQL_ASCII",
                      "CREATE TABLE \"caf\xe9\" (id int PRIMARY KEY, \"na\xefve\" text, b bytea);"
                      "INSERT INTO \"caf\xe9\" VALUES (1, E'cr\\xe8me br\\xfbl\\xe9e', '\\xe9'), (2, E'\\xff\\x80', NULL), "
                      "(3, E'5 \\xe2\\x82\\xac', '\\x00ff');",
                      false);
    REQUIRE(e.db.scalar("SELECT octet_length(\"na\xefve\") FROM \"caf\xe9\" WHERE id = 3") == "5");
    // In JSON each byte >= 0x80 is the code point of the same value (README "Encodings"): 0xe9 reads é.
    provesEndToEnd(e, "\"caf\xe9\"", "café", "UPDATE \"caf\xe9\" SET \"na\xefve\" = E'\\xfe' WHERE id = 2");
    json m = inspectManifest(e.archive);
    CHECK(tableNamed(m, "café").at("columns") == json({"id", "naïve", "b"}));
}

TEST_CASE("EncodingTest: a LATIN1 dump read from stdin records its encoding, and its drill falls back to the C locale") {
    EncodedDatabase e("LATIN1",
                      "CREATE TABLE \"café\" (id int PRIMARY KEY, \"naïve\" text);"
                      "INSERT INTO \"café\" VALUES (1, 'crème brûlée'), (2, 'Ä'), (3, 'à la carte');",
                      true);
    auto b = run("PGTZ=UTC pg_dump -d " + shellQuote(e.db.name()) + " | " + PGPROOF_BIN + " backup --from-stdin -o " + q(e.archive));
    INFO("backup stderr: " << b.err);
    REQUIRE(b.exitCode == 0);
    json m = inspectManifest(e.archive);
    CHECK(m.at("settings").at("client_encoding") == "LATIN1");
    CHECK(tableNamed(m, "café").at("rows") == 3);

    // The dump names no locale; the server's default (C.UTF-8) does not fit LATIN1, so the drill uses C.
    auto d = runPgproof("drill " + q(e.archive) + " --jobs 2 --keep --json " + q(e.dir / "drill.json"));
    INFO("drill stdout: " << d.out << "\nstderr: " << d.err);
    json dj;
    REQUIRE_NOTHROW(dj = json::parse(readFile(e.dir / "drill.json")));
    DropDatabaseAtEnd scratch{dj.value("scratch_database", "")};
    CHECK(d.exitCode == 0);
    CHECK(encodingOf(scratch.name) == "LATIN1");
    CHECK(dj.at("scratch_database_locale").at("lc_collate") == "C");
    REQUIRE(dj.at("notes").size() == 1);
    CHECK(contains(dj.at("notes")[0].get<std::string>(), "C locale"));
    CHECK(contains(d.err, "C locale"));
}

// A value of 16 MiB or more is read in pieces and turned into COPY text by pgproof: in a LATIN1 database its
// characters are single bytes above 0x7f, and `backup --jobs 2` looks its column names up in that encoding.
TEST_CASE("EncodingTest: a LATIN1 table with a huge value under a non-ASCII column backs up with --jobs 2 and snapshots alike") {
    EncodedDatabase e("LATIN1",
                      "CREATE TABLE \"caf\xe9\" (id int PRIMARY KEY, \"na\xefve\" text);"
                      "INSERT INTO \"caf\xe9\" VALUES (1, 'cr\xe8me'), (3, 'd\xe9j\xe0');"
                      "INSERT INTO \"caf\xe9\" SELECT 2, repeat(E'\xe9t\xe9\\t\\\\', 4000000);",
                      false);
    REQUIRE(e.db.scalar("SELECT octet_length(\"na\xefve\") FROM \"caf\xe9\" WHERE id = 2") == "20000000");
    auto one = e.backup();
    INFO(one.err);
    REQUIRE(one.exitCode == 0);
    const fs::path parallel = e.dir / "parallel.sql.zst";
    auto two = runPgproof("backup --jobs 2 -o " + q(parallel) + " --db " + shellQuote(e.db.conninfo()));
    INFO(two.err);
    REQUIRE(two.exitCode == 0);
    const json a = tableNamed(inspectManifest(e.archive), "café"), b = tableNamed(inspectManifest(parallel), "café");
    CHECK(b.at("rows") == 3);
    CHECK(b.at("fingerprint") == a.at("fingerprint"));
    const fs::path snap = e.dir / "s.json";
    auto s = runPgproof("snapshot -o " + q(snap) + " --db " + shellQuote(e.db.conninfo()));
    INFO(s.err);
    REQUIRE(s.exitCode == 0);
    CHECK(tableNamed(json::parse(readFile(snap)), "café").at("fingerprint") == a.at("fingerprint"));
    auto v = runPgproof("verify --baseline " + q(parallel) + " --db " + shellQuote(e.db.conninfo()));
    INFO(v.out << v.err);
    CHECK(v.exitCode == 0);
}
