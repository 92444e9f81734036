// What list, status and prune show of a repository (repository/RepositoryListing, StatusReport, Pruning),
// and the reports of backup --all-databases (ServerBackupReport), from archives and runs described by
// hand: the table and JSON of list, status's table and metrics, prune's lines and removals in a real
// folder, the server run's table, JSON, JUnit and gauges. No server needed.
#include <catch2/catch.hpp>

#include <fstream>

#include "FolderStore.hpp"
#include "Pruning.hpp"
#include "RepositoryListing.hpp"
#include "ServerBackupReport.hpp"
#include "StatusReport.hpp"
#include "TestSupport.hpp"
#include "UtcTime.hpp"

using namespace pgproof;
using namespace pgproof::repository;
using pgproof::test::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr std::time_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

ArchiveInfo archive(const fs::path& path, double daysOld, uint64_t rows) {
    ArchiveInfo a;
    a.path = path;
    a.name = "shop/" + path.filename().string();
    a.database = "shop";
    a.created = a.seen = a.dated = kNow - static_cast<std::time_t>(daysOld * 86400);
    a.createdText = formatUtc(a.created);
    a.size = 2048;
    a.complete = true;
    a.tables = 3;
    a.rows = rows;
    a.manifestChecksum = "0123456789abcdef";
    return a;
}

DatabaseArchives shop(const fs::path& folder) {
    DatabaseArchives db{"shop", {}};
    db.archives.push_back(archive(folder / "shop-2.sql.zst", 1, 1500));
    db.archives.push_back(archive(folder / "shop-1.sql.zst", 3, 1400));
    HistoryRecord drill;
    drill.at = formatUtc(kNow - 2 * 86400);
    drill.command = "drill";
    drill.verdict = "proven";
    drill.recoverySeconds = 42.5;
    db.archives[1].history.records.push_back(drill);
    db.archives[0].pin = Pin{"2025-12-31T00:00:00Z", "before the migration", "ops"};
    return db;
}

}  // namespace

TEST_CASE("list shows every archive with its state, last drill, recovery time, pin and, with a policy, the retention") {
    RetentionPolicy keepOne;
    keepOne.keepLast = 1;
    const RepositoryListing listing("/backups", {shop("/backups/shop")}, keepOne, kNow);
    std::string text = listing.text();
    INFO(text);
    CHECK(text ==
          "shop: 2 full backup(s), 0 partial, 0 damaged\n"
          "ARCHIVE         CREATED               AGE       SIZE     TABLES  ROWS   STATE     LAST CHECK  LAST DRILL           RTO     "
          "PIN                           RETENTION\n"
          "shop-2.sql.zst  2025-12-31T00:00:00Z  24.0 h    2.0 KiB  3       1,500  unproven  -           -                    -       "
          "pinned: before the migration  keep: pinned: before the migration (+1)\n"
          "shop-1.sql.zst  2025-12-29T00:00:00Z  3.0 days  2.0 KiB  3       1,400  proven    -           PASSED 2.0 days ago  42.5 s  "
          "-                             keep: newest proven backup (+1)\n");
    auto j = listing.toJson();
    CHECK(j["report"] == "pgproof-list");
    CHECK(j["repository"] == "/backups");
    CHECK(j["at"] == "2026-01-01T00:00:00Z");
    REQUIRE(j["databases"][0]["archives"].size() == 2);
    const auto& newest = j["databases"][0]["archives"][0];
    CHECK(newest["file"] == "shop-2.sql.zst");
    CHECK(newest["age_seconds"] == 86400);
    CHECK(newest["pinned"]["reason"] == "before the migration");
    CHECK(newest["retention"]["action"] == "keep");
    CHECK(j["databases"][0]["archives"][1]["last_drill"]["recovery_seconds"] == 42.5);

    const RepositoryListing noPolicy("/backups", {shop("/backups/shop")}, std::nullopt, kNow);
    CHECK(noPolicy.text().find("RETENTION") == std::string::npos);
    CHECK(noPolicy.toJson()["databases"][0]["archives"][0]["retention"].is_null());
    CHECK(RepositoryListing("/empty", {}, std::nullopt, kNow).text() == "no database folder in /empty: no backups yet\n");
}

TEST_CASE("status text names each server's and database's problems, and its metrics say up, ok and the ages by database and server") {
    RepositoryStatus s;
    s.repository = "/backups";
    s.at = kNow;
    DatabaseStatus db;
    db.database = "shop";
    db.server = "db1:5432";
    db.backups = 2;
    db.newestBackup = archive("/backups/shop/shop-2.sql.zst", 1, 1500);
    db.newestProven = archive("/backups/shop/shop-1.sql.zst", 3, 1400);
    db.provenAgeSeconds = 3 * 86400;
    db.drillAgeSeconds = 2 * 86400;
    db.recoverySeconds = 42.5;
    db.problems.push_back("the newest proven backup is 3.0 days old (--max-age 1.0 days)");
    s.databases.push_back(db);
    s.servers.push_back({"db1:5432", "2025-12-31T00:00:00Z", {"shop"}, {"shop (the newest proven backup is 3.0 days old)"}});
    CHECK(renderStatusText(s) ==
          "server db1:5432: 1 of 1 databases without a fresh proven backup: shop (the newest proven backup is 3.0 days old)\n"
          "DATABASE  STATUS  BACKUPS  PARTIAL  DAMAGED  NEWEST PROVEN   AGE       DRILL AGE  RTO\n"
          "shop      STALE   2        0        0        shop-1.sql.zst  3.0 days  2.0 days   42.5 s\n"
          "shop: the newest proven backup is 3.0 days old (--max-age 1.0 days)\n");
    std::string m = statusMetrics(s).render();
    CHECK(m.find("pgproof_repository_up 1\n") != std::string::npos);
    CHECK(m.find("pgproof_repository_ok 0\n") != std::string::npos);
    CHECK(m.find("pgproof_repository_database_ok{database=\"shop\",server=\"db1:5432\"} 0\n") != std::string::npos);
    CHECK(m.find("pgproof_repository_backups{database=\"shop\",server=\"db1:5432\"} 2\n") != std::string::npos);
    CHECK(m.find("pgproof_repository_drill_recovery_seconds{database=\"shop\",server=\"db1:5432\"} 42.5\n") != std::string::npos);
    CHECK(m.find("pgproof_repository_backup_since_last_completion_seconds{database=\"shop\",server=\"db1:5432\"} 259200\n") != std::string::npos);
    CHECK(m.find("pgproof_repository_server_ok{server=\"db1:5432\"} 0\n") != std::string::npos);
    CHECK(m.find("pgproof_repository_drill_last_success_timestamp_seconds{database=\"shop\",server=\"db1:5432\"} 1767052800\n") != std::string::npos);
    std::string down = unreadableStatusMetrics(kNow).render();
    CHECK(down.find("pgproof_repository_up 0\n") != std::string::npos);
    CHECK(down.find("pgproof_repository_status_timestamp_seconds 1767225600\n") != std::string::npos);
    CHECK(down.find("database=") == std::string::npos);
}

TEST_CASE("backup --all-databases reports name the database that failed, and the run's exit code is the worst of theirs") {
    ServerBackup run{"/backups", {"db1:5432", "2026-01-01T00:00:00Z", {"app", "shop"}, {"shop"}, {"scratch"}, {}, {"app-20260101T000000Z.sql.zst"}}, {}, {}};
    run.databases.push_back({"app", "/backups/app/app-20260101T000000Z.sql.zst", "", Outcome::Proven, 3, 1500, 2048, 1.25});
    run.databases.push_back({"shop", "/backups/shop/shop-20260101T000000Z.sql.zst", "pg_dump failed: lock timeout", Outcome::Incomplete, 0, 0, 0, 0.5});
    CHECK(run.judged() == Outcome::Incomplete);
    const auto settled = SettledOutcome::of(run.judged());
    CHECK(renderServerBackupText(run, settled, {}) ==
          "backup --all-databases of db1:5432 at 2026-01-01T00:00:00Z: 1 of 2 databases backed up\n"
          "DATABASE  BACKUP      TABLES  ROWS   SIZE     SECONDS  ARCHIVE\n"
          "app       ok          3       1,500  2.0 KiB  1.25     app-20260101T000000Z.sql.zst\n"
          "shop      INCOMPLETE  0       0      0 B      0.50     -\n"
          "backup of shop failed (exit 3): pg_dump failed: lock timeout\n");
    CHECK(renderServerBackupText(run, settled, {true, false}) == "backup of shop failed (exit 3): pg_dump failed: lock timeout\n");
    auto j = serverBackupJson(run, settled);
    CHECK(j["report"] == "pgproof-backup-server");
    CHECK(j["exit_code"] == 3);
    CHECK(j["failed"] == nlohmann::json::array({"shop"}));
    CHECK(j["excluded"] == nlohmann::json::array({"scratch"}));
    CHECK(j["databases"][1]["error"] == "pg_dump failed: lock timeout");
    std::string junit = serverBackupJUnit(run, settled);
    CHECK(junit.find("name=\"shop\"") != std::string::npos);
    CHECK(junit.find("<error") != std::string::npos);
    PrometheusTextfile m;
    addServerBackupMetrics(m, run, kNow);
    CHECK(m.render().find("pgproof_server_backup_failed_databases{server=\"db1:5432\"} 1\n") != std::string::npos);
    CHECK(m.render().find("pgproof_server_backup_last_run_timestamp_seconds{server=\"db1:5432\"} 1767225600\n") != std::string::npos);
    run.databases[1].outcome = Outcome::Failed;
    CHECK(run.judged() == Outcome::Failed);
}

TEST_CASE("prune says what it keeps and removes, removes the archive with its history, and a dry run removes nothing") {
    TempDir repo;
    fs::create_directories(repo / "shop");
    for (const char* f : {"shop-1.sql.zst", "shop-1.history.jsonl", "shop-2.sql.zst"}) std::ofstream(repo / "shop" / f) << "x";
    RetentionPolicy keepOne;
    keepOne.keepLast = 1;
    auto scan = std::vector<DatabaseArchives>{shop(repo / "shop")};
    scan[0].archives[1].history.records.clear();  // not proven, not drilled: only keep-last decides
    std::vector<std::string> said;
    auto say = [&said](const std::string& line) { said.push_back(line); };

    FolderStore folder(repo.path().string());
    auto dry = pruneRepository(folder, scan, keepOne, {{}, true, true}, kNow, say);
    CHECK(dry.removed == 1);
    CHECK(dry.kept == 1);
    REQUIRE(said.size() == 2);
    CHECK(said[0].rfind("keep    shop/shop-2.sql.zst: pinned: before the migration", 0) == 0);
    CHECK(said[1] == "would remove shop/shop-1.sql.zst: outside the policy (3.0 days old)");
    CHECK(fs::exists(repo / "shop" / "shop-1.sql.zst"));
    CHECK(pruneSummary("/backups", dry, true) == "prune /backups: 1 archive(s) to remove (--dry-run: nothing was removed), 1 kept");

    said.clear();
    auto done = pruneRepository(folder, scan, keepOne, {{}, false, false}, kNow, say);
    CHECK(done.removed == 1);
    CHECK(said == std::vector<std::string>{"removed shop/shop-1.sql.zst: outside the policy (3.0 days old)"});
    CHECK_FALSE(fs::exists(repo / "shop" / "shop-1.sql.zst"));
    CHECK_FALSE(fs::exists(repo / "shop" / "shop-1.history.jsonl"));
    CHECK(fs::exists(repo / "shop" / "shop-2.sql.zst"));
    CHECK(pruneSummary("/backups", done, false) == "prune /backups: 1 archive(s) removed, 1 kept");

    // A database not asked for is left alone.
    said.clear();
    auto other = pruneRepository(folder, scan, keepOne, {{"billing"}, false, true}, kNow, say);
    CHECK(other.removed + other.kept == 0);
    CHECK(said.empty());
}
