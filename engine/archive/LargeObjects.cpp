#include "LargeObjects.hpp"

#include "FrameLoop.hpp"

#include <algorithm>

#include "Errors.hpp"
#include "TextLines.hpp"

namespace pgproof {

std::string largeObjectSummary(std::string_view row) {
    const size_t tab = row.find('\t');
    std::string_view oid = row.substr(0, tab);
    std::string_view data = tab == std::string_view::npos ? std::string_view() : row.substr(tab + 1);
    const size_t prefix = data.rfind("\\\\x", 0) == 0 ? 3 : 0;  // bytea's hex output, escaped by COPY: \\x
    TableFingerprint one;  // the row hash of the fingerprint, alone
    one.addRow(row);
    return std::string(oid) + "\t" + std::to_string((data.size() - prefix) / 2) + "\t" + one.hex();
}

const std::vector<std::string>& largeObjectSummaryColumns() {
    static const std::vector<std::string> columns = {"oid", "bytes", "digest"};
    return columns;
}

namespace {
bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
}  // namespace

void LargeObjectDigest::line(std::string_view line) {
    constexpr std::string_view kOpen = "SELECT pg_catalog.lo_open('";
    constexpr std::string_view kWrite = "SELECT pg_catalog.lowrite(0, ";
    if (startsWith(line, kOpen)) {
        size_t end = line.find('\'', kOpen.size());
        if (end == std::string_view::npos) return;
        row_.assign(line.substr(kOpen.size(), end - kOpen.size()));
        row_ += "\t\\\\x";
        open_ = true;
    } else if (open_ && startsWith(line, kWrite)) {
        // '\x0a0b...' (standard_conforming_strings on) or E'\\x0a0b...' (off).
        std::string_view lit = line.substr(kWrite.size());
        size_t start = lit.find("x");
        size_t end = lit.rfind('\'');
        if (start == std::string_view::npos || end == std::string_view::npos || end <= start) return;
        row_.append(lit.substr(start + 1, end - start - 1));
    } else if (open_ && startsWith(line, "SELECT pg_catalog.lo_close(0);")) {
        fp_.addRow(row_);
        if (onRow_) onRow_(row_);
        open_ = false;
    }
}

const TableFingerprint& LargeObjectDigest::fingerprint() const {
    if (open_) throw ProofFailedError("a large object's data ends without lo_close: the dump's BLOBS entry is truncated");
    return fp_;
}

TableFingerprint fingerprintArchiveLargeObjects(const ArchiveReader& archive, const LargeObjectRowSink& onRow) {
    const Manifest& m = archive.manifest();
    // Only the BLOBS entries matter (one, or a few): pick them once, not for every frame.
    std::vector<const TocEntry*> blobs;
    for (const auto& e : m.toc)
        if (e.type == "BLOBS" || e.type == "LARGE OBJECTS") blobs.push_back(&e);
    LargeObjectDigest digest(onRow);
    // The frames that hold a part of a BLOBS entry, with where each starts in the script, read in order.
    struct Piece {
        const FrameEntry* frame;
        uint64_t start;
        const TocEntry* entry;
    };
    std::vector<Piece> pieces;
    uint64_t frameStart = 0;
    for (const auto& seg : m.segments) {
        for (const auto& f : seg.frames) {
            uint64_t frameEnd = frameStart + f.raw;
            for (const TocEntry* blob : blobs)
                if (blob->offset < frameEnd && blob->offset + blob->length > frameStart) pieces.push_back({&f, frameStart, blob});
            frameStart = frameEnd;
        }
    }
    FrameLoop(archive, pieces.size(), [&](size_t i) -> const FrameEntry& { return *pieces[i].frame; },
              [](size_t) { return std::string("a frame of the large objects' data"); }, "reading the large objects")
        .inOrder([&](size_t i, std::string& raw) {
            const Piece& p = pieces[i];
            const TocEntry& e = *p.entry;
            uint64_t from = std::max(e.offset, p.start) - p.start;
            uint64_t to = std::min(e.offset + e.length, p.start + p.frame->raw) - p.start;
            std::string_view part = std::string_view(raw).substr(from, to - from);
            forEachLine(part, [&](std::string_view line, size_t) { digest.line(line); });
        });
    return digest.fingerprint();
}

}  // namespace pgproof
