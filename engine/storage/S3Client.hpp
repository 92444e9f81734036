#pragma once
// The S3 requests pgproof makes, over libcurl, each signed with Signature V4 (CURLOPT_AWS_SIGV4; the
// payload's SHA-256 is always sent in x-amz-content-sha256 and signed with the rest). Safe to call from
// several threads at once: every call borrows one curl handle from a pool, so connections are reused.
//
// Faults. Throttling (429, SlowDown), 5xx, RequestTimeout and dropped or refused connections are retried
// with exponential backoff and full jitter, at most `maxAttempts` times and never past `retryBudget`
// seconds for one request; each retry is logged as a warning. Everything else fails at once, in one line
// naming the object and S3's error code:
//   wrong secret, unknown key, access denied, expired token, missing bucket: IncompleteError (exit 3);
//   a missing key: head() and getRange() say so through their results (std::nullopt) or NotFound.
// Ctrl-C stops a transfer within about a second (InterruptedError), except in abortMultipartUpload(),
// which runs during cleanup after an interrupt. No secret appears in any message.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "Errors.hpp"
#include "S3Settings.hpp"
#include "S3Url.hpp"

namespace pgproof {

// A ranged read of a key that does not exist (IncompleteError: exit 3, naming the object).
struct S3NotFoundError : IncompleteError {
    explicit S3NotFoundError(const std::string& m) : IncompleteError(m) {}
};

class S3Client {
public:
    struct Options {
        int maxAttempts = 5;         // tries of one request, the first included
        double retryBudget = 120.0;  // seconds one request may spend retrying
        double firstBackoff = 0.2;   // seconds; doubles per retry, capped at 10 s, full jitter
    };
    struct ObjectInfo {
        uint64_t size = 0;
        std::string etag;  // as S3 sends it, quotes removed
    };
    struct ListedObject {
        std::string key;
        uint64_t size = 0;
        std::string lastModified;  // ISO 8601, as S3 sends it
        std::string etag;
    };

    explicit S3Client(S3Settings settings);
    S3Client(S3Settings settings, Options options);
    // Settings from the environment and the AWS files (S3Settings::fromEnvironment).
    static std::shared_ptr<S3Client> fromEnvironment();
    ~S3Client();
    S3Client(const S3Client&) = delete;
    S3Client& operator=(const S3Client&) = delete;

    const S3Settings& settings() const { return settings_; }

    // HEAD: the object's size and ETag, or nullopt when no such key exists.
    // `interruptible` false: a question that must still be answered after Ctrl-C (does the archive whose
    // outcome is being recorded exist?).
    std::optional<ObjectInfo> head(const S3Url& object, bool interruptible = true);
    // GET with Range: exactly `length` bytes from `offset` into `into` (resized); S3NotFoundError for a
    // missing key, IncompleteError if the object is shorter.
    void getRange(const S3Url& object, uint64_t offset, uint64_t length, std::string& into);
    // GET of a whole (small) object: its bytes, or nullopt when no such key exists.
    std::optional<std::string> get(const S3Url& object);
    // PUT of a whole object from memory (Content-MD5 and SHA-256 checked by the server).
    // `interruptible` false: a record that must still be written after Ctrl-C (a run's history record).
    void put(const S3Url& object, std::string_view body, bool interruptible = true);
    // DELETE (no error when the key does not exist, as S3 itself). `interruptible` false: cleanup that must
    // still run after Ctrl-C (a lease, a claim), as abortMultipartUpload.
    void remove(const S3Url& object, bool interruptible = true);
    // ListObjectsV2, every page: the objects whose keys start with `prefix`, in key order.
    std::vector<ListedObject> list(const std::string& bucket, const std::string& prefix);

    // Multipart upload: create, upload parts (numbered from 1; Content-MD5 and SHA-256 checked by the
    // server, the returned ETag checked against the part's MD5 where it is one), complete, abort.
    std::string createMultipartUpload(const S3Url& object);
    std::string uploadPart(const S3Url& object, const std::string& uploadId, int partNumber, std::string_view body);
    void completeMultipartUpload(const S3Url& object, const std::string& uploadId, const std::vector<std::string>& partETags);
    void abortMultipartUpload(const S3Url& object, const std::string& uploadId);
    // Keys of the multipart uploads in progress under `prefix` (ListMultipartUploads, first page).
    std::vector<std::pair<std::string, std::string>> pendingUploads(const std::string& bucket, const std::string& prefix);

    struct Request;
    struct Response;

private:
    Response perform(const Request& request);
    Response attempt(const Request& request);

    S3Settings settings_;
    Options options_;
    struct HandlePool;
    std::unique_ptr<HandlePool> pool_;
};

}  // namespace pgproof
