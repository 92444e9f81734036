#include <catch2/catch.hpp>

#include "Errors.hpp"
#include "MigrationPlan.hpp"
#include "MigrationPlanDraft.hpp"
#include "MigrationScript.hpp"

using namespace pgproof;

TEST_CASE("plan names: public by default, schema.table otherwise") {
    CHECK(parseTableName("clients") == QualifiedName{"public", "clients"});
    CHECK(parseTableName("app.Orders") == QualifiedName{"app", "Orders"});
}

TEST_CASE("a plan error names file, line and column") {
    try {
        MigrationPlan::parse("backfill:\n  - {table: t, column: c, when_not_nul: d}\n", "p.yaml");
        FAIL("expected an error");
    } catch (const BadInputError& e) {
        std::string m = e.what();
        CHECK(m.rfind("p.yaml:2:", 0) == 0);
        CHECK(m.find("when_not_nul") != std::string::npos);
    }
    REQUIRE_THROWS_AS(MigrationPlan::parse("expect: [", "p.yaml"), BadInputError);
    REQUIRE_THROWS_AS(MigrationPlan::parse("orphans:\n  - {table: t, column: c, references: nodot}\n", "p.yaml"), BadInputError);
}

TEST_CASE("statements split outside quotes, dollar quotes and comments") {
    auto s = lint::MigrationScript::parse("m.sql", "SELECT ';'; -- a; comment\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $x$ SELECT 1; $x$; /* c; */ SELECT 2");
    REQUIRE(s.statements().size() == 3);
}

TEST_CASE("a drafted plan is a valid plan with the migration's items") {
    auto d = lint::draftPlan(lint::MigrationScript::parse("m.sql",
        "ALTER TABLE clients ADD COLUMN \"onboardingComplete\" boolean NOT NULL DEFAULT false;\n"
        "CREATE TYPE \"BillingStatus\" AS ENUM ('none', 'trial');\n"
        "ALTER TYPE \"BillingStatus\" ADD VALUE 'active';\n"
        "ALTER TABLE onboarding_states ADD CONSTRAINT fk FOREIGN KEY (\"clientId\") REFERENCES clients(id);\n"
        "CREATE UNIQUE INDEX CONCURRENTLY idx ON app.things (a);\n"
        "UPDATE onboarding_states SET \"clientId\" = customer_id;\n"
        "ALTER TABLE legacy DROP COLUMN body;\nDROP TABLE tmp;\n"));
    MigrationPlan p = MigrationPlan::parse(d.yaml, "draft");
    REQUIRE(p.columns.size() == 1);
    CHECK(p.columns[0].ref.column == "onboardingComplete");
    CHECK(p.columns[0].nullable == false);
    CHECK(p.columns[0].defaultValue == "false");
    REQUIRE(p.enums.size() == 1);
    CHECK(p.enums[0].values == std::vector<std::string>{"none", "trial", "active"});
    REQUIRE(p.orphans.size() == 1);
    CHECK(p.orphans[0].parent.display() == "clients.id");
    REQUIRE(p.indexes.size() == 1);
    CHECK(p.indexes[0].table == QualifiedName{"app", "things"});
    REQUIRE(p.backfills.size() == 1);
    CHECK(p.backfills[0].whenNotNull == "customer_id");
    CHECK(p.declaresDroppedColumn({"public", "legacy"}, "body"));
    CHECK(p.declaresDroppedTable({"public", "tmp"}));
}

TEST_CASE("a drafted plan reads what the regular expressions could not: unnamed constraints, lists, joins") {
    auto d = lint::draftPlan(lint::MigrationScript::parse("m.sql",
        "ALTER TABLE app.orders ADD PRIMARY KEY (id), ADD COLUMN total numeric(12,2) NOT NULL DEFAULT 0;\n"
        "DROP TABLE a, b;\n"
        "UPDATE onboarding_states o SET \"clientId\" = c.client_ref FROM customers c WHERE c.id = o.customer_id AND o.\"clientId\" IS NULL;\n"
        "ALTER TABLE t ADD COLUMN r integer REFERENCES p (id);\n"));
    MigrationPlan p = MigrationPlan::parse(d.yaml, "draft");
    REQUIRE(p.columns.size() == 2);
    CHECK(p.columns[0].ref.column == "total");
    CHECK(*p.columns[0].type == "numeric(12,2)");
    CHECK(d.yaml.find("type: 'numeric(12,2)'") != std::string::npos);
    CHECK(p.columns[0].defaultValue == "0");
    REQUIRE(p.uniques.size() == 1);
    CHECK(p.uniques[0].table == QualifiedName{"app", "orders"});
    CHECK(*p.columns[1].type == "integer");
    CHECK(p.declaresDroppedTable({"public", "a"}));
    CHECK(p.declaresDroppedTable({"public", "b"}));
    REQUIRE(p.backfills.size() == 1);
    CHECK(p.backfills[0].whenNotNull == "customer_id");
    REQUIRE(p.orphans.size() == 1);
    CHECK(p.orphans[0].parent.display() == "p.id");
    CHECK(d.skipped.empty());
}
