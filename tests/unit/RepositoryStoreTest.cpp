// RepositoryStore: where names go in a folder and under a bucket prefix, and the folder driver's
// claims, history, small files and removal (the bucket driver runs against real servers in S3RepositoryTest).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "FolderStore.hpp"
#include "Repository.hpp"
#include "RepositoryStore.hpp"
#include "TestSupport.hpp"

using namespace pgproof::repository;
using pgproof::test::TempDir;
namespace fs = std::filesystem;

TEST_CASE("a repository store locates names in a folder and under a bucket prefix") {
    auto bucket = RepositoryStore::open("s3://acme-backups/prod/");
    CHECK(bucket->inBucket());
    CHECK(bucket->location() == "s3://acme-backups/prod");
    CHECK(bucket->locate("shop/shop-20261202T013000Z.sql.zst") == "s3://acme-backups/prod/shop/shop-20261202T013000Z.sql.zst");
    auto whole = RepositoryStore::open("s3://acme-backups");
    CHECK(whole->locate("pgproof-repository.json") == "s3://acme-backups/pgproof-repository.json");
    auto folder = RepositoryStore::open("/var/backups/pgproof");
    CHECK_FALSE(folder->inBucket());
    CHECK(folder->locate("shop/a.sql.zst") == "/var/backups/pgproof/shop/a.sql.zst");
    CHECK_THROWS(RepositoryStore::open("s3://Bad_Bucket/x"));

    CHECK(archiveStem("shop/a-20261202T013000Z.sql.zst") == "shop/a-20261202T013000Z");
    CHECK(archiveStem("shop/a-20261202T013000Z-2.sql.zst.age") == "shop/a-20261202T013000Z-2");
    CHECK_FALSE(RepositoryStore::ofArchive("-"));
}

TEST_CASE("the staleness bound of leases and claims is 48 hours unless PGPROOF_LEASE_HOURS says otherwise") {
    ::unsetenv("PGPROOF_LEASE_HOURS");
    CHECK(leaseStaleSeconds() == 48 * 3600.0);
    ::setenv("PGPROOF_LEASE_HOURS", "2", 1);
    CHECK(leaseStaleSeconds() == 7200.0);
    ::setenv("PGPROOF_LEASE_HOURS", "soon", 1);
    CHECK(leaseStaleSeconds() == 48 * 3600.0);
    ::unsetenv("PGPROOF_LEASE_HOURS");
}

TEST_CASE("a folder store claims names exclusively, keeps history, pins and small files as plain files") {
    TempDir dir;
    FolderStore store((dir / "repo").string());
    CHECK_THROWS(store.checkRepository());
    store.create();
    store.checkRepository();
    CHECK(store.hasMarker());

    auto first = store.tryClaim("shop", "shop-1", kArchiveSuffix);
    REQUIRE(first);
    CHECK_FALSE(store.tryClaim("shop", "shop-1", kArchiveSuffix));  // its history file exists (O_EXCL)
    CHECK_FALSE(store.tryClaim("shop", "shop-1", kEncryptedSuffix));
    first->release();  // never written: the name is free again
    auto again = store.tryClaim("shop", "shop-1", kArchiveSuffix);
    REQUIRE(again);
    std::ofstream(dir / "repo" / "shop" / "shop-1.sql.zst") << "x";
    again->release();
    CHECK(fs::exists(dir / "repo" / "shop" / "shop-1.history.jsonl"));  // the archive holds the name now
    CHECK_FALSE(store.tryClaim("shop", "shop-1", kArchiveSuffix));

    HistoryRecord r;
    r.at = "2026-12-02T01:30:00Z";
    r.command = "check";
    r.verdict = "proven";
    r.manifestChecksum = "0123456789abcdef";
    store.appendHistory("shop/shop-1.sql.zst", r);
    store.appendHistory("shop/shop-1.sql.zst", r);
    CHECK(store.readHistory("shop/shop-1.sql.zst").records.size() == 2);

    auto archives = store.archivesIn("shop");
    REQUIRE(archives.size() == 1);
    CHECK(archives[0].name == "shop/shop-1.sql.zst");
    CHECK(archives[0].size == 1);
    CHECK(store.databaseFolders() == std::vector<std::string>{"shop"});

    CHECK_FALSE(store.read("shop/shop-1.pin.json"));
    store.write("shop/shop-1.pin.json", "{}");
    CHECK(store.read("shop/shop-1.pin.json") == std::optional<std::string>("{}"));
    CHECK(store.remove("shop/shop-1.pin.json"));
    CHECK_FALSE(store.remove("shop/shop-1.pin.json"));
    store.write("pgproof-server-db1_5432.json", "{}");
    CHECK(store.topLevelNames("pgproof-server-") == std::vector<std::string>{"pgproof-server-db1_5432.json"});

    auto located = RepositoryStore::ofArchive((dir / "repo" / "shop" / "shop-1.sql.zst").string());
    REQUIRE(located);
    CHECK(located->archive == "shop/shop-1.sql.zst");
    CHECK_FALSE(located->store->inBucket());

    auto removal = store.removeArchive("shop/shop-1.sql.zst");
    CHECK(removal.result == RepositoryStore::Removal::Removed);
    CHECK_FALSE(fs::exists(dir / "repo" / "shop" / "shop-1.sql.zst"));
    CHECK_FALSE(fs::exists(dir / "repo" / "shop" / "shop-1.history.jsonl"));
}
