#include "LargeObjectComparison.hpp"

namespace pgproof {

namespace {
const std::vector<std::string> kOid = {"oid"};
constexpr uint64_t kSummaryBytes = 64;  // about one summary row
}  // namespace

std::unique_ptr<RowSpill> largeObjectSpill(SpillFolder& folder, const std::string& name, uint64_t expectedObjects) {
    const auto& columns = largeObjectSummaryColumns();
    // Both sides are made with the same expected count, so they share one partitioning.
    RowLayout layout = RowLayout::of(columns, kOid, columns);
    unsigned partitions = RowSpill::partitionsFor(expectedObjects * kSummaryBytes, layout, layout);
    return std::make_unique<RowSpill>(folder, name, std::move(layout), partitions);
}

LargeObjectRowSink largeObjectsInto(RowSpill& spill) {
    return [&spill](std::string_view row) { spill.addRows(largeObjectSummary(row) + "\n"); };
}

RowDiffSummary compareLargeObjects(const RowSpill& before, const RowSpill& after, size_t cap, int jobs,
                                   const std::function<void(const RowDifference&)>& onDifference) {
    const auto& columns = largeObjectSummaryColumns();
    return compareRows(before, columns, after, columns, kOid, columns, cap, jobs, onDifference);
}

}  // namespace pgproof
