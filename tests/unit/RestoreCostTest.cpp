// The restore scheduler's weights: costly column types weigh more than their bytes.
#include <catch2/catch.hpp>

#include "RestoreCost.hpp"

using namespace pgproof;

TEST_CASE("a table of jsonb, numeric, timestamps and arrays weighs more than an integer table of the same bytes") {
    TableEntry plain;
    plain.columns = {"aid", "bid", "abalance", "filler"};
    plain.types = {"integer", "integer", "integer", "character(84)"};
    plain.rows = 1000000;
    plain.rawBytes = 100000000;
    TableEntry costly = plain;
    costly.columns = {"id", "doc", "amount", "created", "tags"};
    costly.types = {"integer", "jsonb", "numeric(12,2)", "timestamp with time zone", "text[]"};
    CHECK(restoreWeight(plain, plain.rawBytes) == plain.rawBytes);  // plain types: their bytes
    CHECK(extraRowCost(costly) > 0);
    CHECK(restoreWeight(costly, costly.rawBytes) > 2 * costly.rawBytes);
    // A stretch weighs its share of the table's weight.
    CHECK(restoreWeight(costly, costly.rawBytes / 4) * 4 <= restoreWeight(costly, costly.rawBytes));
    // Unknown types (a dump read from stdin) and empty tables weigh their bytes.
    TableEntry unknown = costly;
    unknown.types.clear();
    CHECK(restoreWeight(unknown, 1234) == 1234);
    TableEntry empty;
    CHECK(restoreWeight(empty, 0) == 0);
}
