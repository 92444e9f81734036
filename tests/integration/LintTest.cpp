// pgproof lint against a real PostgreSQL: the checklist migration of tests/data/lint (eight new
// columns on clients, an enum, a backfill of onboarding_states."clientId" from customers, a foreign
// key, a UNIQUE) on data where it works and on data with a duplicate clientId, an orphan and a NULL
// the backfill leaves behind. Each finding is asserted by exit code, rule, line and figure, read from
// `--json -` as CI reads it.
#include <catch2/catch.hpp>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path lintFile(const std::string& name) { return fs::path(PGPROOF_SOURCE_DIR) / "tests/data/lint" / name; }

struct Linted {
    CommandResult run;
    json report;
    std::vector<json> findings(const std::string& rule) const {
        std::vector<json> out;
        for (const auto& f : report.at("files"))
            for (const auto& x : f.at("findings"))
                if (x.at("rule") == rule) out.push_back(x);
        return out;
    }
    json one(const std::string& rule) const {
        auto f = findings(rule);
        INFO("findings of " << rule << " in " << report.dump(2));
        REQUIRE(f.size() == 1);
        return f.front();
    }
};

Linted lint(const std::string& args) {
    Linted l;
    l.run = runPgproof("lint " + args + " --json -");
    INFO("stdout: " << l.run.out << "\nstderr: " << l.run.err);
    REQUIRE_NOTHROW(l.report = json::parse(l.run.out));
    return l;
}

// The schema of tests/data/lint/schema.sql; `broken` adds a duplicate clientId ('c1' twice), an orphan
// ('zz', no such client), and a customer without client (its onboarding state stays NULL after the backfill).
struct OnboardingDb {
    ScratchDatabase db{"lint"};
    explicit OnboardingDb(bool broken) {
        db.loadFile(lintFile("schema.sql"));
        db.exec("INSERT INTO clients VALUES ('c1', 'One'), ('c2', 'Two'), ('c3', 'Three');"
                "INSERT INTO customers VALUES (1, 'c1', 'a@x'), (2, 'c2', 'b@x'), (3, 'c3', 'c@x');"
                "INSERT INTO onboarding_states VALUES (1, 1, NULL), (2, 2, NULL), (3, 3, 'c3');");
        if (broken)
            db.exec("INSERT INTO customers VALUES (4, NULL, 'd@x'), (5, 'zz', 'e@x');"
                    "INSERT INTO onboarding_states VALUES (4, 4, NULL), (5, 5, 'zz'), (6, 1, 'c1'), (7, 1, 'c1');");
    }
    std::string dbFlag() const { return "--db " + shellQuote(db.conninfo()); }
};

}  // namespace

TEST_CASE("lint: the checklist migration is clean on good data and its warnings name the backfill before them") {
    OnboardingDb o(false);
    auto l = lint(q(lintFile("good.sql")) + " " + o.dbFlag());
    CHECK(l.run.exitCode == 0);
    CHECK(l.report.at("verdict") == "proven");
    CHECK(l.report.at("counts").at("error") == 0);
    CHECK(l.findings("unique-has-duplicates").empty());
    CHECK(l.findings("foreign-key-has-orphans").empty());
    // The NULLs are there now, but the backfill at line 14 comes first: a warning, not a claimed failure.
    auto nulls = l.one("set-not-null-has-nulls");
    CHECK(nulls.at("severity") == "warning");
    CHECK(nulls.at("line") == 20);
    CHECK(nulls.at("figure") == 2);
    CHECK(nulls.at("depends_on_earlier_statement") == true);
    CHECK(contains(nulls.at("message").get<std::string>(), "UPDATE onboarding_states at line 14"));
    // Every table under an exclusive lock, with its rows.
    bool clientsLock = false;
    for (const auto& n : l.findings("table-lock"))
        if (n.at("line") == 4) {
            clientsLock = true;
            CHECK(n.at("figure") == 3);
            CHECK(contains(n.at("message").get<std::string>(), "ACCESS EXCLUSIVE lock on public.clients: 3 rows"));
        }
    CHECK(clientsLock);
    // --fail-on warning turns that warning into a failure.
    CHECK(runPgproof("lint " + q(lintFile("good.sql")) + " " + o.dbFlag() + " --fail-on warning -q").exitCode == 1);
    // Without --db: nothing to say at all.
    auto s = runPgproof("lint " + q(lintFile("good.sql")));
    CHECK(s.exitCode == 0);
    CHECK(contains(s.out, "0 errors, 0 warnings"));
}

TEST_CASE("lint --db: NULLs and duplicates and orphans and rows that will make the statements fail with figures and samples") {
    OnboardingDb o(true);
    auto l = lint(q(lintFile("constraints.sql")) + " " + o.dbFlag());
    CHECK(l.run.exitCode == 1);
    auto nulls = l.one("set-not-null-has-nulls");
    CHECK(nulls.at("severity") == "error");
    CHECK(nulls.at("line") == 3);
    CHECK(nulls.at("figure") == 3);
    CHECK(nulls.at("samples") == json::array({"id = 1", "id = 2", "id = 4"}));
    CHECK(contains(nulls.at("message").get<std::string>(), "SET NOT NULL will fail"));
    auto orphans = l.one("foreign-key-has-orphans");
    CHECK(orphans.at("severity") == "error");
    CHECK(orphans.at("line") == 5);  // the VALIDATE, where the check happens
    CHECK(orphans.at("figure") == 1);
    CHECK(orphans.at("samples") == json::array({"\"clientId\" = 'zz'"}));
    auto dups = l.one("unique-has-duplicates");
    CHECK(dups.at("line") == 6);
    CHECK(dups.at("figure") == 1);
    CHECK(dups.at("samples") == json::array({"\"clientId\" = 'c1' x2"}));
    auto rows = l.one("add-column-not-null-without-default");
    CHECK(rows.at("line") == 7);
    CHECK(rows.at("figure") == 3);
    CHECK(contains(rows.at("message").get<std::string>(), "will fail: public.clients has 3 rows"));
    // The human form reads like a compiler's.
    auto text = runPgproof("lint " + q(lintFile("constraints.sql")) + " " + o.dbFlag());
    CHECK(text.exitCode == 1);
    CHECK(contains(text.out, "constraints.sql:6:1: error: CREATE UNIQUE INDEX onboarding_states_client_key will fail: 1 duplicate group in "
                             "public.onboarding_states.\"clientId\" (2 rows): \"clientId\" = 'c1' x2 [unique-has-duplicates]"));
}

TEST_CASE("lint --db: the risky migration on broken data with each finding at its line") {
    OnboardingDb o(true);
    TempDir dir;
    auto l = lint(q(lintFile("broken.sql")) + " " + o.dbFlag() + " --junit " + q(dir / "lint.xml"));
    CHECK(l.run.exitCode == 1);
    CHECK(l.one("drop-column").at("line") == 10);
    CHECK(l.one("drop-column").at("severity") == "error");
    CHECK(l.one("create-index-without-concurrently").at("line") == 9);
    CHECK(l.one("add-foreign-key-without-not-valid").at("line") == 8);
    // After the backfill UPDATE (line 5): figures from now, flagged as such.
    auto nulls = l.one("set-not-null-has-nulls");
    CHECK(nulls.at("line") == 7);
    CHECK(nulls.at("figure") == 3);
    CHECK(nulls.at("severity") == "warning");
    // The unique index is over the column the backfill computes: asked about the values it would give.
    auto dups = l.one("unique-has-duplicates");
    CHECK(dups.at("line") == 9);
    CHECK(dups.at("severity") == "error");
    CHECK(dups.at("figure") == 1);
    CHECK(dups.at("samples").at(0) == "\"clientId\" = 'c1' x3");
    CHECK(!dups.contains("depends_on_earlier_statement"));
    auto orphans = l.one("foreign-key-has-orphans");
    CHECK(orphans.at("line") == 8);
    CHECK(orphans.at("figure") == 1);
    // JUnit: one failing case per rule that fired at or above --fail-on.
    auto xml = parseXml(readFile(dir / "lint.xml"));
    int failures = 0;
    bool dropColumn = false;
    for (const auto* c : xml.descendants("testcase")) {
        if (!c->descendants("failure").empty()) ++failures;
        if (c->attributes.at("name") == "drop-column") dropColumn = !c->descendants("failure").empty();
    }
    CHECK(dropColumn);
    CHECK(failures == 2);  // drop-column, unique-has-duplicates
}

TEST_CASE("lint: a file that does not parse exits 2 naming file line and column and so does an unreadable one") {
    auto r = runPgproof("lint " + q(lintFile("syntax-error.sql")) + " " + q(lintFile("good.sql")));
    CHECK(r.exitCode == 2);
    CHECK(contains(r.out, "syntax-error.sql:3:46: error: syntax error at or near \"NUL\""));
    auto missing = runPgproof("lint /nonexistent/m.sql");
    CHECK(missing.exitCode == 2);
    CHECK(contains(missing.out, "cannot read migration /nonexistent/m.sql"));
    CHECK(runPgproof("lint " + q(lintFile("good.sql")) + " --fail-on notice").exitCode == 2);
    CHECK(runPgproof("lint").exitCode == 2);
}

TEST_CASE("lint: a suppressed finding is counted and not reported while the others still are") {
    auto l = lint(q(lintFile("suppressed.sql")));
    CHECK(l.run.exitCode == 1);
    CHECK(l.findings("drop-column").empty());
    CHECK(l.findings("drop-table").empty());
    CHECK(l.one("truncate").at("line") == 6);
    CHECK(l.report.at("files").at(0).at("suppressed") == 2);
}

TEST_CASE("lint --db: an unreachable database exits 3") {
    auto r = runPgproof("lint " + q(lintFile("good.sql")) + " --db 'host=/nonexistent port=1 dbname=x'");
    CHECK(r.exitCode == 3);
    CHECK(contains(r.err, "cannot connect"));
}
