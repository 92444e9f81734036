#include <catch2/catch.hpp>

#include "RowHashStream.hpp"
#include "TableFingerprint.hpp"

using namespace pgproof;

TEST_CASE("fingerprint is order-independent and duplicate-sensitive") {
    auto a = fingerprintRows("1\tx\n2\ty\n3\tz\n");
    auto b = fingerprintRows("3\tz\n1\tx\n2\ty\n");
    REQUIRE(a == b);
    REQUIRE(a.rows == 3);
    auto dup = fingerprintRows("1\tx\n1\tx\n2\ty\n3\tz\n");
    REQUIRE(dup.rows == 4);
    REQUIRE(dup.hex() != a.hex());
}

TEST_CASE("chunk sums add up to the whole") {
    auto whole = fingerprintRows("a\nb\nc\nd\n");
    auto left = fingerprintRows("a\nb\n");
    auto right = fingerprintRows("c\nd\n");
    left.add(right);
    REQUIRE(left == whole);
}

TEST_CASE("empty rows of zero-column tables count") {
    auto fp = fingerprintRows("\n\n\n");
    REQUIRE(fp.rows == 3);
    REQUIRE(fp.hex() != std::string(32, '0'));
}

TEST_CASE("hex is 32 lowercase digits and parses back") {
    auto fp = fingerprintRows("hello\n");
    auto hex = fp.hex();
    REQUIRE(hex.size() == 32);
    REQUIRE(hex.find_first_not_of("0123456789abcdef") == std::string::npos);
    REQUIRE(TableFingerprint::parseHex(hex) == fp.sum);
    REQUIRE_FALSE(TableFingerprint::parseHex("XYZ"));
}

TEST_CASE("sum wraps modulo 2^128") {
    TableFingerprint a;
    a.sum = ~uint128_t{0};
    TableFingerprint b;
    b.sum = 2;
    a.add(b);
    REQUIRE(a.hex() == "00000000000000000000000000000001");
}

TEST_CASE("rows fed in pieces cut anywhere hash as the whole block does") {
    // A long row (past XXH3's 240-byte one-shot paths and its 1 KiB stripes) among short and empty ones.
    std::string longRow(5000, 'x');
    for (size_t i = 0; i < longRow.size(); i += 7) longRow[i] = static_cast<char>('a' + i % 26);
    const std::string block = "1\tshort\n\n" + longRow + "\n2\tlast\n" + longRow.substr(0, 300);
    const TableFingerprint whole = fingerprintRows(block);
    for (size_t piece : {size_t{1}, size_t{3}, size_t{64}, size_t{241}, size_t{1024}, size_t{4999}, block.size()}) {
        RowHashStream stream;
        for (size_t at = 0; at < block.size(); at += piece) stream.feed(std::string_view(block).substr(at, piece));
        CHECK_FALSE(stream.atLineEnd());
        REQUIRE(stream.finish() == whole);
    }
    RowHashStream ended;
    ended.feed("a\nb");
    ended.feed("c\n");
    CHECK(ended.atLineEnd());
    REQUIRE(ended.finish() == fingerprintRows("a\nbc\n"));
}
