// The reports of backup and snapshot (backup/BackupReport, backup/SnapshotReport), rendered from results
// built by hand: what a user sees in the JSON, the JUnit file and the summary on stdout. No server needed.
#include <catch2/catch.hpp>

#include "BackupReport.hpp"
#include "SnapshotReport.hpp"

using namespace pgproof;

namespace {

BackupResult twoTableBackup() {
    BackupResult r;
    Manifest& m = r.manifest;
    m.tables.push_back({.schema = "public", .name = "orders", .rows = 1234567, .fingerprint = std::string(32, 'a'), .rawBytes = 3000});
    m.tables.push_back({.schema = "app", .name = "users", .rows = 3, .fingerprint = std::string(32, 'b'), .rawBytes = 72});
    m.segments.push_back({SegmentEntry::Kind::Sql, -1, {{0, 100, 1024, 0}}});
    m.segments.push_back({SegmentEntry::Kind::Rows, 0, {{100, 200, 1024, 1234567}, {300, 200, 1024, 0}}});
    m.sequences.push_back({"public", "orders_id_seq", 42, true, std::nullopt});
    r.archiveBytes = 512;
    r.seconds = 1.5;
    return r;
}

}  // namespace

TEST_CASE("backup JSON names the archive, every table with its rows and fingerprint, and the verdict") {
    auto r = twoTableBackup();
    auto j = backupJson(r, "nightly.sql.zst", SettledOutcome::of(Outcome::Proven));
    CHECK(j["report"] == "pgproof-backup");
    CHECK(j["verdict"] == "proven");
    CHECK(j["exit_code"] == 0);
    CHECK(j["archive"]["path"] == "nightly.sql.zst");
    CHECK(j["archive"]["bytes"] == 512);
    CHECK(j["archive"]["raw_bytes"] == 3072);
    CHECK(j["archive"]["frames"] == 3);
    REQUIRE(j["tables"].size() == 2);
    CHECK(j["tables"][0]["name"] == "orders");
    CHECK(j["tables"][0]["rows"] == 1234567);
    CHECK(j["tables"][1]["fingerprint"] == std::string(32, 'b'));
    CHECK(j["sequences"] == 1);
    CHECK_FALSE(j.contains("error"));

    SettledOutcome s = SettledOutcome::of(Outcome::Proven);
    s.demote(Outcome::Incomplete, "the outcome could not be recorded", "No space left on device");
    j = backupJson(r, "nightly.sql.zst", s);
    CHECK(j["verdict"] == "incomplete");
    CHECK(j["exit_code"] == 3);
    CHECK(j["error"] == "proven, but the outcome could not be recorded: No space left on device");
}

TEST_CASE("backup JUnit has one passing case per table, and an error case first when the run was not settled as proven") {
    auto r = twoTableBackup();
    std::string xml = backupJUnit(r, "nightly.sql.zst", SettledOutcome::of(Outcome::Proven));
    CHECK(xml.find("<testsuite name=\"pgproof backup nightly.sql.zst\" tests=\"2\" failures=\"0\" errors=\"0\" time=\"1.500\">") != std::string::npos);
    CHECK(xml.find("<testcase classname=\"pgproof.backup.tables\" name=\"public.orders\" time=\"0.000\"/>") != std::string::npos);
    CHECK(xml.find("name=\"app.users\"") != std::string::npos);
    SettledOutcome s = SettledOutcome::of(Outcome::Proven);
    s.demote(Outcome::BadInput, "--junit x.xml could not be written", "no such folder");
    xml = backupJUnit(r, "nightly.sql.zst", s);
    CHECK(xml.find("errors=\"1\"") != std::string::npos);
    CHECK(xml.find("<testcase classname=\"pgproof.backup\" name=\"outcome\"") < xml.find("public.orders"));
}

TEST_CASE("backup text: two summary lines, every table with --verbose, nothing with --quiet on success") {
    auto r = twoTableBackup();
    const auto proven = SettledOutcome::of(Outcome::Proven);
    CHECK(renderBackupText(r, "nightly.sql.zst", proven, {}) ==
          "backup nightly.sql.zst: 2 tables, 1,234,570 rows, 1 sequences, 0 large objects\n"
          "  3.0 KiB of SQL -> 512 B (6.00x) in 1.50 s, 3 frames\n");
    std::string verbose = renderBackupText(r, "nightly.sql.zst", proven, {.verbose = true});
    CHECK(verbose.find("TABLE          ROWS       FINGERPRINT\n") != std::string::npos);
    CHECK(verbose.find("public.orders  1,234,567  " + std::string(32, 'a') + "\n") != std::string::npos);
    CHECK(renderBackupText(r, "nightly.sql.zst", proven, {.quiet = true}).empty());

    r.manifest.notCovered.push_back({"public", "audit_log", 99, "excluded"});
    SettledOutcome s = SettledOutcome::of(Outcome::Proven);
    s.demote(Outcome::Incomplete, "the outcome could not be recorded", "No space left on device");
    CHECK(renderBackupText(r, "-", s, {.quiet = true}) ==
          "INCOMPLETE (PROVEN, but the outcome could not be recorded): proven, but the outcome could not be recorded: No space left on device\n");
    CHECK(renderBackupText(r, "-", s, {}).find("backup -: 2 of 3 tables; 1 not covered: public.audit_log (excluded), 1,234,570 rows") !=
          std::string::npos);
}

namespace {

LiveSnapshotResult twoTableSnapshot(bool fingerprinted) {
    LiveSnapshotResult r;
    LiveTableResult orders{{"public", "orders"}, {}, fingerprinted, "", 0.25};
    orders.fingerprint.rows = 1000;
    LiveTableResult users{{"app", "users"}, {}, fingerprinted, "", 0.5};
    users.fingerprint.rows = 24;
    r.tables = {orders, users};
    r.seconds = 2;
    r.rowsFileBytes = 30720;
    return r;
}

}  // namespace

TEST_CASE("snapshot JSON lists every table, with a fingerprint only where one was computed, and the row digests file") {
    auto r = twoTableSnapshot(false);
    auto j = snapshotJson(r, {"before.json", true, "", 2}, SettledOutcome::of(Outcome::Proven));
    CHECK(j["report"] == "pgproof-snapshot");
    CHECK(j["output"] == "before.json");
    CHECK(j["counts_only"] == true);
    CHECK(j["rows_file"].is_null());
    REQUIRE(j["tables"].size() == 2);
    CHECK(j["tables"][1]["name"] == "users");
    CHECK(j["tables"][1]["rows"] == 24);
    CHECK_FALSE(j["tables"][0].contains("fingerprint"));
    r = twoTableSnapshot(true);
    j = snapshotJson(r, {"before.json", false, "before.rows.zst", 2}, SettledOutcome::of(Outcome::Proven));
    CHECK(j["rows_file"] == "before.rows.zst");
    CHECK(j["tables"][0]["fingerprint"] == r.tables[0].fingerprint.hex());
}

TEST_CASE("snapshot JUnit has one case per table with the time it took") {
    std::string xml = snapshotJUnit(twoTableSnapshot(true), {"before.json", false, "", 2}, SettledOutcome::of(Outcome::Proven));
    CHECK(xml.find("<testsuite name=\"pgproof snapshot before.json\" tests=\"2\" failures=\"0\" errors=\"0\" time=\"2.000\">") != std::string::npos);
    CHECK(xml.find("<testcase classname=\"pgproof.snapshot.tables\" name=\"public.orders\" time=\"0.250\"/>") != std::string::npos);
}

TEST_CASE("snapshot text says what the snapshot can prove: counts, fingerprints, rows") {
    const auto proven = SettledOutcome::of(Outcome::Proven);
    auto r = twoTableSnapshot(false);
    CHECK(renderSnapshotText(r, {"before.json", true, "", 2}, proven, {}) ==
          "snapshot before.json: 2 tables, 1,024 rows (counts only) in 2.00 s on 2 connections\n"
          "counts and fingerprints only: verify proves them; to name rows that differ, use an archive or snapshot --rows\n");
    r = twoTableSnapshot(true);
    CHECK(renderSnapshotText(r, {"before.json", false, "before.rows.zst", 4}, proven, {}) ==
          "snapshot before.json: 2 tables, 1,024 rows, fingerprinted in 2.00 s on 4 connections\n"
          "row digests before.rows.zst: 30.0 KiB (30.0 bytes per row): verify and diff can name lost, added and changed rows\n");
    std::string verbose = renderSnapshotText(r, {"before.json", false, "", 2}, proven, {.verbose = true});
    CHECK(verbose.rfind("TABLE          ROWS   FINGERPRINT\npublic.orders  1,000  ", 0) == 0);
    // The snapshot on stdout, or --quiet: stdout carries nothing but a failure.
    CHECK(renderSnapshotText(r, {"-", false, "", 2}, proven, {}).empty());
    CHECK(renderSnapshotText(r, {"before.json", false, "", 2}, SettledOutcome::of(Outcome::Incomplete), {.quiet = true}).rfind("INCOMPLETE", 0) == 0);
}
