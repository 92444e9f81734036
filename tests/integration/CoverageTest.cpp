// Accounting for everything, against a real PostgreSQL: an extension's filtered configuration table
// keeps what CREATE EXTENSION inserted through a restore and is compared whole; tables whose data
// the dump excludes are "not covered" (never "new") in check, inspect, verify and restore, and a
// TRUNCATE of one fails verify; large objects are fingerprinted by oid and data and proven.
#include <catch2/catch.hpp>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {


fs::path backup(const ScratchDatabase& db, const TempDir& dir, const std::string& dumpArgs = "", const std::string& name = "b.sql.zst") {
    return backupTo(db, dir / name, dumpArgs);
}

const json* tableIn(const json& manifest, const std::string& name) {
    for (const auto& t : manifest["tables"])
        if (t["name"] == name) return &t;
    return nullptr;
}

}  // namespace

TEST_CASE("an extension's filtered configuration table keeps CREATE EXTENSION's rows through restore and is compared whole") {
    ScratchDatabase db("cov_ext");
    db.exec("CREATE EXTENSION pgproof_testext");
    db.exec("INSERT INTO testext_config VALUES (5001, 'mine', false), (5002, 'also mine', false)");
    REQUIRE(db.scalar("SELECT count(*) FROM testext_config") == "1002");
    TempDir dir;
    fs::path archive = backup(db, dir);
    json m = inspectManifest(archive);
    const json* t = tableIn(m, "testext_config");
    REQUIRE(t);
    CHECK((*t)["rows"] == 2);          // the dump holds the user's rows
    CHECK((*t)["rows_total"] == 1002);  // the table held these at the snapshot

    ScratchDatabase target("cov_ext_t");
    auto r = runPgproof("restore " + q(archive) + " --db " + shellQuote(target.conninfo()) + " --jobs 2");
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(target.scalar("SELECT count(*) FROM testext_config") == "1002");
    CHECK(target.scalar("SELECT count(*) FROM testext_config WHERE NOT builtin") == "2");

    // A copy that lost the extension's own rows (what a TRUNCATE before loading did) fails, naming both figures.
    target.exec("DELETE FROM testext_config WHERE builtin");
    auto v = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(target.conninfo()));
    INFO(v.out << v.err);
    CHECK(v.exitCode == 1);
    CHECK(contains(v.out, "testext_config"));
    CHECK(contains(v.out, "holds 2 rows, 1,002 at the baseline"));
}

TEST_CASE("excluded table data is not covered, never new: check, inspect, verify and restore name it") {
    ScratchDatabase db("cov_excl");
    db.exec("CREATE TABLE small (id int PRIMARY KEY, v text); INSERT INTO small SELECT g, 'v' || g FROM generate_series(1, 50) g;"
            "CREATE TABLE big (id int PRIMARY KEY, v text); INSERT INTO big SELECT g, 'b' || g FROM generate_series(1, 1000) g;");
    TempDir dir;
    fs::path archive = backup(db, dir, "--exclude-table-data=public.big");
    json m = inspectManifest(archive);
    const json* big = tableIn(m, "big");
    REQUIRE(big);
    CHECK((*big)["covered"] == false);
    CHECK((*big)["reason"] == "schema only");
    CHECK((*big)["rows_total"] == 1000);

    auto c = runPgproof("check " + q(archive));
    INFO(c.out << c.err);
    CHECK(c.exitCode == 0);
    CHECK(contains(c.out, "1 of 2 tables; 1 not covered: public.big (schema only)"));

    auto i = runPgproof("inspect " + q(archive));
    CHECK(contains(i.out, "NOT COVERED (schema only)"));

    auto v = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --json -");
    INFO(v.out << v.err);
    CHECK(v.exitCode == 0);
    json report = json::parse(v.out);
    CHECK(report["new_tables"].empty());
    REQUIRE(report["not_covered"].size() == 1);
    CHECK(report["not_covered"][0]["name"] == "big");

    auto text = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo()));
    CHECK(contains(text.out, "PROVEN (exact): 1 of 2 tables; 1 not covered: public.big"));
    CHECK_FALSE(contains(text.out, "new tables"));

    db.exec("TRUNCATE big");
    auto after = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo()));
    INFO(after.out << after.err);
    CHECK(after.exitCode == 1);
    CHECK(contains(after.out, "public.big"));
    CHECK(contains(after.out, "1,000 row(s) lost"));

    ScratchDatabase target("cov_excl_t");
    auto r = runPgproof("restore " + q(archive) + " --db " + shellQuote(target.conninfo()));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(contains(r.out, "not covered: public.big"));
    CHECK(target.scalar("SELECT count(*) FROM big") == "0");
}

TEST_CASE("tables left out of the dump (-T, -n, -s) are listed as not covered with the reason") {
    ScratchDatabase db("cov_sel");
    db.exec("CREATE SCHEMA app; CREATE TABLE app.a (id int); INSERT INTO app.a VALUES (1), (2);"
            "CREATE TABLE public.p (id int); INSERT INTO public.p VALUES (1);");
    TempDir dir;
    SECTION("-T") {
        json m = inspectManifest(backup(db, dir, "-T public.p"));
        const json* p = tableIn(m, "p");
        REQUIRE(p);
        CHECK((*p)["covered"] == false);
        CHECK((*p)["reason"] == "excluded");
        CHECK((*p)["rows_total"] == 1);
    }
    SECTION("-n") {
        fs::path a = backup(db, dir, "-n app");
        auto v = runPgproof("verify --baseline " + q(a) + " --db " + shellQuote(db.conninfo()));
        INFO(v.out << v.err);
        CHECK(v.exitCode == 0);
        CHECK(contains(v.out, "1 of 2 tables; 1 not covered: public.p (excluded)"));
    }
    SECTION("-s: a schema-only archive proves no table's rows") {
        fs::path a = backup(db, dir, "-s");
        auto c = runPgproof("check " + q(a));
        CHECK(c.exitCode == 0);
        CHECK(contains(c.out, "0 of 2 tables; 2 not covered"));
    }
}

TEST_CASE("large objects are fingerprinted by oid and data, and a changed one fails") {
    ScratchDatabase db("cov_lo");
    db.exec("SELECT lo_from_bytea(0, 'hello large object'::bytea); SELECT lo_from_bytea(0, decode(repeat('ab', 70000), 'hex'));"
            "SELECT lo_from_bytea(0, ''::bytea); CREATE TABLE t (id int); INSERT INTO t VALUES (1);");
    TempDir dir;
    fs::path archive = backup(db, dir);
    json m = inspectManifest(archive);
    CHECK(m["large_objects"] == 3);
    CHECK(m.contains("large_objects_fingerprint"));

    auto c = runPgproof("check " + q(archive));
    INFO(c.out << c.err);
    CHECK(c.exitCode == 0);
    CHECK(contains(c.out, "3 large objects"));

    CHECK(runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo())).exitCode == 0);

    ScratchDatabase target("cov_lo_t");
    auto r = runPgproof("restore " + q(archive) + " --db " + shellQuote(target.conninfo()));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);

    // Same number of large objects, one byte different: content changed.
    std::string oid = target.scalar("SELECT min(oid) FROM pg_largeobject_metadata");
    target.exec("SELECT lo_put(" + oid + ", 0, 'j'::bytea)");
    auto v = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(target.conninfo()));
    INFO(v.out << v.err);
    CHECK(v.exitCode == 1);
    CHECK(contains(v.out, "pg_catalog.pg_largeobject"));
}

TEST_CASE("no-loss mode proves every baseline row by key, and a keyless table's changed row is a lost row") {
    ScratchDatabase db("cov_nl");
    db.exec("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'x' FROM generate_series(1, 10) g;"
            "CREATE TABLE bag (id int, v text); INSERT INTO bag SELECT g, 'x' FROM generate_series(1, 10) g;");
    TempDir dir;
    fs::path archive = backup(db, dir);
    db.exec("UPDATE t SET v = 'changed' WHERE id = 1; INSERT INTO t VALUES (11, 'new')");
    auto v = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --mode no-loss");
    INFO(v.out << v.err);
    CHECK(v.exitCode == 0);
    CHECK(contains(v.out, "every baseline row is still present"));
    CHECK(contains(v.out, "changed key id=1: v x -> changed"));
    // Deleting one row while inserting two: the count grew, the key is still lost.
    db.exec("DELETE FROM t WHERE id = 4; INSERT INTO t VALUES (12, 'n'), (13, 'n')");
    auto lost = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --mode no-loss");
    INFO(lost.out << lost.err);
    CHECK(lost.exitCode == 1);
    CHECK(contains(lost.out, "lost key id=4"));
    // Without a key, rows are a multiset: the old version of an updated row is lost.
    db.exec("DELETE FROM t WHERE id > 10; INSERT INTO t VALUES (4, 'x'); UPDATE bag SET v = 'changed' WHERE id = 1");
    auto bag = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --mode no-loss");
    INFO(bag.out << bag.err);
    CHECK(bag.exitCode == 1);
    CHECK(contains(bag.out, "lost row (1, x)"));
}
