// What restore and drill print and write as JUnit (restore/RestoreReport), from results built by hand:
// totals, timings, what was skipped, the swap, the scratch database's fate. No server needed.
#include <catch2/catch.hpp>

#include "RestoreReport.hpp"

using namespace pgproof;

namespace {

RestoreResult restored() {
    RestoreResult r;
    r.database = "shop_restored";
    r.tables = 3;
    r.rows = 12345;
    r.timings.total = 4.5;
    r.timings.schemaSpan = {0.0, 0.5};
    r.timings.dataSpan = {0.5, 4.0};
    return r;
}

}  // namespace

TEST_CASE("restore text without verification: totals, steps, and that nothing is proven") {
    RestoreResult r = restored();
    r.skippedOwnerChanges = 2;
    const std::string text = renderRestoreText(r, {"shop.sql.zst", std::nullopt}, SettledOutcome::of(Outcome::Proven), {});
    CHECK(text.rfind("restore shop.sql.zst -> shop_restored: 3 tables, 12,345 rows in 4.50 s\n"
                     "steps, in seconds since the start (they overlap: one scheduler runs them at once):\n", 0) == 0);
    CHECK(text.find("skipped (not data, the proof stands on its own): 2 owner change(s) (--no-owner), 0 grant entries (--no-privileges)\n") !=
          std::string::npos);
    CHECK(text.find("NOT VERIFIED (--no-verify): the restore finished, but nothing is proven\n") != std::string::npos);
    CHECK(renderRestoreText(r, {"shop.sql.zst", std::nullopt}, SettledOutcome::of(Outcome::Proven), {.quiet = true}).empty());
}

TEST_CASE("restore text says whether the restored database was swapped into place") {
    RestoreResult r = restored();
    r.keptOldDatabase = "shop_before_restore_20260101";
    std::string text = renderRestoreText(r, {"shop.sql.zst", "shop"}, SettledOutcome::of(Outcome::Proven), {});
    CHECK(text.find("swapped: database shop is now the restored one; the previous one is kept as shop_before_restore_20260101\n") !=
          std::string::npos);
    r.swapProblem = "database shop is in use";
    text = renderRestoreText(r, {"shop.sql.zst", "shop"}, SettledOutcome::of(Outcome::Incomplete), {});
    CHECK(text.find("NOT swapped: shop_restored is restored and proven, but database shop is in use\n") != std::string::npos);
    CHECK(text.find("swapped: database") == std::string::npos);
}

TEST_CASE("drill text: the verdict with recovery time, the problem and the scratch database's fate") {
    DrillResult d;
    d.verdict = "proven";
    d.scratchDatabase = "pgproof_drill_1";
    d.dropped = true;
    d.checkSeconds = 0.75;
    d.restore = restored();
    const auto proven = SettledOutcome::of(Outcome::Proven);
    std::string text = renderDrillText(d, "shop.sql.zst", "drill.md", proven, false);
    CHECK(text.rfind("drill shop.sql.zst: PASSED - 3 tables, 12,345 rows; check 0.75 s; recovery time 4.50 s\n", 0) == 0);
    CHECK(text.find("scratch database pgproof_drill_1: dropped\nreport: drill.md\n") != std::string::npos);
    CHECK(renderDrillText(d, "shop.sql.zst", "", proven, true).empty());

    DrillResult refused;
    refused.verdict = "incomplete";
    refused.exitCode = 3;
    refused.problem = "the server refused role app";
    const auto incomplete = SettledOutcome::of(Outcome::Incomplete);
    CHECK(renderDrillText(refused, "-", "", incomplete, true) ==
          "drill -: INCOMPLETE\nproblem: the server refused role app\nscratch database -: not created\n");
    std::string xml = drillJUnit(refused, "-", incomplete);
    CHECK(xml.find("<testsuite name=\"pgproof drill -\"") != std::string::npos);
    CHECK(xml.find("<testcase classname=\"pgproof.drill\" name=\"restore\"") != std::string::npos);
    CHECK(xml.find("errors=\"1\"") != std::string::npos);
}

TEST_CASE("drill markdown and JSON: verdict, archive, scratch database and every timing of the recovery") {
    DrillResult d;
    d.archive = "shop.sql.zst";
    d.archiveBytes = 4096;
    d.archiveCreated = "2026-01-01T00:00:00Z";
    d.archiveAgeSeconds = 7200;
    d.source = {{"database", "shop"}, {"host", "db1"}, {"port", "5432"}, {"server_version", "15.4"}};
    d.server = "localhost:5432";
    d.scratchDatabase = "pgproof_drill_1";
    d.dropped = true;
    d.checkSeconds = 0.75;
    d.verdict = "proven";
    d.restore = restored();
    std::string md = renderDrillMarkdown(d);
    CHECK(md.rfind("# Restore drill: PASSED\n\n- **Verdict:** proven (exit code 0)\n", 0) == 0);
    CHECK(md.find("- **Archive:** `shop.sql.zst`, 4.0 KiB, created 2026-01-01T00:00:00Z (2.0 h old)\n") != std::string::npos);
    CHECK(md.find("- **Backed up from:** database shop on db1:5432 (PostgreSQL 15.4)\n") != std::string::npos);
    CHECK(md.find("- **Restored on:** localhost:5432, scratch database `pgproof_drill_1` (dropped)\n") != std::string::npos);
    CHECK(md.find("| **recovery time (restore + verify)** | | | **4.50** |\n| **drill total (check + recovery)** | | | **5.25** |\n") !=
          std::string::npos);
    CHECK(md.find("Restored 3 tables, 12,345 rows") != std::string::npos);
    auto j = drillJson(d);
    CHECK(j["report"] == "pgproof-drill");
    CHECK(j["verdict"] == "proven");
    CHECK(j["archive"]["path"] == "shop.sql.zst");
    CHECK(j["scratch_database"] == "pgproof_drill_1");
    CHECK(j["dropped"] == true);
    CHECK(j["rows_restored"] == 12345);
    CHECK(j["timings"]["drill_total"] == 5.25);
    CHECK(j["timings"]["spans"]["data"]["end"] == 4.0);
}
