#pragma once
// A row source: one table's rows as an archive holds them, frame by frame, decompressed in parallel
// (frames are independent) and checked against the manifest on the way.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>
#include <string_view>

#include "ArchiveReader.hpp"
#include "TableFingerprint.hpp"

namespace pgproof {

// Calls `sink` (from several threads at once) with each frame's rows (whole lines, each ending in
// '\n'); the sink returns their fingerprint (it hashes each row anyway: RowSpill::addRowsAt), and
// readArchiveRows returns the table's. Throws ProofFailedError when a frame is damaged or the rows
// do not match the manifest's count and fingerprint, naming the table: the archive cannot serve as
// the baseline of a row comparison then.
// `sink` also learns the frame's number among the table's frames (for archiveRowsAt).
TableFingerprint readArchiveRows(const ArchiveReader& archive, const TableEntry& table, int jobs,
                                 const std::function<TableFingerprint(std::string_view rows, uint32_t frame)>& sink);

// The rows at `locations` ((frame << 32) | the row's offset in that frame's rows, as a key-only spill
// records them), without their newline, in the order given; only the frames named are read.
std::vector<std::string> archiveRowsAt(const ArchiveReader& archive, const TableEntry& table, const std::vector<uint64_t>& locations,
                                       int jobs = 1);

}  // namespace pgproof
