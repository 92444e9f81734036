#pragma once
// Large objects compared object by object, by OID: each side's objects go to a row spill as one short
// row each (largeObjectSummary: oid, bytes, digest), and the two spills are joined like a table's rows,
// so the OIDs lost, added and changed are named in bounded memory, whatever the objects' sizes.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "LargeObjects.hpp"
#include "RowComparison.hpp"
#include "RowSpill.hpp"

namespace pgproof {

// One side's spill; both sides of a comparison must be made with the same `expectedObjects`.
std::unique_ptr<RowSpill> largeObjectSpill(SpillFolder& folder, const std::string& name, uint64_t expectedObjects);
// Where fingerprintLiveLargeObjects / fingerprintArchiveLargeObjects put each object: into `spill`.
LargeObjectRowSink largeObjectsInto(RowSpill& spill);
// Joins the two sides by OID (both finished); as compareRows.
RowDiffSummary compareLargeObjects(const RowSpill& before, const RowSpill& after, size_t cap, int jobs,
                                   const std::function<void(const RowDifference&)>& onDifference = {});

}  // namespace pgproof
