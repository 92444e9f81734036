#include "TableFingerprint.hpp"

#include <cstring>
#include "XxHash.hpp"

namespace pgproof {

void TableFingerprint::addRow(std::string_view row) {
    XXH128_hash_t h = XXH3_128bits(row.data(), row.size());
    sum += (static_cast<uint128_t>(h.high64) << 64) | h.low64;
    ++rows;
}

std::string TableFingerprint::toHex(uint128_t value) {
    static const char digits[] = "0123456789abcdef";
    std::string out(32, '0');
    for (int i = 31; i >= 0; --i) {
        out[static_cast<size_t>(i)] = digits[static_cast<unsigned>(value & 0xf)];
        value >>= 4;
    }
    return out;
}

std::string TableFingerprint::hex() const { return toHex(sum); }

std::optional<uint128_t> TableFingerprint::parseHex(std::string_view hex) {
    if (hex.size() != 32) return std::nullopt;
    uint128_t v = 0;
    for (char c : hex) {
        unsigned d;
        if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
        else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
        else return std::nullopt;
        v = (v << 4) | d;
    }
    return v;
}

TableFingerprint fingerprintRows(std::string_view rows) {
    TableFingerprint fp;
    const char* p = rows.data();
    const char* end = p + rows.size();
    while (p < end) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        const char* stop = nl ? nl : end;
        fp.addRow(std::string_view(p, static_cast<size_t>(stop - p)));
        p = nl ? nl + 1 : end;
    }
    return fp;
}

}  // namespace pgproof
