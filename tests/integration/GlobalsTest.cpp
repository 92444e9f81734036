// The whole server's part of a database's backup: backup --globals records the roles (attributes,
// settings, memberships) beside the archive as pg_dumpall --globals-only sees them, proven by check and
// restorable with stock zstd | psql; restore and drill create the roles an archive needs on a server
// that lacks them (and a drill removes them again), so ownership and grants are restored and proven.
#include <catch2/catch.hpp>

#include "SqlIdentifier.hpp"
#include "TestSupport.hpp"

using namespace pgproof::test;
namespace fs = std::filesystem;

namespace {

// Roles for one test (roles belong to the cluster), dropped at the end with what they own elsewhere.
class TestRoles {
public:
    explicit TestRoles(const std::vector<std::string>& prefixes) {
        for (const auto& p : prefixes) names_.push_back(uniqueName(p));
    }
    ~TestRoles() {
        for (auto it = names_.rbegin(); it != names_.rend(); ++it) {
            try {
                admin().exec("DROP ROLE IF EXISTS " + pgproof::quoteIdent(*it));
            } catch (...) {
            }
        }
    }
    const std::string& operator[](size_t i) const { return names_[i]; }
    std::string sql(size_t i) const { return pgproof::quoteIdent(names_[i]); }

private:
    std::vector<std::string> names_;
};

std::string zstdCat(const fs::path& file) {
    auto r = run("zstd -dc " + q(file));
    REQUIRE(r.exitCode == 0);
    return r.out;
}

}  // namespace

TEST_CASE("backup --globals records the server's roles beside the archive, checked and restorable with stock tools") {
    TestRoles roles({"gl_owner", "gl_member"});
    admin().exec("CREATE ROLE " + roles.sql(0) + " LOGIN PASSWORD 'secret-1'; CREATE ROLE " + roles.sql(1) +
                 " NOLOGIN; GRANT " + roles.sql(0) + " TO " + roles.sql(1) + "; ALTER ROLE " + roles.sql(1) + " SET work_mem = '7MB'");
    ScratchDatabase db("gl");
    db.exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2)");
    TempDir dir;
    fs::path archive = dir / "shop.sql.zst", globals = dir / "shop.globals.sql.zst";

    auto b = runPgproof("backup --globals --check -o " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --json " + q(dir / "b.json"));
    INFO(b.out << b.err);
    REQUIRE(b.exitCode == 0);
    CHECK(contains(b.out, "globals " + globals.string()));
    auto manifest = inspectManifest(archive);
    auto ref = manifest["source"]["globals"];
    CHECK(ref["file"] == "shop.globals.sql.zst");
    CHECK(ref["manifest_checksum"].get<std::string>().size() == 16);
    auto listed = ref["roles"].get<std::vector<std::string>>();
    CHECK(std::count(listed.begin(), listed.end(), roles[0]) == 1);
    CHECK(std::count(listed.begin(), listed.end(), roles[1]) == 1);

    auto c = runPgproof("check " + q(globals));
    INFO(c.out << c.err);
    CHECK(c.exitCode == 0);
    std::string sql = zstdCat(globals);
    CHECK(contains(sql, "CREATE ROLE " + roles[0] + ";"));
    CHECK(contains(sql, "PASSWORD 'SCRAM-SHA-256$"));
    CHECK(contains(sql, "ALTER ROLE " + roles[1] + " SET work_mem TO '7MB';"));
    CHECK(contains(sql, "GRANT " + roles[0] + " TO " + roles[1]));

    // Stock tools restore them: on a fresh cluster, zstd -dc | psql creates the roles with their settings.
    ThrowawayCluster fresh("");
    auto r = run("zstd -dc " + q(globals) + " | psql -X -q " + shellQuote(fresh.conninfo("postgres")) + " 2>&1");
    INFO(r.out);
    auto conn = fresh.connect("postgres");
    auto got = conn.execParams("SELECT r.rolcanlogin, (SELECT count(*) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                               "WHERE m.member = r.oid AND g.rolname = $2), (SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting "
                               "WHERE setrole = r.oid) FROM pg_roles r WHERE r.rolname = $1",
                               {roles[1], roles[0]});
    REQUIRE(got.rows() == 1);
    CHECK(got.value(0, 0) == "f");
    CHECK(got.value(0, 1) == "1");
    CHECK(got.value(0, 2) == "work_mem=7MB");
}

TEST_CASE("backup --globals --no-role-passwords works for a role with pg_read_all_data, not a superuser") {
    TestRoles roles({"gl_reader", "gl_app"});
    admin().exec("CREATE ROLE " + roles.sql(0) + " LOGIN; GRANT pg_read_all_data TO " + roles.sql(0) + "; CREATE ROLE " + roles.sql(1) +
                 " LOGIN PASSWORD 'app-secret'");
    ScratchDatabase db("glr");
    db.exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)");
    TempDir dir;
    fs::path archive = dir / "r.sql.zst";
    const std::string as = shellQuote(db.conninfo() + " user=" + roles[0]);

    auto b = runPgproof("backup --globals --no-role-passwords -o " + q(archive) + " --db " + as);
    INFO(b.out << b.err);
    REQUIRE(b.exitCode == 0);
    CHECK(contains(b.out, "(without passwords)"));
    std::string sql = zstdCat(dir / "r.globals.sql.zst");
    CHECK(contains(sql, "CREATE ROLE " + roles[1] + ";"));
    CHECK(contains(sql, "ALTER ROLE " + roles[1] + " WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN"));
    CHECK_FALSE(contains(sql, "PASSWORD"));
    CHECK(runPgproof("check " + q(dir / "r.globals.sql.zst")).exitCode == 0);
    CHECK(inspectManifest(dir / "r.globals.sql.zst")["source"]["role_passwords"] == false);
}

TEST_CASE("onto a fresh server: a drill creates the archive's roles and removes them, restore --create keeps them with ownership and grants proven") {
    TestRoles roles({"gl_own", "gl_writer", "gl_reader"});
    admin().exec("CREATE ROLE " + roles.sql(0) + " LOGIN; CREATE ROLE " + roles.sql(1) + " LOGIN; CREATE ROLE " + roles.sql(2) +
                 " NOLOGIN; GRANT " + roles.sql(2) + " TO " + roles.sql(1) + "; ALTER ROLE " + roles.sql(2) +
                 " SET statement_timeout = '5min'");
    ScratchDatabase db("glfresh");
    db.exec("ALTER DATABASE " + pgproof::quoteIdent(db.name()) + " OWNER TO " + roles.sql(0) + "; CREATE SCHEMA app AUTHORIZATION " +
            roles.sql(0) + "; CREATE TABLE app.orders (id int PRIMARY KEY, total numeric); INSERT INTO app.orders SELECT g, g * 1.5 "
            "FROM generate_series(1, 500) g; ALTER TABLE app.orders OWNER TO " + roles.sql(0) +
            "; CREATE TABLE app.audit (id serial PRIMARY KEY, note text); INSERT INTO app.audit (note) VALUES ('a'), ('b'); "
            "ALTER TABLE app.audit OWNER TO " + roles.sql(1) + "; CREATE TABLE app.notes (id int PRIMARY KEY); INSERT INTO app.notes "
            "VALUES (1); ALTER TABLE app.notes OWNER TO " + roles.sql(2) + "; GRANT USAGE ON SCHEMA app TO " + roles.sql(2) +
            "; GRANT SELECT ON app.orders TO " + roles.sql(2) + "; GRANT SELECT, INSERT ON app.orders TO " + roles.sql(1));
    TempDir dir;
    fs::path archive = dir / "shop.sql.zst";
    auto b = runPgproof("backup --globals -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
    INFO(b.out << b.err);
    REQUIRE(b.exitCode == 0);

    ThrowawayCluster fresh("");
    auto freshRoles = [&] {
        return fresh.connect("postgres").execParams("SELECT count(*) FROM pg_roles WHERE rolname IN ($1, $2, $3)",
                                                     {roles[0], roles[1], roles[2]}).value(0, 0);
    };
    REQUIRE(freshRoles() == "0");

    auto d = runPgproof("drill " + q(archive) + " --server " + shellQuote(fresh.conninfo("postgres")) + " --json " + q(dir / "d.json"));
    INFO(d.out << d.err);
    CHECK(d.exitCode == 0);
    CHECK(contains(d.out, "PASSED"));
    CHECK(contains(d.out, "roles created from the archive's globals: "));
    CHECK(contains(d.out, "(dropped)"));
    CHECK(contains(d.out, "ownership of 5 object(s) and 3 grant(s) proven"));
    CHECK(freshRoles() == "0");  // a drill leaves no role behind
    auto dj = nlohmann::json::parse(readFile(dir / "d.json"));
    CHECK(dj["created_roles"].size() == 3);
    CHECK(dj["created_roles_dropped"] == true);

    auto r = runPgproof("restore " + q(archive) + " --server " + shellQuote(fresh.conninfo("postgres")) + " --create shop");
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(contains(r.out, "PROVEN"));
    CHECK(contains(r.out, "ownership of 5 object(s) and 3 grant(s) proven"));
    CHECK(freshRoles() == "3");
    auto shop = fresh.connect("shop");
    auto owners = shop.exec("SELECT string_agg(c.relname || '=' || pg_get_userbyid(c.relowner), ',' ORDER BY c.relname) FROM pg_class c "
                            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'app' AND c.relkind = 'r'").value(0, 0);
    CHECK(owners == "audit=" + roles[1] + ",notes=" + roles[2] + ",orders=" + roles[0]);
    CHECK(shop.exec("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'shop'").value(0, 0) == roles[0]);
    CHECK(shop.exec("SELECT count(*) FROM app.orders").value(0, 0) == "500");
    auto member = shop.execParams("SELECT pg_has_role($1, $2, 'MEMBER')", {roles[1], roles[2]}).value(0, 0);
    CHECK(member == "t");
    auto setting = shop.execParams("SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole "
                                   "WHERE r.rolname = $1", {roles[2]});
    REQUIRE(setting.rows() == 1);
    CHECK(setting.value(0, 0) == "statement_timeout=5min");
    CHECK(shop.execParams("SELECT has_table_privilege($1, 'app.orders', 'INSERT')", {roles[1]}).value(0, 0) == "t");

    auto again = runPgproof("restore " + q(archive) + " --server " + shellQuote(fresh.conninfo("postgres")) + " --create shop");
    CHECK(again.exitCode == 2);
    CHECK(contains(again.err, "database shop already exists"));
}

TEST_CASE("restore - and drill - create the roles from --globals FILE: a stream has no globals beside it") {
    TestRoles roles({"gl_stream"});
    admin().exec("CREATE ROLE " + roles.sql(0) + " NOLOGIN");
    ScratchDatabase db("glstream");
    db.exec("CREATE TABLE ledger (id int PRIMARY KEY, amount numeric); INSERT INTO ledger SELECT g, g FROM generate_series(1, 300) g; "
            "ALTER TABLE ledger OWNER TO " + roles.sql(0));
    TempDir dir;
    fs::path archive = dir / "ledger.sql.zst", globals = dir / "ledger.globals.sql.zst";
    auto b = runPgproof("backup --globals -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
    INFO(b.out << b.err);
    REQUIRE(b.exitCode == 0);
    REQUIRE(fs::exists(globals));

    ThrowawayCluster fresh("");
    auto roleOnFresh = [&] {
        return fresh.connect("postgres").execParams("SELECT count(*) FROM pg_roles WHERE rolname = $1", {roles[0]}).value(0, 0);
    };
    fresh.connect("postgres").exec("CREATE DATABASE plain");
    fresh.connect("postgres").exec("CREATE DATABASE withglobals");
    auto without = runPgproof("restore - --db " + shellQuote(fresh.conninfo("plain")) + " < " + q(archive));
    INFO(without.out << without.err);
    CHECK(without.exitCode == 2);
    CHECK(contains(without.err, "role " + roles[0] + " owns objects in the archive but does not exist on the target"));
    CHECK(contains(without.err, "--globals FILE"));

    auto drill = runPgproof("drill - --server " + shellQuote(fresh.conninfo("postgres")) + " --globals " + q(globals) + " < " + q(archive));
    INFO(drill.out << drill.err);
    CHECK(drill.exitCode == 0);
    CHECK(contains(drill.out, "roles created from the archive's globals: " + roles[0] + " (dropped)"));
    CHECK(roleOnFresh() == "0");

    auto restore = runPgproof("restore - --db " + shellQuote(fresh.conninfo("withglobals")) + " --globals " + q(globals) + " < " + q(archive));
    INFO(restore.out << restore.err);
    CHECK(restore.exitCode == 0);
    CHECK(contains(restore.out, "PROVEN"));
    CHECK(roleOnFresh() == "1");
    CHECK(fresh.connect("withglobals").exec("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'ledger'").value(0, 0) == roles[0]);

    auto missing = runPgproof("restore - --db " + shellQuote(fresh.conninfo("plain")) + " --globals " + q(dir / "none.sql.zst") + " < " + q(archive));
    CHECK(missing.exitCode == 2);
    CHECK(contains(missing.err, "--globals " + (dir / "none.sql.zst").string() + ": no such file"));
}
