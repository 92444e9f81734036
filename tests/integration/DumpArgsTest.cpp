// Every pg_dump argument pgproof accepts works end to end (backup, check, verify, restore), on the
// awkward tables: --verbose, -n/-N, -t/-T, --exclude-table-data, -s, -a --disable-triggers,
// --no-owner, --no-privileges, --quote-all-identifiers, --load-via-partition-root, --no-tablespaces;
// indexes in a non-default tablespace keep it through a parallel restore; a restore onto a server
// without the archive's owner role names the role and --no-owner, and works with it.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {


struct RoundTrip {
    CommandResult backup, check, verify, restore;
};

// backup with the pg_dump arguments, check, verify the unchanged source, restore into a new database.
RoundTrip roundTrip(const ScratchDatabase& db, const std::string& dumpArgs, const std::string& restoreArgs = "--jobs 2") {
    TempDir dir;
    fs::path a = dir / "a.sql.zst";
    RoundTrip r;
    r.backup = runPgproof("backup -o " + q(a) + " --db " + shellQuote(db.conninfo()) + " -- " + dumpArgs);
    if (r.backup.exitCode != 0) return r;
    r.check = runPgproof("check " + q(a));
    r.verify = runPgproof("verify --baseline " + q(a) + " --db " + shellQuote(db.conninfo()));
    ScratchDatabase target("dargs_t");
    r.restore = runPgproof("restore " + q(a) + " --db " + shellQuote(target.conninfo()) + " " + restoreArgs);
    return r;
}

void requireAllProven(const RoundTrip& r, const std::string& args) {
    INFO("pg_dump " << args << "\nbackup: " << r.backup.err << "\ncheck: " << r.check.out << r.check.err << "\nverify: "
                    << r.verify.out << r.verify.err << "\nrestore: " << r.restore.out << r.restore.err);
    REQUIRE(r.backup.exitCode == 0);
    CHECK(r.check.exitCode == 0);
    CHECK(r.verify.exitCode == 0);
    CHECK(r.restore.exitCode == 0);
    CHECK(contains(r.restore.out, "PROVEN"));
}

void awkward(const ScratchDatabase& db) {
    createAwkwardTables(db);
    db.exec("CREATE TABLE solo (id int PRIMARY KEY, v text); INSERT INTO solo SELECT g, 'v' || g FROM generate_series(1, 100) g;"
            "CREATE TABLE child (id int REFERENCES solo, w text); INSERT INTO child SELECT g, 'w' FROM generate_series(1, 100) g;"
            "CREATE FUNCTION child_trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'no'; END$$;"
            "CREATE TRIGGER no_insert BEFORE INSERT ON child FOR EACH ROW EXECUTE FUNCTION child_trg();");
}

}  // namespace

TEST_CASE("pg_dump --verbose archives restore and prove") {
    ScratchDatabase db("dargs_v");
    awkward(db);
    requireAllProven(roundTrip(db, "--verbose"), "--verbose");
}

TEST_CASE("pg_dump --no-owner, --no-privileges and --quote-all-identifiers archives restore and prove") {
    ScratchDatabase db("dargs_o");
    awkward(db);
    requireAllProven(roundTrip(db, "--no-owner --no-privileges --quote-all-identifiers"), "--no-owner --no-privileges --quote-all-identifiers");
}

TEST_CASE("pg_dump --load-via-partition-root and --no-tablespaces archives restore and prove") {
    ScratchDatabase db("dargs_p");
    awkward(db);
    requireAllProven(roundTrip(db, "--load-via-partition-root --no-tablespaces"), "--load-via-partition-root --no-tablespaces");
}

TEST_CASE("pg_dump table and schema selection (-n, -N, -t, -T, --exclude-table-data, -s) restore and prove what they cover") {
    ScratchDatabase db("dargs_sel");
    awkward(db);
    for (std::string args : {"-n public", "-N public", "-t public.solo", "-T public.child", "--exclude-table-data=public.child", "-s"}) {
        RoundTrip r = roundTrip(db, args);
        requireAllProven(r, args);
        if (args != "-n public") CHECK(contains(r.verify.out, "not covered"));
    }
}

// (No ';' in a test name: ctest splits the name there and runs nothing, which hid this case failing.)
TEST_CASE("pg_dump -a --disable-triggers archives check and verify, restore and restore - refuse them with exit 2") {
    ScratchDatabase db("dargs_a");
    awkward(db);  // with large objects: pg_dump -a still writes their BLOB entries, in pre-data
    TempDir dir;
    fs::path a = dir / "a.sql.zst";
    RoundTrip r = roundTrip(db, "-a --disable-triggers");
    INFO(r.backup.err << r.check.out << r.verify.out << r.restore.err);
    REQUIRE(r.backup.exitCode == 0);
    CHECK(r.check.exitCode == 0);
    CHECK(r.verify.exitCode == 0);
    CHECK(r.restore.exitCode == 2);
    CHECK(contains(r.restore.err, "data-only"));
    REQUIRE(runPgproof("backup -o " + q(a) + " --db " + shellQuote(db.conninfo()) + " -- -a").exitCode == 0);
    ScratchDatabase target("dargs_t");
    auto streamed = run("cat " + q(a) + " | " + shellQuote(PGPROOF_BIN) + " restore - --db " + shellQuote(target.conninfo()));
    INFO(streamed.err);
    CHECK(streamed.exitCode == 2);
    CHECK(contains(streamed.err, "data-only"));
}

TEST_CASE("an index in a non-default tablespace keeps it through a parallel restore") {
    if (::geteuid() != 0) {
        WARN("skipped: creating a tablespace folder for the postgres user needs root");
        return;
    }
    ScratchDatabase db("dargs_ts");
    std::string ts = uniqueName("ts");
    fs::path loc = fs::path(std::getenv("PGHOST")) / ts;
    REQUIRE(run("mkdir -p " + q(loc) + " && chown postgres " + q(loc)).exitCode == 0);
    db.exec("CREATE TABLESPACE " + ts + " LOCATION '" + loc.string() + "'");
    struct DropTablespace {
        std::string name;
        ~DropTablespace() { run("psql -X -q -d postgres -c 'DROP TABLESPACE IF EXISTS " + name + "' >/dev/null 2>&1"); }
    } dropLater{ts};
    {
        db.exec("CREATE TABLE a (id int PRIMARY KEY, v text); INSERT INTO a SELECT g, 'x' FROM generate_series(1, 2000) g;"
                "CREATE TABLE b (id int, v text) TABLESPACE " + ts + "; INSERT INTO b SELECT g, 'y' FROM generate_series(1, 2000) g;"
                "CREATE INDEX a_v ON a (v) TABLESPACE " + ts + "; CREATE INDEX a_id_v ON a (id, v); CREATE INDEX b_v ON b (v);"
                "CREATE INDEX b_id ON b (id) TABLESPACE " + ts + ";");
        TempDir dir;
        fs::path a = dir / "a.sql.zst";
        REQUIRE(runPgproof("backup -o " + q(a) + " --db " + shellQuote(db.conninfo())).exitCode == 0);
        ScratchDatabase target("dargs_ts_t");
        auto r = runPgproof("restore " + q(a) + " --db " + shellQuote(target.conninfo()) + " --jobs 3");
        INFO(r.out << r.err);
        REQUIRE(r.exitCode == 0);
        auto where = [&](const std::string& rel) {
            return target.scalar("SELECT coalesce(t.spcname, '') FROM pg_class c LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace "
                                 "WHERE c.relname = '" + rel + "'");
        };
        CHECK(where("a_v") == ts);
        CHECK(where("b_id") == ts);
        CHECK(where("b") == ts);
        CHECK(where("a_id_v").empty());
        CHECK(where("b_v").empty());
        CHECK(where("a").empty());
        target.exec("SELECT 1");  // dropped before the tablespace
    }
}

TEST_CASE("a restore onto a server without the archive's owner role names it, and with --no-owner --no-privileges restores and proves") {
    std::string role = uniqueName("prod_owner");
    ScratchDatabase admin("dargs_role_admin");
    admin.exec("CREATE ROLE " + role);
    TempDir dir;
    fs::path a = dir / "a.sql.zst";
    {
        ScratchDatabase db("dargs_role");
        db.exec("CREATE TABLE owned (id int PRIMARY KEY, v text); INSERT INTO owned SELECT g, 'x' FROM generate_series(1, 300) g;"
                "ALTER TABLE owned OWNER TO " + role + "; GRANT SELECT ON owned TO " + role + ";");
        REQUIRE(runPgproof("backup -o " + q(a) + " --db " + shellQuote(db.conninfo())).exitCode == 0);
        db.exec("REASSIGN OWNED BY " + role + " TO postgres; DROP OWNED BY " + role);
    }
    admin.exec("DROP ROLE " + role);  // the staging server does not have production's role

    ScratchDatabase target("dargs_role_t");
    auto refused = runPgproof("restore " + q(a) + " --db " + shellQuote(target.conninfo()));
    INFO(refused.out << refused.err);
    CHECK(refused.exitCode == 2);
    CHECK(contains(refused.err, role));
    CHECK(contains(refused.err, "--no-owner"));
    CHECK(target.scalar("SELECT count(*) FROM pg_class WHERE relname = 'owned'") == "0");  // nothing was changed

    auto r = runPgproof("restore " + q(a) + " --db " + shellQuote(target.conninfo()) + " --no-owner --no-privileges");
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(contains(r.out, "PROVEN"));
    CHECK(contains(r.out, "1 owner change(s)"));
    CHECK(target.scalar("SELECT count(*) FROM owned") == "300");

    auto d = runPgproof("drill " + q(a) + " --no-owner --no-privileges");
    INFO(d.out << d.err);
    CHECK(d.exitCode == 0);
}
