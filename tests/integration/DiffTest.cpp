// pgproof diff covers what verify covers: sequences (lower, higher, equal, as verify judges them) and
// large objects (count and fingerprint; the OIDs lost, added and changed where both sides hold them),
// in text, csv and json, against an archive or a snapshot, with --db or a second file.
#include <catch2/catch.hpp>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string dbArg(const ScratchDatabase& db) { return " --db " + shellQuote(db.conninfo()); }

// A table with a serial, a sequence of its own at 102, three large objects with fixed OIDs.
void createSequencesAndLargeObjects(const ScratchDatabase& db) {
    db.exec("CREATE TABLE t (id serial PRIMARY KEY, v text); INSERT INTO t (v) SELECT 'v' || g FROM generate_series(1, 10) g;"
            "CREATE SEQUENCE standalone START 100; SELECT nextval('standalone'), nextval('standalone'), nextval('standalone');"
            "SELECT lo_from_bytea(424242, 'one'), lo_from_bytea(424243, 'two'), lo_from_bytea(424244, 'three');");
}

// The sequence handed out 102 now hands out 50 again; one large object changed, one gone, one new.
void lowerSequenceAndChangeLargeObjects(const ScratchDatabase& db) {
    db.exec("SELECT setval('standalone', 50);"
            "SELECT lo_put(424242, 0, 'X'); SELECT lo_unlink(424243); SELECT lo_from_bytea(424250, 'new');");
}

json sequenceOf(const json& report, const std::string& name) {
    for (const auto& s : report.at("sequences"))
        if (s.at("sequence") == name) return s;
    FAIL("no sequence " << name << " in " << report.dump());
    return {};
}

json tableOf(const json& report, const std::string& name) {
    for (const auto& t : report.at("tables"))
        if (t.at("table") == name) return t;
    FAIL("no table " << name << " in " << report.dump());
    return {};
}

// Every format names the lowered sequence and the large objects that differ, and exits 1.
// `named`: the baseline holds the large objects themselves (an archive), so their OIDs are listed.
void requireListed(const std::string& diff, bool named) {
    SECTION("text") {
        auto r = runPgproof(diff);
        INFO(r.out << r.err);
        CHECK(r.exitCode == 1);
        CHECK(contains(r.out, "public.standalone"));
        CHECK(contains(r.out, "lower"));
        CHECK(contains(r.out, "sequence went back from 102 to 50"));
        CHECK(contains(r.out, "pg_catalog.pg_largeobject"));
        CHECK(contains(r.out, "2 sequence(s): 1 equal, 1 differ"));
        CHECK(!contains(r.out, "no difference"));
        if (named) {
            CHECK(contains(r.out, "changed key oid=424242"));
            CHECK(contains(r.out, "lost key oid=424243"));
            CHECK(contains(r.out, "added key oid=424250"));
            CHECK(!contains(r.out, "oid=424244"));
        }
    }
    SECTION("csv") {
        auto r = runPgproof(diff + " --format csv");
        INFO(r.out << r.err);
        CHECK(r.exitCode == 1);
        CHECK(contains(r.out, "public.standalone,sequence lower,,,,102,50,,"));
        CHECK(!contains(r.out, "public.t_id_seq"));  // equal: not listed
        if (named) {
            CHECK(contains(r.out, "pg_catalog.pg_largeobject,changed,oid=424242,1,digest,"));
            CHECK(contains(r.out, "pg_catalog.pg_largeobject,lost,oid=424243,1,"));
            CHECK(contains(r.out, "pg_catalog.pg_largeobject,added,oid=424250,1,"));
        } else {
            CHECK(contains(r.out, "pg_catalog.pg_largeobject,table differs,"));
        }
    }
    SECTION("json") {
        auto r = runPgproof(diff + " --format json");
        INFO(r.out << r.err);
        CHECK(r.exitCode == 1);
        json j = json::parse(r.out);
        CHECK(j["exit_code"] == 1);
        json s = sequenceOf(j, "public.standalone");
        CHECK(s["status"] == "lower");
        CHECK(s["before"] == 102);
        CHECK(s["after"] == 50);
        CHECK(sequenceOf(j, "public.t_id_seq")["status"] == "equal");
        CHECK(j["summary"]["sequences_differ"] == 1);
        json lo = tableOf(j, "pg_catalog.pg_largeobject");
        CHECK(lo["status"] == "differs");
        CHECK(lo["rows_before"] == 3);
        CHECK(lo["rows_after"] == 3);
        if (named) {
            CHECK(lo["lost"] == 1);
            CHECK(lo["added"] == 1);
            CHECK(lo["changed"] == 1);
            std::set<std::string> kinds;
            for (const auto& d : j["differences"])
                if (d["table"] == "pg_catalog.pg_largeobject") kinds.insert(d["kind"].get<std::string>() + " " + d["key"].get<std::string>());
            CHECK(kinds == std::set<std::string>{"changed oid=424242", "lost oid=424243", "added oid=424250"});
        }
    }
}

}  // namespace

TEST_CASE("diff lists a lowered sequence and changed large objects: archive baseline against the database") {
    ScratchDatabase db("diff_seq_lo");
    createSequencesAndLargeObjects(db);
    TempDir dir;
    fs::path archive = backupTo(db, dir / "a.sql.zst");
    auto same = runPgproof("diff " + q(archive) + dbArg(db));
    INFO(same.out << same.err);
    REQUIRE(same.exitCode == 0);
    CHECK(contains(same.out, "no difference"));
    lowerSequenceAndChangeLargeObjects(db);
    requireListed("diff " + q(archive) + dbArg(db), true);
}

TEST_CASE("diff lists a lowered sequence and changed large objects: snapshot baseline against the database") {
    ScratchDatabase db("diff_seq_lo_snap");
    createSequencesAndLargeObjects(db);
    TempDir dir;
    fs::path snapshot = dir / "s.json";
    auto s = runPgproof("snapshot -o " + q(snapshot) + dbArg(db));
    INFO(s.out << s.err);
    REQUIRE(s.exitCode == 0);
    REQUIRE(runPgproof("diff " + q(snapshot) + dbArg(db)).exitCode == 0);
    lowerSequenceAndChangeLargeObjects(db);
    requireListed("diff " + q(snapshot) + dbArg(db), false);
}

TEST_CASE("diff lists a lowered sequence and changed large objects: two archives, offline") {
    ScratchDatabase db("diff_seq_lo_two");
    createSequencesAndLargeObjects(db);
    TempDir dir;
    fs::path before = backupTo(db, dir / "before.sql.zst");
    lowerSequenceAndChangeLargeObjects(db);
    fs::path after = backupTo(db, dir / "after.sql.zst");
    requireListed("diff " + q(before) + " " + q(after), true);
}

TEST_CASE("diff: a sequence that moved on is a difference too, listed as higher") {
    ScratchDatabase db("diff_seq_up");
    createSequencesAndLargeObjects(db);
    TempDir dir;
    fs::path archive = backupTo(db, dir / "a.sql.zst");
    db.exec("INSERT INTO t (v) VALUES ('new');");
    auto r = runPgproof("diff " + q(archive) + dbArg(db) + " --format json");
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);
    json j = json::parse(r.out);
    CHECK(sequenceOf(j, "public.t_id_seq")["status"] == "higher");
    CHECK(sequenceOf(j, "public.t_id_seq")["after"] == 11);
    CHECK(sequenceOf(j, "public.standalone")["status"] == "equal");
    CHECK(tableOf(j, "pg_catalog.pg_largeobject")["status"] == "equal");
}

TEST_CASE("diff of two snapshot files: tables by count and fingerprint, sequences, large objects") {
    ScratchDatabase db("diff_two_snaps");
    createSequencesAndLargeObjects(db);
    TempDir dir;
    fs::path before = dir / "before.json", after = dir / "after.json";
    REQUIRE(runPgproof("snapshot -o " + q(before) + dbArg(db)).exitCode == 0);
    CHECK(runPgproof("diff " + q(before) + " " + q(before)).exitCode == 0);
    lowerSequenceAndChangeLargeObjects(db);
    db.exec("DELETE FROM t WHERE id = 3;");
    REQUIRE(runPgproof("snapshot -o " + q(after) + dbArg(db)).exitCode == 0);
    auto r = runPgproof("diff " + q(before) + " " + q(after) + " --format json");
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);
    json j = json::parse(r.out);
    CHECK(sequenceOf(j, "public.standalone")["status"] == "lower");
    CHECK(tableOf(j, "pg_catalog.pg_largeobject")["status"] == "differs");
    json t = tableOf(j, "public.t");
    CHECK(t["status"] == "differs");
    CHECK(t["rows_before"] == 10);
    CHECK(t["rows_after"] == 9);
}
