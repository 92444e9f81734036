// backup -o s3://BUCKET/KEY against both test servers (which check every signature): the archive a
// multipart upload put in the bucket downloads with the aws CLI and restores with stock zstd -dc | psql;
// the same key is refused unless --force (exit 2); a malformed URL is exit 2 before pg_dump runs; a wrong
// secret is exit 3 in one line naming no secret; a backup stopped (SIGTERM) in the middle of its upload
// leaves no object and no pending multipart upload; a proxy that answers every third request with 503
// SlowDown (scripts/s3-test-servers/flaky-proxy.py) is retried through, and the archive is whole.
#include <catch2/catch.hpp>

#include <signal.h>

#include <thread>

#include "S3Client.hpp"
#include "S3TestServer.hpp"

using namespace pgproof::test;
using namespace std::chrono_literals;

namespace {

// Lines of one error message: the command's stderr without blank lines.
int lines(const std::string& text) {
    int n = 0;
    for (size_t at = 0; at < text.size();) {
        size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        if (end > at) ++n;
        at = end + 1;
    }
    return n;
}

}  // namespace

TEST_CASE("backup -o s3://: the uploaded archive downloads with the aws CLI and restores with zstd -dc | psql", "[s3]") {
    ScratchDatabase db("s3b");
    db.exec("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g;"
            "CREATE TABLE u (k text); INSERT INTO u VALUES ('a'), ('b'), (NULL)");
    for (auto kind : {S3TestServer::Kind::Moto, S3TestServer::Kind::S3rver}) {
        S3TestServer s3(kind);
        INFO("server: " << S3TestServer::name(kind));
        std::string bucket = s3.createBucket();
        std::string url = "s3://" + bucket + "/prod/" + db.name() + ".sql.zst";

        auto r = s3.pgproof("backup -o " + shellQuote(url) + " --db " + shellQuote(db.conninfo()));
        INFO("stdout: " << r.out << "\nstderr: " << r.err);
        REQUIRE(r.exitCode == 0);
        CHECK(contains(r.out, url));
        CHECK(s3.objectKeys(bucket) == std::vector<std::string>{"prod/" + db.name() + ".sql.zst"});

        TempDir dir;
        auto cp = s3.aws("s3 cp " + shellQuote(url) + " " + q(dir / "a.sql.zst"));
        INFO(cp.err);
        REQUIRE(cp.exitCode == 0);
        ScratchDatabase target("s3r");
        auto restore = run("zstd -dc " + q(dir / "a.sql.zst") + " | psql -X -q -v ON_ERROR_STOP=1 -d " + shellQuote(target.name()));
        INFO(restore.err);
        REQUIRE(restore.exitCode == 0);
        CHECK(target.scalar("SELECT count(*) FROM public.t") == "20000");
        CHECK(target.scalar("SELECT count(*) FROM public.u") == "3");
        auto check = runPgproof("check " + q(dir / "a.sql.zst"));
        INFO(check.out << check.err);
        CHECK(check.exitCode == 0);

        // The same key again: refused (exit 2) unless --force, and the object is untouched.
        auto again = s3.pgproof("backup -o " + shellQuote(url) + " --db " + shellQuote(db.conninfo()));
        CHECK(again.exitCode == 2);
        CHECK(contains(again.err, "--force"));
        auto forced = s3.pgproof("backup -o " + shellQuote(url) + " --force --db " + shellQuote(db.conninfo()));
        INFO(forced.err);
        CHECK(forced.exitCode == 0);

        // A wrong secret: the server refuses, exit 3, one line, no secret in it.
        auto wrong = run(s3.environmentWithSecret("wrong-secret-value") + PGPROOF_BIN + " backup -o " + shellQuote(url + ".2") +
                         " --db " + shellQuote(db.conninfo()));
        INFO(wrong.err);
        CHECK(wrong.exitCode == 3);
        CHECK(contains(wrong.err, "SignatureDoesNotMatch"));
        CHECK(lines(wrong.err) == 1);
        CHECK_FALSE(contains(wrong.err + wrong.out, "wrong-secret-value"));
        CHECK_FALSE(contains(wrong.err + wrong.out, s3.secret()));
    }
}

TEST_CASE("backup -o s3://: a malformed URL is exit 2 in one line, a missing bucket exit 3", "[s3]") {
    ScratchDatabase db("s3u");
    S3TestServer s3(S3TestServer::Kind::S3rver);
    for (std::string bad : {"s3://", "s3://Bad_Bucket/x.sql.zst", "s3://bucket-only", "s3://bucket/folder/"}) {
        auto r = s3.pgproof("backup -o " + shellQuote(bad) + " --db " + shellQuote(db.conninfo()));
        INFO(bad << ": " << r.err);
        CHECK(r.exitCode == 2);
        CHECK(lines(r.err) == 1);
        CHECK(contains(r.err, "s3://BUCKET/KEY"));
    }
    auto missing = s3.pgproof("backup -o s3://no-such-bucket-here/x.sql.zst --db " + shellQuote(db.conninfo()));
    INFO(missing.err);
    CHECK(missing.exitCode == 3);
    CHECK(contains(missing.err, "no-such-bucket-here"));
}

TEST_CASE("backup -o s3:// stopped during its upload leaves no object and no pending multipart upload", "[s3]") {
    ScratchDatabase db("s3k");
    // About 40 MB of pg_dump output that compresses poorly: several 5 MiB parts.
    db.exec("CREATE TABLE big (id int, v text); INSERT INTO big SELECT g, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) "
            "FROM generate_series(1, 400000) g");
    S3TestServer s3(S3TestServer::Kind::Moto);
    std::string bucket = s3.createBucket();
    s3.exportEnvironment();
    ::setenv("PGPROOF_S3_PART_SIZE", "5", 1);
    auto client = pgproof::S3Client::fromEnvironment();
    std::string url = "s3://" + bucket + "/killed.sql.zst";
    BackgroundPgproof p({"backup", "-o", url, "--db", db.conninfo()});
    bool uploading = false;
    for (auto until = std::chrono::steady_clock::now() + 120s; std::chrono::steady_clock::now() < until && p.running();) {
        if (!client->pendingUploads(bucket, "").empty()) {
            uploading = true;
            break;
        }
        std::this_thread::sleep_for(100ms);
    }
    INFO("stderr: " << p.err());
    REQUIRE(uploading);  // the upload never started, or the backup finished first: make the table bigger
    p.signal(SIGTERM);
    REQUIRE(p.waitExit(60s));
    CHECK(p.exitCode() == 3);
    CHECK_FALSE(client->head(pgproof::S3Url{bucket, "killed.sql.zst"}));
    CHECK(client->pendingUploads(bucket, "").empty());
    CHECK(s3.objectKeys(bucket).empty());
}

TEST_CASE("backup -o s3:// through a proxy that throttles every third request: retried, then proven", "[s3]") {
    ScratchDatabase db("s3t");
    db.exec("CREATE TABLE big (id int, v text); INSERT INTO big SELECT g, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) "
            "FROM generate_series(1, 150000) g");
    S3TestServer s3(S3TestServer::Kind::Moto);
    std::string bucket = s3.createBucket();
    TempDir dir;
    std::string upstream = s3.endpoint().substr(s3.endpoint().find("://") + 3);
    // The proxy prints its port, then serves; it is stopped at the end of the test.
    auto started = run("setsid python3 " + std::string(PGPROOF_SOURCE_DIR) + "/scripts/s3-test-servers/flaky-proxy.py " + upstream +
                       " 3 >" + q(dir / "port") + " 2>" + q(dir / "log") + " & echo $! >" + q(dir / "pid"));
    REQUIRE(started.exitCode == 0);
    std::string port;
    for (int i = 0; i < 100 && port.empty(); ++i) {
        std::this_thread::sleep_for(100ms);
        port = readFile(dir / "port");
        while (!port.empty() && port.back() == '\n') port.pop_back();
    }
    struct StopProxy {
        std::string pid;
        ~StopProxy() { run("kill " + pid); }
    } stop{readFile(dir / "pid")};
    REQUIRE_FALSE(port.empty());

    ::setenv("PGPROOF_S3_PART_SIZE", "5", 1);
    std::string url = "s3://" + bucket + "/throttled.sql.zst";
    auto r = run(s3.environment() + "AWS_ENDPOINT_URL=http://127.0.0.1:" + port + " " + PGPROOF_BIN + " backup -o " + shellQuote(url) +
                 " --db " + shellQuote(db.conninfo()));
    INFO("stderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.err, "SlowDown; retrying"));
    // Downloaded past the proxy, the object is a whole archive.
    auto cp = s3.aws("s3 cp " + shellQuote(url) + " " + q(dir / "a.sql.zst"));
    REQUIRE(cp.exitCode == 0);
    auto check = runPgproof("check " + q(dir / "a.sql.zst"));
    INFO(check.out << check.err);
    CHECK(check.exitCode == 0);
    CHECK(s3.pendingUploads(bucket).empty());
}
