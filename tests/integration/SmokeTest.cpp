#include <catch2/catch.hpp>

#include "TestSupport.hpp"

using namespace pgproof::test;

TEST_CASE("backup, check and inspect a small database") {
    ScratchDatabase db("smoke");
    db.exec("CREATE TABLE t (id int, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 1000) g");
    TempDir dir;
    auto archive = (dir / "smoke.sql.zst").string();
    auto b = runPgproof("backup -o " + archive + " --db " + shellQuote(db.conninfo()));
    REQUIRE(b.exitCode == 0);
    auto c = runPgproof("check " + archive);
    REQUIRE(c.exitCode == 0);
    CHECK(c.out.find("public.t") != std::string::npos);
    auto i = runPgproof("inspect " + archive + " --json");
    REQUIRE(i.exitCode == 0);
    auto fp = independentFingerprint(db, "public", "t");
    CHECK(fp.rows == 1000);
    CHECK(i.out.find(fp.hex) != std::string::npos);
}
