// pgproof as a DBA runs it in production, against a real PostgreSQL: not as a superuser. A role with
// pg_read_all_data backs up, snapshots and verifies (exit 0); a role that may not read one table gets
// exit 3 naming the table and the grant that fixes it, never a pass. --jobs defaults to 2 connections.
#include <catch2/catch.hpp>

#include "SqlIdentifier.hpp"
#include "TestSupport.hpp"

using namespace pgproof::test;
namespace fs = std::filesystem;

namespace {




// A login role for one test (roles belong to the cluster), dropped at the end.
class TestRole {
public:
    explicit TestRole(const std::string& prefix) : name_(uniqueName(prefix)) {
        admin().exec("CREATE ROLE " + pgproof::quoteIdent(name_) + " LOGIN");
    }
    ~TestRole() {
        try {
            admin().exec("DROP ROLE IF EXISTS " + pgproof::quoteIdent(name_));
        } catch (...) {
        }
    }
    const std::string& name() const { return name_; }
    std::string sql() const { return pgproof::quoteIdent(name_); }

private:
    std::string name_;
};

// The database holds a table only some roles may read.
struct Shop {
    ScratchDatabase db{"pv"};
    TempDir dir;
    Shop() {
        db.exec("CREATE TABLE fruit (id serial PRIMARY KEY, name text); INSERT INTO fruit (name) VALUES ('apple'), ('pear');"
                "CREATE SCHEMA vault; CREATE TABLE vault.secret (id int PRIMARY KEY, code text); INSERT INTO vault.secret VALUES (1, 'x');");
    }
    std::string as(const TestRole& role) const { return shellQuote(db.conninfo() + " user=" + role.name()); }
};

}  // namespace

TEST_CASE("a role with pg_read_all_data backs up, snapshots and verifies without being a superuser") {
    TestRole reader("pv_reader");  // before the database: dropping the database first removes its grants
    Shop s;
    admin().exec("GRANT pg_read_all_data TO " + reader.sql());
    fs::path archive = s.dir / "shop.sql.zst", snap = s.dir / "snap.json";

    auto b = runPgproof("backup -o " + q(archive) + " --db " + s.as(reader));
    INFO("backup: " << b.out << b.err);
    CHECK(b.exitCode == 0);
    auto sn = runPgproof("snapshot -o " + q(snap) + " --db " + s.as(reader));
    INFO("snapshot: " << sn.out << sn.err);
    CHECK(sn.exitCode == 0);
    for (const auto& baseline : {archive, snap}) {
        auto v = runPgproof("verify --baseline " + q(baseline) + " --db " + s.as(reader));
        INFO("verify " << baseline << ": " << v.out << v.err);
        CHECK(v.exitCode == 0);
        CHECK(contains(v.out, "PROVEN"));
    }
}

TEST_CASE("a role that may not read one baseline table gets exit 3 naming the table and the grant") {
    TestRole limited("pv_limited");  // before the database: dropping the database first removes its grants
    Shop s;
    fs::path archive = s.dir / "shop.sql.zst";
    auto b = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(s.db.conninfo()));
    REQUIRE(b.exitCode == 0);
    s.db.exec("GRANT USAGE ON SCHEMA vault TO " + limited.sql() + "; GRANT SELECT ON public.fruit TO " + limited.sql() +
              "; GRANT SELECT ON SEQUENCE public.fruit_id_seq TO " + limited.sql());
    const std::string hint = "permission denied for table secret: grant SELECT or pg_read_all_data to " + limited.name();

    SECTION("verify") {
        auto v = runPgproof("verify --baseline " + q(archive) + " --db " + s.as(limited));
        INFO(v.out << v.err);
        CHECK(v.exitCode == 3);
        CHECK(contains(v.out, "vault.secret"));
        CHECK(contains(v.out, hint));
        CHECK_FALSE(contains(v.out, "PROVEN"));
    }
    SECTION("snapshot") {
        fs::path snap = s.dir / "snap.json";
        auto sn = runPgproof("snapshot -o " + q(snap) + " --db " + s.as(limited));
        INFO(sn.out << sn.err);
        CHECK(sn.exitCode == 3);
        CHECK(contains(sn.err, "vault.secret"));
        CHECK(contains(sn.err, hint));
        CHECK_FALSE(fs::exists(snap));
    }
    SECTION("backup") {
        fs::path out = s.dir / "out";
        fs::create_directory(out);
        auto bk = runPgproof("backup -o " + q(out / "b.sql.zst") + " --db " + s.as(limited));
        INFO(bk.out << bk.err);
        CHECK(bk.exitCode == 3);
        CHECK(contains(bk.err, "permission denied for table secret"));
        CHECK(folderEntries(out).empty());
    }
}

TEST_CASE("live-database commands default to 2 connections, and every --help says so") {
    for (const std::string command : {"snapshot", "verify", "restore", "drill"}) {
        auto r = runPgproof(command + " --help");
        INFO(command << ": " << r.out);
        CHECK(r.exitCode == 0);
        CHECK(contains(r.out, "(default: 2"));
    }
    auto top = runPgproof("--help");
    CHECK(contains(top.out, "2 database connections"));
}
