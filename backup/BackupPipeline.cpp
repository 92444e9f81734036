#include "BackupPipeline.hpp"

#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "Errors.hpp"
#include "FrameCodec.hpp"
#include "RowHashStream.hpp"
#include "TableFingerprint.hpp"
#include "WorkProgress.hpp"

namespace pgproof {

namespace {

struct FramePart {
    DumpChunk chunk;
    TableFingerprint rows;
    std::string compressed;
};

// A batch of consecutive chunks (up to about one frame's worth of bytes): a dump of thousands of
// small tables has two tiny chunks per table, and handing each through the pipeline on its own costs
// more than compressing it. Each chunk still becomes its own frame.
struct FrameJob {
    std::vector<FramePart> parts;  // only the first `count` are in use; the rest keep their buffers
    size_t count = 0;
};
constexpr size_t kPartsPerJob = 64;
using FrameJobPtr = FrameJob*;

// The frame of a row too long to hold (DumpSplitter hands it out in pieces): compressed and hashed
// piece by piece as the pieces reach the writer, in order, its compressed bytes written as they come.
// FrameCodec::Encoder makes its zstd frame (no content size in its header; the manifest records it).
class LongRowFrame {
public:
    bool open() const { return open_; }
    void begin(uint64_t offset, int level, int jobs) {
        encoder_.begin(level, jobs);
        entry_ = FrameEntry{};
        entry_.offset = offset;
        open_ = true;
    }
    // Feeds one piece; `last` ends the frame. Compressed bytes go to `writer` as zstd produces them.
    void feed(std::string_view piece, bool last, ArchiveWriter& writer) {
        rows_.feed(piece);
        entry_.raw += piece.size();
        encoder_.feed(piece, last, [&](std::string_view compressed) {
            writer.append(compressed);
            entry_.compressed += compressed.size();
        });
        if (last) open_ = false;
    }
    // After the last piece: the frame's manifest entry and its rows' fingerprint.
    FrameEntry entry() const { return entry_; }
    TableFingerprint rows() { return rows_.finish(); }

private:
    FrameCodec::Encoder encoder_;
    RowHashStream rows_;
    FrameEntry entry_;
    bool open_ = false;
};

// Frame jobs are recycled by the writer stage, so their buffers keep their capacity. The pool owns
// every job: the pipeline passes plain pointers, and jobs still in flight when a stage throws (TBB
// drops its tokens on cancellation) are freed with the pool.
class FrameJobPool {
public:
    FrameJob* take() {
        std::lock_guard lock(mutex_);
        if (free_.empty()) {
            owned_.push_back(std::make_unique<FrameJob>());
            return owned_.back().get();
        }
        FrameJob* job = free_.back();
        free_.pop_back();
        return job;
    }
    void give(FrameJob* job) {
        std::lock_guard lock(mutex_);
        free_.push_back(job);
    }

private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<FrameJob>> owned_;
    std::vector<FrameJob*> free_;
};

// Reads "-- Dumped from database version X" style comments from the first SQL chunk.
std::string headerValue(const std::string& sql, const std::string& prefix) {
    auto p = sql.find(prefix);
    if (p == std::string::npos) return {};
    auto e = sql.find('\n', p);
    return sql.substr(p + prefix.size(), e == std::string::npos ? std::string::npos : e - p - prefix.size());
}

}  // namespace

BackupPipelineResult runBackupPipeline(DumpSplitter::ReadFunction read, ArchiveWriter& writer,
                                       const BackupPipelineOptions& options) {
    DumpSplitter splitter(std::move(read), options.frameSize);
    BackupPipelineResult result;
    std::vector<TableFingerprint> sums;
    WorkProgress& progress = WorkProgress::process();
    progress.startPhase("backing up");
    const int jobs = std::max(1, options.jobs);

    FrameJobPool pool;
    LongRowFrame longRow;
    bool ended = false;
    auto split = [&](tbb::flow_control& fc) -> FrameJobPtr {
        if (ended) {
            fc.stop();
            return nullptr;
        }
        FrameJobPtr job = pool.take();
        job->count = 0;
        size_t bytes = 0;
        while (job->count < kPartsPerJob && bytes < options.frameSize) {
            if (job->parts.size() <= job->count) job->parts.emplace_back();
            FramePart& part = job->parts[job->count];
            if (!splitter.next(part.chunk)) {
                ended = true;
                break;
            }
            part.rows = TableFingerprint();
            bytes += part.chunk.bytes.size();
            ++job->count;
        }
        if (job->count == 0) {
            pool.give(job);
            fc.stop();
            return nullptr;
        }
        return job;
    };
    auto work = [&](FrameJobPtr job) -> FrameJobPtr {
        for (size_t i = 0; i < job->count; ++i) {
            FramePart& part = job->parts[i];
            if (part.chunk.continuesFrame || part.chunk.frameGoesOn) continue;  // a long row's piece: the writer's
            if (part.chunk.kind == DumpChunk::Kind::Rows) part.rows = fingerprintRows(part.chunk.bytes);
            if (!part.chunk.bytes.empty()) FrameCodec::encode(part.chunk.bytes, options.level, part.compressed);
        }
        return job;
    };
    auto writePart = [&](FramePart* job) {
        DumpChunk& c = job->chunk;
        if (static_cast<size_t>(c.segment) >= result.segments.size()) {
            result.segments.resize(static_cast<size_t>(c.segment) + 1);
            SegmentEntry& s = result.segments.back();
            s.kind = c.kind == DumpChunk::Kind::Rows ? SegmentEntry::Kind::Rows : SegmentEntry::Kind::Sql;
            s.table = c.table;
        }
        if (c.opensTable) {
            TableEntry t;
            t.schema = c.opensTable->id.schema;
            t.name = c.opensTable->id.name;
            t.columns = c.opensTable->columns;
            t.copyLine = c.opensTable->copyLine;
            t.segment = c.segment;
            result.tables.push_back(std::move(t));
            sums.emplace_back();
            progress.addDone();
        }
        if (result.segments.size() == 1 && result.serverVersion.empty()) {
            result.serverVersion = headerValue(c.bytes, "-- Dumped from database version ");
            result.pgDumpVersion = headerValue(c.bytes, "-- Dumped by pg_dump version ");
            result.clientEncoding = headerValue(c.bytes, "SET client_encoding = '");
            result.clientEncoding = result.clientEncoding.substr(0, result.clientEncoding.find('\''));
        }
        if (c.continuesFrame || c.frameGoesOn) {
            if (!c.continuesFrame) longRow.begin(writer.size(), options.level, jobs);
            if (!longRow.open()) throw IncompleteError("the pieces of a long row arrived out of order: the backup is abandoned");
            longRow.feed(c.bytes, !c.frameGoesOn, writer);
            progress.addBytes(c.bytes.size());
            auto idx = static_cast<size_t>(c.table);
            result.tables[idx].rawBytes += c.bytes.size();
            if (c.frameGoesOn) return;
            FrameEntry f = longRow.entry();
            TableFingerprint rows = longRow.rows();
            f.rows = rows.rows;
            result.segments[static_cast<size_t>(c.segment)].frames.push_back(f);
            progress.addRows(f.rows);
            sums[idx].add(rows);
            return;
        }
        if (!c.bytes.empty()) {
            FrameEntry f;
            f.offset = writer.append(job->compressed);
            f.compressed = job->compressed.size();
            f.raw = c.bytes.size();
            f.rows = job->rows.rows;
            result.segments[static_cast<size_t>(c.segment)].frames.push_back(f);
            progress.addBytes(f.raw);
            if (c.kind == DumpChunk::Kind::Rows) progress.addRows(f.rows);
        }
        if (c.kind == DumpChunk::Kind::Rows) {
            auto idx = static_cast<size_t>(c.table);
            sums[idx].add(job->rows);
            result.tables[idx].rawBytes += c.bytes.size();
        }
    };
    auto write = [&](FrameJobPtr job) {
        for (size_t i = 0; i < job->count; ++i) writePart(&job->parts[i]);
        pool.give(job);
    };

    tbb::task_arena arena(jobs);
    arena.execute([&] {
        tbb::parallel_pipeline(
            static_cast<size_t>(jobs) * 2 + 2,
            tbb::make_filter<void, FrameJobPtr>(tbb::filter_mode::serial_in_order, split) &
                tbb::make_filter<FrameJobPtr, FrameJobPtr>(tbb::filter_mode::parallel, work) &
                tbb::make_filter<FrameJobPtr, void>(tbb::filter_mode::serial_in_order, write));
    });

    for (size_t i = 0; i < result.tables.size(); ++i) {
        result.tables[i].rows = sums[i].rows;
        result.tables[i].fingerprint = sums[i].hex();
    }
    result.sequences = splitter.sequences();
    result.largeObjects = splitter.largeObjects();
    result.largeObjectData = splitter.largeObjectsFingerprint();
    result.toc = splitter.takeToc();
    return result;
}

}  // namespace pgproof
