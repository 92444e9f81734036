// The S3 client (engine/storage) against both test servers, which check every signature: objects put,
// read back by ranges, listed under a prefix (keys with '/' and spaces), uploaded in parts with their
// checksums, an upload aborted leaves nothing (no object; on moto no pending upload either), a wrong secret is refused at once in one line (exit 3's
// IncompleteError, no retry loop), a missing bucket names the bucket, and retries are bounded in count.
#include <catch2/catch.hpp>

#include <chrono>

#include "S3Client.hpp"
#include "S3ObjectUpload.hpp"
#include "S3TestServer.hpp"

using namespace pgproof;
using namespace pgproof::test;

namespace {

S3Settings settingsFor(const S3TestServer& s3, const std::string& secret) {
    S3Settings s;
    s.accessKeyId = s3.accessKeyId();
    s.secretAccessKey = secret;
    s.credentialsFrom = "the test";
    s.region = "us-east-1";
    s.endpoint = s3.endpoint();
    s.customEndpoint = true;
    return s;
}

std::string pattern(size_t n, unsigned seed) {
    std::string s(n, '\0');
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (auto& c : s) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        c = static_cast<char>(x);
    }
    return s;
}

}  // namespace

TEST_CASE("S3 client: put, ranged get, list, multipart upload, abort, delete, wrong secret and missing bucket refused", "[s3]") {
    for (auto kind : {S3TestServer::Kind::Moto, S3TestServer::Kind::S3rver}) {
        S3TestServer s3(kind);
        INFO("server: " << S3TestServer::name(kind));
        std::string bucket = s3.createBucket();
        auto client = std::make_shared<S3Client>(settingsFor(s3, s3.secret()));

        // PUT and ranged GET, a key with a space and a plus (encoded in the signed path).
        S3Url small{bucket, "repo one/a+b.bin"};
        std::string bytes = pattern(100000, 1);
        client->put(small, bytes);
        auto info = client->head(small);
        REQUIRE(info);
        CHECK(info->size == bytes.size());
        std::string got;
        client->getRange(small, 12345, 1000, got);
        CHECK(got == bytes.substr(12345, 1000));
        client->getRange(small, bytes.size() - 10, 10, got);
        CHECK(got == bytes.substr(bytes.size() - 10));
        CHECK_THROWS_AS(client->getRange(small, bytes.size() - 10, 20, got), IncompleteError);
        CHECK_FALSE(client->head(S3Url{bucket, "repo one/missing"}));
        CHECK_THROWS_AS(client->getRange(S3Url{bucket, "repo one/missing"}, 0, 1, got), S3NotFoundError);

        // A multipart upload of three parts (5 MiB, S3's smallest, and a short last one) is the same bytes.
        std::string big = pattern(5 * 1024 * 1024 * 2 + 777, 2);
        {
            S3ObjectUpload upload(client, S3Url{bucket, "repo one/big.sql.zst"}, {.overwrite = false, .partSize = 5 * 1024 * 1024, .partsInFlight = 2});
            for (size_t at = 0; at < big.size(); at += 65536) upload.write(big.data() + at, std::min<size_t>(65536, big.size() - at));
            upload.commit();
            CHECK(upload.partsUploaded() == 3);
        }
        REQUIRE(client->head(S3Url{bucket, "repo one/big.sql.zst"})->size == big.size());
        client->getRange(S3Url{bucket, "repo one/big.sql.zst"}, 5 * 1024 * 1024 - 5, 10, got);
        CHECK(got == big.substr(5 * 1024 * 1024 - 5, 10));
        // The aws CLI downloads the same bytes.
        TempDir dir;
        auto cp = s3.aws("s3 cp " + shellQuote("s3://" + bucket + "/repo one/big.sql.zst") + " " + q(dir / "big"));
        INFO(cp.err);
        REQUIRE(cp.exitCode == 0);
        CHECK(readFile(dir / "big") == big);

        // An existing object is refused unless asked.
        CHECK_THROWS_AS(S3ObjectUpload(client, S3Url{bucket, "repo one/big.sql.zst"}, {}), BadInputError);

        // An upload abandoned after two parts leaves neither an object nor a pending upload.
        {
            S3ObjectUpload upload(client, S3Url{bucket, "repo one/abandoned.sql.zst"}, {.overwrite = false, .partSize = 5 * 1024 * 1024, .partsInFlight = 2});
            upload.write(big.data(), big.size());
            if (kind == S3TestServer::Kind::Moto) CHECK(client->pendingUploads(bucket, "repo one/").size() == 1);
        }
        CHECK_FALSE(client->head(S3Url{bucket, "repo one/abandoned.sql.zst"}));
        // (s3rver implements neither ListMultipartUploads nor AbortMultipartUpload.)
        if (kind == S3TestServer::Kind::Moto) {
            CHECK(client->pendingUploads(bucket, "").empty());
            CHECK(s3.pendingUploads(bucket).empty());
        }

        // Listing under a prefix, every page; DELETE.
        auto listed = client->list(bucket, "repo one/");
        REQUIRE(listed.size() == 2);
        CHECK(listed[0].key == "repo one/a+b.bin");
        CHECK(listed[1].key == "repo one/big.sql.zst");
        CHECK(listed[1].size == big.size());
        CHECK(client->list(bucket, "repo two/").empty());
        client->remove(small);
        CHECK_FALSE(client->head(small));
        CHECK(client->list(bucket, "").size() == 1);

        // A wrong secret: refused by the server, at once, in one line naming the key id and not the secret.
        auto wrong = std::make_shared<S3Client>(settingsFor(s3, "wrong-secret-value"));
        auto started = std::chrono::steady_clock::now();
        try {
            wrong->list(bucket, "");
            FAIL("a wrong secret was accepted");
        } catch (const IncompleteError& e) {
            std::string m = e.what();
            INFO(m);
            CHECK(contains(m, "SignatureDoesNotMatch"));
            CHECK(contains(m, s3.accessKeyId()));
            CHECK_FALSE(contains(m, "wrong-secret-value"));
            CHECK_FALSE(contains(m, "\n"));
        }
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));

        // A missing bucket is named.
        try {
            client->list("no-such-bucket-here", "");
            FAIL("a missing bucket was listed");
        } catch (const IncompleteError& e) {
            CHECK(contains(e.what(), "NoSuchBucket"));
        }
    }
}

TEST_CASE("S3 client: dropped connections are retried a bounded number of times, then fail in one line", "[s3]") {
    // A port nobody listens on: every attempt is refused; the client gives up after maxAttempts.
    S3Settings s;
    s.accessKeyId = "AKIDEXAMPLE";
    s.secretAccessKey = "secret";
    s.credentialsFrom = "the test";
    s.region = "us-east-1";
    s.endpoint = "http://127.0.0.1:9";
    s.customEndpoint = true;
    S3Client client(s, {.maxAttempts = 3, .retryBudget = 10.0, .firstBackoff = 0.05});
    auto started = std::chrono::steady_clock::now();
    try {
        client.head(S3Url{"bucket", "key"});
        FAIL("a refused connection succeeded");
    } catch (const IncompleteError& e) {
        std::string m = e.what();
        INFO(m);
        CHECK(contains(m, "3 attempts"));
        CHECK(contains(m, "s3://bucket/key"));
    }
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}
