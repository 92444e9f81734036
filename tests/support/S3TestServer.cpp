#include "S3TestServer.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include <stdlib.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace pgproof::test {

namespace {
// A value from the script's `export NAME=value` lines; no value holds a space or a quote.
std::string exported(const std::string& text, const std::string& key) {
    auto p = text.find(key + "=");
    if (p == std::string::npos) return std::string();
    p += key.size() + 1;
    auto end = text.find_first_of(" \n", p);
    return text.substr(p, end == std::string::npos ? std::string::npos : end - p);
}

bool running(const std::string& dir) {
    return !dir.empty() && run("kill -0 \"$(cat " + shellQuote(dir + "/pid") + " 2>/dev/null)\" 2>/dev/null").exitCode == 0;
}
}  // namespace

S3TestServer::S3TestServer(Kind kind) : kind_(kind) {
    // Under ctest the fixture "S3 servers: start" has started one server of each kind for the whole run;
    // each test keeps to its own buckets. Run alone (or after a crash), a test starts its own.
    const std::string sharedEnv = std::string(PGPROOF_BUILD_DIR) + "/s3-servers/" + name(kind) + ".env";
    std::string text;
    if (std::filesystem::exists(sharedEnv)) {
        text = readFile(sharedEnv);
        shared_ = running(exported(text, "PGPROOF_S3_SERVER_DIR"));
    }
    CommandResult r;
    if (!shared_) {
        r = run(std::string(PGPROOF_SOURCE_DIR) + "/scripts/s3-test-server.sh start " + name(kind));
        text = r.out;
    }
    dir_ = exported(text, "PGPROOF_S3_SERVER_DIR");
    endpoint_ = exported(text, "PGPROOF_S3_ENDPOINT");
    accessKeyId_ = exported(text, "PGPROOF_S3_ACCESS_KEY_ID");
    secret_ = exported(text, "PGPROOF_S3_SECRET_ACCESS_KEY");
    if ((!shared_ && r.exitCode != 0) || dir_.empty() || endpoint_.empty() || secret_.empty())
        throw std::runtime_error("starting the " + name(kind) + " S3 test server failed: " + r.err);
    writeFile(home_ / "config", "");
    writeFile(home_ / "credentials", "");
}

S3TestServer::~S3TestServer() {
    if (shared_) return;  // the fixture's cleanup stops it
    run(std::string(PGPROOF_SOURCE_DIR) + "/scripts/s3-test-server.sh stop " + shellQuote(dir_));
}

std::string S3TestServer::environmentWithSecret(const std::string& secret) const {
    return "unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3; AWS_CONFIG_FILE=" + q(home_ / "config") +
           " AWS_SHARED_CREDENTIALS_FILE=" + q(home_ / "credentials") + " AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1" +
           " AWS_ENDPOINT_URL=" + shellQuote(endpoint_) + " AWS_ACCESS_KEY_ID=" + shellQuote(accessKeyId_) +
           " AWS_SECRET_ACCESS_KEY=" + shellQuote(secret) + " ";
}

void S3TestServer::exportEnvironment() const {
    for (const char* name : {"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3"}) ::unsetenv(name);
    ::setenv("AWS_CONFIG_FILE", (home_ / "config").c_str(), 1);
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", (home_ / "credentials").c_str(), 1);
    ::setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
    ::setenv("AWS_REGION", "us-east-1", 1);
    ::setenv("AWS_ENDPOINT_URL", endpoint_.c_str(), 1);
    ::setenv("AWS_ACCESS_KEY_ID", accessKeyId_.c_str(), 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", secret_.c_str(), 1);
}

CommandResult S3TestServer::pgproof(const std::string& args) const {
    return run(environment() + PGPROOF_BIN + " " + args);
}

CommandResult S3TestServer::aws(const std::string& args) const {
    return run(environment() + "aws --endpoint-url " + shellQuote(endpoint_) + " " + args);
}

std::string S3TestServer::createBucket() const {
    static std::atomic<int> counter{0};
    std::string bucket = "pgproof-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    auto r = aws("s3api create-bucket --bucket " + bucket);
    if (r.exitCode != 0) throw std::runtime_error("creating bucket " + bucket + " failed: " + r.err);
    return bucket;
}

std::vector<std::string> S3TestServer::objectKeys(const std::string& bucket, const std::string& prefix) const {
    auto r = aws("s3api list-objects-v2 --output json --bucket " + bucket + (prefix.empty() ? "" : " --prefix " + shellQuote(prefix)));
    if (r.exitCode != 0) throw std::runtime_error("listing bucket " + bucket + " failed: " + r.err);
    std::vector<std::string> keys;
    if (r.out.find_first_not_of(" \n") == std::string::npos) return keys;  // an empty listing prints nothing
    for (const auto& o : nlohmann::json::parse(r.out).value("Contents", nlohmann::json::array())) keys.push_back(o.at("Key"));
    std::sort(keys.begin(), keys.end());
    return keys;
}

std::vector<std::string> S3TestServer::pendingUploads(const std::string& bucket) const {
    auto r = aws("s3api list-multipart-uploads --output json --bucket " + bucket);
    if (r.exitCode != 0) throw std::runtime_error("listing the uploads of bucket " + bucket + " failed: " + r.err);
    std::vector<std::string> keys;
    if (r.out.find_first_not_of(" \n") == std::string::npos) return keys;
    auto doc = nlohmann::json::parse(r.out);
    if (doc.contains("Uploads") && doc["Uploads"].is_array())
        for (const auto& u : doc["Uploads"]) keys.push_back(u.at("Key"));
    return keys;
}

}  // namespace pgproof::test
