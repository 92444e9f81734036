// Ctrl-C and SIGTERM against a real PostgreSQL: a signal cancels the statement the server is running on
// every connection (a plan check in pg_sleep, a verify COPY of a big table, index builds of a restore or a
// drill), stops pg_dump, cleans up (no partial archive, the drill's scratch database dropped, the restore
// target said to be incomplete), writes the reports asked for, and exits 3 within a few seconds; an
// interrupted run never exits 0.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {



// Rows of ~10 KB each that TOAST stores compressed: cheap to create, but every COPY of the table
// produces `rows` x 10 KB of text for pgproof to read and hash (1 GB for 100,000 rows).
void createBigTable(const ScratchDatabase& db, const std::string& name, int rows) {
    db.exec("CREATE TABLE " + name + " (id int PRIMARY KEY, body text); INSERT INTO " + name +
            " SELECT g, repeat(md5(g::text), 320) FROM generate_series(1, " + std::to_string(rows) + ") g");
}

void takeSnapshot(const ScratchDatabase& db, const fs::path& file, bool countsOnly = true) {
    auto r = runPgproof("snapshot -o " + q(file) + " --db " + shellQuote(db.conninfo()) + (countsOnly ? " --counts-only" : ""));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
}

fs::path backup(const ScratchDatabase& db, const TempDir& dir) { return backupTo(db, dir / "backup.sql.zst"); }

// Not a speed figure: "stopped at once rather than when the work ends". The interrupted statements would
// run for 50 s and more (pg_sleep(60), an index build of ~50 s); on a loaded CI machine the cleanup after
// the signal alone (cancel, drop of a scratch database, reports) has taken 6 s.
constexpr double kPromptly = 15;

// Sends `sig` once `pattern` runs on `db`, then waits for pgproof to exit; returns the seconds it took.
double interruptWhileRunning(BackgroundPgproof& p, const std::string& db, const std::string& pattern, int sig = SIGINT) {
    bool seen = waitForActiveQuery(db, pattern, 120s, [&] { return p.running(); });
    INFO("stdout: " << p.out() << "\nstderr: " << p.err());
    REQUIRE(seen);  // the statement to interrupt never ran (or pgproof finished first: make the data bigger)
    auto signalled = std::chrono::steady_clock::now();
    p.signal(sig);
    bool exited = p.waitExit(30s);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - signalled).count();
    INFO("after the signal (" << secs << " s)\nstdout: " << p.out() << "\nstderr: " << p.err());
    REQUIRE(exited);
    return secs;
}

json readJson(const fs::path& file) {
    REQUIRE(fs::exists(file));
    return json::parse(readFile(file));
}

bool databaseExists(const std::string& name) {
    auto c = pgproof::PgConnection::connect(pgproof::ConnectionTarget("dbname=postgres"), "pgproof tests");
    return c.execParams("SELECT 1 FROM pg_database WHERE datname = $1", {name}).rows() == 1;
}

}  // namespace

TEST_CASE("Ctrl-C during a plan check in pg_sleep cancels it: exit 3 at once, reports say interrupted") {
    ScratchDatabase db("int_plan");
    db.exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)");
    TempDir dir;
    fs::path snap = dir / "snap.json", plan = dir / "plan.yaml", report = dir / "verify.json", junit = dir / "verify.xml";
    takeSnapshot(db, snap);
    writeFile(plan, "checks:\n  - {name: slow invariant, sql: 'SELECT 0 FROM pg_sleep(60)', expect: 0}\n");

    BackgroundPgproof p({"verify", "--baseline", snap.string(), "--db", db.conninfo(), "--plan", plan.string(), "--json",
                         report.string(), "--junit", junit.string()});
    double secs = interruptWhileRunning(p, db.name(), "%pg_sleep(60)%");
    INFO("stdout: " << p.out() << "\nstderr: " << p.err());
    CHECK(secs < kPromptly);
    CHECK(p.exitCode() == 3);
    CHECK(contains(p.err(), "interrupted by Ctrl-C"));
    CHECK_FALSE(contains(p.out(), "PROVEN"));
    // The server stopped too: pg_sleep does not notice a client that went away, only a cancel stops it.
    CHECK(activeQueries(db.name(), "%pg_sleep(60)%") == 0);

    json j = readJson(report);
    CHECK(j["report"] == "pgproof-verify");
    CHECK(j["verdict"] == "incomplete");
    CHECK(j["exit_code"] == 3);
    CHECK(contains(j["error"].get<std::string>(), "interrupted by Ctrl-C"));
    REQUIRE(j["not_checked"].size() == 1);
    CHECK(j["not_checked"][0]["name"] == "public.t");
    XmlElement x = parseXml(readFile(junit));
    CHECK(x.attributes["errors"] == "2");  // the run and the table it did not get to
    CHECK(x.descendants("failure").empty());
}

TEST_CASE("SIGTERM during a verify COPY of a big table cancels the read: exit 3 within seconds") {
    ScratchDatabase db("int_copy");
    createBigTable(db, "big", 100000);
    TempDir dir;
    fs::path snap = dir / "snap.json", report = dir / "verify.json";
    takeSnapshot(db, snap, false);  // with fingerprints, so that verify reads every row with COPY

    BackgroundPgproof p({"verify", "--baseline", snap.string(), "--db", db.conninfo(), "--jobs", "1", "--json", report.string()});
    double secs = interruptWhileRunning(p, db.name(), "COPY (SELECT%", SIGTERM);
    INFO("stdout: " << p.out() << "\nstderr: " << p.err());
    CHECK(secs < kPromptly);
    CHECK(p.exitCode() == 3);
    CHECK(contains(p.err(), "interrupted by SIGTERM"));
    std::this_thread::sleep_for(200ms);
    CHECK(activeQueries(db.name(), "COPY (SELECT%") == 0);
    json j = readJson(report);
    CHECK(j["verdict"] == "incomplete");
    CHECK(contains(j["error"].get<std::string>(), "interrupted"));
}

TEST_CASE("Ctrl-C during a backup stops pg_dump and leaves no file, not even a partial one") {
    ScratchDatabase db("int_backup");
    createBigTable(db, "big", 20000);
    TempDir dir;
    fs::path out = dir / "out";
    fs::create_directory(out);
    // Level 19 compresses slowly, so pg_dump's COPY waits on the pipe long enough to be interrupted.
    BackgroundPgproof p({"backup", "-o", (out / "b.sql.zst").string(), "--db", db.conninfo(), "--level", "19"});
    double secs = interruptWhileRunning(p, db.name(), "COPY public.big%");
    INFO("stdout: " << p.out() << "\nstderr: " << p.err());
    CHECK(secs < kPromptly);
    CHECK(p.exitCode() == 3);
    CHECK(contains(p.err(), "interrupted"));
    CHECK(folderEntries(out).empty());
    // Only pgproof was signalled (not its process group): pgproof itself stopped pg_dump.
    std::this_thread::sleep_for(300ms);
    CHECK(activeQueries(db.name(), "COPY public.big%") == 0);
}

namespace {
// A table whose index calls a slow IMMUTABLE function: the source builds it while the function is still
// fast, then the function is made slow, so that restoring the archive would spend ~50 s in CREATE INDEX.
fs::path archiveWithSlowIndex(const ScratchDatabase& src, const TempDir& dir, const std::string& index) {
    src.exec("CREATE FUNCTION slow_key(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN i; END $$;"
             "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 200) g;"
             "CREATE INDEX " + index + " ON t (slow_key(id));"
             "CREATE OR REPLACE FUNCTION slow_key(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS "
             "$$ BEGIN PERFORM pg_catalog.pg_sleep(0.25); RETURN i; END $$");
    return backup(src, dir);
}
}  // namespace

TEST_CASE("Ctrl-C during a restore's index build cancels it: exit 3, the target is said to be incomplete") {
    ScratchDatabase src("int_idx_src"), target("int_idx_dst");
    TempDir dir;
    fs::path archive = archiveWithSlowIndex(src, dir, "t_slow_restore_idx"), report = dir / "restore.json";
    BackgroundPgproof p({"restore", archive.string(), "--db", target.conninfo(), "--json", report.string()});
    double secs = interruptWhileRunning(p, target.name(), "%CREATE INDEX t_slow_restore_idx%");
    INFO("stdout: " << p.out() << "\nstderr: " << p.err());
    CHECK(secs < kPromptly);
    CHECK(p.exitCode() == 3);
    CHECK(contains(p.err(), "interrupted by Ctrl-C"));
    CHECK(contains(p.err(), "database " + target.name() + " is incomplete"));
    CHECK(activeQueries(target.name(), "%CREATE INDEX t_slow_restore_idx%") == 0);
    json j = readJson(report);
    CHECK(j["report"] == "pgproof-restore");
    CHECK(j["verdict"] == "incomplete");
    CHECK(contains(j["error"].get<std::string>(), "is incomplete"));
    CHECK(j["not_checked"].size() == 1);
}

TEST_CASE("Ctrl-C during a drill's index build drops the scratch database and reports the drill incomplete") {
    ScratchDatabase src("int_drill_src");
    TempDir dir;
    fs::path archive = archiveWithSlowIndex(src, dir, "t_slow_drill_idx"), md = dir / "drill.md", report = dir / "drill.json";
    BackgroundPgproof p({"drill", archive.string(), "--report", md.string(), "--json", report.string()});
    double secs = interruptWhileRunning(p, "", "%CREATE INDEX t_slow_drill_idx%");
    INFO("stdout: " << p.out() << "\nstderr: " << p.err());
    CHECK(secs < kPromptly);
    CHECK(p.exitCode() == 3);
    json j = readJson(report);
    CHECK(j["verdict"] == "incomplete");
    CHECK(contains(j["problem"].get<std::string>(), "interrupted by Ctrl-C"));
    std::string scratch = j["scratch_database"];
    REQUIRE(contains(scratch, "_" + std::to_string(p.pid())));
    CHECK(j["dropped"] == true);
    CHECK_FALSE(databaseExists(scratch));
    std::string text = readFile(md);
    CHECK(contains(text, "incomplete (exit code 3)"));
    CHECK(contains(text, "interrupted"));
}
