// The three findings of the migration audit that motivates pgproof, on a Prisma-style schema
// (tests/data/audit: quoted camelCase names, an enum the migration creates, a `_prisma_migrations`
// table): a column added and given a foreign key but never backfilled (lint --db names the rows that
// keep NULL, the drafted plan fails its rehearsal), a UNIQUE index over values the migration computes
// (the rehearsal names the duplicated key, its count and PostgreSQL's DETAIL), and a source that
// violates its own foreign key (restore and drill prove every row, then fail naming the constraint and
// the orphan rows: exit 1, not 3).
#include <catch2/catch.hpp>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

fs::path auditFile(const std::string& name) { return fs::path(PGPROOF_SOURCE_DIR) / "tests/data/audit" / name; }

struct AuditDb {
    ScratchDatabase db{"audit"};
    AuditDb() { db.loadFile(auditFile("schema.sql")); }
    std::string dbFlag() const { return "--db " + shellQuote(db.conninfo()); }
};

json parsed(const CommandResult& r) {
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    json j;
    REQUIRE_NOTHROW(j = json::parse(r.out));
    return j;
}

std::vector<json> findings(const json& report, const std::string& rule) {
    std::vector<json> out;
    for (const auto& f : report.at("files"))
        for (const auto& x : f.at("findings"))
            if (x.at("rule") == rule) out.push_back(x);
    return out;
}

}  // namespace

TEST_CASE("audit: a column given a foreign key but never backfilled is named with the rows that keep NULL, and the drafted plan fails its rehearsal") {
    AuditDb a;
    auto broken = runPgproof("lint " + q(auditFile("migration-no-backfill.sql")) + " " + a.dbFlag() + " --json -");
    json report = parsed(broken);
    CHECK(broken.exitCode == 1);
    auto unfilled = findings(report, "unfilled-column");
    INFO(report.dump(2));
    REQUIRE(unfilled.size() == 1);
    CHECK(unfilled[0].at("line") == 4);
    CHECK(unfilled[0].at("severity") == "error");
    CHECK(unfilled[0].at("figure") == 4);
    std::string message = unfilled[0].at("message");
    CHECK(message.find("OnboardingState.\"clientId\"") != std::string::npos);
    CHECK(message.find("FOREIGN KEY OnboardingState_clientId_fkey at line 5") != std::string::npos);
    CHECK(message.find("4 existing rows of public.\"OnboardingState\" would keep NULL") != std::string::npos);

    // With its backfill the same release has no such finding.
    auto good = runPgproof("lint " + q(auditFile("migration.sql")) + " " + a.dbFlag() + " --json -");
    CHECK(findings(parsed(good), "unfilled-column").empty());
    CHECK(good.exitCode == 0);

    // The plan drafted from the broken migration asks for the column to be filled: its rehearsal fails on it.
    TempDir dir;
    auto plan = runPgproof("plan --from-migration " + q(auditFile("migration-no-backfill.sql")) + " -o " + q(dir / "plan.yaml"));
    INFO(plan.err);
    REQUIRE(plan.exitCode == 0);
    std::string yaml = readFile(dir / "plan.yaml");
    CHECK(yaml.find("SELECT count(*) FROM \"OnboardingState\" WHERE \"clientId\" IS NULL") != std::string::npos);
    fs::path archive = backupTo(a.db, dir / "audit.sql.zst");
    auto rehearsed = runPgproof("rehearse " + q(archive) + " --migration " + q(auditFile("migration-no-backfill.sql")) + " --plan " +
                                q(dir / "plan.yaml") + " --json -");
    json r = parsed(rehearsed);
    CHECK(rehearsed.exitCode == 1);
    bool named = false;
    for (const auto& item : r.at("verification").at("plan").at("items"))
        if (std::string(item.at("name")).find("clientId filled") != std::string::npos) {
            named = true;
            CHECK(item.at("verdict") == "failed");
            CHECK(std::string(item.at("message")).find("got 4, expected 0") != std::string::npos);
        }
    CHECK(named);
}

TEST_CASE("audit: a unique index over values the migration computes is named by lint --db and fails its rehearsal naming the duplicated key, its rows and PostgreSQL's detail") {
    AuditDb a;
    // lint --db computes the values the UPDATE would give before the index is built.
    auto linted = runPgproof("lint " + q(auditFile("migration-duplicates.sql")) + " " + a.dbFlag() + " --json -");
    json l = parsed(linted);
    CHECK(linted.exitCode == 1);
    auto dups = findings(l, "unique-has-duplicates");
    INFO(l.dump(2));
    REQUIRE(dups.size() == 1);
    CHECK(dups[0].at("line") == 6);
    CHECK(dups[0].at("severity") == "error");
    CHECK(dups[0].at("figure") == 1);
    CHECK(dups[0].at("samples").at(0) == "handle = 'signup' x2");
    CHECK(std::string(dups[0].at("message")).find("the values UPDATE Client at line 5 computes") != std::string::npos);

    TempDir dir;
    fs::path archive = backupTo(a.db, dir / "audit.sql.zst");
    auto run = runPgproof("rehearse " + q(archive) + " --migration " + q(auditFile("migration-duplicates.sql")) + " --json -");
    json r = parsed(run);
    CHECK(run.exitCode == 1);
    const json& failed = r.at("migration").at("statements").back();
    INFO(failed.dump(2));
    CHECK(failed.at("line") == 6);
    CHECK(failed.at("sqlstate") == "23505");
    CHECK(failed.at("error_detail") == "Key (handle)=(signup) is duplicated.");
    CHECK(failed.at("duplicates").at("keys") == 1);
    CHECK(failed.at("duplicates").at("rows") == 2);
    CHECK(failed.at("duplicates").at("samples").at(0) == "handle = 'signup' x2");
    std::string problem = r.at("problem");
    CHECK(problem.find("migration-duplicates.sql:6") != std::string::npos);
    CHECK(problem.find("1 duplicated key in 2 rows: handle = 'signup' x2") != std::string::npos);
    // The text report shows the DETAIL under the failed statement, as psql does.
    auto text = runPgproof("rehearse " + q(archive) + " --migration " + q(auditFile("migration-duplicates.sql")));
    CHECK(text.exitCode == 1);
    CHECK(text.out.find("DETAIL:  Key (handle)=(signup) is duplicated.") != std::string::npos);
}

TEST_CASE("audit: a source that violates its own foreign key restores and drills every row proven, then fails naming the constraint and the orphan rows") {
    AuditDb a;
    // A client deleted past its foreign key, as replication-role scripts do.
    a.db.exec("SET session_replication_role = replica; DELETE FROM \"Client\" WHERE \"id\" = 'c3'");
    TempDir dir;
    fs::path archive = backupTo(a.db, dir / "audit.sql.zst");

    std::string target = uniqueName("audit_restore");
    DropDatabaseAtEnd dropTarget{target};
    admin().exec("CREATE DATABASE " + target);
    auto restored = runPgproof("restore " + q(archive) + " --db " + shellQuote("dbname=" + target) + " --json -");
    json r = parsed(restored);
    CHECK(restored.exitCode == 1);
    CHECK(r.at("verdict") == "failed");
    for (const auto& t : r.at("tables")) CHECK(t.at("verdict") == "ok");
    REQUIRE(r.at("uncreated_constraints").size() == 1);
    const json& c = r.at("uncreated_constraints").at(0);
    CHECK(c.at("table") == "public.OnboardingState");
    CHECK(std::string(c.at("constraint")).find("OnboardingState_customerId_fkey") != std::string::npos);
    CHECK(c.at("rows") == 1);
    CHECK(c.at("samples").at(0) == "\"customerId\" = 'c3'");
    CHECK(c.at("sqlstate") == "23503");
    auto rows = pgproof::PgConnection::connect(pgproof::ConnectionTarget("dbname=" + target), "pgproof tests")
                    .exec("SELECT (SELECT count(*) FROM \"OnboardingState\"), (SELECT count(*) FROM \"_prisma_migrations\")");
    CHECK(rows.value(0, 0) == "4");
    CHECK(rows.value(0, 1) == "1");

    auto drill = runPgproof("drill " + q(archive) + " --json -");
    json d = parsed(drill);
    CHECK(drill.exitCode == 1);
    CHECK(d.at("verdict") == "failed");
    CHECK(d.at("rows_restored") == 7);
    REQUIRE(d.at("uncreated_constraints").size() == 1);
    CHECK(d.at("uncreated_constraints").at(0).at("rows") == 1);
    std::string problem = d.at("problem");
    CHECK(problem.find("every row is restored and proven") != std::string::npos);
    CHECK(problem.find("1 row of the archive violates it (\"customerId\" = 'c3')") != std::string::npos);
}
