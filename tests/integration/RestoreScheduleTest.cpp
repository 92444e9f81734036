// The restore scheduler against a real PostgreSQL: a table's proof read runs while its own indexes are
// still building (on the other connection) and the table is still compared in full, on every row; a
// late index build that fails (a unique index the restored rows violate, an index on a function that
// raises) stops the restore with exit 3 and never reports it proven; --analyze gives every table
// planner statistics and times them on their own line.
#include <catch2/catch.hpp>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path backup(const ScratchDatabase& db, const TempDir& dir) { return backupTo(db, dir / "backup.sql.zst"); }

CommandResult restore(const fs::path& archive, const std::string& targetDb, const std::string& extra = "") {
    return runPgproof("restore " + q(archive) + " --db " + shellQuote("dbname=" + targetDb) + " " + extra);
}

std::string pgproofBin() { return shellQuote(PGPROOF_BIN); }

// Where `line` first appears in the log; npos when it does not.
size_t at(const std::string& log, const std::string& line) { return log.find(line); }

const json& tableIn(const json& report, const std::string& name) {
    for (const auto& t : report.at("tables"))
        if (t.at("name") == name) return t;
    FAIL("table " << name << " is not in the report");
    static json none;
    return none;
}

}  // namespace

TEST_CASE("a table read back while its own indexes build is still compared in full, every row") {
    ScratchDatabase source("rs_src");
    // An index that takes about 2 s to build (the function sleeps 10 ms a row) next to a primary key:
    // the proof read of the same table has to run beside it on the other connection.
    source.exec("CREATE FUNCTION public.slow_key(integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS "
                "$$BEGIN PERFORM pg_catalog.pg_sleep(0.01); RETURN $1; END$$;"
                "CREATE TABLE public.orders (id integer PRIMARY KEY, note text);"
                "INSERT INTO public.orders SELECT g, 'order ' || g FROM generate_series(1, 200) g;"
                "CREATE INDEX orders_slow_idx ON public.orders (public.slow_key(id));");
    TempDir dir;
    auto archive = backup(source, dir);
    ScratchDatabase target("rs_dst");
    auto r = restore(archive, target.name(), "--jobs 2 --verbose --json " + q(dir / "restore.json"));
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.out, "PROVEN"));

    // The read started and finished while the slow index was building.
    size_t indexStarted = at(r.err, "started: INDEX public.orders_slow_idx");
    size_t indexFinished = at(r.err, "finished: INDEX public.orders_slow_idx");
    size_t readFinished = at(r.err, "finished: proof read of public.orders");
    REQUIRE(indexStarted != std::string::npos);
    REQUIRE(indexFinished != std::string::npos);
    REQUIRE(readFinished != std::string::npos);
    CHECK(indexStarted < readFinished);
    CHECK(readFinished < indexFinished);
    // The primary key was built as a unique index beside it, then attached.
    CHECK(at(r.err, "finished: CONSTRAINT public.orders orders_pkey (USING INDEX)") != std::string::npos);

    // Compared in full: every row counted and the content fingerprint equal to the source's, recomputed here.
    auto report = json::parse(readFile(dir / "restore.json"));
    const json& orders = tableIn(report, "orders");
    CHECK(orders.at("verdict") == "ok");
    CHECK(orders.at("rows") == 200);
    auto want = independentFingerprint(source, "public", "orders");
    CHECK(orders.at("fingerprint") == want.hex);
    CHECK(independentFingerprint(target, "public", "orders").hex == want.hex);
    // The key is a real primary key, as the source's.
    CHECK(target.scalar("SELECT contype FROM pg_constraint WHERE conname = 'orders_pkey'") == "p");
    CHECK(target.scalar("SELECT indisprimary FROM pg_index WHERE indexrelid = 'public.orders_pkey'::regclass") == "t");
    // The timings are spans, documented as overlapping.
    CHECK(contains(r.out, "they overlap"));
    CHECK(report.at("timings").at("spans").contains("verify"));
    CHECK(report.at("timings").at("spans").contains("post_data"));

    // The stream form builds the indexes once the manifest at its end has matched, and reads the tables
    // back beside them on the same scheduler: the same overlap, the same full comparison.
    ScratchDatabase fromStream("rs_stream");
    auto st = run("cat " + q(archive) + " | " + pgproofBin() + " restore - --db " + shellQuote(fromStream.conninfo()) +
                  " --jobs 2 --verbose --json " + q(dir / "stream.json"));
    INFO("stream stdout: " << st.out << "\nstream stderr: " << st.err);
    REQUIRE(st.exitCode == 0);
    CHECK(contains(st.out, "PROVEN"));
    size_t streamIndexFinished = at(st.err, "finished: INDEX public.orders_slow_idx");
    size_t streamReadFinished = at(st.err, "finished: proof read of public.orders");
    REQUIRE(streamReadFinished != std::string::npos);
    CHECK(at(st.err, "started: INDEX public.orders_slow_idx") < streamReadFinished);
    CHECK(streamReadFinished < streamIndexFinished);
    auto streamReport = json::parse(readFile(dir / "stream.json"));
    const json& streamed = tableIn(streamReport, "orders");
    CHECK(streamed.at("rows") == 200);
    CHECK(streamed.at("fingerprint") == want.hex);
}

TEST_CASE("a late index build that fails is never proven: a unique index the rows violate fails the restore (exit 1), an index whose function raises stops it (exit 3)") {
    ScratchDatabase source("rs_bad_src");
    const std::string sourceName = source.name();
    // Functions that behave in the source database and not in any other: the index builds there, and its
    // rebuild in the restored database fails (they stand for a function changed under an index, or data
    // that no longer fits a unique index).
    std::string fn;
    std::string message;
    // A unique index the restored rows violate is a constraint the data breaks (issue 28): every row is
    // loaded and proven, and the restore fails (exit 1) naming it. An index whose function raises is an
    // error of the restore itself: incomplete (exit 3).
    int expected = 3;
    SECTION("a unique index that the restored rows violate") {
        fn = "RETURN CASE WHEN pg_catalog.current_database() = '" + sourceName + "' THEN $1 ELSE 0 END;";
        message = "could not create unique index";
        expected = 1;
    }
    SECTION("an index on a function that raises") {
        fn = "IF pg_catalog.current_database() <> '" + sourceName + "' THEN RAISE EXCEPTION 'key function refuses'; END IF; RETURN $1;";
        message = "key function refuses";
    }
    source.exec("CREATE FUNCTION public.key_of(integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$BEGIN " + fn + " END$$;"
                "CREATE TABLE public.big (id integer PRIMARY KEY, payload text);"
                "INSERT INTO public.big SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g;"
                "CREATE TABLE public.small (id integer PRIMARY KEY);"
                "INSERT INTO public.small SELECT generate_series(1, 10);"
                "CREATE UNIQUE INDEX small_key_idx ON public.small (public.key_of(id));");
    TempDir dir;
    auto archive = backup(source, dir);
    ScratchDatabase target("rs_bad_dst");
    fs::path report = dir / "restore.json";
    auto r = restore(archive, target.name(), "--jobs 2 --json " + q(report));
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exitCode == expected);
    CHECK_FALSE(contains(r.out, "PROVEN"));
    CHECK(contains(r.err, "INDEX public.small_key_idx"));
    CHECK(contains(r.err, message));
    if (expected == 3) CHECK(contains(r.err, "is incomplete"));
    else CHECK(contains(r.out, "constraint not created: small_key_idx"));
    if (fs::exists(report)) CHECK(json::parse(readFile(report)).value("exit_code", 3) == expected);
}

TEST_CASE("restore --analyze gives every restored table planner statistics, timed on its own line") {
    ScratchDatabase source("rs_an_src");
    source.exec("CREATE TABLE public.a (id integer PRIMARY KEY, v text);"
                "INSERT INTO public.a SELECT g, md5(g::text) FROM generate_series(1, 5000) g;"
                "CREATE TABLE public.b (id integer, a_id integer REFERENCES public.a);"
                "INSERT INTO public.b SELECT g, g FROM generate_series(1, 3000) g;");
    TempDir dir;
    auto archive = backup(source, dir);
    ScratchDatabase target("rs_an_dst");
    auto r = restore(archive, target.name(), "--jobs 2 --analyze --json " + q(dir / "restore.json"));
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.out, "PROVEN"));
    CHECK(contains(r.out, "  analyze "));
    CHECK(target.scalar("SELECT count(*) FROM pg_stats WHERE schemaname = 'public' AND tablename IN ('a', 'b')") != "0");
    CHECK(target.scalar("SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('a', 'b') AND last_analyze IS NOT NULL") == "2");
    auto j = json::parse(readFile(dir / "restore.json"));
    CHECK(j.at("timings").at("analyze").get<double>() > 0);
    CHECK(j.at("timings").at("spans").contains("analyze"));

    // A drill takes it too, and times it on its own line.
    auto d = runPgproof("drill " + q(archive) + " --jobs 2 --analyze --json " + q(dir / "drill.json"));
    INFO("drill stdout: " << d.out << "\ndrill stderr: " << d.err);
    CHECK(d.exitCode == 0);
    CHECK(contains(d.out, "  analyze "));
    CHECK(json::parse(readFile(dir / "drill.json")).at("timings").at("spans").contains("analyze"));

    // Without it, nothing is analyzed by the restore.
    ScratchDatabase plain("rs_an_plain");
    auto p = restore(archive, plain.name(), "--jobs 2");
    REQUIRE(p.exitCode == 0);
    CHECK_FALSE(contains(p.out, "  analyze "));
    CHECK(plain.scalar("SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('a', 'b') AND last_analyze IS NOT NULL") == "0");
}
