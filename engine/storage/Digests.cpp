#include "Digests.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace pgproof::digests {

namespace {
std::string digest(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) throw std::runtime_error("OpenSSL digest failed");
    return std::string(reinterpret_cast<char*>(out), len);
}
std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}
}  // namespace

std::string sha256Hex(std::string_view data) { return hex(digest(EVP_sha256(), data)); }
std::string md5Hex(std::string_view data) { return hex(digest(EVP_md5(), data)); }
std::string md5Base64(std::string_view data) {
    std::string raw = digest(EVP_md5(), data);
    unsigned char out[64];
    int n = EVP_EncodeBlock(out, reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
    return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

}  // namespace pgproof::digests
