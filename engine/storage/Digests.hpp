#pragma once
// The digests S3 checks a request body with (OpenSSL's EVP): SHA-256 in hex for x-amz-content-sha256
// (signed), MD5 in base64 for Content-MD5 and in hex to compare with a part's ETag.
#include <string>
#include <string_view>

namespace pgproof::digests {

std::string sha256Hex(std::string_view data);
std::string md5Hex(std::string_view data);
std::string md5Base64(std::string_view data);

}  // namespace pgproof::digests
