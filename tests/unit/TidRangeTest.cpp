// Ctid stretches as SQL: the bounds each stretch names, and page stretches that together cover a table
// (the first without a lower bound, the last without an upper one) whatever the sizes.
#include <catch2/catch.hpp>

#include "TidRange.hpp"

using namespace pgproof;

TEST_CASE("a ctid stretch names its bounds, pages as (p,0) and rows as (p,o)") {
    CHECK(TidRange{}.whole());
    CHECK(TidRange{}.condition().empty());
    CHECK(TidRange{Tid{3, 0}, std::nullopt}.condition() == "ctid >= '(3,0)'::pg_catalog.tid");
    CHECK(TidRange{std::nullopt, Tid{0, 7}}.condition() == "ctid < '(0,7)'::pg_catalog.tid");
    CHECK(TidRange{Tid{0, 2}, Tid{5, 0}}.condition() == "ctid >= '(0,2)'::pg_catalog.tid AND ctid < '(5,0)'::pg_catalog.tid");
}

TEST_CASE("page stretches cover the table: open at both ends, each starting where the last ended") {
    for (uint64_t pages : {0, 1, 2, 7, 100, 8193}) {
        for (uint64_t ranges : {0, 1, 2, 3, 16, 200}) {
            INFO(pages << " pages in " << ranges << " stretches");
            auto r = pageRanges(pages, ranges);
            REQUIRE_FALSE(r.empty());
            CHECK(r.size() <= std::max<uint64_t>(1, std::min(pages, ranges)));
            CHECK_FALSE(r.front().from);
            CHECK_FALSE(r.back().to);
            for (size_t i = 1; i < r.size(); ++i) {
                REQUIRE(r[i].from);
                REQUIRE(r[i - 1].to);
                CHECK(r[i].from->page == r[i - 1].to->page);
                CHECK(r[i].from->offset == 0);
                CHECK(r[i].from->page > (r[i - 1].from ? r[i - 1].from->page : 0));
            }
        }
    }
}
