// Migration plans (`verify --plan`, `backup/snapshot --plan`) against a real PostgreSQL:
// the demo's sample database, a baseline taken before the migration, a migration written
// inline for each scenario, and the plan's verdicts read from `--json -` as CI reads them.
// A complete migration is proven (exit 0); every mistake a deployment checklist looks for
// (an incomplete backfill, an orphan, a missing constraint/index/column/enum value, a wrong
// type or default, a broken invariant, a soft-delete count that dropped, an undeclared drop)
// fails (exit 1) naming the item and the figure; a malformed plan exits 2 naming its
// file:line:column; a plan item that cannot be checked is a failure, never a skip.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "TestSupport.hpp"

using namespace pgproof::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {


fs::path demoFile(const std::string& name) { return fs::path(PGPROOF_SOURCE_DIR) / "scripts" / "demo" / name; }

// The figures scripts/demo/sample.sql loads (checked against the database in each fixture).
constexpr int kLiveTasks = 4286;  // "CustomerTask" rows with "deletedAt" IS NULL: 5,000 minus every 7th

// One `verify` run: the process, and its `--json -` report.
struct Verified {
    CommandResult run;
    json report;

    const json& items() const { return report.at("plan").at("items"); }
    const json& item(const std::string& kind, const std::string& name) const {
        for (const auto& i : items())
            if (i.at("kind") == kind && i.at("name") == name) return i;
        FAIL("no plan item " << kind << " " << name << " in the report: " << items().dump(2));
        throw std::logic_error("unreachable");
    }
    std::string message(const std::string& kind, const std::string& name) const {
        return item(kind, name).at("message").get<std::string>();
    }
    std::string verdict(const std::string& kind, const std::string& name) const {
        return item(kind, name).at("verdict").get<std::string>();
    }
    std::vector<std::string> samples(const std::string& kind, const std::string& name) const {
        return item(kind, name).at("samples").get<std::vector<std::string>>();
    }
    const json& table(const std::string& name) const {
        for (const auto& t : report.at("tables"))
            if (t.at("schema") == "public" && t.at("name") == name) return t;
        FAIL("no table public." << name << " in the report");
        throw std::logic_error("unreachable");
    }
    std::vector<std::string> failedItems() const {
        std::vector<std::string> out;
        for (const auto& i : items())
            if (i.at("verdict") != "ok") out.push_back(i.at("kind").get<std::string>() + " " + i.at("name").get<std::string>());
        return out;
    }
};

// The demo's sample database in a scratch database, with helpers to write plans, take baselines and verify.
struct SampleDb {
    ScratchDatabase db{"plan"};
    TempDir dir;

    SampleDb() {
        db.loadFile(demoFile("sample.sql"));
        REQUIRE(db.scalar("SELECT count(*) FROM \"CustomerTask\" WHERE \"deletedAt\" IS NULL") == std::to_string(kLiveTasks));
    }

    std::string dbFlag() const { return "--db " + shellQuote(db.conninfo()); }

    fs::path plan(const std::string& name, const std::string& yaml) const {
        fs::path p = dir / name;
        writeFile(p, yaml);
        return p;
    }

    // `pgproof snapshot` (or `backup` when archive) before the migration, with --plan when given.
    fs::path baseline(const fs::path& planFile = {}, bool archive = false) const {
        fs::path out = dir / (archive ? "before.sql.zst" : "before.json");
        std::string cmd = std::string(archive ? "backup" : "snapshot") + " -o " + shellQuote(out.string()) + " " + dbFlag();
        if (!planFile.empty()) cmd += " --plan " + shellQuote(planFile.string());
        auto r = runPgproof(cmd);
        INFO(cmd << "\nstderr: " << r.err);
        REQUIRE(r.exitCode == 0);
        return out;
    }

    std::string verifyArgs(const fs::path& base, const fs::path& planFile, const std::string& mode) const {
        return "verify --baseline " + shellQuote(base.string()) + " " + dbFlag() + " --plan " + shellQuote(planFile.string()) +
               " --mode " + mode;
    }

    Verified verify(const fs::path& base, const fs::path& planFile, const std::string& mode = "exact") const {
        Verified v;
        v.run = runPgproof(verifyArgs(base, planFile, mode) + " --json -");
        INFO("verify stderr: " << v.run.err << "\nstdout: " << v.run.out);
        REQUIRE((v.run.exitCode == 0 || v.run.exitCode == 1));
        v.report = json::parse(v.run.out);
        REQUIRE(v.report.at("exit_code") == v.run.exitCode);
        REQUIRE(v.report.contains("plan"));
        return v;
    }
};

}  // namespace

TEST_CASE("a complete migration is proven with every plan item ok, from an archive and from a snapshot baseline") {
    SampleDb s;
    fs::path plan = demoFile("plan.yaml");
    fs::path archive = s.baseline(plan, /*archive=*/true);
    fs::path snapshot = s.baseline(plan);
    s.db.loadFile(demoFile("migration.sql"));

    for (const auto& [base, mode] : std::vector<std::pair<fs::path, std::string>>{
             {archive, "exact"}, {snapshot, "exact"}, {archive, "no-loss"}}) {
        INFO("baseline " << base.filename() << ", mode " << mode);
        Verified v = s.verify(base, plan, mode);
        CHECK(v.run.exitCode == 0);
        CHECK(v.report.at("verdict") == "proven");
        CHECK(v.failedItems().empty());
        // Every item of the plan was evaluated: 2 columns, a constraint, an index, an enum, a backfill,
        // an orphans rule, a unique rule, a filtered count and an invariant.
        REQUIRE(v.items().size() == 10);
        for (const auto& i : v.items()) CHECK(i.at("verdict") == "ok");
        CHECK(v.verdict("column", "clients.onboardingComplete") == "ok");
        CHECK(v.verdict("column", "clients.billingStatus") == "ok");
        CHECK(v.verdict("constraint", "onboarding_states_clientId_fkey") == "ok");
        CHECK(v.verdict("index", "clients_onboardingComplete_idx") == "ok");
        CHECK(v.message("enum", "BillingStatus") == "values: none, trial, active, canceled, past_due");
        CHECK(contains(v.message("backfill", "onboarding_states.clientId"), "all 2,700 rows"));
        CHECK(contains(v.message("orphans", "onboarding_states.clientId"), "none"));
        CHECK(v.message("counts", "CustomerTask WHERE \"deletedAt\" IS NULL") == "4,286 rows, baseline 4,286 (0)");
        CHECK(v.message("check", "balances match the ledger") == "holds: 0");
        // The declared drop and the declared data fix are not loss.
        CHECK(v.table("tmp_import").at("verdict") == "ok");
        CHECK(v.table("legacy_notes").at("verdict") == "ok");
        CHECK(v.table("clients").at("verdict") == "ok");
        CHECK(v.table("onboarding_states").at("content") == "equal");  // the added column does not disturb the proof
    }
}

TEST_CASE("a backfill that misses rows fails with the exact number missing and their keys") {
    SampleDb s;
    fs::path plan = s.plan("plan.yaml", R"(backfill:
  - {table: onboarding_states, column: clientId, when_not_null: customer_id}
)");
    fs::path base = s.baseline(plan);
    // Rows 11, 12 and 13 have a customer_id (every 10th row has none) but the backfill skips them.
    s.db.exec(R"(ALTER TABLE onboarding_states ADD COLUMN "clientId" text;
                 UPDATE onboarding_states SET "clientId" = customer_id WHERE customer_id IS NOT NULL AND id NOT IN (11, 12, 13))");
    REQUIRE(s.db.scalar("SELECT count(*) FROM onboarding_states WHERE customer_id IS NOT NULL AND \"clientId\" IS NULL") == "3");

    Verified v = s.verify(base, plan, "no-loss");
    CHECK(v.run.exitCode == 1);
    CHECK(v.verdict("backfill", "onboarding_states.clientId") == "failed");
    std::string m = v.message("backfill", "onboarding_states.clientId");
    CHECK(contains(m, "3 rows with customer_id set and clientId NULL"));
    CHECK(contains(m, "of 2,700"));
    CHECK(v.samples("backfill", "onboarding_states.clientId") == std::vector<std::string>{"11", "12", "13"});
    CHECK(contains(m, "11, 12, 13"));
    // The table itself lost nothing: the failure is the backfill's alone.
    CHECK(v.table("onboarding_states").at("verdict") == "ok");
    CHECK(v.failedItems() == std::vector<std::string>{"backfill onboarding_states.clientId"});

    SECTION("one more row filled leaves exactly 2, then none is proven") {
        s.db.exec("UPDATE onboarding_states SET \"clientId\" = customer_id WHERE id = 12");
        Verified two = s.verify(base, plan, "no-loss");
        CHECK(two.run.exitCode == 1);
        CHECK(contains(two.message("backfill", "onboarding_states.clientId"), "2 rows with"));
        CHECK(two.samples("backfill", "onboarding_states.clientId") == std::vector<std::string>{"11", "13"});
        s.db.exec("UPDATE onboarding_states SET \"clientId\" = customer_id WHERE id IN (11, 13)");
        Verified done = s.verify(base, plan, "no-loss");
        CHECK(done.run.exitCode == 0);
        CHECK(done.verdict("backfill", "onboarding_states.clientId") == "ok");
    }
}

TEST_CASE("an orphan is named by its value, with or without a foreign key") {
    SampleDb s;
    fs::path plan = s.plan("plan.yaml", R"(orphans:
  - {table: onboarding_states, column: clientId, references: clients.id}
)");
    fs::path base = s.baseline(plan);
    s.db.exec(R"(ALTER TABLE onboarding_states ADD COLUMN "clientId" text;
                 UPDATE onboarding_states SET "clientId" = customer_id WHERE customer_id IS NOT NULL;
                 UPDATE onboarding_states SET "clientId" = 'c-ghost' WHERE id IN (21, 22);
                 UPDATE onboarding_states SET "clientId" = 'c-typo7' WHERE id = 23)");

    Verified v = s.verify(base, plan, "no-loss");
    CHECK(v.run.exitCode == 1);
    CHECK(v.verdict("orphans", "onboarding_states.clientId") == "failed");
    std::string m = v.message("orphans", "onboarding_states.clientId");
    CHECK(contains(m, "3 rows reference a missing clients.id"));
    CHECK(contains(m, "c-ghost"));
    CHECK(contains(m, "c-typo7"));
    auto samples = v.samples("orphans", "onboarding_states.clientId");
    std::sort(samples.begin(), samples.end());
    CHECK(samples == std::vector<std::string>{"c-ghost", "c-typo7"});  // distinct values, not rows
}

TEST_CASE("a missing constraint, index, column, enum value and enum type are each named as missing") {
    SampleDb s;
    fs::path plan = s.plan("plan.yaml", R"(expect:
  columns:
    - {table: clients, column: onboardingComplete, type: boolean}
    - {table: clients, column: billingStatus, type: BillingStatus}
  constraints:
    - {table: onboarding_states, name: onboarding_states_clientId_fkey}
    - {table: clients, name: clients_pkey}
  indexes:
    - {table: clients, name: clients_onboardingComplete_idx}
    - {table: clients, name: clients_pkey}
  enums:
    BillingStatus: [none, trial, active, canceled, past_due]
    PlanTier: [free, pro]
)");
    fs::path base = s.baseline(plan);
    // The migration forgets the billingStatus column, the foreign key, the index, one enum value and a whole enum.
    s.db.exec(R"(ALTER TABLE clients ADD COLUMN "onboardingComplete" boolean NOT NULL DEFAULT false;
                 CREATE TYPE "BillingStatus" AS ENUM ('none', 'trial', 'active', 'canceled');
                 ALTER TABLE onboarding_states ADD COLUMN "clientId" text)");

    Verified v = s.verify(base, plan, "no-loss");
    CHECK(v.run.exitCode == 1);
    CHECK(v.verdict("column", "clients.billingStatus") == "failed");
    CHECK(v.message("column", "clients.billingStatus") == "column missing");
    CHECK(v.verdict("constraint", "onboarding_states_clientId_fkey") == "failed");
    CHECK(v.message("constraint", "onboarding_states_clientId_fkey") == "missing");
    CHECK(v.verdict("index", "clients_onboardingComplete_idx") == "failed");
    CHECK(v.message("index", "clients_onboardingComplete_idx") == "missing");
    CHECK(v.verdict("enum", "BillingStatus") == "failed");
    CHECK(contains(v.message("enum", "BillingStatus"), "past_due missing"));
    CHECK(v.samples("enum", "BillingStatus") == std::vector<std::string>{"past_due"});
    CHECK(v.verdict("enum", "PlanTier") == "failed");
    CHECK(contains(v.message("enum", "PlanTier"), "missing"));
    // What the migration did do is ok, so the failures are exactly the forgotten items.
    CHECK(v.verdict("column", "clients.onboardingComplete") == "ok");
    CHECK(v.verdict("constraint", "clients_pkey") == "ok");
    CHECK(v.verdict("index", "clients_pkey") == "ok");
    CHECK(v.failedItems().size() == 5);

    // The human report names them too.
    auto text = runPgproof(s.verifyArgs(base, plan, "no-loss"));
    CHECK(text.exitCode == 1);
    CHECK(contains(text.out, "FAIL  constraint onboarding_states_clientId_fkey: missing"));
    CHECK(contains(text.out, "FAIL  index clients_onboardingComplete_idx: missing"));
    CHECK(contains(text.out, "FAIL  column clients.billingStatus: column missing"));
    CHECK(contains(text.out, "FAIL  enum BillingStatus: value past_due missing"));
}

TEST_CASE("a wrong column type, default or nullability is named with what the column really is") {
    SampleDb s;
    fs::path plan = s.plan("plan.yaml", R"(expect:
  columns:
    - {table: clients, column: score, type: integer}
    - {table: clients, column: onboardingComplete, type: boolean, default: "true"}
    - {table: clients, column: onboardingComplete, nullable: false}
    - {table: clients, column: code, type: varchar(30)}
    - {table: clients, column: email, nullable: true, default: unknown}
)");
    fs::path base = s.baseline(plan);
    s.db.exec(R"(ALTER TABLE clients ADD COLUMN score text;
                 ALTER TABLE clients ADD COLUMN "onboardingComplete" boolean DEFAULT false;
                 ALTER TABLE clients ADD COLUMN code varchar(20))");

    Verified v = s.verify(base, plan, "no-loss");
    CHECK(v.run.exitCode == 1);
    const auto& items = v.items();
    REQUIRE(items.size() == 5);
    CHECK(items[0].at("name") == "clients.score");
    CHECK(items[0].at("verdict") == "failed");
    CHECK(items[0].at("message") == "type is text, plan expects integer");
    CHECK(items[1].at("verdict") == "failed");
    CHECK(items[1].at("message") == "default is false, plan expects true");
    CHECK(items[2].at("verdict") == "failed");
    CHECK(items[2].at("message") == "is nullable, plan expects NOT NULL");
    CHECK(items[3].at("verdict") == "failed");
    CHECK(items[3].at("message") == "type is character varying(20), plan expects varchar(30)");
    CHECK(items[4].at("verdict") == "failed");
    CHECK(items[4].at("message") == "has no default, plan expects unknown");
}

TEST_CASE("a column matches the plan whatever spelling the plan uses for its type and default") {
    SampleDb s;
    // Spellings people copy from migrations and from psql's \d: aliases, modifiers with spaces,
    // nextval() of a serial without the schema, a quoted enum default without its cast.
    fs::path plan = s.plan("plan.yaml", R"yaml(expect:
  columns:
    - {table: ledger, column: amount, type: "numeric(12, 2)", nullable: false}
    - {table: ledger, column: amount, type: "numeric(12,2)"}
    - {table: ledger, column: id, type: int8, default: "nextval('ledger_id_seq'::regclass)"}
    - {table: ledger, column: id, type: bigint, default: "nextval('public.ledger_id_seq'::regclass)"}
    - {table: clients, column: created_at, type: timestamptz, default: now()}
    - {table: clients, column: code, type: varchar(20), default: x}
    - {table: clients, column: code, type: character varying(20)}
    - {table: clients, column: seen_at, type: timestamptz(3)}
    - {table: clients, column: seen_at, type: timestamp(3) with time zone}
    - {table: clients, column: tags, type: "text[]"}
    - {table: clients, column: billingStatus, type: BillingStatus, default: none}
    - {table: clients, column: active, type: bool, default: true, nullable: false}
)yaml");
    fs::path base = s.baseline(plan);
    s.db.exec(R"(CREATE TYPE "BillingStatus" AS ENUM ('none', 'active');
                 ALTER TABLE clients ADD COLUMN code varchar(20) DEFAULT 'x',
                                     ADD COLUMN seen_at timestamptz(3),
                                     ADD COLUMN tags text[],
                                     ADD COLUMN "billingStatus" "BillingStatus" DEFAULT 'none',
                                     ADD COLUMN active boolean NOT NULL DEFAULT true)");

    Verified v = s.verify(base, plan, "no-loss");
    INFO(v.items().dump(2));
    CHECK(v.failedItems().empty());
    CHECK(v.run.exitCode == 0);
}

TEST_CASE("a broken invariant is named with the value it got, and one that cannot run is a failure while the rest still run") {
    SampleDb s;
    fs::path plan = s.plan("plan.yaml", R"(checks:
  - name: balances match the ledger
    sql: SELECT count(*) FROM balances b JOIN (SELECT client_id, sum(amount) t FROM ledger GROUP BY 1) l USING (client_id) WHERE b.total <> l.t
    expect: 0
  - name: every client has an email
    sql: SELECT NOT EXISTS (SELECT 1 FROM clients WHERE email IS NULL)
    expect: true
  - name: typo in the query
    sql: SELECT count(*) FROM ledgr
    expect: 0
  - name: ledger total
    sql: SELECT sum(amount) FROM ledger
    expect: 478591.250
)");
    fs::path base = s.baseline(plan);
    std::string ledgerTotal = s.db.scalar("SELECT sum(amount) FROM ledger");
    REQUIRE(ledgerTotal == "478591.25");
    s.db.exec("UPDATE balances SET total = total + 1 WHERE client_id IN ('c-7', 'c-8')");

    Verified v = s.verify(base, plan, "no-loss");
    CHECK(v.run.exitCode == 1);
    CHECK(v.verdict("check", "balances match the ledger") == "failed");
    CHECK(v.message("check", "balances match the ledger") == "got 2, expected 0");
    CHECK(v.verdict("check", "typo in the query") == "failed");
    CHECK(contains(v.message("check", "typo in the query"), "could not run"));
    CHECK(contains(v.message("check", "typo in the query"), "ledgr"));
    // A boolean query compares with `expect: true`, and the item after the failed query still ran.
    CHECK(v.verdict("check", "every client has an email") == "ok");
    CHECK(v.verdict("check", "ledger total") == "ok");
    CHECK(v.message("check", "ledger total") == "holds: 478591.25");

    SECTION("an invariant query cannot change the data it checks") {
        fs::path writer = s.plan("writer.yaml", R"(checks:
  - {name: sneaky, sql: "DELETE FROM ledger WHERE id = 1 RETURNING 1", expect: 1}
)");
        Verified w = s.verify(base, writer, "no-loss");
        CHECK(w.run.exitCode == 1);
        CHECK(contains(w.message("check", "sneaky"), "read-only"));
        CHECK(s.db.scalar("SELECT count(*) FROM ledger WHERE id = 1") == "1");
    }
}

TEST_CASE("a soft-delete-filtered count that dropped fails while the table itself grew (no-loss)") {
    SampleDb s;
    fs::path plan = s.plan("plan.yaml", R"(counts:
  - {table: CustomerTask, where: '"deletedAt" IS NULL'}
)");
    fs::path base = s.baseline(plan, /*archive=*/true);
    // The release adds 10 live tasks and its cleanup soft-deletes 25 live ones: the table grows by 10,
    // the live tasks drop by 15.
    s.db.exec(R"(INSERT INTO "CustomerTask" (client_id, title) SELECT 'c-' || g, 'new task ' || g FROM generate_series(1, 10) g;
                 UPDATE "CustomerTask" SET "deletedAt" = now()
                   WHERE id IN (SELECT id FROM "CustomerTask" WHERE "deletedAt" IS NULL ORDER BY id LIMIT 25))");

    Verified v = s.verify(base, plan, "no-loss");
    CHECK(v.run.exitCode == 1);
    const json& table = v.table("CustomerTask");
    CHECK(table.at("verdict") == "ok");
    CHECK(table.at("rows") == 5010);
    CHECK(table.at("delta") == 10);
    std::string name = "CustomerTask WHERE \"deletedAt\" IS NULL";
    CHECK(v.verdict("counts", name) == "failed");
    CHECK(v.message("counts", name) == "dropped from 4,286 to 4,271 rows (-15)");
    CHECK(v.failedItems() == std::vector<std::string>{"counts " + name});
    CHECK(v.report.at("summary").at("failed") == 1);

    SECTION("a count that grew is fine") {
        s.db.exec("UPDATE \"CustomerTask\" SET \"deletedAt\" = NULL WHERE id <= 100");
        Verified grew = s.verify(base, plan, "no-loss");
        CHECK(grew.run.exitCode == 0);
        CHECK(grew.verdict("counts", name) == "ok");
        CHECK(contains(grew.message("counts", name), "baseline 4,286"));
    }
}

TEST_CASE("a declared dropped column is not loss, an undeclared one is, and the declaration hides no lost row") {
    SampleDb s;
    fs::path plan = s.plan("plan.yaml", R"(changes:
  dropped_columns: [legacy_notes.body]
)");
    fs::path base = s.baseline();
    s.db.exec("ALTER TABLE legacy_notes DROP COLUMN body; ALTER TABLE clients DROP COLUMN email");

    Verified v = s.verify(base, plan, "exact");
    CHECK(v.run.exitCode == 1);
    CHECK(v.table("legacy_notes").at("verdict") == "ok");
    CHECK(v.table("legacy_notes").at("rows") == 500);
    CHECK(contains(v.table("legacy_notes").at("reason").get<std::string>(), "body dropped as the plan declares"));
    CHECK(v.table("clients").at("verdict") == "failed");
    CHECK(contains(v.table("clients").at("reason").get<std::string>(), "column \"email\" is missing"));
    CHECK(v.report.at("summary").at("failed") == 1);

    SECTION("declaring both drops proves the migration") {
        fs::path both = s.plan("both.yaml", "changes:\n  dropped_columns: [legacy_notes.body, clients.email]\n");
        Verified ok = s.verify(base, both, "exact");
        CHECK(ok.run.exitCode == 0);
        CHECK(ok.table("clients").at("verdict") == "ok");
    }
    SECTION("a row deleted from the table with the declared drop still fails") {
        s.db.exec("DELETE FROM legacy_notes WHERE id = 42");
        Verified lost = s.verify(base, plan, "no-loss");
        CHECK(lost.run.exitCode == 1);
        CHECK(lost.table("legacy_notes").at("verdict") == "failed");
        CHECK(contains(lost.table("legacy_notes").at("reason").get<std::string>(), "1 row(s) lost"));
    }
}

TEST_CASE("a declared dropped table is not loss, an undeclared dropped table is") {
    SampleDb s;
    fs::path plan = s.plan("plan.yaml", "changes:\n  dropped_tables: [tmp_import]\n");
    fs::path base = s.baseline();
    s.db.exec("DROP TABLE tmp_import; DROP TABLE balances");

    Verified v = s.verify(base, plan, "exact");
    CHECK(v.run.exitCode == 1);
    CHECK(v.table("tmp_import").at("verdict") == "ok");
    CHECK(contains(v.table("tmp_import").at("reason").get<std::string>(), "dropped, as the plan declares"));
    CHECK(v.table("balances").at("verdict") == "failed");
    CHECK(contains(v.table("balances").at("reason").get<std::string>(), "table is missing"));
    CHECK(contains(v.table("balances").at("reason").get<std::string>(), "2,000 rows"));
    CHECK(v.report.at("summary").at("failed") == 1);

    SECTION("declaring both drops proves the migration") {
        fs::path both = s.plan("both.yaml", "changes:\n  dropped_tables: [tmp_import, balances]\n");
        Verified ok = s.verify(base, both, "exact");
        CHECK(ok.run.exitCode == 0);
    }
}

// Dropping a table with a serial column drops its sequence too; the baseline records which table owns
// each sequence, so a declared dropped table's own sequences are not loss.
TEST_CASE("a declared dropped table with a serial key does not fail on its own sequence") {
    SampleDb s;
    fs::path plan = s.plan("plan.yaml", "changes:\n  dropped_tables: [legacy_notes]\n");
    fs::path base = s.baseline();
    s.db.exec("DROP TABLE legacy_notes");
    Verified v = s.verify(base, plan, "exact");
    CHECK(v.table("legacy_notes").at("verdict") == "ok");
    for (const auto& seq : v.report.at("sequences")) {
        INFO(seq.dump());
        CHECK(seq.at("verdict") == "ok");
    }
    CHECK(v.run.exitCode == 0);
}

TEST_CASE("a malformed plan exits 2 naming its file, line and column, for verify, snapshot and backup") {
    ScratchDatabase db("planbad");
    db.exec("CREATE TABLE clients (id text PRIMARY KEY)");
    TempDir dir;
    fs::path base = dir / "before.json";
    REQUIRE(runPgproof("snapshot -o " + shellQuote(base.string()) + " --db " + shellQuote(db.conninfo())).exitCode == 0);

    struct Case {
        std::string what, yaml;
        int line;
        std::string message;
    };
    const std::vector<Case> cases = {
        {"YAML syntax error (unclosed flow mapping)",
         "expect:\n  columns:\n    - {table: clients, column: x\nbackfill: []\n", 4, "YAML syntax error"},
        {"YAML syntax error (bad indentation)",
         "expect:\n  columns:\n    - table: clients\n      column: x\n   type: int\n", 5, "YAML syntax error"},
        {"unknown key", "expect:\n  columns:\n    - table: clients\n      colum: x\n", 4, "unknown key 'colum'"},
        {"unknown top-level key", "expect:\n  indexes: []\ncheck:\n  - {name: a, sql: SELECT 1, expect: 1}\n", 3,
         "unknown key 'check' in the plan"},
        {"wrong type: nullable: maybe",
         "expect:\n  columns:\n    - table: clients\n      column: id\n      nullable: maybe\n", 5,
         "'nullable' must be true or false"},
        {"wrong type: columns given a string", "# plan\nexpect:\n  columns: clients.id\n", 3, "must be a list"},
        {"wrong type: enum values given a string", "expect:\n  enums:\n    Status: active\n", 3, "must be a list"},
        {"missing required key", "orphans:\n  - {table: a, column: b, references: clients.id}\nbackfill:\n  - table: clients\n    column: x\n", 4,
         "a backfill item needs 'when_not_null'"},
        {"checks item without expect", "checks:\n  - {name: ok, sql: SELECT 1, expect: 1}\n  - name: no expect\n    sql: SELECT 1\n", 3,
         "needs 'expect'"},
        {"column reference without a table", "changes:\n  dropped_tables: [a]\n  dropped_columns: [legacy_notes]\n", 3,
         "must name a column as table.column"},
        {"duplicate key", "backfill:\n  - table: clients\n    column: a\n    column: b\n    when_not_null: c\n", 4, "duplicate key 'column'"},
        {"a list used as a key", "expect:\n  enums:\n    [a, b]: [x]\n", 3, "must be a name"},
        {"empty value", "unique:\n  - table:\n    columns: [id]\n", 2, "'table' in a unique item is empty"},
        {"the plan is a list", "- expect\n- checks\n", 1, "the plan must be a mapping"},
    };
    for (const auto& c : cases) {
        INFO(c.what << "\n" << c.yaml);
        fs::path plan = dir / "bad-plan.yaml";
        writeFile(plan, c.yaml);
        auto r = runPgproof("verify --baseline " + shellQuote(base.string()) + " --db " + shellQuote(db.conninfo()) + " --plan " +
                            shellQuote(plan.string()));
        INFO("stderr: " << r.err);
        CHECK(r.exitCode == 2);
        CHECK(contains(r.err, plan.string() + ":" + std::to_string(c.line) + ":"));
        CHECK(contains(r.err, c.message));
        CHECK(r.out.empty());  // no report that could be mistaken for a result
    }

    SECTION("snapshot and backup refuse the plan too and leave no baseline behind") {
        fs::path plan = dir / "bad-plan.yaml";
        writeFile(plan, "counts:\n  - {table: clients, wher: x}\n");
        for (const std::string cmd : {"snapshot", "backup"}) {
            INFO(cmd);
            fs::path out = dir / (cmd == "backup" ? "out.sql.zst" : "out.json");
            auto r = runPgproof(cmd + " -o " + shellQuote(out.string()) + " --db " + shellQuote(db.conninfo()) + " --plan " +
                                shellQuote(plan.string()));
            INFO("stderr: " << r.err);
            CHECK(r.exitCode == 2);
            CHECK(contains(r.err, plan.string() + ":2:"));
            CHECK(contains(r.err, "unknown key 'wher'"));
            CHECK_FALSE(fs::exists(out));
        }
    }
    SECTION("a plan file that does not exist") {
        auto r = runPgproof("verify --baseline " + shellQuote(base.string()) + " --db " + shellQuote(db.conninfo()) + " --plan " +
                            shellQuote((dir / "nope.yaml").string()));
        CHECK(r.exitCode == 2);
        CHECK(contains(r.err, "nope.yaml"));
    }
}

TEST_CASE("a plan item whose table does not exist fails with a clear message, never skipped") {
    SampleDb s;
    fs::path plan = s.plan("plan.yaml", R"(expect:
  columns:
    - {table: client, column: onboardingComplete}
  constraints:
    - {table: onboarding_state, name: onboarding_states_clientId_fkey}
  indexes:
    - {table: app.clients, name: clients_pkey}
backfill:
  - {table: onboardingstates, column: clientId, when_not_null: customer_id}
orphans:
  - {table: onboarding_states, column: customer_id, references: customers.id}
unique:
  - {table: balance, columns: [client_id]}
counts:
  - {table: customertask, where: '"deletedAt" IS NULL'}
)");
    fs::path base = s.baseline(plan);

    Verified v = s.verify(base, plan, "exact");
    CHECK(v.run.exitCode == 1);
    REQUIRE(v.items().size() == 7);
    for (const auto& i : v.items()) {
        INFO(i.dump());
        CHECK(i.at("verdict") == "failed");
        CHECK(contains(i.at("message").get<std::string>(), "not found"));
    }
    CHECK(v.message("column", "client.onboardingComplete") == "table client not found");
    CHECK(v.message("constraint", "onboarding_states_clientId_fkey") == "table onboarding_state not found");
    CHECK(v.message("index", "clients_pkey") == "table app.clients not found");
    CHECK(v.message("backfill", "onboardingstates.clientId") == "table onboardingstates not found");
    CHECK(v.message("orphans", "onboarding_states.customer_id") == "table customers not found");
    CHECK(v.message("unique", "balance (client_id)") == "table balance not found");
    CHECK(v.message("counts", "customertask WHERE \"deletedAt\" IS NULL") == "table customertask not found");

    SECTION("a column that does not exist in an existing table is a failure too") {
        fs::path col = s.plan("col.yaml", "backfill:\n  - {table: onboarding_states, column: clientId, when_not_null: customer_id}\n");
        Verified c = s.verify(base, col, "exact");
        CHECK(c.run.exitCode == 1);
        CHECK(c.verdict("backfill", "onboarding_states.clientId") == "failed");
        CHECK(contains(c.message("backfill", "onboarding_states.clientId"), "clientId"));
        CHECK(contains(c.message("backfill", "onboarding_states.clientId"), "does not exist"));
    }
}

TEST_CASE("counts without a baseline figure fail and tell the user to take the baseline with --plan") {
    SampleDb s;
    fs::path plan = s.plan("plan.yaml", R"(counts:
  - {table: CustomerTask, where: '"deletedAt" IS NULL'}
)");
    fs::path base = s.baseline();  // without --plan: no filtered figures recorded

    Verified v = s.verify(base, plan, "exact");
    CHECK(v.run.exitCode == 1);
    std::string name = "CustomerTask WHERE \"deletedAt\" IS NULL";
    CHECK(v.verdict("counts", name) == "failed");
    std::string m = v.message("counts", name);
    CHECK(contains(m, "4,286 rows now"));
    CHECK(contains(m, "take the baseline with the same --plan"));
    CHECK(v.report.at("summary").at("failed") == 1);  // nothing else changed

    SECTION("a snapshot whose recorded figure is not a count (edited by hand: a float) fails naming it, never compares") {
        fs::path withPlan = s.dir / "with-plan.json";
        auto taken = runPgproof("snapshot -o " + shellQuote(withPlan.string()) + " " + s.dbFlag() + " --plan " + shellQuote(plan.string()));
        REQUIRE(taken.exitCode == 0);
        json j = json::parse(readFile(withPlan));
        REQUIRE(j.at("plan").at("counts").size() == 1);
        j["plan"]["counts"][0]["rows"] = 1e300;
        writeFile(withPlan, j.dump());
        Verified d = s.verify(withPlan, plan, "exact");
        CHECK(d.run.exitCode == 1);
        CHECK(d.verdict("counts", name) == "failed");
        CHECK(contains(d.message("counts", name), "the baseline's figure is damaged: rows is not an integer"));
    }
    SECTION("a baseline taken with a different filter has no figure for this one either") {
        fs::path other = s.plan("other.yaml", "counts:\n  - {table: CustomerTask, where: '\"deletedAt\" IS NOT NULL'}\n");
        fs::path otherBase = s.baseline(other, /*archive=*/true);
        Verified o = s.verify(otherBase, plan, "exact");
        CHECK(o.run.exitCode == 1);
        CHECK(contains(o.message("counts", name), "take the baseline with the same --plan"));
    }
}

TEST_CASE("plan items appear in the JUnit report as pgproof.verify.plan, and --verbose shows their SQL") {
    SampleDb s;
    fs::path plan = demoFile("plan.yaml");
    fs::path base = s.baseline(plan);
    s.db.loadFile(demoFile("migration-broken.sql"));
    fs::path junit = s.dir / "verify.xml";

    auto text = runPgproof(s.verifyArgs(base, plan, "no-loss") + " --junit " + shellQuote(junit.string()));
    INFO("stderr: " << text.err);
    CHECK(text.exitCode == 1);
    XmlElement doc = parseXml(readFile(junit));
    std::vector<const XmlElement*> planCases;
    for (const auto* tc : doc.descendants("testcase"))
        if (tc->attributes.at("classname") == "pgproof.verify.plan") planCases.push_back(tc);
    REQUIRE(planCases.size() == 10);
    auto find = [&](const std::string& name) -> const XmlElement* {
        for (const auto* tc : planCases)
            if (tc->attributes.at("name") == name) return tc;
        FAIL("no JUnit test case " << name);
        return nullptr;
    };
    const XmlElement* backfill = find("backfill onboarding_states.clientId");
    auto failures = backfill->descendants("failure");
    REQUIRE(failures.size() == 1);
    CHECK(contains(failures[0]->attributes.at("message"), "3 rows with customer_id set and clientId NULL"));
    CHECK(contains(failures[0]->text, "SELECT pg_catalog.count(*)"));
    CHECK(find("orphans onboarding_states.clientId")->descendants("failure").size() == 1);
    CHECK(find("constraint onboarding_states_clientId_fkey")->descendants("failure").size() == 1);
    CHECK(find("enum BillingStatus")->descendants("failure").size() == 1);
    CHECK(find("counts CustomerTask WHERE \"deletedAt\" IS NULL")->descendants("failure").size() == 1);
    CHECK(find("check balances match the ledger")->descendants("failure").size() == 1);
    CHECK(find("column clients.onboardingComplete")->descendants("failure").empty());
    CHECK(find("index clients_onboardingComplete_idx")->descendants("failure").empty());
    CHECK(find("unique balances (client_id)")->descendants("failure").empty());

    // Text report: failures named with their figures; SQL only with --verbose.
    CHECK(contains(text.out, "FAIL  backfill onboarding_states.clientId: 3 rows with customer_id set and clientId NULL (of 2,700; keys 1, 2, 3)"));
    CHECK(contains(text.out, "FAIL  orphans onboarding_states.clientId: 1 row references a missing clients.id (c-missing)"));
    CHECK(contains(text.out, "FAIL  check balances match the ledger: got 1, expected 0"));
    CHECK_FALSE(contains(text.out, "SQL:"));
    auto verbose = runPgproof(s.verifyArgs(base, plan, "no-loss") + " -v");
    CHECK(verbose.exitCode == 1);
    CHECK(contains(verbose.out, "SQL: SELECT pg_catalog.count(*), (SELECT pg_catalog.count(*) FROM \"public\".\"onboarding_states\" x WHERE "
                                "x.\"customer_id\" IS NOT NULL) FROM \"public\".\"onboarding_states\" x WHERE x.\"customer_id\" IS NOT NULL "
                                "AND x.\"clientId\" IS NULL"));
    CHECK(contains(verbose.out, "SQL: SELECT pg_catalog.count(*) FROM \"public\".\"CustomerTask\" WHERE \"deletedAt\" IS NULL"));
    CHECK(contains(verbose.out, "SQL: SELECT count(*) FROM balances b JOIN"));
}
