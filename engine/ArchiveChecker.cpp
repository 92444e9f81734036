#include "ArchiveChecker.hpp"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <chrono>

#include "Errors.hpp"
#include "Interrupt.hpp"

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
    std::string error;
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
}  // namespace

CheckReport checkArchive(const ArchiveReader& archive, int jobs) {
    auto start = std::chrono::steady_clock::now();
    const Manifest& m = archive.manifest();
    CheckReport report;

    std::vector<FrameRef> refs;
    for (size_t s = 0; s < m.segments.size(); ++s)
        for (size_t f = 0; f < m.segments[s].frames.size(); ++f) refs.push_back({s, f});
    report.frames = refs.size();

    // Layout: the frames must cover [0, manifest) exactly, in order, without gaps or overlaps.
    {
        std::vector<const FrameEntry*> byOffset;
        for (const auto& r : refs) byOffset.push_back(&m.segments[r.segment].frames[r.frame]);
        std::sort(byOffset.begin(), byOffset.end(), [](auto a, auto b) { return a->offset < b->offset; });
        uint64_t expect = 0;
        for (const auto* f : byOffset) {
            if (f->offset != expect) {
                report.problems.push_back("the frames do not tile the file: expected a frame at offset " +
                                          std::to_string(expect) + ", found one at " + std::to_string(f->offset));
                break;
            }
            expect = f->offset + f->compressed;
        }
        if (report.problems.empty() && expect != archive.manifestOffset())
            report.problems.push_back("the frames end at offset " + std::to_string(expect) +
                                      " but the manifest starts at " + std::to_string(archive.manifestOffset()));
    }

    std::vector<FrameOutcome> outcomes(refs.size());
    tbb::task_arena arena(std::max(1, jobs));
    arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<size_t>(0, refs.size(), 1), [&](const tbb::blocked_range<size_t>& range) {
            thread_local std::string raw;
            for (size_t i = range.begin(); i != range.end(); ++i) {
                if (interrupted()) return;  // the frames left unchecked are no damage: the run stops below
                const auto& seg = m.segments[refs[i].segment];
                const auto& f = seg.frames[refs[i].frame];
                try {
                    std::string what = frameName(m, refs[i]);
                    std::string compressed = archive.readFrame(f);
                    ArchiveReader::decompressFrame(compressed, f, what, raw);
                    if (!raw.empty() && raw.back() != '\n')
                        throw ProofFailedError(what + " is damaged: it does not end at a line boundary");
                    if (seg.kind == SegmentEntry::Kind::Rows) {
                        outcomes[i].rows = fingerprintRows(raw);
                        if (outcomes[i].rows.rows != f.rows)
                            throw ProofFailedError(what + " holds " + std::to_string(outcomes[i].rows.rows) +
                                                   " rows, the manifest says " + std::to_string(f.rows));
                    }
                } catch (const std::exception& e) {
                    outcomes[i].error = e.what();
                }
            }
        });
    });
    throwIfInterrupted("checking the archive");

    report.tables.resize(m.tables.size());
    for (size_t t = 0; t < m.tables.size(); ++t) report.tables[t].table = &m.tables[t];
    for (size_t i = 0; i < refs.size(); ++i) {
        const auto& seg = m.segments[refs[i].segment];
        report.rawBytes += seg.frames[refs[i].frame].raw;
        if (seg.kind == SegmentEntry::Kind::Rows) {
            auto& tc = report.tables[static_cast<size_t>(seg.table)];
            tc.actual.add(outcomes[i].rows);
            if (!outcomes[i].error.empty()) tc.problems.push_back(outcomes[i].error);
        } else if (!outcomes[i].error.empty()) {
            report.problems.push_back(outcomes[i].error);
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
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace pgproof
