#include "ArchiveRows.hpp"

#include <map>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <mutex>

#include "Errors.hpp"
#include "FrameCodec.hpp"
#include "Interrupt.hpp"

namespace pgproof {

namespace {

std::string frameName(const TableEntry& table, uint32_t i) { return "frame " + std::to_string(i + 1) + " of the rows of " + table.id().display(); }

// Decompresses frames[i] of `table` for each i in `which` on `jobs` threads and hands each to
// `use(w, i, raw)` (w: the position in `which`); the first failure is a ProofFailedError once all have run (or Ctrl-C stopped them).
void forEachFrame(const ArchiveReader& archive, const TableEntry& table, const std::vector<FrameEntry>& frames, size_t count, int jobs,
                  const std::function<uint32_t(size_t)>& which, const std::function<void(size_t, uint32_t, const std::string&)>& use) {
    std::mutex mutex;
    std::string error;
    tbb::task_arena arena(std::max(1, jobs));
    arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<size_t>(0, count, 1), [&](const tbb::blocked_range<size_t>& range) {
            thread_local std::string raw;
            for (size_t w = range.begin(); w != range.end(); ++w) {
                if (interrupted()) return;
                try {
                    const uint32_t i = which(w);
                    std::string what = frameName(table, i);
                    if (i >= frames.size()) throw ProofFailedError(what + " is not in the archive's manifest: the archive is damaged");
                    if (frames[i].raw >= FrameCodec::kPiecesFrom) {
                        // A huge row's frame: its rows are wanted whole (one copy), its compressed bytes never.
                        raw.clear();
                        raw.reserve(frames[i].raw);
                        archive.decodeFrameInPieces(frames[i], what, [&](std::string_view piece) { raw.append(piece); });
                    } else {
                        ArchiveReader::decompressFrame(archive.readFrame(frames[i]), frames[i], what, raw);
                    }
                    use(w, i, raw);
                    if (raw.capacity() > FrameCodec::kPiecesFrom) std::string().swap(raw);  // not kept for the next frame
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex);
                    if (error.empty()) error = e.what();
                }
            }
        });
    });
    throwIfInterrupted("reading the rows of " + table.id().display() + " from the archive");
    if (!error.empty()) throw ProofFailedError(error);
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
    forEachFrame(archive, table, frames, frames.size(), jobs, [](size_t w) { return static_cast<uint32_t>(w); },
                 [&](size_t, uint32_t i, const std::string& raw) {
                     if (!raw.empty() && raw.back() != '\n') throw ProofFailedError(frameName(table, i) + " is damaged: it does not end at a line boundary");
                     TableFingerprint part = sink(raw, i);
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
    forEachFrame(archive, table, frames, work.size(), jobs, [&](size_t w) { return work[w]->first; },
                 [&](size_t w, uint32_t i, const std::string& raw) {
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
