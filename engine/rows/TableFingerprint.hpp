#pragma once
// Fingerprint v1 of a set of rows (docs/FINGERPRINT.md): the row count and the
// sum modulo 2^128 of XXH3-128 (seed 0) of every row's COPY text bytes.
// Sums of disjoint parts add up to the sum of the whole, so any split of the
// work (frames, ctid ranges, connections) gives the same answer.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgproof {

__extension__ typedef unsigned __int128 uint128_t;

struct TableFingerprint {
    uint64_t rows = 0;
    uint128_t sum = 0;

    void addRow(std::string_view row);
    void add(const TableFingerprint& other) {
        rows += other.rows;
        sum += other.sum;
    }
    // 32 lowercase hex digits, most significant first.
    std::string hex() const;
    bool operator==(const TableFingerprint&) const = default;

    static std::string toHex(uint128_t value);
    static std::optional<uint128_t> parseHex(std::string_view hex);
};

// Fingerprint of a block of whole rows, each terminated by '\n'
// (the bytes between a COPY line and its "\." terminator).
TableFingerprint fingerprintRows(std::string_view rows);

}  // namespace pgproof
