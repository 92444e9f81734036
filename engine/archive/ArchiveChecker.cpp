#include "ArchiveChecker.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string_view>

#include "TextLines.hpp"
#include "Errors.hpp"
#include "LargeObjects.hpp"
#include "FrameLoop.hpp"
#include "Interrupt.hpp"
#include "RowHashStream.hpp"
#include "ScriptFollower.hpp"
#include "WorkProgress.hpp"

namespace pgproof {

bool CheckReport::ok() const { return failures() == 0; }

size_t CheckReport::failures() const {
    size_t n = problems.size();
    for (const auto& t : tables) n += t.ok() ? 0 : 1;
    return n;
}

namespace {
struct FrameRef {
    size_t segment;
    size_t frame;
};
struct FrameOutcome {
    TableFingerprint rows;
    std::string error;  // the whole message, naming the frame
};

std::string frameName(const Manifest& m, const FrameRef& ref) {
    const auto& s = m.segments[ref.segment];
    const auto& f = s.frames[ref.frame];
    std::string what = "frame " + std::to_string(ref.frame + 1) + "/" + std::to_string(s.frames.size()) +
                       " at offset " + std::to_string(f.offset);
    if (s.kind == SegmentEntry::Kind::Rows)
        what += " (rows of table " + m.tables[static_cast<size_t>(s.table)].id().display() + ")";
    else
        what += " (SQL segment " + std::to_string(ref.segment) + ")";
    return what;
}
// The TOC must tile the script exactly, and each TABLE DATA entry must hold its table's rows segment.
void checkToc(const Manifest& m, CheckReport& report) {
    if (m.toc.empty()) return;
    std::vector<uint64_t> segStart(m.segments.size() + 1, 0);
    for (size_t s = 0; s < m.segments.size(); ++s) {
        uint64_t raw = 0;
        for (const auto& f : m.segments[s].frames) raw += f.raw;
        segStart[s + 1] = segStart[s] + raw;
    }
    const uint64_t scriptSize = segStart.back();
    std::vector<int> tableEntries(m.tables.size(), 0);
    for (size_t i = 0; i < m.toc.size(); ++i) {
        const TocEntry& e = m.toc[i];
        uint64_t expectEnd = i + 1 < m.toc.size() ? m.toc[i + 1].offset : scriptSize;
        if (e.offset + e.length != expectEnd || e.offset > scriptSize) {
            report.problems.push_back("the manifest's table of contents does not tile the script at entry " + std::to_string(i + 1) +
                                      " (" + e.label() + "): the manifest is damaged");
            return;
        }
        if (e.table < 0) continue;
        auto t = static_cast<size_t>(e.table);
        ++tableEntries[t];
        auto seg = static_cast<size_t>(m.tables[t].segment);
        if (seg >= m.segments.size() || segStart[seg] < e.offset || segStart[seg + 1] > e.offset + e.length)
            report.problems.push_back("the table of contents places the rows of " + m.tables[t].id().display() +
                                      " outside its entry " + e.label() + ": the manifest is damaged");
    }
    for (size_t t = 0; t < m.tables.size(); ++t)
        if (tableEntries[t] != 1)
            report.problems.push_back("table " + m.tables[t].id().display() + " has " + std::to_string(tableEntries[t]) +
                                      " TABLE DATA entries in the table of contents (expected 1): the manifest is damaged");
}

void judgeLargeObjects(const Manifest& m, CheckReport& report);

// Rebuilds the large objects' fingerprint from the lines of the BLOBS entries.
void checkLargeObjects(const ArchiveReader& archive, CheckReport& report) {
    const Manifest& m = archive.manifest();
    if (m.largeObjectsFingerprint.empty() || m.toc.empty()) return;
    try {
        report.largeObjects = fingerprintArchiveLargeObjects(archive);
    } catch (const std::exception& e) {
        report.problems.push_back(std::string("large objects: ") + e.what());
        return;
    }
    judgeLargeObjects(m, report);
}

}  // namespace

namespace {
std::vector<FrameRef> frameRefs(const Manifest& m) {
    std::vector<FrameRef> refs;
    for (size_t s = 0; s < m.segments.size(); ++s)
        for (size_t f = 0; f < m.segments[s].frames.size(); ++f) refs.push_back({s, f});
    return refs;
}

// Layout: the frames must cover [0, manifest) exactly, in order, without gaps or overlaps.
void checkLayout(const Manifest& m, const std::vector<FrameRef>& refs, uint64_t manifestOffset, CheckReport& report) {
    std::vector<const FrameEntry*> byOffset;
    for (const auto& r : refs) byOffset.push_back(&m.segments[r.segment].frames[r.frame]);
    std::sort(byOffset.begin(), byOffset.end(), [](auto a, auto b) { return a->offset < b->offset; });
    uint64_t expect = 0;
    for (const auto* f : byOffset) {
        if (f->offset != expect) {
            report.problems.push_back("the frames do not tile the file: expected a frame at offset " +
                                      std::to_string(expect) + ", found one at " + std::to_string(f->offset));
            return;
        }
        expect = f->offset + f->compressed;
    }
    if (expect != manifestOffset)
        report.problems.push_back("the frames end at offset " + std::to_string(expect) +
                                  " but the manifest starts at " + std::to_string(manifestOffset));
}

// The verdict from every frame's outcome (decoded by either reader): tables recounted and
// re-fingerprinted, damaged frames named, the TOC's consistency.
void judgeFrames(const Manifest& m, const std::vector<FrameRef>& refs, const std::vector<FrameOutcome>& outcomes,
                 CheckReport& report) {
    report.frames = refs.size();
    report.tables.resize(m.tables.size());
    for (size_t t = 0; t < m.tables.size(); ++t) report.tables[t].table = &m.tables[t];
    for (size_t i = 0; i < refs.size(); ++i) {
        const auto& seg = m.segments[refs[i].segment];
        const auto& f = seg.frames[refs[i].frame];
        report.rawBytes += f.raw;
        std::string error = outcomes[i].error;
        if (error.empty() && seg.kind == SegmentEntry::Kind::Rows && outcomes[i].rows.rows != f.rows)
            error = frameName(m, refs[i]) + " holds " + std::to_string(outcomes[i].rows.rows) + " rows, the manifest says " +
                    std::to_string(f.rows);
        if (seg.kind == SegmentEntry::Kind::Rows) {
            auto& tc = report.tables[static_cast<size_t>(seg.table)];
            tc.actual.add(outcomes[i].rows);
            if (!error.empty()) tc.problems.push_back(error);
        } else if (!error.empty()) {
            report.problems.push_back(error);
        }
    }
    for (auto& tc : report.tables) {
        if (!tc.problems.empty()) continue;
        if (tc.actual.rows != tc.table->rows)
            tc.problems.push_back("rows: archive holds " + std::to_string(tc.actual.rows) + ", manifest says " +
                                  std::to_string(tc.table->rows));
        else if (tc.actual.hex() != tc.table->fingerprint)
            tc.problems.push_back("fingerprint: archive rows hash to " + tc.actual.hex() + ", manifest says " +
                                  tc.table->fingerprint);
    }
    checkToc(m, report);
}

void judgeLargeObjects(const Manifest& m, CheckReport& report) {
    if (!report.largeObjects) return;
    if (report.largeObjects->rows != m.largeObjects || report.largeObjects->hex() != m.largeObjectsFingerprint)
        report.problems.push_back("large objects: the archive holds " + std::to_string(report.largeObjects->rows) +
                                  " with fingerprint " + report.largeObjects->hex() + ", the manifest says " +
                                  std::to_string(m.largeObjects) + " with " + m.largeObjectsFingerprint + ": the archive is damaged");
}
}  // namespace

CheckReport checkArchive(OpenedArchive& archive, int jobs) {
    return archive.reader() ? checkArchive(*archive.reader(), jobs) : checkArchiveStream(*archive.stream(), jobs);
}

CheckReport checkArchive(const ArchiveReader& archive, int jobs) {
    auto start = std::chrono::steady_clock::now();
    const Manifest& m = archive.manifest();
    CheckReport report;
    std::vector<FrameRef> refs = frameRefs(m);
    checkLayout(m, refs, archive.manifestOffset(), report);

    WorkProgress& progress = WorkProgress::process();
    progress.startPhase("checking", "tables", m.tables.size(), m.totalRawBytes());
    std::vector<uint64_t> framesPerTable(m.tables.size());
    for (const auto& r : refs)
        if (m.segments[r.segment].kind == SegmentEntry::Kind::Rows) ++framesPerTable[static_cast<size_t>(m.segments[r.segment].table)];
    TableCountdown tablesDone(framesPerTable);

    std::vector<FrameOutcome> outcomes(refs.size());
    auto frameDone = [&](size_t i) {
        const auto& seg = m.segments[refs[i].segment];
        const auto& f = seg.frames[refs[i].frame];
        progress.addBytes(f.raw);
        progress.addWork(f.raw);
        progress.addRows(outcomes[i].rows.rows);
        if (seg.kind == SegmentEntry::Kind::Rows) tablesDone.pieceDone(static_cast<size_t>(seg.table));
    };
    FrameLoop loop(archive, refs.size(), [&](size_t i) -> const FrameEntry& { return m.segments[refs[i].segment].frames[refs[i].frame]; },
                   [&](size_t i) { return frameName(m, refs[i]); }, "checking the archive");
    // A huge row's frame: decompressed and hashed a MiB at a time, never held whole (one hash per thread:
    // a thread works on one frame at a time).
    thread_local std::optional<RowHashStream> pieceRows;
    loop.inPieces({.begin = [&](size_t) { pieceRows.emplace(); },
                   .piece = [&](size_t i, std::string_view piece) {
                       if (m.segments[refs[i].segment].kind == SegmentEntry::Kind::Rows) pieceRows->feed(piece);
                   },
                   .end = [&](size_t i) {
                       outcomes[i].rows = pieceRows->finish();
                       frameDone(i);
                   }});
    loop.parallelEach(
        jobs,
        [&](size_t i, std::string& raw) {
            if (m.segments[refs[i].segment].kind == SegmentEntry::Kind::Rows) outcomes[i].rows = fingerprintRows(raw);
            frameDone(i);
        },
        [&](size_t i, const std::string& error) {
            outcomes[i].error = error;
            frameDone(i);
        });
    judgeFrames(m, refs, outcomes, report);
    if (report.problems.empty()) {
        checkLargeObjects(archive, report);
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

StreamFrameLog::StreamFrameLog() = default;

void StreamFrameLog::record(const StreamedFrame& f) {
    records_.push_back({f.offset, f.compressed, f.rawBytes, f.rows, f.damage});
}

CheckReport StreamFrameLog::judge(const Manifest& m, uint64_t manifestOffset, std::optional<TableFingerprint> largeObjects,
                                  const std::string& largeObjectsProblem) const {
    CheckReport report;
    std::vector<FrameRef> refs = frameRefs(m);
    checkLayout(m, refs, manifestOffset, report);
    // The frames the stream held must be exactly the manifest's: same offsets, same sizes.
    std::vector<FrameOutcome> outcomes(refs.size());
    std::vector<bool> matched(records_.size(), false);
    for (size_t i = 0; i < refs.size(); ++i) {
        const FrameEntry& f = m.segments[refs[i].segment].frames[refs[i].frame];
        auto it = std::lower_bound(records_.begin(), records_.end(), f.offset,
                                   [](const Record& r, uint64_t off) { return r.offset < off; });
        std::string what = frameName(m, refs[i]);
        if (it == records_.end() || it->offset != f.offset) {
            outcomes[i].error = what + " is not in the stream: the archive is damaged";
            continue;
        }
        matched[static_cast<size_t>(it - records_.begin())] = true;
        if (!it->damage.empty()) outcomes[i].error = what + " is damaged: " + it->damage;
        else if (it->compressed != f.compressed)
            outcomes[i].error = what + " is damaged: it is " + std::to_string(it->compressed) + " bytes long, the manifest says " +
                                std::to_string(f.compressed);
        else if (it->raw != f.raw)
            outcomes[i].error = what + " is damaged: it holds " + std::to_string(it->raw) + " bytes, the manifest says " +
                                std::to_string(f.raw);
        else outcomes[i].rows = it->rows;
    }
    for (size_t r = 0; r < records_.size(); ++r)
        if (!matched[r]) {
            report.problems.push_back("the stream holds a frame at offset " + std::to_string(records_[r].offset) +
                                      " that the manifest does not list: the archive is damaged");
            break;
        }
    judgeFrames(m, refs, outcomes, report);
    if (report.problems.empty() && !m.largeObjectsFingerprint.empty() && !m.toc.empty()) {
        if (!largeObjectsProblem.empty()) report.problems.push_back("large objects: " + largeObjectsProblem);
        else {
            report.largeObjects = largeObjects;
            judgeLargeObjects(m, report);
        }
    }
    return report;
}

CheckReport checkArchiveStream(ArchiveStream& stream, int jobs) {
    auto start = std::chrono::steady_clock::now();
    StreamFrameLog log;
    ScriptFollower script;
    // A stream's totals are in its manifest, at the end: the line counts what has arrived.
    WorkProgress& progress = WorkProgress::process();
    progress.startPhase("checking", "tables");
    auto entryDone = [&](const TocEntry& e, std::string_view) {
        if (e.type == "TABLE DATA") progress.addDone();
    };
    auto rowsFrame = [&](const StreamedFrame& f) {
        script.rowsFrame(f.rawBytes);
        progress.addRows(f.rows.rows);
    };
    // A huge row's frame: hashed a MiB at a time as it is decoded, never held (decodeArchiveStream).
    bool firstPiece = false, hugeRows = false;
    StreamPieces pieces{.begin = [&](const StreamedFrame&) { firstPiece = true; },
                        .piece = [&](std::string_view piece) {
                            if (firstPiece) hugeRows = script.isRows(piece);
                            firstPiece = false;
                        },
                        .end = [&](StreamedFrame& f) {
                            if (f.damage.empty() && !hugeRows) f.damage = "it is a frame of one long row where the script holds no table's rows";
                            log.record(f);
                            progress.addBytes(f.rawBytes);
                            if (f.damage.empty()) rowsFrame(f);
                        }};
    decodeArchiveStream(
        stream, jobs,
        [&](StreamedFrame& f) {
            log.record(f);
            progress.addBytes(f.rawBytes);
            if (!f.damage.empty()) return;  // named once the manifest says what the frame held
            if (script.isRows(f.raw)) rowsFrame(f);
            else script.sqlFrame(f.raw, entryDone);
        },
        &pieces);
    std::optional<TableFingerprint> lo;
    std::string loProblem;
    try {
        script.finish(entryDone);
        lo = script.largeObjects();
    } catch (const std::exception& e) {
        loProblem = e.what();
    }
    CheckReport report = log.judge(stream.manifest(), stream.manifestOffset(), lo, loProblem);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace pgproof
