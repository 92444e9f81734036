#pragma once
// An S3 server on loopback: moto's server with IAM authentication on, or s3rver from the npm registry.
// Under ctest, the one of its kind that the fixture "S3 servers: start" runs for all S3 suites (tests keep
// to their own buckets); otherwise one started by scripts/s3-test-server.sh for this test and stopped
// (its data removed) when the test ends.
// Both check every request's Signature V4 against the one key pair the server was started with, so a
// command given another secret is refused by the server itself. Commands reach it through environment
// assignments put before their command line (never in argv), with empty AWS config files so that the
// machine's ~/.aws plays no part.
#include <string>
#include <vector>

#include "TestSupport.hpp"

namespace pgproof::test {

class S3TestServer {
public:
    enum class Kind { Moto, S3rver };
    explicit S3TestServer(Kind kind);
    ~S3TestServer();
    S3TestServer(const S3TestServer&) = delete;
    S3TestServer& operator=(const S3TestServer&) = delete;

    static std::string name(Kind kind) { return kind == Kind::Moto ? "moto" : "s3rver"; }
    Kind kind() const { return kind_; }
    const std::string& endpoint() const { return endpoint_; }
    const std::string& accessKeyId() const { return accessKeyId_; }
    const std::string& secret() const { return secret_; }

    // "unset ...; VAR=value ... " for the front of a command line: the endpoint, region, key and secret.
    std::string environment() const { return environmentWithSecret(secret_); }
    // The same with another secret (the server must refuse every request).
    std::string environmentWithSecret(const std::string& secret) const;

    // Puts the same variables into this test process's environment, for children started without a
    // shell (BackgroundPgproof) and for S3Client::fromEnvironment() in the test itself.
    void exportEnvironment() const;
    // pgproof ARGS with this server's environment.
    CommandResult pgproof(const std::string& args) const;
    // The aws CLI (`aws ARGS --endpoint-url ...`) with this server's environment.
    CommandResult aws(const std::string& args) const;
    // A new bucket with a unique name (created with the aws CLI); returns its name.
    std::string createBucket() const;
    // Keys of every object in the bucket under `prefix`, sorted (aws s3api list-objects-v2).
    std::vector<std::string> objectKeys(const std::string& bucket, const std::string& prefix = "") const;
    // Keys of the multipart uploads started and neither completed nor aborted (aws s3api list-multipart-uploads).
    std::vector<std::string> pendingUploads(const std::string& bucket) const;

private:
    Kind kind_;
    bool shared_ = false;
    std::string dir_, endpoint_, accessKeyId_, secret_;
    TempDir home_;  // empty ~/.aws config and credentials files
};

}  // namespace pgproof::test
