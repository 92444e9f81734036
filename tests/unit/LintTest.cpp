// lint's static half on the migrations of tests/data/lint: PostgreSQL's parser (libpg_query), each rule
// by name at its line and column, suppression comments, parse errors with their position.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "Errors.hpp"
#include "MigrationAnalysis.hpp"
#include "MigrationScript.hpp"

using namespace pgproof;
using namespace pgproof::lint;

namespace {

std::string dataFile(const std::string& name) { return (std::filesystem::path(PGPROOF_SOURCE_DIR) / "tests/data/lint" / name).string(); }

// "line:rule" of every finding not suppressed, in file order.
std::vector<std::string> findingsOf(const MigrationScript& script) {
    auto analysis = analyseMigration(script);
    std::vector<std::string> out;
    for (const auto& f : analysis.findings)
        if (!script.statements()[f.statement].suppressed.count(f.rule)) out.push_back(std::to_string(f.at.line) + ":" + f.rule);
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) { return std::stoi(a) < std::stoi(b); });
    return out;
}

const LintFinding& only(const MigrationAnalysis& a, const std::string& rule) {
    auto n = std::count_if(a.findings.begin(), a.findings.end(), [&](const LintFinding& f) { return f.rule == rule; });
    REQUIRE(n == 1);
    return *std::find_if(a.findings.begin(), a.findings.end(), [&](const LintFinding& f) { return f.rule == rule; });
}

}  // namespace

TEST_CASE("lint: statements carry their line and column, leading comments skipped") {
    auto s = MigrationScript::parse("m.sql", "-- header\n\n  SELECT 1;   /* c */ SELECT 'é', 2;\nSELECT 3");
    REQUIRE(s.statements().size() == 3);
    CHECK(s.statements()[0].at.line == 3);
    CHECK(s.statements()[0].at.column == 3);
    CHECK(s.statements()[1].at.line == 3);
    CHECK(s.statements()[1].at.column == 23);
    CHECK(s.statements()[1].text == "SELECT 'é', 2");
    CHECK(s.statements()[2].at.line == 4);
    CHECK(s.statements()[2].kind == "SelectStmt");
}

TEST_CASE("lint: a file that does not parse names file, line and column") {
    try {
        MigrationScript::read(dataFile("syntax-error.sql"));
        FAIL("expected a parse error");
    } catch (const BadInputError& e) {
        std::string m = e.what();
        INFO(m);
        CHECK(m.rfind(dataFile("syntax-error.sql") + ":3:46: error: syntax error at or near \"NUL\"", 0) == 0);
    }
    // Columns count characters, not bytes (the error cursor of libpg_query counts characters).
    try {
        MigrationScript::parse("u.sql", "SELECT 'éé' ++ FROM t;");
        FAIL("expected a parse error");
    } catch (const BadInputError& e) {
        CHECK(std::string(e.what()).rfind("u.sql:1:16:", 0) == 0);
    }
    REQUIRE_THROWS_AS(MigrationScript::read(dataFile("no-such-file.sql")), BadInputError);
}

TEST_CASE("lint: the checklist migration done the safe way has no errors and no warnings") {
    auto f = findingsOf(MigrationScript::read(dataFile("good.sql")));
    CHECK(f.empty());
}

TEST_CASE("lint: the same migration done the risky way is named statement by statement") {
    auto f = findingsOf(MigrationScript::read(dataFile("broken.sql")));
    CHECK(f == std::vector<std::string>{"7:set-not-null", "8:add-foreign-key-without-not-valid", "9:create-index-without-concurrently",
                                        "10:drop-column"});
}

TEST_CASE("lint: every static rule fires where it should, and not on a table the migration creates") {
    auto f = findingsOf(MigrationScript::read(dataFile("unsafe.sql")));
    CHECK(f == std::vector<std::string>{"1:missing-lock-timeout", "1:alter-column-type", "2:add-column-volatile-default", "3:add-check-without-not-valid",
                                        "4:add-unique-without-using-index", "5:rename-column", "6:rename-table", "7:delete-without-where",
                                        "8:update-without-where", "9:drop-index-without-concurrently", "10:alter-type-drop",
                                        "12:concurrently-in-transaction"});
}

TEST_CASE("lint: a NOT NULL column without default on an existing table is an error, with a default it is not") {
    auto a = analyseMigration(MigrationScript::parse("m.sql", "SET lock_timeout = '1s';\nALTER TABLE t ADD COLUMN c int NOT NULL;\n"
                                                              "ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT 0;\n"
                                                              "ALTER TABLE t ADD COLUMN e bigserial;\n"));
    const auto& f = only(a, "add-column-not-null-without-default");
    CHECK(f.severity == Severity::Error);
    CHECK(f.at.line == 2);
    CHECK(only(a, "add-column-volatile-default").at.line == 4);
    // The data question: does t have rows?
    REQUIRE(std::count_if(a.questions.begin(), a.questions.end(), [](const DataQuestion& q) { return q.kind == QuestionKind::RowsInTable; }) == 1);
}

TEST_CASE("lint: pgproof:ignore suppresses the named rule for one statement only") {
    auto s = MigrationScript::read(dataFile("suppressed.sql"));
    CHECK(s.statements()[1].suppressed == std::set<std::string>{"drop-column"});
    CHECK(s.statements()[2].suppressed == std::set<std::string>{"drop-table"});
    CHECK(s.statements()[3].suppressed.empty());
    CHECK(findingsOf(s) == std::vector<std::string>{"6:truncate"});
}

TEST_CASE("lint: data questions follow the statements, and know what an earlier statement changed") {
    auto a = analyseMigration(MigrationScript::read(dataFile("broken.sql")));
    std::vector<const DataQuestion*> nulls, dups, orphans;
    for (const auto& q : a.questions) {
        if (q.kind == QuestionKind::NullsInColumn) nulls.push_back(&q);
        if (q.kind == QuestionKind::DuplicateKeys) dups.push_back(&q);
        if (q.kind == QuestionKind::ForeignKeyOrphans) orphans.push_back(&q);
    }
    REQUIRE(nulls.size() == 1);
    CHECK(nulls[0]->at.line == 7);
    CHECK(nulls[0]->columns == std::vector<std::string>{"clientId"});
    REQUIRE(nulls[0]->earlierChange);
    CHECK(nulls[0]->earlierChange->line == 5);  // the backfill UPDATE
    REQUIRE(dups.size() == 1);
    CHECK(dups[0]->at.line == 9);
    REQUIRE(orphans.size() == 1);
    CHECK(orphans[0]->referenced.name == "clients");
    CHECK(orphans[0]->earlierChange);

    // A NOT VALID foreign key is checked where it is validated; a CHECK (c IS NOT NULL) too.
    auto c = analyseMigration(MigrationScript::read(dataFile("constraints.sql")));
    size_t validateAt = 0;
    for (const auto& q : c.questions) {
        if (q.kind == QuestionKind::ForeignKeyOrphans) validateAt = q.at.line;
        CHECK(!q.earlierChange);
    }
    CHECK(validateAt == 5);
}

TEST_CASE("lint: locks and rewrites per statement") {
    auto lockOf = [](const std::string& sql) {
        auto s = MigrationScript::parse("m.sql", sql);
        return statementLock(s.statements()[0].kind, s.statements()[0].node);
    };
    CHECK(lockOf("CREATE INDEX i ON t (a)").mode == LockMode::Share);
    CHECK(lockOf("CREATE INDEX CONCURRENTLY i ON t (a)").mode == LockMode::ShareUpdateExclusive);
    CHECK(lockOf("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p (id)").mode == LockMode::ShareRowExclusive);
    CHECK(lockOf("ALTER TABLE t VALIDATE CONSTRAINT f").mode == LockMode::ShareUpdateExclusive);
    auto rewrite = lockOf("ALTER TABLE t ALTER COLUMN a TYPE bigint");
    CHECK(rewrite.mode == LockMode::AccessExclusive);
    CHECK(rewrite.rewrites);
    CHECK_FALSE(lockOf("ALTER TABLE t ADD COLUMN b int DEFAULT 0").rewrites);
    CHECK(lockOf("ALTER TABLE t ADD COLUMN b float DEFAULT random()").rewrites);
    CHECK(lockOf("UPDATE t SET a = 1").mode == LockMode::RowExclusive);
}

// Found by fuzz/fuzz_lint (docs/RELIABILITY.md): a byte that is not UTF-8 went through libpg_query into its
// JSON parse tree, and the JSON parser's exception escaped (exit 3, no file or position).
TEST_CASE("lint: a byte that is not UTF-8 is bad input naming file, line and column") {
    const std::string file = (std::filesystem::path(PGPROOF_SOURCE_DIR) / "tests/data/fuzz/lint-invalid-utf8.sql").string();
    try {
        MigrationScript::read(file);
        FAIL("expected bad input");
    } catch (const BadInputError& e) {
        CHECK(std::string(e.what()) == file + ":1:50: error: byte 0xD3 is not UTF-8: lint reads migration files as UTF-8");
    }
    for (const char* bad : {"SELECT '\xC3';", "SELECT '\xC0\xAF';", "SELECT '\xED\xA0\x80';", "SELECT 1; -- \xFF"})
        REQUIRE_THROWS_AS(MigrationScript::parse("b.sql", bad), BadInputError);
    CHECK(MigrationScript::parse("ok.sql", "SELECT 'é€😀';").statements().size() == 1);
}
