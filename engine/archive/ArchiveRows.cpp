#include "ArchiveRows.hpp"

#include <map>

#include <algorithm>
#include <mutex>

#include "Errors.hpp"
#include "FrameLoop.hpp"

namespace pgproof {

namespace {

std::string frameName(const TableEntry& table, uint32_t i) { return "frame " + std::to_string(i + 1) + " of the rows of " + table.id().display(); }

// The loop over frames[which(w)] of `table`, w < count (FrameLoop: the first error is kept).
FrameLoop tableFrames(const ArchiveReader& archive, const TableEntry& table, const std::vector<FrameEntry>& frames, size_t count,
                      std::function<uint32_t(size_t)> which) {
    return FrameLoop(
        archive, count,
        [&table, &frames, which](size_t w) -> const FrameEntry& {
            const uint32_t i = which(w);
            if (i >= frames.size()) throw ProofFailedError(frameName(table, i) + " is not in the archive's manifest: the archive is damaged");
            return frames[i];
        },
        [&table, which](size_t w) { return frameName(table, which(w)); },
        "reading the rows of " + table.id().display() + " from the archive");
}

}  // namespace

TableFingerprint readArchiveRows(const ArchiveReader& archive, const TableEntry& table, int jobs,
                                 const std::function<TableFingerprint(std::string_view rows, uint32_t frame)>& sink) {
    const Manifest& m = archive.manifest();
    TableFingerprint total;
    if (table.segment < 0 || static_cast<size_t>(table.segment) >= m.segments.size()) {
        if (table.rows == 0) return total;
        throw ProofFailedError("the archive's manifest places no rows for " + table.id().display() + " but counts " +
                               std::to_string(table.rows) + ": the archive is damaged");
    }
    const auto& frames = m.segments[static_cast<size_t>(table.segment)].frames;
    std::mutex mutex;
    tableFrames(archive, table, frames, frames.size(), [](size_t w) { return static_cast<uint32_t>(w); })
        .parallel(jobs, [&](size_t i, std::string& raw) {
            TableFingerprint part = sink(raw, static_cast<uint32_t>(i));
            std::lock_guard lock(mutex);
            total.add(part);
        });
    if (total.rows != table.rows || total.hex() != table.fingerprint)
        throw ProofFailedError("the archive's rows of " + table.id().display() + " (" + std::to_string(total.rows) +
                               ") do not match its manifest (" + std::to_string(table.rows) + "): the archive is damaged");
    return total;
}

std::vector<std::string> archiveRowsAt(const ArchiveReader& archive, const TableEntry& table, const std::vector<uint64_t>& locations,
                                       int jobs) {
    std::vector<std::string> out(locations.size());
    if (locations.empty()) return out;
    const Manifest& m = archive.manifest();
    if (table.segment < 0 || static_cast<size_t>(table.segment) >= m.segments.size())
        throw ProofFailedError("the archive's manifest places no rows for " + table.id().display() + ": the archive is damaged");
    const auto& frames = m.segments[static_cast<size_t>(table.segment)].frames;
    std::map<uint32_t, std::vector<size_t>> byFrame;  // frame -> positions in `locations`
    for (size_t i = 0; i < locations.size(); ++i) byFrame[static_cast<uint32_t>(locations[i] >> 32)].push_back(i);
    std::vector<const std::pair<const uint32_t, std::vector<size_t>>*> work;
    for (const auto& entry : byFrame) work.push_back(&entry);
    // Rows spread over many frames (a few changed rows per frame) decompress those frames in parallel;
    // each frame fills its own positions of `out`.
    tableFrames(archive, table, frames, work.size(), [&](size_t w) { return work[w]->first; })
        .parallel(jobs, [&](size_t w, std::string& raw) {
            const uint32_t i = work[w]->first;
            for (size_t at : work[w]->second) {
                auto offset = static_cast<size_t>(locations[at] & 0xffffffffu);
                if (offset >= raw.size()) throw ProofFailedError(frameName(table, i) + " is shorter than when it was read: the archive changed");
                size_t nl = raw.find('\n', offset);
                out[at] = raw.substr(offset, (nl == std::string::npos ? raw.size() : nl) - offset);
            }
        });
    return out;
}

}  // namespace pgproof
