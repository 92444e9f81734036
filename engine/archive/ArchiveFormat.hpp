#pragma once
// Byte-level constants of archive format v1 (docs/ARCHIVE.md).
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace pgproof::archive {

constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kZstdFrameMagic = 0xFD2FB528;      // ordinary zstd frame
constexpr uint32_t kManifestFrameMagic = 0x184D2A5E;  // zstd skippable frame, variant E
constexpr uint32_t kTrailerFrameMagic = 0x184D2A5F;   // zstd skippable frame, variant F
constexpr size_t kSkippableHeaderSize = 8;            // magic + payload size, little endian
constexpr size_t kTrailerPayloadSize = 40;
constexpr size_t kTrailerSize = kSkippableHeaderSize + kTrailerPayloadSize;
constexpr std::string_view kTrailerMagic{"PGPROOF\0", 8};

// What the fixed-size trailer at the very end of an archive says.
struct Trailer {
    uint32_t formatVersion = kFormatVersion;
    uint32_t flags = 0;
    uint64_t manifestOffset = 0;  // offset of the manifest's skippable frame header
    uint64_t manifestLength = 0;  // length of the manifest JSON (the frame's payload)
    uint64_t manifestChecksum = 0;  // XXH3-64 (seed 0) of the manifest JSON
};

inline void putLE32(unsigned char* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline void putLE64(unsigned char* p, uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
inline uint32_t getLE32(const unsigned char* p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}
inline uint64_t getLE64(const unsigned char* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

inline std::array<unsigned char, kTrailerSize> encodeTrailer(const Trailer& t) {
    std::array<unsigned char, kTrailerSize> b{};
    putLE32(b.data(), kTrailerFrameMagic);
    putLE32(b.data() + 4, kTrailerPayloadSize);
    std::memcpy(b.data() + 8, kTrailerMagic.data(), 8);
    putLE32(b.data() + 16, t.formatVersion);
    putLE32(b.data() + 20, t.flags);
    putLE64(b.data() + 24, t.manifestOffset);
    putLE64(b.data() + 32, t.manifestLength);
    putLE64(b.data() + 40, t.manifestChecksum);
    return b;
}

// nullopt when the bytes are not a pgproof trailer.
inline std::optional<Trailer> decodeTrailer(const unsigned char* b) {
    if (getLE32(b) != kTrailerFrameMagic || getLE32(b + 4) != kTrailerPayloadSize) return std::nullopt;
    if (std::memcmp(b + 8, kTrailerMagic.data(), 8) != 0) return std::nullopt;
    Trailer t;
    t.formatVersion = getLE32(b + 16);
    t.flags = getLE32(b + 20);
    t.manifestOffset = getLE64(b + 24);
    t.manifestLength = getLE64(b + 32);
    t.manifestChecksum = getLE64(b + 40);
    return t;
}

}  // namespace pgproof::archive
