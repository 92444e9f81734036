#include "S3Client.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "Digests.hpp"
#include "Interrupt.hpp"
#include "S3Xml.hpp"

namespace pgproof {

namespace {

constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// RFC 3986 percent-encoding as Signature V4 wants it: unreserved characters stay, '/' too in a path.
std::string encode(std::string_view s, bool keepSlash) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~' || (keepSlash && c == '/'))
            out += static_cast<char>(c);
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::once_flag curlGlobal;

size_t appendBody(char* data, size_t size, size_t n, void* target) {
    static_cast<std::string*>(target)->append(data, size * n);
    return size * n;
}

struct UploadCursor {
    std::string_view body;
    size_t at = 0;
};
size_t readBody(char* buffer, size_t size, size_t n, void* source) {
    auto* cursor = static_cast<UploadCursor*>(source);
    size_t len = std::min(size * n, cursor->body.size() - cursor->at);
    std::copy_n(cursor->body.data() + cursor->at, len, buffer);
    cursor->at += len;
    return len;
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

size_t collectHeader(char* data, size_t size, size_t n, void* target) {
    std::string line(data, size * n);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        auto b = value.find_first_not_of(" \t"), e = value.find_last_not_of(" \t\r\n");
        (*static_cast<std::map<std::string, std::string>*>(target))[lower(line.substr(0, colon))] =
            b == std::string::npos ? "" : value.substr(b, e - b + 1);
    }
    return size * n;
}

int stopOnInterrupt(void* interruptible, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return *static_cast<bool*>(interruptible) && interrupted() ? 1 : 0;
}

std::string unquote(std::string etag) {
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
    return etag;
}

bool retryableCurl(CURLcode code) {
    switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

}  // namespace

using Query = std::vector<std::pair<std::string, std::string>>;
using Headers = std::vector<std::string>;

struct S3Client::Request {
    Request(std::string m, S3Url o, std::string w) : method(std::move(m)), object(std::move(o)), what(std::move(w)) {}
    std::string method;  // GET, HEAD, PUT, POST, DELETE
    S3Url object;        // the key may be empty (a bucket-level request)
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::string> headers;  // "Name: value", signed with the rest
    std::string_view body;
    std::string* into = nullptr;  // where a GET's body goes (else Response::body)
    bool interruptible = true;
    std::string what;  // "reading", "uploading part 3 of": for messages
};

struct S3Client::Response {
    long status = 0;
    CURLcode curl = CURLE_OK;
    std::string curlError;
    std::string body;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string code() const { return s3xml::text(body, "Code").value_or(""); }
};

struct S3Client::HandlePool {
    std::mutex mutex;
    std::vector<CURL*> free;
    ~HandlePool() {
        for (auto* h : free) curl_easy_cleanup(h);
    }
    CURL* take() {
        std::lock_guard lock(mutex);
        if (free.empty()) {
            CURL* h = curl_easy_init();
            if (!h) throw IncompleteError("libcurl could not create a handle for an S3 request");
            return h;
        }
        CURL* h = free.back();
        free.pop_back();
        return h;
    }
    void give(CURL* h) {
        std::lock_guard lock(mutex);
        free.push_back(h);
    }
};

S3Client::S3Client(S3Settings settings) : S3Client(std::move(settings), Options{}) {}

S3Client::S3Client(S3Settings settings, Options options)
    : settings_(std::move(settings)), options_(options), pool_(std::make_unique<HandlePool>()) {
    std::call_once(curlGlobal, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

S3Client::~S3Client() = default;

std::shared_ptr<S3Client> S3Client::fromEnvironment() {
    auto client = std::make_shared<S3Client>(S3Settings::fromEnvironment());
    spdlog::debug("S3: {}", client->settings().describe());
    return client;
}

S3Client::Response S3Client::attempt(const Request& r) {
    std::string url;
    const auto& endpoint = settings_.endpoint;
    std::string path = r.object.key.empty() ? "" : encode(r.object.key, true);
    if (settings_.pathStyle(r.object.bucket)) {
        url = endpoint + "/" + r.object.bucket + (path.empty() ? "" : "/" + path);
    } else {
        auto scheme = endpoint.find("://") + 3;
        url = endpoint.substr(0, scheme) + r.object.bucket + "." + endpoint.substr(scheme) + "/" + path;
    }
    // libcurl 7.88 signs the query string as given: it must already be canonical (sorted by name, every
    // name with '=', names and values percent-encoded).
    auto query = r.query;
    std::sort(query.begin(), query.end());
    for (size_t i = 0; i < query.size(); ++i)
        url += (i == 0 ? "?" : "&") + encode(query[i].first, false) + "=" + encode(query[i].second, false);

    CURL* h = pool_->take();
    struct Giveback {
        HandlePool* pool;
        CURL* h;
        curl_slist* headers = nullptr;
        ~Giveback() {
            curl_slist_free_all(headers);
            pool->give(h);
        }
    } giveback{pool_.get(), h};
    curl_easy_reset(h);

    Response response;
    std::string sha = r.body.empty() ? kEmptySha256 : digests::sha256Hex(r.body);
    auto add = [&](const std::string& header) { giveback.headers = curl_slist_append(giveback.headers, header.c_str()); };
    add("x-amz-content-sha256: " + sha);
    if (!settings_.sessionToken.empty()) add("x-amz-security-token: " + settings_.sessionToken);
    // (No "Expect:" to skip the 100-continue wait: libcurl 7.88 would sign the empty header and not send it.)
    for (const auto& header : r.headers) add(header);

    std::string sigv4 = "aws:amz:" + settings_.region + ":s3";
    char errorBuffer[CURL_ERROR_SIZE] = {0};
    bool interruptible = r.interruptible;
    UploadCursor cursor{r.body};
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(h, CURLOPT_USERNAME, settings_.accessKeyId.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, settings_.secretAccessKey.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, giveback.headers);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 200L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);  // a stalled connection fails (and is retried) after a minute
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, stopOnInterrupt);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &interruptible);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, collectHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &response.headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, appendBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r.into ? r.into : &response.body);
    if (r.method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (r.method == "PUT") {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, readBody);
        curl_easy_setopt(h, CURLOPT_READDATA, &cursor);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    } else if (r.method == "POST") {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.data());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    } else if (r.method == "DELETE") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
    }
    spdlog::debug("S3 {} {}", r.method, url);
    response.curl = curl_easy_perform(h);
    if (response.curl != CURLE_OK) {
        response.curlError = errorBuffer[0] ? errorBuffer : curl_easy_strerror(response.curl);
        return response;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
    // An error's XML went into `into` when a GET was streaming there: take it back for the message.
    if (response.status >= 300 && r.into) response.body = std::move(*r.into), r.into->clear();
    return response;
}

S3Client::Response S3Client::perform(const Request& r) {
    using clock = std::chrono::steady_clock;
    auto started = clock::now();
    std::mt19937_64 random(std::random_device{}());
    std::string target = r.object.key.empty() ? "bucket " + r.object.bucket : r.object.text();
    for (int tries = 1;; ++tries) {
        if (r.interruptible) throwIfInterrupted(r.what + " " + target);
        if (r.into) r.into->clear();
        Response response = attempt(r);
        std::string reason;
        if (response.curl != CURLE_OK) {
            if (response.curl == CURLE_ABORTED_BY_CALLBACK && interrupted()) throwIfInterrupted(r.what + " " + target);
            if (!retryableCurl(response.curl))
                throw IncompleteError("S3 request failed while " + r.what + " " + target + " at " + settings_.endpoint + ": " +
                                      response.curlError);
            reason = response.curlError;
        } else if (response.status >= 200 && response.status < 300) {
            return response;
        } else {
            std::string code = response.code();
            bool retry = (response.status >= 500 && response.status != 501) || response.status == 429 || code == "SlowDown" || code == "RequestTimeout" ||
                         code == "InternalError" || code == "ServiceUnavailable";
            if (!retry) return response;
            reason = "HTTP " + std::to_string(response.status) + (code.empty() ? "" : " " + code);
        }
        double elapsed = std::chrono::duration<double>(clock::now() - started).count();
        double cap = std::min(10.0, options_.firstBackoff * static_cast<double>(1u << std::min(tries - 1, 16)));
        double wait = std::uniform_real_distribution<double>(0.0, cap)(random);
        if (tries >= options_.maxAttempts || elapsed + wait > options_.retryBudget)
            throw IncompleteError("S3 kept failing while " + r.what + " " + target + " at " + settings_.endpoint + ": " + reason +
                                  " (" + std::to_string(tries) + " attempts in " + std::to_string(static_cast<int>(elapsed)) + " s)");
        spdlog::warn("S3 {} {}: {}; retrying in {:.1f} s (attempt {} of {})", r.what, target, reason, wait, tries + 1,
                     options_.maxAttempts);
        auto until = clock::now() + std::chrono::duration<double>(wait);
        while (clock::now() < until) {
            if (r.interruptible) throwIfInterrupted(r.what + " " + target);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
}

namespace {

// One line for a refusal that retrying cannot fix; the secret is never part of it.
[[noreturn]] void refuse(const S3Settings& s, const std::string& what, const std::string& target, long status,
                         const std::string& code, const std::string& message) {
    std::string hint;
    if (code == "SignatureDoesNotMatch")
        hint = "the secret key does not match access key " + s.accessKeyId + " (credentials from " + s.credentialsFrom + ")";
    else if (code == "InvalidAccessKeyId")
        hint = "access key " + s.accessKeyId + " is unknown to " + s.endpoint + " (credentials from " + s.credentialsFrom + ")";
    else if (code == "ExpiredToken" || code == "TokenRefreshRequired")
        hint = "the session token has expired: renew AWS_SESSION_TOKEN";
    else if (code == "AccessDenied")
        hint = "access key " + s.accessKeyId + " is not allowed to do this (README: the permissions each command needs)";
    else if (code == "NoSuchBucket")
        hint = "the bucket does not exist at " + s.endpoint + " (region " + s.region + ")";
    else if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" || status == 301)
        hint = "the bucket is in another region than " + s.region + ": set AWS_REGION";
    else if (!message.empty())
        hint = message;
    throw IncompleteError("S3 refused " + what + " " + target + ": " + (code.empty() ? "HTTP " + std::to_string(status) : code) +
                          (hint.empty() ? "" : " (" + hint + ")"));
}

}  // namespace

std::optional<S3Client::ObjectInfo> S3Client::head(const S3Url& object, bool interruptible) {
    Request r("HEAD", object, "reading the size of");
    r.interruptible = interruptible;
    auto response = perform(r);
    if (response.status == 404) return std::nullopt;
    if (response.status == 403) {
        // A HEAD answer has no body to say why: ask again with a one-byte GET, whose error names the cause.
        Request again("GET", object, "reading");
        again.headers = Headers{"Range: bytes=0-0"};
        auto why = perform(again);
        if (why.status >= 300 && why.status != 404 && why.status != 416)
            refuse(settings_, "reading", object.text(), why.status, why.code(), s3xml::text(why.body, "Message").value_or(""));
    }
    if (response.status >= 300) refuse(settings_, "reading", object.text(), response.status, response.code(), "");
    ObjectInfo info;
    info.size = std::stoull(response.headers.count("content-length") ? response.headers["content-length"] : "0");
    info.etag = unquote(response.headers["etag"]);
    return info;
}

void S3Client::getRange(const S3Url& object, uint64_t offset, uint64_t length, std::string& into) {
    into.clear();
    if (length == 0) return;
    into.reserve(length);
    Request r("GET", object, "reading");
    r.headers = Headers{"Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)};
    r.into = &into;
    auto response = perform(r);
    if (response.status == 404 && response.code() != "NoSuchBucket")
        throw S3NotFoundError("S3 has no object " + object.text() + " (NoSuchKey)");
    if (response.status == 416)
        throw IncompleteError("S3 object " + object.text() + " is shorter than expected: no bytes at offset " + std::to_string(offset));
    if (response.status >= 300) refuse(settings_, "reading", object.text(), response.status, response.code(), s3xml::text(response.body, "Message").value_or(""));
    if (response.status == 200 && into.size() > length && offset == 0) into.resize(length);  // a server that ignored Range
    if (into.size() != length)
        throw IncompleteError("S3 object " + object.text() + " is shorter than expected: " + std::to_string(into.size()) + " of " +
                              std::to_string(length) + " bytes at offset " + std::to_string(offset));
}

std::optional<std::string> S3Client::get(const S3Url& object) {
    std::string into;
    Request r("GET", object, "reading");
    r.into = &into;
    auto response = perform(r);
    if (response.status == 404 && response.code() != "NoSuchBucket") return std::nullopt;
    if (response.status >= 300) refuse(settings_, "reading", object.text(), response.status, response.code(), s3xml::text(response.body, "Message").value_or(""));
    return into;
}

void S3Client::put(const S3Url& object, std::string_view body, bool interruptible) {
    Request r("PUT", object, "writing");
    r.interruptible = interruptible;
    r.headers = Headers{"Content-MD5: " + digests::md5Base64(body), "Content-Type: application/octet-stream"};
    r.body = body;
    auto response = perform(r);
    if (response.status >= 300) refuse(settings_, "writing", object.text(), response.status, response.code(), s3xml::text(response.body, "Message").value_or(""));
}

void S3Client::remove(const S3Url& object, bool interruptible) {
    Request r("DELETE", object, "deleting");
    r.interruptible = interruptible;
    auto response = perform(r);
    if (response.status == 404 && response.code() != "NoSuchBucket") return;
    if (response.status >= 300) refuse(settings_, "deleting", object.text(), response.status, response.code(), s3xml::text(response.body, "Message").value_or(""));
}

std::vector<S3Client::ListedObject> S3Client::list(const std::string& bucket, const std::string& prefix) {
    std::vector<ListedObject> objects;
    std::string token;
    S3Url where{bucket, ""};
    do {
        Request r("GET", where, "listing");
        r.query = Query{{"list-type", "2"}, {"prefix", prefix}};
        if (!token.empty()) r.query.emplace_back("continuation-token", token);
        auto response = perform(r);
        if (response.status >= 300)
            refuse(settings_, "listing", S3Url{bucket, prefix}.text(), response.status, response.code(), s3xml::text(response.body, "Message").value_or(""));
        for (auto contents : s3xml::elements(response.body, "Contents")) {
            ListedObject o;
            o.key = s3xml::text(contents, "Key").value_or("");
            o.size = std::stoull(s3xml::text(contents, "Size").value_or("0"));
            o.lastModified = s3xml::text(contents, "LastModified").value_or("");
            o.etag = unquote(s3xml::text(contents, "ETag").value_or(""));
            objects.push_back(std::move(o));
        }
        token = s3xml::text(response.body, "IsTruncated").value_or("false") == "true"
                    ? s3xml::text(response.body, "NextContinuationToken").value_or("")
                    : "";
    } while (!token.empty());
    std::sort(objects.begin(), objects.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    return objects;
}

std::string S3Client::createMultipartUpload(const S3Url& object) {
    Request r("POST", object, "starting the upload of");
    r.query = Query{{"uploads", ""}};
    r.headers = Headers{"Content-Type: application/octet-stream"};
    auto response = perform(r);
    if (response.status >= 300) refuse(settings_, "writing", object.text(), response.status, response.code(), s3xml::text(response.body, "Message").value_or(""));
    auto id = s3xml::text(response.body, "UploadId");
    if (!id || id->empty()) throw IncompleteError("S3 started no upload for " + object.text() + ": its answer has no UploadId");
    return *id;
}

std::string S3Client::uploadPart(const S3Url& object, const std::string& uploadId, int partNumber, std::string_view body) {
    std::string md5 = digests::md5Hex(body);
    Request r("PUT", object, "uploading part " + std::to_string(partNumber) + " of");
    r.query = Query{{"partNumber", std::to_string(partNumber)}, {"uploadId", uploadId}};
    r.headers = Headers{"Content-MD5: " + digests::md5Base64(body)};
    r.body = body;
    auto response = perform(r);
    if (response.status >= 300) refuse(settings_, "writing", object.text(), response.status, response.code(), s3xml::text(response.body, "Message").value_or(""));
    std::string etag = unquote(response.headers["etag"]);
    if (etag.empty()) throw IncompleteError("S3 sent no ETag for part " + std::to_string(partNumber) + " of " + object.text());
    // Without server-side encryption by KMS, a part's ETag is its MD5: a second check of the bytes received.
    if (etag.size() == 32 && etag.find_first_not_of("0123456789abcdef") == std::string::npos && etag != md5)
        throw IncompleteError("S3 stored part " + std::to_string(partNumber) + " of " + object.text() +
                              " with another checksum than the one sent (ETag " + etag + ", MD5 " + md5 + ")");
    return etag;
}

void S3Client::completeMultipartUpload(const S3Url& object, const std::string& uploadId, const std::vector<std::string>& etags) {
    std::string xml = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < etags.size(); ++i)
        xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>\"" + s3xml::escape(etags[i]) + "\"</ETag></Part>";
    xml += "</CompleteMultipartUpload>";
    Request r("POST", object, "completing the upload of");
    r.query = Query{{"uploadId", uploadId}};
    r.headers = Headers{"Content-Type: application/xml", "Content-MD5: " + digests::md5Base64(xml)};
    r.body = xml;
    auto response = perform(r);
    if (response.status >= 300) refuse(settings_, "writing", object.text(), response.status, response.code(), s3xml::text(response.body, "Message").value_or(""));
    // S3 may answer 200 and put the error in the body (a failure after the response started).
    if (response.body.find("<Error>") != std::string::npos)
        refuse(settings_, "completing", object.text(), response.status, response.code(), s3xml::text(response.body, "Message").value_or(""));
}

void S3Client::abortMultipartUpload(const S3Url& object, const std::string& uploadId) {
    Request r("DELETE", object, "aborting the upload of");
    r.query = Query{{"uploadId", uploadId}};
    r.interruptible = false;
    auto response = perform(r);
    if (response.status == 404) return;  // already gone
    if (response.status >= 300) refuse(settings_, "aborting the upload of", object.text(), response.status, response.code(), s3xml::text(response.body, "Message").value_or(""));
}

std::vector<std::pair<std::string, std::string>> S3Client::pendingUploads(const std::string& bucket, const std::string& prefix) {
    Request r("GET", S3Url{bucket, ""}, "listing the uploads in");
    r.query = Query{{"prefix", prefix}, {"uploads", ""}};
    auto response = perform(r);
    if (response.status >= 300) refuse(settings_, "listing uploads in", S3Url{bucket, prefix}.text(), response.status, response.code(), "");
    std::vector<std::pair<std::string, std::string>> uploads;
    for (auto upload : s3xml::elements(response.body, "Upload"))
        uploads.emplace_back(s3xml::text(upload, "Key").value_or(""), s3xml::text(upload, "UploadId").value_or(""));
    return uploads;
}

}  // namespace pgproof
