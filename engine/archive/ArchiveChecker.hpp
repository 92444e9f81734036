#pragma once
// `pgproof check`: proves, without any database, that an archive is intact.
// Every frame is decompressed (in parallel, content checksums verified), every
// table's rows are recounted and re-fingerprinted, and the frames must tile
// the file exactly as the manifest says.
#include <optional>
#include <string>
#include <vector>

#include "ArchiveReader.hpp"
#include "ArchiveStream.hpp"
#include "OpenedArchive.hpp"
#include "TableFingerprint.hpp"

namespace pgproof {

struct TableCheck {
    const TableEntry* table = nullptr;
    TableFingerprint actual;
    std::vector<std::string> problems;  // damaged frames, count or fingerprint mismatch
    bool ok() const { return problems.empty(); }
};

struct CheckReport {
    std::vector<TableCheck> tables;
    std::vector<std::string> problems;  // damage outside table rows (SQL frames, layout, TOC, large objects)
    std::optional<TableFingerprint> largeObjects;  // re-fingerprinted from the BLOBS entries, when the manifest has one
    uint64_t frames = 0;
    uint64_t rawBytes = 0;
    double seconds = 0;
    bool ok() const;
    size_t failures() const;
};

// The check of an archive from any source: frames by offset in parallel where the source has random
// access, else the stream read once in order (checkArchiveStream). Same checks, same messages.
CheckReport checkArchive(OpenedArchive& archive, int jobs);

// The random-access form.
CheckReport checkArchive(const ArchiveReader& archive, int jobs);

// What a stream reader saw of every frame, kept until the manifest arrives (a few numbers per frame,
// not the data), then judged exactly as checkArchive judges a file: same checks, same messages.
class StreamFrameLog {
public:
    StreamFrameLog();
    void record(const StreamedFrame& frame);  // in stream order
    // largeObjects: rebuilt from the stream's BLOBS entries (or the problem found doing so).
    CheckReport judge(const Manifest& manifest, uint64_t manifestOffset, std::optional<TableFingerprint> largeObjects,
                      const std::string& largeObjectsProblem) const;

private:
    struct Record {
        uint64_t offset, compressed, raw;
        TableFingerprint rows;
        std::string damage;
    };
    std::vector<Record> records_;
};

// `pgproof check -`: the same proof from a stream read once, in order, in bounded memory. The verdict
// is decided only after the manifest at the stream's end has been read and matched.
CheckReport checkArchiveStream(ArchiveStream& stream, int jobs);

}  // namespace pgproof
