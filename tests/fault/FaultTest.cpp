// Fault injection against a real PostgreSQL (issue 14, part 2): the server connection of a backup is
// terminated, the archive's file system is full. Each: exit 3, no file at -o (not even a partial one),
// never "PROVEN", and the next run works.
#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "TestSupport.hpp"

using namespace pgproof::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST_CASE("backup whose pg_dump connection is terminated mid-COPY: exit 3, no archive, the rerun works") {
    ScratchDatabase db("fault_term");
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 300000) g");
    TempDir dir;
    fs::path out = dir / "out";
    fs::create_directory(out);
    fs::path archive = out / "b.sql.zst";
    BackgroundPgproof p({"backup", "-o", archive.string(), "--db", db.conninfo(), "--level", "19"});
    REQUIRE(waitForActiveQuery(db.name(), "COPY public.big%", 120s, [&] { return p.running(); }));
    admin().exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name() +
                 "' AND query LIKE 'COPY public.big%'");
    REQUIRE(p.waitExit(60s));
    INFO("stdout: " << p.out() << "\nstderr: " << p.err());
    CHECK(p.exitCode() == 3);
    CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
    CHECK(folderEntries(out).empty());
    auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
    INFO(r.err);
    CHECK(r.exitCode == 0);
    CHECK(fs::exists(archive));
}

TEST_CASE("backup whose pg_dump is SIGKILLed mid-COPY: exit 3, no archive") {
    ScratchDatabase db("fault_kill");
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 300000) g");
    TempDir dir;
    fs::path out = dir / "out";
    fs::create_directory(out);
    BackgroundPgproof p({"backup", "-o", (out / "b.sql.zst").string(), "--db", db.conninfo(), "--level", "19"});
    REQUIRE(waitForActiveQuery(db.name(), "COPY public.big%", 120s, [&] { return p.running(); }));
    auto kill = run("pkill -KILL -P " + std::to_string(p.pid()) + " -x pg_dump");
    REQUIRE(kill.exitCode == 0);  // pg_dump was a child of pgproof and was killed
    REQUIRE(p.waitExit(60s));
    INFO("stdout: " << p.out() << "\nstderr: " << p.err());
    CHECK(p.exitCode() == 3);
    CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
    CHECK(folderEntries(out).empty());
}

TEST_CASE("backup into a full file system (256k tmpfs): exit 3 naming the file, no partial file") {
    ScratchDatabase db("fault_full");
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 100000) g");
    TempDir dir;
    fs::path small = dir / "small";
    fs::create_directory(small);
    if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=256k") != 0) {
        WARN("cannot mount a small tmpfs here (not root?): the disk-full case was not run");
        return;
    }
    struct Unmount {
        fs::path p;
        ~Unmount() { ::umount(p.c_str()); }
    } unmount{small};
    fs::path archive = small / "b.sql.zst";
    auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 3);
    CHECK(contains(r.err, "b.sql.zst"));
    CHECK_FALSE(contains(r.out + r.err, "PROVEN"));
    CHECK(folderEntries(small).empty());
    // The next run, with room, works.
    auto ok = runPgproof("backup -o " + q(dir / "b.sql.zst") + " --db " + shellQuote(db.conninfo()));
    INFO(ok.err);
    CHECK(ok.exitCode == 0);
}
