// What list, status and prune show of a repository (repository/RepositoryListing, StatusReport, Pruning),
// from archives described by hand: the table and JSON of list, status's table and metrics, and prune's
// lines and removals in a real folder. No server needed.
#include <catch2/catch.hpp>

#include <fstream>

#include "Pruning.hpp"
#include "RepositoryListing.hpp"
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

TEST_CASE("status text names each database's problems, and its metrics say up, ok and the ages") {
    RepositoryStatus s;
    s.repository = "/backups";
    s.at = kNow;
    DatabaseStatus db;
    db.database = "shop";
    db.backups = 2;
    db.newestBackup = archive("/backups/shop/shop-2.sql.zst", 1, 1500);
    db.newestProven = archive("/backups/shop/shop-1.sql.zst", 3, 1400);
    db.provenAgeSeconds = 3 * 86400;
    db.drillAgeSeconds = 2 * 86400;
    db.recoverySeconds = 42.5;
    db.problems.push_back("the newest proven backup is 3.0 days old (--max-age 1.0 days)");
    s.databases.push_back(db);
    CHECK(renderStatusText(s) ==
          "DATABASE  STATUS  BACKUPS  PARTIAL  DAMAGED  NEWEST PROVEN   AGE       DRILL AGE  RTO\n"
          "shop      STALE   2        0        0        shop-1.sql.zst  3.0 days  2.0 days   42.5 s\n"
          "shop: the newest proven backup is 3.0 days old (--max-age 1.0 days)\n");
    std::string m = statusMetrics(s).render();
    CHECK(m.find("pgproof_repository_up 1\n") != std::string::npos);
    CHECK(m.find("pgproof_repository_ok 0\n") != std::string::npos);
    CHECK(m.find("pgproof_repository_database_ok{database=\"shop\"} 0\n") != std::string::npos);
    CHECK(m.find("pgproof_repository_backups{database=\"shop\"} 2\n") != std::string::npos);
    CHECK(m.find("pgproof_repository_drill_recovery_seconds{database=\"shop\"} 42.5\n") != std::string::npos);
    CHECK(m.find("pgproof_repository_drill_last_success_timestamp_seconds{database=\"shop\"} 1767052800\n") != std::string::npos);
    std::string down = unreadableStatusMetrics(kNow).render();
    CHECK(down.find("pgproof_repository_up 0\n") != std::string::npos);
    CHECK(down.find("pgproof_repository_status_timestamp_seconds 1767225600\n") != std::string::npos);
    CHECK(down.find("database=") == std::string::npos);
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

    auto dry = pruneRepository(repo.path(), scan, keepOne, {{}, true, true}, kNow, say);
    CHECK(dry.removed == 1);
    CHECK(dry.kept == 1);
    REQUIRE(said.size() == 2);
    CHECK(said[0].rfind("keep    shop/shop-2.sql.zst: pinned: before the migration", 0) == 0);
    CHECK(said[1] == "would remove shop/shop-1.sql.zst: outside the policy (3.0 days old)");
    CHECK(fs::exists(repo / "shop" / "shop-1.sql.zst"));
    CHECK(pruneSummary("/backups", dry, true) == "prune /backups: 1 archive(s) to remove (--dry-run: nothing was removed), 1 kept");

    said.clear();
    auto done = pruneRepository(repo.path(), scan, keepOne, {{}, false, false}, kNow, say);
    CHECK(done.removed == 1);
    CHECK(said == std::vector<std::string>{"removed shop/shop-1.sql.zst: outside the policy (3.0 days old)"});
    CHECK_FALSE(fs::exists(repo / "shop" / "shop-1.sql.zst"));
    CHECK_FALSE(fs::exists(repo / "shop" / "shop-1.history.jsonl"));
    CHECK(fs::exists(repo / "shop" / "shop-2.sql.zst"));
    CHECK(pruneSummary("/backups", done, false) == "prune /backups: 1 archive(s) removed, 1 kept");

    // A database not asked for is left alone.
    said.clear();
    auto other = pruneRepository(repo.path(), scan, keepOne, {{"billing"}, false, true}, kNow, say);
    CHECK(other.removed + other.kept == 0);
    CHECK(said.empty());
}
