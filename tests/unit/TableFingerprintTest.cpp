#include <catch2/catch.hpp>

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
