// pgproof rehearse against a real PostgreSQL: the onboarding migration of tests/data/lint rehearsed on
// an archive of good data (passes, with its timings, backfill rows and locks, and the plan proven) and
// of broken data (fails naming the failing statement's line, or the plan items that do not hold). The
// scratch database is gone afterwards either way, unless --keep. A migration acting beyond the scratch
// database (another database, a role, ALTER SYSTEM, a tablespace, \connect) is refused before anything runs.
#include <catch2/catch.hpp>

#include "SqlIdentifier.hpp"
#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path lintFile(const std::string& name) { return fs::path(PGPROOF_SOURCE_DIR) / "tests/data/lint" / name; }

bool databaseExists(const std::string& name) {
    return admin().execParams("SELECT 1 FROM pg_database WHERE datname = $1", {name}).rows() == 1;
}

// An archive of tests/data/lint/schema.sql with good or broken data (as in LintTest.cpp).
struct OnboardingArchive {
    ScratchDatabase db{"rh"};
    TempDir dir;
    fs::path archive;
    explicit OnboardingArchive(bool broken) {
        db.loadFile(lintFile("schema.sql"));
        db.exec("INSERT INTO clients VALUES ('c1', 'One'), ('c2', 'Two'), ('c3', 'Three');"
                "INSERT INTO customers VALUES (1, 'c1', 'a@x'), (2, 'c2', 'b@x'), (3, 'c3', 'c@x');"
                "INSERT INTO onboarding_states VALUES (1, 1, NULL), (2, 2, NULL), (3, 3, 'c3');");
        if (broken)
            db.exec("INSERT INTO customers VALUES (4, NULL, 'd@x'), (5, 'zz', 'e@x');"
                    "INSERT INTO onboarding_states VALUES (4, 4, NULL), (5, 5, 'zz'), (6, 1, 'c1'), (7, 1, 'c1');");
        archive = dir / "onboarding.sql.zst";
        auto r = runPgproof("backup -q -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
        INFO(r.err);
        REQUIRE(r.exitCode == 0);
    }
};

struct Rehearsed {
    CommandResult run;
    json report;
};

Rehearsed rehearse(const OnboardingArchive& a, const std::string& args) {
    Rehearsed r;
    r.run = runPgproof("rehearse " + q(a.archive) + " " + args + " --json -");
    INFO("stdout: " << r.run.out << "\nstderr: " << r.run.err);
    REQUIRE_NOTHROW(r.report = json::parse(r.run.out));
    return r;
}

const json& statementAt(const json& report, int line) {
    for (const auto& s : report.at("migration").at("statements"))
        if (s.at("line") == line) return s;
    FAIL("no statement at line " << line);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("rehearse: the good migration on good data passes with its timings and the plan proven") {
    OnboardingArchive a(false);
    TempDir out;
    auto r = rehearse(a, "--migration " + q(lintFile("good.sql")) + " --plan " + q(lintFile("good-plan.yaml")) + " --report " + q(out / "r.md") +
                             " --junit " + q(out / "r.xml"));
    CHECK(r.run.exitCode == 0);
    CHECK(r.report.at("verdict") == "proven");
    const auto& m = r.report.at("migration");
    CHECK(m.at("failed") == false);
    CHECK(m.at("statements").size() == 11);
    CHECK(m.at("statements_in_file") == 11);
    CHECK(m.at("single_transaction") == false);  // CREATE UNIQUE INDEX CONCURRENTLY at line 22
    CHECK(contains(m.at("transaction_note").get<std::string>(), "line 22"));
    CHECK(m.at("seconds").get<double>() > 0);
    // The backfill: 2 rows, under ROW EXCLUSIVE; the new columns under ACCESS EXCLUSIVE.
    CHECK(statementAt(r.report, 14).at("rows") == 2);
    CHECK(statementAt(r.report, 14).at("lock") == "ROW EXCLUSIVE");
    CHECK(statementAt(r.report, 4).at("lock") == "ACCESS EXCLUSIVE");
    CHECK(statementAt(r.report, 22).at("command") == "CREATE INDEX");
    CHECK(r.report.at("rollback_estimate_seconds").get<double>() > 0);
    CHECK(r.report.at("restore").at("verdict") == "proven");
    // The plan holds on the migrated copy.
    const auto& items = r.report.at("verification").at("plan").at("items");
    CHECK(items.size() == 8);
    for (const auto& i : items) CHECK(i.at("verdict") == "ok");
    // Nothing left behind; the report says so.
    std::string scratch = r.report.at("scratch_database");
    CHECK(scratch.rfind("pgproof_rehearse_", 0) == 0);
    CHECK(r.report.at("dropped") == true);
    CHECK_FALSE(databaseExists(scratch));
    std::string md = readFile(out / "r.md");
    CHECK(contains(md, "# Migration rehearsal: PASSED"));
    CHECK(contains(md, "| 14 |"));
    auto xml = parseXml(readFile(out / "r.xml"));
    for (const auto* c : xml.descendants("testcase")) CHECK(c->descendants("failure").empty());
}

TEST_CASE("rehearse: the migration on broken data fails naming the failing statement and leaves no database") {
    OnboardingArchive a(true);
    auto r = rehearse(a, "--migration " + q(lintFile("good.sql")));
    CHECK(r.run.exitCode == 1);
    CHECK(r.report.at("verdict") == "failed");
    const auto& m = r.report.at("migration");
    CHECK(m.at("failed") == true);
    const auto& last = m.at("statements").back();
    CHECK(last.at("line") == 18);  // VALIDATE CONSTRAINT: 'zz' references no client
    CHECK(contains(last.at("error").get<std::string>(), "violates foreign key constraint \"onboarding_states_client_fk\""));
    CHECK(contains(r.report.at("problem").get<std::string>(), "good.sql:18"));
    CHECK_FALSE(r.report.contains("verification"));
    CHECK(r.report.at("dropped") == true);
    CHECK_FALSE(databaseExists(r.report.at("scratch_database").get<std::string>()));
    // The human form names it too.
    auto text = runPgproof("rehearse " + q(a.archive) + " --migration " + q(lintFile("good.sql")) + " -q");
    CHECK(text.exitCode == 1);
    CHECK(contains(text.out, "the migration failed at " + lintFile("good.sql").string() + ":18"));
    CHECK(contains(text.out, ": dropped"));
}

TEST_CASE("rehearse: a migration that runs but leaves the plan unmet fails naming the plan items") {
    OnboardingArchive a(true);
    auto r = rehearse(a, "--migration " + q(lintFile("backfill-only.sql")) + " --plan " + q(lintFile("good-plan.yaml")));
    CHECK(r.run.exitCode == 1);
    CHECK(r.report.at("migration").at("failed") == false);
    CHECK(statementAt(r.report, 3).at("rows") == 3);  // ids 1, 2 and 4 (4 stays NULL: its customer has no client)
    std::map<std::string, std::string> verdicts;
    for (const auto& i : r.report.at("verification").at("plan").at("items"))
        verdicts[i.at("kind").get<std::string>() + " " + i.at("name").get<std::string>()] = i.at("verdict");
    CHECK(verdicts.at("backfill onboarding_states.clientId") == "failed");
    CHECK(verdicts.at("orphans onboarding_states.clientId") == "failed");
    CHECK(verdicts.at("unique onboarding_states (clientId)") == "failed");
    CHECK(contains(r.report.at("problem").get<std::string>(), "backfill onboarding_states.clientId"));
    CHECK_FALSE(databaseExists(r.report.at("scratch_database").get<std::string>()));
}

TEST_CASE("rehearse: --keep keeps the migrated copy") {
    OnboardingArchive a(false);
    auto r = rehearse(a, "--migration " + q(lintFile("backfill-only.sql")) + " --keep");
    std::string scratch = r.report.at("scratch_database");
    DropDatabaseAtEnd cleanup{scratch};
    CHECK(r.run.exitCode == 0);
    CHECK(r.report.at("kept") == true);
    REQUIRE(databaseExists(scratch));
    auto conn = pgproof::PgConnection::connect(pgproof::ConnectionTarget("dbname=" + scratch));
    CHECK(conn.exec("SELECT count(*) FROM onboarding_states WHERE \"clientId\" IS NULL").value(0, 0) == "0");
}

TEST_CASE("rehearse: a migration that does not parse exits 2 before creating anything") {
    OnboardingArchive a(false);
    // An unreachable server: reaching it would be exit 3, so exit 2 proves nothing was attempted.
    std::string nowhere = " --server 'host=/nonexistent port=1 dbname=x'";
    auto r = runPgproof("rehearse " + q(a.archive) + " --migration " + q(lintFile("syntax-error.sql")) + nowhere);
    CHECK(r.exitCode == 2);
    CHECK(contains(r.err, "syntax-error.sql:3:46: error: syntax error"));
    CHECK(runPgproof("rehearse " + q(a.archive) + " --migration /nonexistent/m.sql" + nowhere).exitCode == 2);
    CHECK(runPgproof("rehearse " + q(a.archive) + " --migration " + q(lintFile("good.sql")) + " --plan /nonexistent/p.yaml" + nowhere).exitCode == 2);
    CHECK(runPgproof("rehearse - --migration " + q(lintFile("good.sql")) + nowhere + " < " + q(a.archive)).exitCode == 2);
    CHECK(runPgproof("rehearse " + q(a.archive) + nowhere).exitCode == 2);  // --migration is required
    // And the server really is unreachable: a valid migration gets as far as connecting.
    CHECK(runPgproof("rehearse " + q(a.archive) + " --migration " + q(lintFile("good.sql")) + nowhere).exitCode == 3);
}

namespace {

// Whether role `name` may log in.
bool canLogin(const std::string& role) {
    auto r = admin().execParams("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", {role});
    REQUIRE(r.rows() == 1);
    return r.value(0, 0) == "t";
}

// A role for one test, dropped at its end.
struct RoleForTest {
    std::string name = uniqueName("rh_role");
    RoleForTest() { admin().exec("CREATE ROLE " + pgproof::quoteIdent(name) + " LOGIN"); }
    ~RoleForTest() {
        try {
            admin().exec("DROP ROLE IF EXISTS " + pgproof::quoteIdent(name));
        } catch (...) {
        }
    }
};

}  // namespace

TEST_CASE("rehearse: a migration acting beyond the scratch database is refused before anything runs, and the server is unchanged") {
    OnboardingArchive a(false);
    ScratchDatabase other("rh_other");
    RoleForTest role;
    TempDir dir;
    std::string tablespace = uniqueName("rh_ts");
    fs::create_directories(dir / "ts");
    struct Case {
        std::string statement;  // at line 3, after a harmless statement the rehearsal would have run first
        std::string why;
    };
    const std::vector<Case> cases = {
        {"DROP DATABASE IF EXISTS " + other.name(), "drops database " + other.name()},
        {"ALTER ROLE " + role.name + " NOLOGIN", "changes role " + role.name},
        {"ALTER SYSTEM SET work_mem = '77MB'", "changes the server's configuration"},
        {"CREATE TABLESPACE " + tablespace + " LOCATION '" + (dir / "ts").string() + "'", "creates tablespace " + tablespace},
        {"\\connect " + other.name(), "psql meta-command \\connect " + other.name() + " switches the connection to another database"},
    };
    // An unreachable server: reaching it would be exit 3, so exit 2 proves the refusal came before any connection.
    std::string nowhere = " --server 'host=/nonexistent port=1 dbname=x'";
    for (const auto& c : cases) {
        INFO(c.statement);
        fs::path migration = dir / "migration.sql";
        // (psql ends a meta-command at the end of its line, without a semicolon.)
        std::string line = c.statement + (c.statement[0] == '\\' ? "" : ";");
        writeFile(migration, "-- a migration\nALTER TABLE customers ADD COLUMN note text;\n" + line + "\nUPDATE customers SET note = 'x';\n");
        for (const std::string& server : {std::string(), nowhere}) {
            auto r = runPgproof("rehearse " + q(a.archive) + " --migration " + q(migration) + server + " -v --json " + q(dir / "r.json"));
            INFO("stderr: " << r.err);
            CHECK(r.exitCode == 2);
            // One line naming file:line and the statement, and what it does.
            CHECK(contains(r.err, migration.string() + ":3:1: error: "));
            CHECK(contains(r.err, c.why));
            if (c.statement[0] != '\\') CHECK(contains(r.err, "rehearse refuses " + c.statement + ": it "));
            CHECK_FALSE(contains(r.err, "scratch database pgproof_rehearse"));  // never created
            CHECK_FALSE(contains(r.err, "creating scratch database"));
            json report = json::parse(readFile(dir / "r.json"));
            CHECK(report.at("exit_code") == 2);
        }
    }
    // The server is as it was: the database, the role's LOGIN, no ALTER SYSTEM entry, no tablespace.
    CHECK(databaseExists(other.name()));
    CHECK(canLogin(role.name));
    CHECK(admin().exec("SELECT count(*) FROM pg_file_settings WHERE name = 'work_mem' AND setting = '77MB'").value(0, 0) == "0");
    CHECK(admin().execParams("SELECT count(*) FROM pg_tablespace WHERE spcname = $1", {tablespace}).value(0, 0) == "0");
    CHECK(fs::is_empty(dir / "ts"));
}

TEST_CASE("rehearse: the refusal names the first such statement and the lines of the others") {
    OnboardingArchive a(false);
    TempDir dir;
    fs::path migration = dir / "m.sql";
    writeFile(migration, "CREATE ROLE rh_never;\nSELECT 1;\nGRANT rh_never TO CURRENT_USER;\nCHECKPOINT;\n");
    auto r = runPgproof("rehearse " + q(a.archive) + " --migration " + q(migration));
    CHECK(r.exitCode == 2);
    CHECK(contains(r.err, migration.string() + ":1:1: error: rehearse refuses CREATE ROLE rh_never: it creates role rh_never"));
    CHECK(contains(r.err, "refused too: lines 3, 4"));
    CHECK(admin().exec("SELECT count(*) FROM pg_roles WHERE rolname = 'rh_never'").value(0, 0) == "0");
}

TEST_CASE("rehearse: SET ROLE and ALTER DEFAULT PRIVILEGES FOR ROLE stay inside the scratch database and pass") {
    OnboardingArchive a(false);
    TempDir dir;
    std::string me = admin().exec("SELECT current_user").value(0, 0);
    fs::path migration = dir / "m.sql";
    writeFile(migration, "SET ROLE " + pgproof::quoteIdent(me) + ";\n"
                         "ALTER DEFAULT PRIVILEGES FOR ROLE " + pgproof::quoteIdent(me) + " GRANT SELECT ON TABLES TO PUBLIC;\n"
                         "CREATE TABLE audit_log (id bigint PRIMARY KEY, note text);\n"
                         "RESET ROLE;\n");
    auto r = rehearse(a, "--migration " + q(migration));
    CHECK(r.run.exitCode == 0);
    CHECK(r.report.at("migration").at("statements").size() == 4);
    CHECK(r.report.at("dropped") == true);
    CHECK_FALSE(databaseExists(r.report.at("scratch_database").get<std::string>()));
}

TEST_CASE("rehearse: a write to one of the archive's foreign tables is refused: the restored copy would write to the real server") {
    // A foreign table (postgres_fdw) of the source database points at a table of another database.
    ScratchDatabase remote("rh_remote");
    remote.exec("CREATE TABLE target (id int)");
    ScratchDatabase src("rh_fdw");
    src.exec("CREATE TABLE local_t (id int PRIMARY KEY); INSERT INTO local_t VALUES (1);"
             "CREATE EXTENSION postgres_fdw;"
             "CREATE SERVER loop FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname '" + remote.name() + "', host '" +
             std::getenv("PGHOST") + "', port '" + std::getenv("PGPORT") + "');"
             "CREATE USER MAPPING FOR CURRENT_USER SERVER loop;"
             "CREATE SCHEMA remote;"
             "CREATE FOREIGN TABLE remote.target (id int) SERVER loop OPTIONS (schema_name 'public', table_name 'target');");
    src.exec("INSERT INTO remote.target VALUES (0)");  // the link works: a write really reaches the other database
    REQUIRE(remote.scalar("SELECT count(*) FROM target") == "1");
    TempDir dir;
    fs::path archive = backupTo(src, dir / "fdw.sql.zst");
    for (const std::string& write : {"INSERT INTO remote.target VALUES (42)", "DELETE FROM target WHERE id = 0", "UPDATE remote.target SET id = 7"}) {
        INFO(write);
        fs::path migration = dir / "m.sql";
        writeFile(migration, "ALTER TABLE local_t ADD COLUMN note text;\n" + write + ";\n");
        auto r = runPgproof("rehearse " + q(archive) + " --migration " + q(migration));
        INFO("stderr: " << r.err);
        CHECK(r.exitCode == 2);
        CHECK(contains(r.err, migration.string() + ":2:1: error: rehearse refuses " + write + ": it writes to foreign table"));
    }
    CHECK(remote.scalar("SELECT string_agg(id::text, ',') FROM target") == "0");
    // Reading a foreign table and writing local ones is fine.
    fs::path reading = dir / "read.sql";
    writeFile(reading, "INSERT INTO local_t SELECT id + 100 FROM remote.target;\n");
    auto ok = runPgproof("rehearse " + q(archive) + " --migration " + q(reading) + " -q");
    INFO("stdout: " << ok.out << "\nstderr: " << ok.err);
    CHECK(ok.exitCode == 0);
    CHECK(remote.scalar("SELECT string_agg(id::text, ',') FROM target") == "0");
}
