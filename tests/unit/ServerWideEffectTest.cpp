// Which statements act on the server beyond their database (lint::serverWideEffect), judged on
// PostgreSQL's own parse tree: what rehearse refuses and lint's outside-database rule reports, what
// stays allowed on purpose, what cannot be seen (function bodies, DO blocks), and psql meta-commands.
#include <catch2/catch.hpp>

#include "Errors.hpp"
#include "MigrationAnalysis.hpp"
#include "MigrationScript.hpp"
#include "ServerWideEffect.hpp"

using namespace pgproof;
using namespace pgproof::lint;

namespace {

std::optional<std::string> effectOf(const std::string& sql) {
    auto script = MigrationScript::parse("m.sql", sql);
    REQUIRE(script.statements().size() == 1);
    return serverWideEffect(script.statements().front());
}

}  // namespace

TEST_CASE("server-wide: statements acting beyond the database are named with what they do") {
    const std::vector<std::pair<std::string, std::string>> refused = {
        {"DROP DATABASE IF EXISTS other_db", "drops database other_db"},
        {"CREATE DATABASE copy TEMPLATE prod", "creates database copy"},
        {"ALTER DATABASE prod SET work_mem = '1GB'", "changes database prod"},
        {"ALTER DATABASE prod RENAME TO old", "renames database prod"},
        {"ALTER DATABASE prod OWNER TO r", "changes the owner of database prod"},
        {"GRANT CONNECT ON DATABASE prod TO r", "grants privileges on database prod"},
        {"COMMENT ON DATABASE prod IS 'x'", "comments on database prod"},
        {"ALTER ROLE r NOLOGIN", "changes role r"},
        {"ALTER USER r PASSWORD 'x'", "changes role r"},
        {"ALTER ROLE r SET search_path = x", "changes the settings of role r"},
        {"ALTER ROLE r IN DATABASE prod SET work_mem = 1", "changes the settings of role r"},
        {"ALTER ROLE r RENAME TO s", "renames role r"},
        {"CREATE ROLE app LOGIN", "creates role app"},
        {"CREATE USER app", "creates role app"},
        {"DROP ROLE IF EXISTS a, b", "drops role a, b"},
        {"DROP USER a", "drops role a"},
        {"GRANT admin TO app", "changes the members of role admin"},
        {"REVOKE admin FROM app", "changes the members of role admin"},
        {"ALTER GROUP g ADD USER u", "changes the members of role g"},
        {"REASSIGN OWNED BY a TO b", "reassigns everything role a owns"},
        {"DROP OWNED BY a", "revokes the privileges of role a"},
        {"ALTER SYSTEM SET work_mem = '1GB'", "changes the server's configuration"},
        {"CHECKPOINT", "forces a checkpoint"},
        {"LOAD 'auto_explain'", "loads shared library auto_explain"},
        {"CREATE TABLESPACE fast LOCATION '/ssd'", "creates tablespace fast"},
        {"DROP TABLESPACE fast", "drops tablespace fast"},
        {"ALTER TABLESPACE fast SET (random_page_cost = 1)", "changes tablespace fast"},
        {"ALTER TABLESPACE fast OWNER TO r", "changes the owner of tablespace fast"},
        {"CREATE SUBSCRIPTION s CONNECTION 'host=x' PUBLICATION p", "creates subscription s, which connects to another server"},
        {"ALTER SUBSCRIPTION s DISABLE", "changes subscription s"},
        {"DROP SUBSCRIPTION s", "drops subscription s"},
        {"GRANT SET ON PARAMETER work_mem TO r", "grants privileges on server parameter work_mem"},
        {"COPY t FROM PROGRAM 'curl http://x'", "runs program 'curl http://x' on the server's machine"},
        {"COPY t TO '/tmp/t.csv'", "writes file '/tmp/t.csv' on the server's machine"},
        {"COPY t FROM '/etc/passwd'", "reads file '/etc/passwd' on the server's machine"},
        {"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'prod'", "calls pg_terminate_backend()"},
        {"SELECT pg_catalog.pg_cancel_backend(42)", "calls pg_cancel_backend()"},
        {"SELECT pg_reload_conf()", "calls pg_reload_conf()"},
        {"SELECT lo_export(16385, '/tmp/x')", "writes a file on the server's machine"},
        {"INSERT INTO log SELECT * FROM dblink('dbname=prod', 'SELECT 1') AS t(x int)", "calls dblink(), which runs a query in another database"},
        {"WITH x AS (SELECT pg_drop_replication_slot('s')) SELECT 1", "drops a replication slot"},
    };
    for (const auto& [sql, expected] : refused) {
        INFO(sql);
        auto effect = effectOf(sql);
        REQUIRE(effect);
        CHECK_THAT(*effect, Catch::Contains(expected));
    }
}

TEST_CASE("server-wide: what stays inside the database is allowed, and what the parser cannot see is not claimed") {
    const std::vector<std::string> allowed = {
        // Inside the database on purpose: the session's identity, per-database objects and settings.
        "SET ROLE app_owner",
        "SET SESSION AUTHORIZATION app_owner",
        "RESET ROLE",
        "ALTER DEFAULT PRIVILEGES FOR ROLE app_owner GRANT SELECT ON TABLES TO reader",
        "GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader",
        "REVOKE INSERT ON clients FROM PUBLIC",
        "CREATE EXTENSION IF NOT EXISTS pgcrypto",
        "CREATE PUBLICATION p FOR TABLE clients",
        "ALTER TABLE clients SET TABLESPACE fast",
        "COMMENT ON TABLE clients IS 'x'",
        "COPY clients FROM STDIN",
        "COPY (SELECT 1) TO STDOUT",
        "SELECT pg_catalog.set_config('search_path', '', false)",
        "SELECT pg_advisory_lock(1)",
        "ALTER TABLE clients OWNER TO app_owner",
        "VACUUM ANALYZE clients",
        // Text to the parser: a DO block's or a function's body is not analysed (README says so).
        "DO $$ BEGIN EXECUTE 'DROP DATABASE other_db'; END $$",
        "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELECT pg_terminate_backend(1) $$",
    };
    for (const auto& sql : allowed) {
        INFO(sql);
        CHECK_FALSE(effectOf(sql));
    }
}

TEST_CASE("server-wide: a psql meta-command is refused at its line, connect named as a switch to another database") {
    auto refusal = [](const std::string& sql) {
        try {
            MigrationScript::parse("m.sql", sql);
        } catch (const BadInputError& e) {
            return std::string(e.what());
        }
        return std::string("parsed");
    };
    std::string c = refusal("SELECT 1;\n\\connect other_db\nDROP TABLE t;\n");
    CHECK_THAT(c, Catch::StartsWith("m.sql:2:1: error: psql meta-command \\connect other_db switches the connection to another database"));
    CHECK_THAT(refusal("SELECT 'é';\n  \\c other_db\n"), Catch::StartsWith("m.sql:2:3: error: psql meta-command \\c other_db switches the connection"));
    CHECK_THAT(refusal("\\! rm -rf /tmp/x\n"), Catch::Contains("\\! rm -rf /tmp/x runs a shell command"));
    CHECK_THAT(refusal("\\i other.sql\n"), Catch::Contains("runs another file, which pgproof does not read"));
    CHECK_THAT(refusal("\\set ON_ERROR_STOP on\nSELECT 1;\n"), Catch::StartsWith("m.sql:1:1: error: psql meta-command \\set ON_ERROR_STOP on is not SQL"));
    // A backslash inside a string is data, not a meta-command.
    CHECK(refusal("SELECT E'\\\\connect x', '\\c';\n") == "parsed");
    // Other syntax errors keep the parser's own message.
    CHECK_THAT(refusal("SELEC 1;\n"), Catch::Contains("syntax error at or near \"SELEC\""));
}

TEST_CASE("lint: outside-database fires on every statement acting beyond the database, and can be suppressed") {
    auto script = MigrationScript::parse("m.sql",
                                         "ALTER TABLE t ADD COLUMN c int;\n"
                                         "DROP DATABASE IF EXISTS other_db;\n"
                                         "ALTER ROLE r NOLOGIN; -- pgproof:ignore outside-database\n"
                                         "SET ROLE app_owner;\n");
    auto analysis = analyseMigration(script);
    std::vector<std::string> fired;
    for (const auto& f : analysis.findings)
        if (f.rule == "outside-database") {
            fired.push_back(std::to_string(f.at.line));
            CHECK(f.severity == Severity::Error);
        }
    REQUIRE(fired == std::vector<std::string>{"2", "3"});
    const auto& f = *std::find_if(analysis.findings.begin(), analysis.findings.end(), [](const LintFinding& x) { return x.rule == "outside-database"; });
    CHECK_THAT(f.message, Catch::Contains("drops database other_db"));
    CHECK(script.statements()[2].suppressed.count("outside-database") == 1);
}
