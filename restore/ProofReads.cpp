#include "ProofReads.hpp"

#include <chrono>

#include "Errors.hpp"
#include "HugeValues.hpp"
#include "RestoreCost.hpp"
#include "Interrupt.hpp"

namespace pgproof {

namespace {

// Like the verification's own reads: ranges of 64 MiB of pages, only for tables of more than 1.5 of them.
constexpr uint64_t kRangePages = 8192;
// Heap pages from the rows' COPY text: tuple headers and alignment make the heap larger than the text.
// Only the work is split by this estimate; the last range is open-ended, so every row is read whatever it is.
uint64_t estimatedPages(uint64_t rawBytes) { return rawBytes / 8192 * 13 / 10 + 1; }

// Whether the rows of table `t` were archived with a frame of kHugeValueBytes or more (a line that long).
bool holdsLongLine(const Manifest& manifest, size_t t) {
    for (const auto& segment : manifest.segments)
        if (segment.kind == SegmentEntry::Kind::Rows && segment.table == static_cast<int>(t))
            for (const auto& frame : segment.frames)
                if (frame.raw >= kHugeValueBytes) return true;
    return false;
}

}  // namespace

ProofReads::ProofReads(const Manifest& manifest, PinnedSettings settings, bool asConnectingUser, bool ranges)
    : manifest_(manifest), settings_(std::move(settings)), asConnectingUser_(asConnectingUser), ranges_(ranges) {
    readings_.resize(manifest.tables.size());
}

bool ProofReads::covers(size_t t) const {
    const TableEntry& table = manifest_.tables[t];
    if (table.rowsTotal) return false;
    auto target = table.copyTarget();
    return target && *target == table.id();
}

std::vector<size_t> ProofReads::addJobs(RestoreScheduler& scheduler, size_t t, const std::vector<size_t>& after) {
    const TableEntry& table = manifest_.tables[t];
    readings_[t] = std::make_unique<Reading>();
    readings_[t]->result.id = table.id();
    readings_[t]->result.fingerprinted = true;
    const uint64_t pages = estimatedPages(table.rawBytes);
    const std::vector<TidRange> parts = !ranges_ || pages <= kRangePages + kRangePages / 2
                                            ? std::vector<TidRange>{TidRange{}}
                                            : pageRanges(pages, (pages + kRangePages - 1) / kRangePages);
    std::vector<size_t> ids;
    for (const TidRange& range : parts) {
        RestoreJob job;
        job.label = "proof read of " + table.id().display();
        job.work = RestoreWork::Proof;
        job.weight = restoreWeight(table, table.rawBytes / parts.size());
        job.after = after;
        job.locks = {{table.id(), LockMode::AccessShare}};
        job.run = [this, t, range](PgConnection& conn) { read(conn, t, range); };
        ids.push_back(scheduler.add(std::move(job)));
    }
    return ids;
}

void ProofReads::read(PgConnection& conn, size_t t, const TidRange& range) {
    const TableEntry& table = manifest_.tables[t];
    Reading& reading = *readings_[t];
    LiveTableRequest request{table.id(), table.columns, 0, false, "", nullptr};
    // A value of kHugeValueBytes makes a COPY line as long, which the backup wrote as a frame of its own:
    // only a table with such a frame is read looking for rows with one (they are read apart, in pieces).
    request.hugeValues = holdsLongLine(manifest_, t);
    auto t0 = std::chrono::steady_clock::now();
    try {
        conn.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting the proof read of " + table.id().display());
        if (asConnectingUser_) conn.exec("SET LOCAL ROLE NONE", "reading as the connecting user");
        conn.pinSettingsForTransaction(settings_);
        TableFingerprint fp = fingerprintTableRange(conn, request, range);
        conn.exec("COMMIT", "ending the proof read of " + table.id().display());
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::lock_guard lock(reading.mutex);
        reading.result.fingerprint.add(fp);
        reading.result.seconds += seconds;
    } catch (const InterruptedError&) {
        throw;
    } catch (const IncompleteError& e) {
        // The table could not be read (the verification names it, exit 3); a lost connection stops the restore.
        if (!conn.ok()) throw;
        PgResult rollback(PQexec(conn.get(), "ROLLBACK"));
        throwIfInterrupted("reading " + table.id().display());
        std::lock_guard lock(reading.mutex);
        if (reading.result.error.empty()) reading.result.error = e.what();
    }
}

std::map<QualifiedName, LiveTableResult> ProofReads::results() const {
    std::map<QualifiedName, LiveTableResult> out;
    for (const auto& r : readings_)
        if (r) {
            std::lock_guard lock(r->mutex);
            out[r->result.id] = r->result;
        }
    return out;
}

}  // namespace pgproof
