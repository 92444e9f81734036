// The reports of check (engine/archive/CheckReportWriter) and inspect (engine/archive/ArchiveSummary),
// rendered from manifests and findings built by hand: what a user sees in the JSON, the JUnit file and
// on stdout. No server, no archive file needed.
#include <catch2/catch.hpp>

#include "ArchiveSummary.hpp"
#include "CheckReportWriter.hpp"

using namespace pgproof;

namespace {

Manifest threeTables() {
    Manifest m;
    m.toolVersion = "9.9.9";
    m.created = "not a time";
    m.source = {{"host", "db1"}, {"port", "5432"}, {"database", "shop"}, {"user", "backup"}, {"server_version", "15.4"},
                {"pg_dump_version", "15.4"}};
    m.tables.push_back({.schema = "public", .name = "customers", .columns = {"id", "name"}, .rows = 2000, .fingerprint = std::string(32, 'c'), .rawBytes = 4096});
    m.tables.push_back({.schema = "public", .name = "orders", .columns = {"id"}, .rows = 5, .fingerprint = std::string(32, 'd'), .rawBytes = 40});
    m.tables.push_back({.schema = "app", .name = "items", .columns = {"id"}, .rows = 7, .fingerprint = std::string(32, 'e'), .rawBytes = 50});
    m.notCovered.push_back({"public", "audit", 12, "excluded"});
    m.segments.push_back({SegmentEntry::Kind::Rows, 0, {{0, 1024, 4186, 2012}}});
    return m;
}

// Every table checked; `damaged` (an index into the manifest's tables) found with one row fewer.
CheckReport findings(const Manifest& m, int damaged) {
    CheckReport r;
    for (size_t i = 0; i < m.tables.size(); ++i) {
        TableCheck tc;
        tc.table = &m.tables[i];
        tc.actual.rows = m.tables[i].rows;
        if (static_cast<int>(i) == damaged) {
            tc.actual.rows -= 1;
            tc.problems.push_back("rows: manifest says 5, frames hold 4");
        }
        r.tables.push_back(tc);
    }
    r.frames = 1;
    r.rawBytes = 4186;
    r.seconds = 0.5;
    return r;
}

}  // namespace

TEST_CASE("check of an intact archive: every table ok, the ones not covered named, one verdict line") {
    Manifest m = threeTables();
    const CheckRun run("shop.sql.zst", &m, findings(m, -1), "");
    REQUIRE(run.ok());
    const auto proven = SettledOutcome::of(Outcome::Proven);
    auto j = checkJson(run, proven);
    CHECK(j["report"] == "pgproof-check");
    CHECK(j["archive"] == "shop.sql.zst");
    CHECK(j["verdict"] == "proven");
    REQUIRE(j["tables"].size() == 3);
    CHECK(j["tables"][0]["name"] == "customers");
    CHECK(j["tables"][0]["ok"] == true);
    CHECK(j["not_covered"][0]["name"] == "audit");
    CHECK(j["frames"] == 1);
    CHECK(renderCheckText(run, proven, {}) ==
          "TABLE             ROWS   FINGERPRINT                       STATUS\n"
          "public.customers  2,000  cccccccccccccccccccccccccccccccc  ok\n"
          "public.orders     5      dddddddddddddddddddddddddddddddd  ok\n"
          "app.items         7      eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee  ok\n"
          "not covered: public.audit (excluded): its rows are not in the archive (12 at the backup)\n"
          "PROVEN: shop.sql.zst is intact: 3 of 4 tables; 1 not covered: public.audit (excluded); 2,012 rows, 1 frames, 4.1 KiB "
          "checked in 0.50 s\n");
    CHECK(renderCheckText(run, proven, {.quiet = true}).empty());
    std::string xml = checkJUnit(run, proven);
    CHECK(xml.find("tests=\"3\" failures=\"0\" errors=\"0\"") != std::string::npos);
}

TEST_CASE("check of a damaged archive lists the damaged table first in every output") {
    Manifest m = threeTables();
    CheckReport r = findings(m, 1);
    r.problems.push_back("frame at offset 1024: content checksum mismatch");
    const CheckRun run("shop.sql.zst", &m, std::move(r), "");
    REQUIRE_FALSE(run.ok());
    const auto failed = SettledOutcome::of(Outcome::Failed);
    auto j = checkJson(run, failed);
    CHECK(j["verdict"] == "failed");
    CHECK(j["exit_code"] == 1);
    CHECK(j["tables"][0]["name"] == "orders");
    CHECK(j["tables"][0]["ok"] == false);
    CHECK(j["tables"][0]["actual_rows"] == 4);
    CHECK(j["tables"][1]["name"] == "customers");  // then the others, in archive order
    CHECK(j["problems"][0] == "frame at offset 1024: content checksum mismatch");
    std::string text = renderCheckText(run, failed, {});
    CHECK(text.find("TABLE             ROWS   FINGERPRINT                       STATUS\npublic.orders") == 0);
    CHECK(text.find("DAMAGED: rows: manifest says 5, frames hold 4\n") != std::string::npos);
    CHECK(text.find("DAMAGED: frame at offset 1024: content checksum mismatch\n") != std::string::npos);
    CHECK(text.find("FAILED: shop.sql.zst is damaged: 2 problem(s); do not rely on this archive\n") != std::string::npos);
    // --quiet keeps the damage and the verdict.
    CHECK(renderCheckText(run, failed, {.quiet = true}) ==
          "DAMAGED: frame at offset 1024: content checksum mismatch\nFAILED: shop.sql.zst is damaged: 2 problem(s); do not rely on this archive\n");
    std::string xml = checkJUnit(run, failed);
    CHECK(xml.find("tests=\"4\" failures=\"2\" errors=\"0\"") != std::string::npos);
    CHECK(xml.find("name=\"public.orders\"") < xml.find("name=\"public.customers\""));
    CHECK(xml.find("<testcase classname=\"pgproof.check.frames\" name=\"layout/sql\"") != std::string::npos);
}

TEST_CASE("check of an archive that cannot be read as one says why, and nothing else") {
    const CheckRun run("-", nullptr, CheckReport{}, "the archive on standard input ends before its trailer");
    const auto failed = SettledOutcome::of(Outcome::Failed);
    CHECK(renderCheckText(run, failed, {}) == "FAILED: the archive on standard input ends before its trailer\n");
    auto j = checkJson(run, failed);
    CHECK(j["problems"] == nlohmann::json::array({"the archive on standard input ends before its trailer"}));
    CHECK_FALSE(j.contains("tables"));
    CHECK(checkJUnit(run, failed).find("<testcase classname=\"pgproof.check\" name=\"archive\"") != std::string::npos);
}

TEST_CASE("check whose proof could not be recorded: intact, but not proven") {
    Manifest m = threeTables();
    const CheckRun run("shop.sql.zst", &m, findings(m, -1), "");
    SettledOutcome s = SettledOutcome::of(Outcome::Proven);
    s.demote(Outcome::Incomplete, "the outcome could not be recorded", "No space left on device");
    CHECK(renderCheckText(run, s, {.quiet = true}) ==
          "INCOMPLETE: shop.sql.zst is intact, but the outcome could not be recorded (No space left on device); fix that and check again\n");
}

TEST_CASE("inspect shows the source, the sizes and every table, the ones not covered last") {
    Manifest m = threeTables();
    std::string text = renderArchiveSummary(m, "shop.sql.zst", 2048);
    CHECK(text.find("archive   shop.sql.zst (2.0 KiB, format v1, pgproof 9.9.9)\n") == 0);
    CHECK(text.find("created   not a time (unknown age)\n") != std::string::npos);
    CHECK(text.find("source    host db1 port 5432 database shop user backup\n") != std::string::npos);
    CHECK(text.find("versions  server 15.4, pg_dump 15.4\n") != std::string::npos);
    CHECK(text.find("contents  3 of 4 tables; 1 not covered: public.audit (excluded), 2,012 rows, 0 sequences, 0 large objects\n") !=
          std::string::npos);
    CHECK(text.find("size      4.1 KiB of SQL in 1 frames -> 1.0 KiB compressed (zstd level 3, 4.09x)\n") != std::string::npos);
    CHECK(text.find("public.customers  2        2,000  4.0 KiB  cccccccccccccccccccccccccccccccc\n") != std::string::npos);
    CHECK(text.find("public.audit      -        12     -        NOT COVERED (excluded)\n") != std::string::npos);
    m.source = {{"from_stdin", true}};
    CHECK(renderArchiveSummary(m, "-", 2048).find("source    a plain dump read from stdin\n") != std::string::npos);
    auto j = archiveSummaryJson(m, "shop.sql.zst", 2048);
    CHECK(j["archive"] == nlohmann::json({{"path", "shop.sql.zst"}, {"size", 2048}}));
    CHECK(j["tables"][0]["name"] == "customers");
}
