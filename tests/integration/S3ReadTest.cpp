// Archives read straight from a bucket (s3://BUCKET/KEY) on servers that check Signature V4 (the suite's
// shared moto and s3rver, S3TestServer): an archive uploaded with the aws CLI is inspected, checked and
// taken as a baseline by pgproof with the same verdicts as the file; on moto it is also restored, drilled
// and diffed. A flipped byte in a rows frame and a truncated object are damage (exit 1, never proven), a
// missing key is bad input (exit 2), a wrong secret an incomplete proof (exit 3).
#include <catch2/catch.hpp>

#include "SqlIdentifier.hpp"
#include "S3TestServer.hpp"
#include "TestSupport.hpp"

using namespace pgproof::test;
namespace fs = std::filesystem;

namespace {

struct Fixture {
    ScratchDatabase db{"s3read"};
    TempDir dir;
    fs::path archive = dir / "a.sql.zst";
    nlohmann::json manifest;
    Fixture() {
        createAwkwardTables(db);
        auto backup = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
        INFO(backup.err);
        REQUIRE(backup.exitCode == 0);
        manifest = inspectManifest(archive);
    }
};

std::string upload(const S3TestServer& s3, const std::string& bucket, const fs::path& file, const std::string& key) {
    const std::string object = "s3://" + bucket + "/" + key;
    auto cp = s3.aws("s3 cp " + q(file) + " " + object);
    INFO(cp.err);
    REQUIRE(cp.exitCode == 0);
    return object;
}

// The check's table lines without the headline (which names the archive and the time taken).
std::string tableLines(const std::string& out) { return out.substr(0, out.find("PROVEN")); }

}  // namespace

TEST_CASE("check, inspect, verify --baseline, restore, drill and diff read an archive in a bucket", "[s3]") {
    Fixture f;
    const std::string fromFile = tableLines(runPgproof("check " + q(f.archive)).out);
    for (auto kind : {S3TestServer::Kind::Moto, S3TestServer::Kind::S3rver}) {
        S3TestServer s3(kind);
        INFO("server: " << S3TestServer::name(kind));
        const std::string object = upload(s3, s3.createBucket(), f.archive, "db/a.sql.zst");

        auto inspect = s3.pgproof("inspect " + object);
        INFO(inspect.out << inspect.err);
        CHECK(inspect.exitCode == 0);
        CHECK(contains(inspect.out, "hard_values"));

        auto check = s3.pgproof("check " + object + " --jobs 4");
        INFO(check.out << check.err);
        CHECK(check.exitCode == 0);
        CHECK(contains(check.out, "PROVEN: " + object + " is intact"));
        CHECK(tableLines(check.out) == fromFile);  // the same tables, rows and fingerprints as the file

        auto verify = s3.pgproof("verify --baseline " + object + " --db " + shellQuote(f.db.conninfo()));
        INFO(verify.out << verify.err);
        CHECK(verify.exitCode == 0);
        CHECK(contains(verify.out, "PROVEN"));
        if (kind != S3TestServer::Kind::Moto) continue;  // the database work below proves nothing new per server

        ScratchDatabase target("s3read_t");
        auto restore = s3.pgproof("restore " + object + " --db " + shellQuote(target.conninfo()) + " --jobs 2");
        INFO(restore.out << restore.err);
        CHECK(restore.exitCode == 0);
        CHECK(contains(restore.out, "PROVEN"));

        auto drill = s3.pgproof("drill " + object + " --jobs 2 --json -");
        INFO(drill.out << drill.err);
        CHECK(drill.exitCode == 0);
        CHECK(nlohmann::json::parse(drill.out).at("verdict") == "proven");

        // diff between the object and the local file: both are read frame by frame; nothing differs.
        auto diff = s3.pgproof("diff " + object + " " + q(f.archive));
        INFO(diff.out << diff.err);
        CHECK(diff.exitCode == 0);
        CHECK(contains(diff.out, "no difference"));
    }
}

TEST_CASE("an object in a bucket: a flipped byte and a truncated object exit 1, a missing key 2, a wrong secret 3", "[s3]") {
    Fixture f;
    S3TestServer s3(S3TestServer::Kind::Moto);
    const std::string bucket = s3.createBucket();

    fs::path damaged = damageRowsOf(f.archive, f.manifest, "public", "hard_values");
    const std::string damagedObject = upload(s3, bucket, damaged, "db/damaged.sql.zst");
    auto flipped = s3.pgproof("check " + damagedObject + " --jobs 4");
    INFO(flipped.out << flipped.err);
    CHECK(flipped.exitCode == 1);
    CHECK(contains(flipped.out + flipped.err, "hard_values"));
    ScratchDatabase target("s3read_d");
    auto restoreDamaged = s3.pgproof("restore " + damagedObject + " --db " + shellQuote(target.conninfo()));
    INFO(restoreDamaged.out << restoreDamaged.err);
    CHECK(restoreDamaged.exitCode == 1);

    fs::path truncated = f.dir / "truncated.sql.zst";
    const std::string bytes = readFile(f.archive);
    writeFile(truncated, bytes.substr(0, bytes.size() * 2 / 3));
    const std::string truncatedObject = upload(s3, bucket, truncated, "db/truncated.sql.zst");
    auto cut = s3.pgproof("check " + truncatedObject);
    INFO(cut.out << cut.err);
    CHECK(cut.exitCode == 1);
    CHECK(contains(cut.out + cut.err, "trailer"));

    const std::string none = "s3://" + bucket + "/db/none.sql.zst";
    auto missing = s3.pgproof("check " + none);
    INFO(missing.out << missing.err);
    CHECK(missing.exitCode == 2);
    CHECK(contains(missing.err, none));

    const std::string object = upload(s3, bucket, f.archive, "db/a.sql.zst");
    auto wrong = run(s3.environmentWithSecret("not-the-secret") + PGPROOF_BIN + " inspect " + object);
    INFO(wrong.out << wrong.err);
    CHECK(wrong.exitCode == 3);
    CHECK(contains(wrong.err, object));
}

// Encryption composes with object storage: an encrypted backup uploaded by pgproof is read back from the
// bucket through age (the ciphertext fed by ranged reads), with the identity; without it or with a flipped
// byte the verdicts are those of a file (exit 2, one line; exit 1, damaged).
TEST_CASE("an age-encrypted backup written to a bucket is checked and restored from it", "[s3]") {
    ScratchDatabase db{"s3age"};
    createAwkwardTables(db);
    TempDir keys;
    const fs::path key = keys / "key.txt";
    REQUIRE(run("age-keygen -o " + q(key) + " 2>/dev/null").exitCode == 0);
    std::string recipient = run("age-keygen -y " + q(key)).out;
    while (!recipient.empty() && (recipient.back() == '\n' || recipient.back() == ' ')) recipient.pop_back();
    S3TestServer s3(S3TestServer::Kind::Moto);
    const std::string object = "s3://" + s3.createBucket() + "/db/a.sql.zst.age";

    auto backup = s3.pgproof("backup -o " + object + " --encrypt-to " + recipient + " --db " + shellQuote(db.conninfo()));
    INFO(backup.out << backup.err);
    REQUIRE(backup.exitCode == 0);

    auto check = s3.pgproof("check " + object + " --identity " + q(key));
    INFO(check.out << check.err);
    CHECK(check.exitCode == 0);
    CHECK(contains(check.out, "PROVEN: " + object + " is intact"));

    auto none = s3.pgproof("check " + object);
    INFO(none.out << none.err);
    CHECK(none.exitCode == 2);
    CHECK(contains(none.err, "--identity"));
    CHECK(!contains(none.err, "damaged"));

    ScratchDatabase target{"s3agert"};
    auto restore = s3.pgproof("restore " + object + " --db " + shellQuote(target.conninfo()) + " --identity " + q(key));
    INFO(restore.out << restore.err);
    CHECK(restore.exitCode == 0);
    CHECK(contains(restore.out, "PROVEN"));

    const fs::path copy = keys / "copy.sql.zst.age";
    REQUIRE(s3.aws("s3 cp " + object + " " + q(copy)).exitCode == 0);
    std::string bytes = readFile(copy);
    bytes[bytes.size() / 2] ^= 0x01;
    writeFile(copy, bytes);
    const std::string flipped = upload(s3, object.substr(5, object.find('/', 5) - 5), copy, "db/flipped.sql.zst.age");
    auto damaged = s3.pgproof("check " + flipped + " --identity " + q(key));
    INFO(damaged.out << damaged.err);
    CHECK(damaged.exitCode == 1);
    CHECK(contains(damaged.out + damaged.err, "damaged"));
}

TEST_CASE("backup --globals to a bucket: drill and restore --create read the globals beside the object and create the roles on a fresh server", "[s3]") {
    const std::string owner = uniqueName("s3gl_owner");
    struct DropRole {
        std::string name;
        ~DropRole() {
            try {
                admin().exec("DROP ROLE IF EXISTS " + pgproof::quoteIdent(name));
            } catch (...) {
            }
        }
    } dropRole{owner};
    admin().exec("CREATE ROLE " + pgproof::quoteIdent(owner) + " LOGIN");
    {
        ScratchDatabase db{"s3glob"};
        db.exec("CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 100); ALTER TABLE orders OWNER TO " +
                pgproof::quoteIdent(owner));
        S3TestServer s3(S3TestServer::Kind::Moto);
        const std::string object = "s3://" + s3.createBucket() + "/db/shop.sql.zst";
        auto backup = s3.pgproof("backup --globals -o " + object + " --db " + shellQuote(db.conninfo()));
        INFO(backup.out << backup.err);
        REQUIRE(backup.exitCode == 0);

        ThrowawayCluster fresh("");
        const std::string server = " --server " + shellQuote(fresh.conninfo("postgres"));
        auto ownerOnFresh = [&] {
            return fresh.connect("postgres").execParams("SELECT count(*) FROM pg_roles WHERE rolname = $1", {owner}).value(0, 0);
        };
        auto drill = s3.pgproof("drill " + object + server);
        INFO(drill.out << drill.err);
        CHECK(drill.exitCode == 0);
        CHECK(contains(drill.out, "roles created from the archive's globals: " + owner));
        CHECK(ownerOnFresh() == "0");  // the drill removed the role it created

        auto restore = s3.pgproof("restore " + object + server + " --create shop");
        INFO(restore.out << restore.err);
        CHECK(restore.exitCode == 0);
        CHECK(contains(restore.out, "ownership of 1 object(s) and 0 grant(s) proven"));
        CHECK(fresh.connect("shop").exec("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'orders'").value(0, 0) == owner);
    }
}
