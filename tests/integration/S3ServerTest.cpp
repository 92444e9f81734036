// The S3 servers the object-storage tests run against (scripts/s3-test-server.sh): moto's server with
// authentication on and s3rver from the npm registry, each on loopback. A standard client (the aws CLI)
// signed with the server's key stores and reads an object; signed with another secret it is refused by the
// server, so a test that expects a refusal proves the server checked the signature.
#include <catch2/catch.hpp>

#include "S3TestServer.hpp"

using namespace pgproof::test;

TEST_CASE("S3 test servers check signatures: the right secret is served, a wrong one refused", "[s3]") {
    for (auto kind : {S3TestServer::Kind::Moto, S3TestServer::Kind::S3rver}) {
        S3TestServer s3(kind);
        INFO("server: " << S3TestServer::name(kind));
        std::string bucket = s3.createBucket();
        TempDir dir;
        writeFile(dir / "hello", "hello");
        auto put = s3.aws("s3 cp " + q(dir / "hello") + " s3://" + bucket + "/dir/hello");
        INFO(put.err);
        REQUIRE(put.exitCode == 0);
        CHECK(s3.objectKeys(bucket, "dir/") == std::vector<std::string>{"dir/hello"});

        auto wrong = run(s3.environmentWithSecret("not-the-secret") + "aws --endpoint-url " + shellQuote(s3.endpoint()) +
                         " s3api head-object --bucket " + bucket + " --key dir/hello");
        CHECK(wrong.exitCode != 0);
        CHECK(contains(wrong.err, "403"));
    }
}
