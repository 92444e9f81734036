// s3:// URLs and the AWS way of finding credentials, region and endpoint (engine/storage/S3Settings).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "Errors.hpp"
#include "S3Settings.hpp"
#include "S3Url.hpp"
#include "TestSupport.hpp"

using namespace pgproof;
using namespace pgproof::test;

TEST_CASE("s3:// URLs: bucket and key, malformed ones refused with the expected form", "[s3]") {
    auto u = S3Url::parse("s3://my-backups/prod/db one.sql.zst");
    CHECK(u.bucket == "my-backups");
    CHECK(u.key == "prod/db one.sql.zst");
    CHECK(S3Url::parse("s3://my-backups").key.empty());
    CHECK(S3Url::parse("s3://my-backups/prod/").key == "prod/");
    CHECK(S3Url::is("s3://x"));
    CHECK_FALSE(S3Url::is("/tmp/s3://x"));
    for (std::string bad : {"s3://", "s3:///key", "s3://AB/key", "s3://ab/key", "s3://-bucket/key", "s3://my_bucket/k", "s3://a..b/k"}) {
        INFO(bad);
        try {
            S3Url::parse(bad);
            FAIL("accepted");
        } catch (const BadInputError& e) {
            CHECK(contains(e.what(), "s3://BUCKET/KEY"));
        }
    }
    CHECK_THROWS_AS(S3Url::parseObject("s3://my-backups"), BadInputError);
    CHECK_THROWS_AS(S3Url::parseObject("s3://my-backups/prod/"), BadInputError);
}

namespace {
struct Environment {
    std::vector<std::string> names{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                                   "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"};
    Environment() {
        for (auto& n : names) ::unsetenv(n.c_str());
    }
    ~Environment() {
        for (auto& n : names) ::unsetenv(n.c_str());
    }
    void set(const std::string& n, const std::string& v) { ::setenv(n.c_str(), v.c_str(), 1); }
};
}  // namespace

TEST_CASE("S3 settings: environment first, then the profile's credentials and config, endpoint and addressing", "[s3]") {
    Environment env;
    TempDir dir;
    writeFile(dir / "credentials", "[default]\naws_access_key_id = AKDEFAULT\naws_secret_access_key = s1\n\n[prod]\naws_access_key_id=AKPROD\naws_secret_access_key=s2\naws_session_token = tok\n");
    writeFile(dir / "config", "[default]\nregion = eu-west-1\n[profile prod]\nregion = eu-central-1\nendpoint_url = https://minio.example:9000\ns3 =\n  addressing_style = virtual\n");
    env.set("AWS_SHARED_CREDENTIALS_FILE", (dir / "credentials").string());
    env.set("AWS_CONFIG_FILE", (dir / "config").string());

    auto d = S3Settings::fromEnvironment();
    CHECK(d.accessKeyId == "AKDEFAULT");
    CHECK(d.region == "eu-west-1");
    CHECK(d.endpoint == "https://s3.eu-west-1.amazonaws.com");
    CHECK_FALSE(d.pathStyle("my-backups"));
    CHECK(d.pathStyle("my.backups"));
    CHECK_FALSE(contains(d.describe(), "s1"));

    env.set("AWS_PROFILE", "prod");
    auto p = S3Settings::fromEnvironment();
    CHECK(p.accessKeyId == "AKPROD");
    CHECK(p.sessionToken == "tok");
    CHECK(p.region == "eu-central-1");
    CHECK(p.endpoint == "https://minio.example:9000");
    CHECK_FALSE(p.pathStyle("my-backups"));  // addressing_style = virtual

    env.set("AWS_ACCESS_KEY_ID", "AKENV");
    env.set("AWS_SECRET_ACCESS_KEY", "s3");
    env.set("AWS_DEFAULT_REGION", "us-west-2");
    env.set("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/");
    auto e = S3Settings::fromEnvironment();
    CHECK(e.accessKeyId == "AKENV");
    CHECK(e.sessionToken.empty());
    CHECK(e.region == "us-west-2");
    CHECK(e.endpoint == "http://127.0.0.1:9000");
    env.set("AWS_REGION", "ap-south-1");
    env.set("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9999");
    auto s = S3Settings::fromEnvironment();
    CHECK(s.region == "ap-south-1");
    CHECK(s.endpoint == "http://127.0.0.1:9999");

    env.set("AWS_PROFILE", "nowhere");
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    CHECK_THROWS_AS(S3Settings::fromEnvironment(), BadInputError);
    ::unsetenv("AWS_PROFILE");
    writeFile(dir / "credentials", "");
    CHECK_THROWS_AS(S3Settings::fromEnvironment(), IncompleteError);
}
