// An extension that cannot move: pg_cron creates itself only in the database named by cron.database_name
// (as hosted services set it up), so a drill into a scratch database fails on CREATE EXTENSION and says
// which option leaves it out; with --exclude-extension pg_cron the drill passes, and pg_cron's
// configuration tables are named as not covered, with that reason, never as proven.
#include <catch2/catch.hpp>

#include "TestSupport.hpp"

using namespace pgproof::test;
namespace fs = std::filesystem;

TEST_CASE("a pg_cron database drills with --exclude-extension pg_cron, naming what was not covered") {
    ThrowawayCluster cluster("-c shared_preload_libraries=pg_cron -c cron.database_name=src");
    cluster.connect("postgres").exec("CREATE DATABASE src");
    auto src = cluster.connect("src");
    src.exec("CREATE EXTENSION pg_cron; SELECT cron.schedule('nightly-vacuum', '0 3 * * *', 'VACUUM'); "
             "CREATE TABLE orders (id int PRIMARY KEY, total numeric); INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g");
    TempDir dir;
    fs::path archive = dir / "src.sql.zst";
    auto b = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(cluster.conninfo("src")));
    INFO(b.out << b.err);
    REQUIRE(b.exitCode == 0);
    const std::string server = " --server " + shellQuote(cluster.conninfo("postgres"));

    auto refused = runPgproof("drill " + q(archive) + server);
    INFO(refused.out << refused.err);
    CHECK(refused.exitCode == 3);
    CHECK(contains(refused.out, "can only create extension in database src"));
    CHECK(contains(refused.out, "--exclude-extension pg_cron"));

    auto d = runPgproof("drill " + q(archive) + server + " --exclude-extension pg_cron --json " + q(dir / "d.json"));
    INFO(d.out << d.err);
    CHECK(d.exitCode == 0);
    CHECK(contains(d.out, "PASSED"));
    CHECK(contains(d.out, "cron.job"));
    CHECK(contains(d.out, "extension pg_cron left out (--exclude-extension)"));
    auto j = nlohmann::json::parse(readFile(dir / "d.json"));
    std::string verification = j["verification"].dump();
    CHECK(contains(verification, "extension pg_cron left out"));
    CHECK(j["tables_restored"] == 1);  // orders only: cron.job and cron.job_run_details are not proven

    auto unknown = runPgproof("drill " + q(archive) + server + " --exclude-extension postgis");
    CHECK(unknown.exitCode == 2);
    CHECK(contains(unknown.err, "the archive does not create extension postgis (it creates: pg_cron)"));
}
