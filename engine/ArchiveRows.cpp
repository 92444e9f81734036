#include "ArchiveRows.hpp"

#include <map>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <mutex>

#include "Errors.hpp"
#include "Interrupt.hpp"

namespace pgproof {

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
    std::string error;
    tbb::task_arena arena(std::max(1, jobs));
    arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<size_t>(0, frames.size(), 1), [&](const tbb::blocked_range<size_t>& range) {
            thread_local std::string raw;
            for (size_t i = range.begin(); i != range.end(); ++i) {
                if (interrupted()) return;
                try {
                    std::string what = "frame " + std::to_string(i + 1) + " of the rows of " + table.id().display();
                    ArchiveReader::decompressFrame(archive.readFrame(frames[i]), frames[i], what, raw);
                    if (!raw.empty() && raw.back() != '\n') throw ProofFailedError(what + " is damaged: it does not end at a line boundary");
                    TableFingerprint part = sink(raw, static_cast<uint32_t>(i));
                    std::lock_guard lock(mutex);
                    total.add(part);
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex);
                    if (error.empty()) error = e.what();
                }
            }
        });
    });
    throwIfInterrupted("reading the rows of " + table.id().display() + " from the archive");
    if (!error.empty()) throw ProofFailedError(error);
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
    std::mutex mutex;
    std::string error;
    tbb::task_arena arena(std::max(1, jobs));
    arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<size_t>(0, work.size(), 1), [&](const tbb::blocked_range<size_t>& range) {
            thread_local std::string raw;
            for (size_t w = range.begin(); w != range.end(); ++w) {
                if (interrupted()) return;
                const auto& [frame, wanted] = *work[w];
                try {
                    std::string what = "frame " + std::to_string(frame + 1) + " of the rows of " + table.id().display();
                    if (frame >= frames.size()) throw ProofFailedError(what + " is not in the archive's manifest: the archive is damaged");
                    ArchiveReader::decompressFrame(archive.readFrame(frames[frame]), frames[frame], what, raw);
                    for (size_t i : wanted) {
                        auto offset = static_cast<size_t>(locations[i] & 0xffffffffu);
                        if (offset >= raw.size()) throw ProofFailedError(what + " is shorter than when it was read: the archive changed");
                        size_t nl = raw.find('\n', offset);
                        out[i] = raw.substr(offset, (nl == std::string::npos ? raw.size() : nl) - offset);
                    }
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex);
                    if (error.empty()) error = e.what();
                }
            }
        });
    });
    throwIfInterrupted("reading rows of " + table.id().display() + " from the archive");
    if (!error.empty()) throw ProofFailedError(error);
    return out;
}

}  // namespace pgproof
