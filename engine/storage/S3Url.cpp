#include "S3Url.hpp"

#include "Errors.hpp"

namespace pgproof {

namespace {
constexpr const char* kScheme = "s3://";

[[noreturn]] void malformed(const std::string& text, const std::string& why) {
    throw BadInputError(text + " is not a valid S3 URL: " + why + "; write s3://BUCKET/KEY");
}
}  // namespace

bool S3Url::is(const std::string& text) { return text.rfind(kScheme, 0) == 0; }

S3Url S3Url::parse(const std::string& text) {
    if (!is(text)) malformed(text, "it does not start with s3://");
    std::string rest = text.substr(5);
    auto slash = rest.find('/');
    S3Url url{rest.substr(0, slash), slash == std::string::npos ? "" : rest.substr(slash + 1)};
    const std::string& b = url.bucket;
    if (b.empty()) malformed(text, "the bucket name is missing");
    if (b.size() < 3 || b.size() > 63) malformed(text, "a bucket name has 3 to 63 characters");
    for (char c : b)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            malformed(text, "a bucket name holds only lowercase letters, digits, dots and hyphens");
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(b.front()) || !alnum(b.back())) malformed(text, "a bucket name begins and ends with a letter or digit");
    if (b.find("..") != std::string::npos) malformed(text, "a bucket name has no two dots in a row");
    for (unsigned char c : url.key)
        if (c < 0x20 || c == 0x7f) malformed(text, "the key holds a control character");
    if (url.key.size() > 1024) malformed(text, "a key is at most 1024 bytes long");
    return url;
}

S3Url S3Url::parseObject(const std::string& text) {
    S3Url url = parse(text);
    if (url.key.empty() || url.key.back() == '/')
        malformed(text, "it names a bucket or a folder, not an object (give a name such as s3://" + url.bucket + "/" +
                            url.key + "backup.sql.zst)");
    return url;
}

}  // namespace pgproof
