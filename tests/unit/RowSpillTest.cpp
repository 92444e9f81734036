// Row spills: the partition test that lets a row comparison skip partitions holding the same records.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "RowComparison.hpp"
#include "RowSpill.hpp"

using namespace pgproof;

namespace {

std::string rows(int from, int to, const std::string& suffix = "") {
    std::string out;
    for (int i = from; i <= to; ++i) out += std::to_string(i) + "\tname " + std::to_string(i) + suffix + "\t" + std::to_string(i % 7) + "\n";
    return out;
}

const std::vector<std::string> kColumns = {"id", "name", "grade"};

unsigned samePartitions(const RowSpill& a, const RowSpill& b) {
    unsigned same = 0;
    for (unsigned p = 0; p < a.partitions(); ++p) same += a.samePartition(b, p) ? 1 : 0;
    return same;
}

}  // namespace

TEST_CASE("equal rows in another order make every partition the same; one changed row makes one differ") {
    SpillFolder folder(std::filesystem::temp_directory_path());
    const uint64_t size = 64u << 20;  // several partitions
    RowLayout layout = RowLayout::of(kColumns, {"id"}, kColumns);
    layout.keyOnly = true;
    RowSpill before(folder, "before", layout, size), same(folder, "same", layout, size), changed(folder, "changed", layout, size);
    before.addRows(rows(1, 5000));
    same.addRows(rows(2501, 5000));
    same.addRows(rows(1, 2500));
    changed.addRows(rows(1, 1233) + "1234\tname 1234 renamed\t2\n" + rows(1235, 5000));
    before.finish();
    same.finish();
    changed.finish();
    REQUIRE(before.partitions() > 1);
    CHECK(samePartitions(before, same) == before.partitions());
    CHECK(samePartitions(before, changed) == before.partitions() - 1);
    // The join still names the row in the partition that differs.
    auto diff = compareRows(before, kColumns, changed, kColumns, {"id"}, kColumns, 10, 1, nullptr);
    CHECK(diff.changed == 1);
    CHECK(diff.lost == 0);
    CHECK(diff.added == 0);
}

TEST_CASE("values swapped between two keys differ although the multiset of compared values is the same") {
    // Compared on `name` only: the keys keep their rows' count and the names stay the same set, but
    // each key now holds the other's name. The partition test covers the key with its values.
    SpillFolder folder(std::filesystem::temp_directory_path());
    RowLayout layout = RowLayout::of(kColumns, {"id"}, {"name"});
    RowSpill before(folder, "before", layout, 1024), after(folder, "after", layout, 1024);
    before.addRows("1\talice\t1\n2\tbob\t2\n");
    after.addRows("1\tbob\t1\n2\talice\t2\n");
    before.finish();
    after.finish();
    REQUIRE(before.partitions() == 1);
    CHECK_FALSE(before.samePartition(after, 0));
    auto diff = compareRows(before, kColumns, after, kColumns, {"id"}, {"name"}, 10, 1, nullptr);
    CHECK(diff.changed == 2);
}

TEST_CASE("a table without a key losing one of two identical rows differs in that row's partition") {
    SpillFolder folder(std::filesystem::temp_directory_path());
    RowLayout layout = RowLayout::of(kColumns, {}, kColumns);
    RowSpill before(folder, "before", layout, 1024), after(folder, "after", layout, 1024);
    before.addRows("7\tsame\t1\n7\tsame\t1\n8\tother\t2\n");
    after.addRows("8\tother\t2\n7\tsame\t1\n");
    before.finish();
    after.finish();
    CHECK_FALSE(before.samePartition(after, 0));
    auto diff = compareRows(before, kColumns, after, kColumns, {}, kColumns, 10, 1, nullptr);
    CHECK(diff.lost == 1);
    CHECK(diff.added == 0);
}
