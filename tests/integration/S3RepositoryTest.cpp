// A repository under a bucket prefix (s3://BUCKET/PREFIX), every case on both servers that check Signature V4 (the suite's
// shared moto and s3rver): backups name their archives as in a folder, status is stale then fresh once a
// check of the archive records its history in the bucket, prune keeps the pinned and the last proven
// archive and removes the rest with their history objects (as the aws CLI sees), concurrent backups get
// distinct names and keep every record, a reader's lease keeps an archive from prune until it is stale,
// an encrypted repository is judged and pruned without the key, report writes its page, and a wrong
// secret is exit 3 in one line.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "S3TestServer.hpp"
#include "TestSupport.hpp"

using namespace pgproof::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<S3TestServer::Kind> kServers = {S3TestServer::Kind::Moto, S3TestServer::Kind::S3rver};

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The archive keys (NAME.sql.zst, NAME.sql.zst.age), oldest first: NAME-<ts>Z-2 was written after NAME-<ts>Z.
std::vector<std::string> archiveKeys(const std::vector<std::string>& keys) {
    std::vector<std::string> out;
    for (const auto& k : keys)
        if ((endsWith(k, ".sql.zst") || endsWith(k, ".sql.zst.age")) && !endsWith(k, ".globals.sql.zst")) out.push_back(k);
    auto order = [](std::string k) {
        size_t z = k.find("Z.sql.zst");
        return z == std::string::npos ? k : k.insert(z + 1, "-1");
    };
    std::sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) { return order(a) < order(b); });
    return out;
}

// History record keys of one archive key (claims left out).
std::vector<std::string> recordKeys(const std::vector<std::string>& keys, const std::string& archiveKey) {
    std::string stem = archiveKey.substr(0, archiveKey.find(".sql.zst"));
    std::vector<std::string> out;
    for (const auto& k : keys)
        if (k.rfind(stem + ".history/", 0) == 0 && k.find("/claim-") == std::string::npos) out.push_back(k);
    return out;
}

json listJson(const S3TestServer& s3, const std::string& repo) {
    auto list = s3.pgproof("list " + repo + " --json -");
    INFO(list.out << list.err);
    REQUIRE(list.exitCode == 0);
    return json::parse(list.out);
}

}  // namespace

TEST_CASE("a repository's life in a bucket: backups, status stale then fresh, check recorded, pin, prune, report", "[s3]") {
    ScratchDatabase db{"s3repo"};
    createAwkwardTables(db);
    TempDir dir;
    for (auto kind : kServers) {
        S3TestServer s3(kind);
        INFO("server: " << S3TestServer::name(kind));
        const std::string bucket = s3.createBucket();
        const std::string repo = "s3://" + bucket + "/prod";

        // Three backups: names by database and UTC time, distinct within one second.
        for (int i = 0; i < 3; ++i) {
            auto backup = s3.pgproof("backup --repo " + repo + " --db " + shellQuote(db.conninfo()) + " --jobs 1");
            INFO(backup.out << backup.err);
            REQUIRE(backup.exitCode == 0);
            CHECK(contains(backup.out, repo + "/" + db.name() + "/" + db.name() + "-"));
        }
        auto keys = s3.objectKeys(bucket, "prod/");
        CHECK(std::count(keys.begin(), keys.end(), "prod/pgproof-repository.json") == 1);
        auto archives = archiveKeys(keys);
        REQUIRE(archives.size() == 3);
        for (const auto& a : archives) {
            CHECK(recordKeys(keys, a).size() == 1);  // the backup's own record
            CHECK(a.rfind("prod/" + db.name() + "/" + db.name() + "-", 0) == 0);
        }
        for (const auto& k : keys) CHECK(k.find("/claim-") == std::string::npos);  // claims end with their backup
        for (const auto& k : keys) CHECK(k.find(".leases/") == std::string::npos);

        // Nothing proven yet: stale (exit 1), as for a folder.
        auto stale = s3.pgproof("status " + repo + " --max-drill-age off");
        INFO(stale.out << stale.err);
        CHECK(stale.exitCode == 1);
        CHECK(contains(stale.out, "PGPROOF WARNING - " + db.name() + ": no proven backup"));

        // Newest first, as list orders them (two backups of one second may be dated alike: list decides).
        {
            json order = listJson(s3, repo)["databases"][0]["archives"];
            REQUIRE(order.size() == 3);
            archives.clear();
            for (int i = 2; i >= 0; --i) archives.push_back(order[i]["path"].get<std::string>().substr(("s3://" + bucket + "/").size()));
        }
        // A check of the newest archive records its history in the bucket (one more object), and ends its lease.
        const std::string newest = "s3://" + bucket + "/" + archives.back();
        const std::string oldest = "s3://" + bucket + "/" + archives.front();
        auto check = s3.pgproof("check " + newest);
        INFO(check.out << check.err);
        REQUIRE(check.exitCode == 0);
        keys = s3.objectKeys(bucket, "prod/");
        CHECK(recordKeys(keys, archives.back()).size() == 2);
        for (const auto& k : keys) CHECK(k.find(".leases/") == std::string::npos);
        auto fresh = s3.pgproof("status " + repo + " --max-drill-age off --json -");
        INFO(fresh.out << fresh.err);
        CHECK(fresh.exitCode == 0);
        json status = json::parse(fresh.out);
        CHECK(status["verdict"] == "fresh");
        CHECK(status["repository"] == repo);
        CHECK(status["databases"][0]["newest_proven"]["path"] == newest);
        // Drills are required by default: none passed, so stale again.
        CHECK(s3.pgproof("status " + repo).exitCode == 1);
        auto metrics = s3.pgproof("status " + repo + " --max-drill-age off --metrics " + q(dir / "status.prom"));
        CHECK(metrics.exitCode == 0);
        CHECK(contains(readFile(dir / "status.prom"), db.name()));

        json listed = listJson(s3, repo);
        REQUIRE(listed["databases"][0]["archives"].size() == 3);
        for (const auto& a : listed["databases"][0]["archives"])
            CHECK(a["last_check"].is_null() == (a["file"] != fs::path(archives.back()).filename().string()));

        // Pin the oldest; prune --keep-last 1 keeps the pinned one and the newest proven, removes the middle one.
        auto pin = s3.pgproof("pin " + oldest + " --reason audit");
        INFO(pin.out << pin.err);
        REQUIRE(pin.exitCode == 0);
        CHECK(s3.aws("s3 ls " + oldest.substr(0, oldest.find(".sql.zst")) + ".pin.json").exitCode == 0);
        const auto before = s3.objectKeys(bucket, "prod/");
        auto dry = s3.pgproof("prune " + repo + " --keep-last 1 --dry-run");
        INFO(dry.out << dry.err);
        CHECK(dry.exitCode == 0);
        CHECK(contains(dry.out, "would remove " + db.name() + "/" + fs::path(archives[1]).filename().string()));
        CHECK(s3.objectKeys(bucket, "prod/") == before);
        auto prune = s3.pgproof("prune " + repo + " --keep-last 1");
        INFO(prune.out << prune.err);
        CHECK(prune.exitCode == 0);
        CHECK(contains(prune.out, "removed " + db.name() + "/" + fs::path(archives[1]).filename().string()));
        CHECK(contains(prune.out, "pinned: audit"));
        keys = s3.objectKeys(bucket, "prod/");
        auto left = archiveKeys(keys);
        CHECK(std::set<std::string>(left.begin(), left.end()) == std::set<std::string>{archives.front(), archives.back()});
        CHECK(recordKeys(keys, archives[1]).empty());  // its history went with it
        CHECK(recordKeys(keys, archives.back()).size() == 2);

        // Unpin: the next prune may remove it.
        CHECK(s3.pgproof("unpin " + oldest).exitCode == 0);
        CHECK(s3.pgproof("prune " + repo + " --keep-last 1").exitCode == 0);
        CHECK(archiveKeys(s3.objectKeys(bucket, "prod/")) == std::vector<std::string>{archives.back()});

        // The HTML page of the bucket repository.
        auto report = s3.pgproof("report " + repo + " -o " + q(dir / (S3TestServer::name(kind) + ".html")));
        INFO(report.out << report.err);
        CHECK(report.exitCode == 0);
        const std::string page = readFile(dir / (S3TestServer::name(kind) + ".html"));
        CHECK(contains(page, "<html"));
        CHECK(contains(page, fs::path(archives.back()).filename().string()));

        // A wrong secret: the server refuses; exit 3, one line naming the object.
        auto wrong = run(s3.environmentWithSecret("not-the-secret") + PGPROOF_BIN + " status " + repo);
        INFO(wrong.out << wrong.err);
        CHECK(wrong.exitCode == 3);
        CHECK(std::count(wrong.err.begin(), wrong.err.end(), '\n') == 1);
        CHECK(contains(wrong.err, repo));
        // No marker under a prefix: not a repository (2); a missing bucket cannot be read (3).
        CHECK(s3.pgproof("status s3://" + bucket + "/elsewhere").exitCode == 2);
        CHECK(s3.pgproof("list s3://" + bucket + "-none/prod").exitCode == 3);
    }
}

TEST_CASE("concurrent backups into a bucket repository get distinct names, concurrent checks lose no record", "[s3]") {
    ScratchDatabase db{"s3conc"};
    createAwkwardTables(db);
    for (auto kind : kServers) {
        S3TestServer s3(kind);
        INFO("server: " << S3TestServer::name(kind));
        s3.exportEnvironment();
        const std::string bucket = s3.createBucket();
        const std::string repo = "s3://" + bucket + "/r";
        std::string cmd;
        for (int i = 0; i < 3; ++i)
            cmd += std::string(PGPROOF_BIN) + " backup -q --repo " + repo + " --db " + shellQuote(db.conninfo()) + " --jobs 1 & pids=\"$pids $!\"; ";
        auto b = run("pids=; " + cmd + "for p in $pids; do wait $p || exit 1; done");
        INFO(b.out << b.err);
        REQUIRE(b.exitCode == 0);
        auto keys = s3.objectKeys(bucket, "r/");
        auto archives = archiveKeys(keys);
        REQUIRE(archives.size() == 3);
        CHECK(std::set<std::string>(archives.begin(), archives.end()).size() == 3);
        for (const auto& a : archives) CHECK(recordKeys(keys, a).size() == 1);

        // Four checks of one archive at once: five records, one per run.
        const std::string archive = "s3://" + bucket + "/" + archives.front();
        cmd.clear();
        for (int i = 0; i < 4; ++i) cmd += std::string(PGPROOF_BIN) + " check -q --jobs 1 " + archive + " & pids=\"$pids $!\"; ";
        auto c = run("pids=; " + cmd + "for p in $pids; do wait $p || exit 1; done");
        INFO(c.out << c.err);
        REQUIRE(c.exitCode == 0);
        keys = s3.objectKeys(bucket, "r/");
        CHECK(recordKeys(keys, archives.front()).size() == 5);
        json listed = listJson(s3, repo);
        for (const auto& a : listed["databases"][0]["archives"])
            if (a["file"] == fs::path(archives.front()).filename().string()) CHECK(a["history_records"] == 5);
    }
}

TEST_CASE("a reader's lease keeps an archive in a bucket from prune until it is stale", "[s3]") {
    ScratchDatabase db{"s3lease"};
    createAwkwardTables(db);
    TempDir dir;
    for (auto kind : kServers) {
        S3TestServer s3(kind);
        INFO("server: " << S3TestServer::name(kind));
        const std::string bucket = s3.createBucket();
        const std::string repo = "s3://" + bucket + "/p";
        for (int i = 0; i < 2; ++i) REQUIRE(s3.pgproof("backup --repo " + repo + " --check --db " + shellQuote(db.conninfo())).exitCode == 0);
        auto archives = archiveKeys(s3.objectKeys(bucket, "p/"));
        REQUIRE(archives.size() == 2);
        const std::string stem = archives.front().substr(0, archives.front().find(".sql.zst"));
        // verify and restore of a bucket archive are recorded in its history too (backup, its check, verify, restore).
        const std::string kept = "s3://" + bucket + "/" + archives.back();
        auto verify = s3.pgproof("verify --baseline " + kept + " --db " + shellQuote(db.conninfo()));
        INFO(verify.out << verify.err);
        CHECK(verify.exitCode == 0);
        ScratchDatabase target{"s3leaset"};
        auto restore = s3.pgproof("restore " + kept + " --db " + shellQuote(target.conninfo()));
        INFO(restore.out << restore.err);
        CHECK(restore.exitCode == 0);
        {
            auto keys = s3.objectKeys(bucket, "p/");
            CHECK(recordKeys(keys, archives.back()).size() == 4);
            for (const auto& k : keys) CHECK(k.find(".leases/") == std::string::npos);
        }

        // A lease of a running drill on another host (written as pgproof writes it): prune keeps the archive and says why.
        writeFile(dir / "lease.json", R"({"host":"otherhost","pid":4242,"at":"now","command":"drill"})");
        const std::string now = run("date -u +%Y%m%dT%H%M%S").out.substr(0, 15);
        const std::string lease = "s3://" + bucket + "/" + stem + ".leases/" + now + ".000000Z-otherhost-4242-0000abcd.json";
        REQUIRE(s3.aws("s3 cp " + q(dir / "lease.json") + " " + lease).exitCode == 0);
        auto held = s3.pgproof("prune " + repo + " --keep-last 1");
        INFO(held.out << held.err);
        CHECK(held.exitCode == 0);
        CHECK(contains(held.out, "in use by a running pgproof drill on otherhost"));
        CHECK(archiveKeys(s3.objectKeys(bucket, "p/")).size() == 2);

        // The same lease from a run killed three days ago is stale: ignored, said, removed with the archive.
        REQUIRE(s3.aws("s3 rm " + lease).exitCode == 0);
        const std::string old = "s3://" + bucket + "/" + stem + ".leases/20000101T000000.000000Z-otherhost-4242-0000abcd.json";
        REQUIRE(s3.aws("s3 cp " + q(dir / "lease.json") + " " + old).exitCode == 0);
        // A reader that finds a prune's intent on its archive waits for it (a prune gives way to the lease), then
        // says so and reads on; the intent of a killed prune goes stale like a lease.
        const std::string intent = "s3://" + bucket + "/" + archives.back().substr(0, archives.back().find(".sql.zst")) + ".leases/removing-" + now +
                                   ".000000Z-otherhost-4243-0000abce.json";
        REQUIRE(s3.aws("s3 cp " + q(dir / "lease.json") + " " + intent).exitCode == 0);
        auto waited = s3.pgproof("check " + kept);
        INFO(waited.out << waited.err);
        CHECK(waited.exitCode == 0);
        CHECK(contains(waited.err, "is being removed by a pgproof prune"));
        REQUIRE(s3.aws("s3 rm " + intent).exitCode == 0);

        // What killed backups leave: a stale claim and globals without their archive go; a running backup's
        // fresh claim (and the globals it wrote before its archive) stay.
        const std::string folder = stem.substr(0, stem.rfind('/') + 1);
        const std::string killed = "s3://" + bucket + "/" + folder + "killed-20000101T000000Z";
        const std::string running = "s3://" + bucket + "/" + folder + "running-20000101T000000Z";
        REQUIRE(s3.aws("s3 cp " + q(dir / "lease.json") + " " + killed + ".history/claim-20000101T000000.000000Z-h-1-00000001.json").exitCode == 0);
        REQUIRE(s3.aws("s3 cp " + q(dir / "lease.json") + " " + killed + ".globals.sql.zst").exitCode == 0);
        REQUIRE(s3.aws("s3 cp " + q(dir / "lease.json") + " " + running + ".history/claim-" + now + ".000000Z-h-2-00000002.json").exitCode == 0);
        REQUIRE(s3.aws("s3 cp " + q(dir / "lease.json") + " " + running + ".globals.sql.zst").exitCode == 0);
        auto pruned = s3.pgproof("prune " + repo + " --keep-last 1");
        INFO(pruned.out << pruned.err);
        CHECK(pruned.exitCode == 0);
        CHECK(contains(pruned.out, "stale lease"));
        CHECK(contains(pruned.out, "claim of a backup that never completed"));
        CHECK(contains(pruned.out, "globals of a backup that never completed"));
        auto keys = s3.objectKeys(bucket, "p/");
        CHECK(archiveKeys(keys) == std::vector<std::string>{archives.back()});
        for (const auto& k : keys) CHECK(k.rfind(stem + ".", 0) != 0);  // nothing of the removed archive is left
        for (const auto& k : keys) CHECK(k.find("/killed-") == std::string::npos);
        CHECK(std::count_if(keys.begin(), keys.end(), [](const std::string& k) { return k.find("/running-") != std::string::npos; }) == 2);
    }
}

TEST_CASE("an encrypted bucket repository: status and prune without the key, --all-databases with --globals", "[s3]") {
    ScratchDatabase db{"s3encrepo"};
    createAwkwardTables(db);
    TempDir keys;
    const fs::path key = keys / "key.txt";
    REQUIRE(run("age-keygen -o " + q(key) + " 2>/dev/null").exitCode == 0);
    std::string recipient = run("age-keygen -y " + q(key)).out;
    while (!recipient.empty() && (recipient.back() == '\n' || recipient.back() == ' ')) recipient.pop_back();
    for (auto kind : kServers) {
        S3TestServer s3(kind);
        INFO("server: " << S3TestServer::name(kind));
        const std::string bucket = s3.createBucket();
        const std::string repo = "s3://" + bucket + "/enc";
        REQUIRE(s3.pgproof("backup --repo " + repo + " --encrypt-to " + recipient + " --db " + shellQuote(db.conninfo())).exitCode == 0);
        auto checked = s3.pgproof("backup --repo " + repo + " --encrypt-to " + recipient + " --check --identity " + q(key) + " --db " +
                                  shellQuote(db.conninfo()));
        INFO(checked.out << checked.err);
        REQUIRE(checked.exitCode == 0);
        auto archives = archiveKeys(s3.objectKeys(bucket, "enc/"));
        REQUIRE(archives.size() == 2);
        for (const auto& a : archives) CHECK(endsWith(a, ".sql.zst.age"));

        // No identity anywhere: status reads what the backups recorded, bound to each ciphertext.
        auto status = s3.pgproof("status " + repo + " --max-drill-age off --json -");
        INFO(status.out << status.err);
        CHECK(status.exitCode == 0);
        CHECK(json::parse(status.out)["databases"][0]["newest_proven"]["path"] == "s3://" + bucket + "/" + archives.back());
        auto prune = s3.pgproof("prune " + repo + " --keep-last 0");
        INFO(prune.out << prune.err);
        CHECK(prune.exitCode == 0);
        CHECK(contains(prune.out, "newest proven backup"));
        CHECK(archiveKeys(s3.objectKeys(bucket, "enc/")) == std::vector<std::string>{archives.back()});

        // Every database of the server, with the globals beside each archive, and the server's run record.
        const std::string all = "s3://" + bucket + "/all";
        auto run = s3.pgproof("backup --repo " + all + " --all-databases --include-database " + db.name() + " --globals --db " +
                              shellQuote(db.conninfo()));
        INFO(run.out << run.err);
        CHECK(run.exitCode == 0);
        auto allKeys = s3.objectKeys(bucket, "all/");
        CHECK(archiveKeys(allKeys).size() == 1);
        CHECK(std::any_of(allKeys.begin(), allKeys.end(), [](const std::string& k) { return endsWith(k, ".globals.sql.zst"); }));
        CHECK(std::any_of(allKeys.begin(), allKeys.end(), [](const std::string& k) { return k.rfind("all/pgproof-server-", 0) == 0; }));
        auto serverStatus = s3.pgproof("status " + all + " --max-drill-age off");
        INFO(serverStatus.out << serverStatus.err);
        CHECK(serverStatus.exitCode == 1);  // backed up, not yet proven
        CHECK(contains(serverStatus.out, "server "));
    }
}
