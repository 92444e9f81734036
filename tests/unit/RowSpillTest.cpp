// Row spills: the partition test that lets a row comparison skip partitions holding the same records.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "RowComparison.hpp"
#include "RowSpill.hpp"
#include "Errors.hpp"
#include "TableFingerprint.hpp"

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

TEST_CASE("equal rows in another order make every partition the same, and one changed row makes one differ") {
    SpillFolder folder(std::filesystem::temp_directory_path());
    const uint64_t size = 64u << 20;  // several partitions
    RowLayout layout = RowLayout::of(kColumns, {"id"}, kColumns);
    layout.keyOnly = true;
    const unsigned parts = RowSpill::partitionsFor(size, layout, layout);
    RowSpill before(folder, "before", layout, parts), same(folder, "same", layout, parts), changed(folder, "changed", layout, parts);
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
    RowSpill before(folder, "before", layout, 1), after(folder, "after", layout, 1);
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
    RowSpill before(folder, "before", layout, 1), after(folder, "after", layout, 1);
    before.addRows("7\tsame\t1\n7\tsame\t1\n8\tother\t2\n");
    after.addRows("8\tother\t2\n7\tsame\t1\n");
    before.finish();
    after.finish();
    CHECK_FALSE(before.samePartition(after, 0));
    auto diff = compareRows(before, kColumns, after, kColumns, {}, kColumns, 10, 1, nullptr);
    CHECK(diff.lost == 1);
    CHECK(diff.added == 0);
}

TEST_CASE("a keyless table's whole rows and its snapshot digests share one partitioning, whatever the table's size") {
    // A digest side alone would take 2 MiB of table per partition, a whole-row side 16 MiB: each
    // choosing its own split a keyless table over a few MiB into different partition counts.
    SpillFolder folder(std::filesystem::temp_directory_path());
    const RowLayout digests = RowLayout::digestOf(0), live = RowLayout::of(kColumns, {}, kColumns);
    for (uint64_t size : {uint64_t{1} << 20, uint64_t{5} << 20, uint64_t{40} << 20, uint64_t{10} << 30}) {
        INFO("table bytes " << size);
        const unsigned parts = RowSpill::partitionsFor(size, digests, live);
        CHECK(parts == RowSpill::partitionsFor(size, live, digests));
        RowSpill before(folder, "before", digests, parts), after(folder, "after", live, parts);
        const std::string all = rows(1, 3000);
        std::string lines, kept;
        size_t at = 0;
        for (int i = 1; i <= 3000; ++i) {
            const size_t nl = all.find('\n', at);
            const std::string row = all.substr(at, nl - at);
            at = nl + 1;
            lines += fingerprintRows(row + "\n").hex() + "\n";  // one row: its fingerprint's sum is its hash
            if (i != 1234) kept += row + "\n";
        }
        const TableFingerprint sum = before.addDigests(lines, "test");
        CHECK(sum == fingerprintRows(all));  // the digests add up to the table's fingerprint
        after.addRows(kept);
        before.finish();
        after.finish();
        REQUIRE(before.partitions() == after.partitions());
        auto diff = compareRows(before, kColumns, after, kColumns, {}, kColumns, 10, 2, nullptr);
        CHECK(diff.lost == 1);
        CHECK(diff.added == 0);
        REQUIRE(diff.rows.size() == 1);
        CHECK(diff.rows[0].row == "row digest " + fingerprintRows(rows(1234, 1234)).hex());
    }
    CHECK(RowSpill::partitionsFor(uint64_t{40} << 20, digests, live) > 1);
}

TEST_CASE("two sides partitioned differently are an error of that comparison, not a crash of the run") {
    SpillFolder folder(std::filesystem::temp_directory_path());
    const RowLayout layout = RowLayout::of(kColumns, {}, kColumns);
    RowSpill before(folder, "before", layout, 2), after(folder, "after", layout, 3);
    before.finish();
    after.finish();
    CHECK_THROWS_AS(compareRows(before, kColumns, after, kColumns, {}, kColumns, 10, 1, nullptr), pgproof::IncompleteError);
}
