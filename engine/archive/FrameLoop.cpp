#include "FrameLoop.hpp"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>

#include "Errors.hpp"
#include "FrameCodec.hpp"
#include "FirstFailure.hpp"
#include "Interrupt.hpp"

namespace pgproof {

void FrameLoop::run(size_t i, std::string& raw, const Use& use) const {
    const FrameEntry& f = frame_(i);
    if (f.raw < FrameCodec::kPiecesFrom) {
        ArchiveReader::decompressFrame(archive_.readFrame(f), f, name_(i), raw);
        use(i, raw);
        return;
    }
    if (pieces_) {
        pieces_->begin(i);
        archive_.decodeFrameInPieces(f, name_(i), [&](std::string_view piece) { pieces_->piece(i, piece); });
        pieces_->end(i);
        return;
    }
    // Wanted whole: one copy of the rows, never the compressed bytes beside it, and not kept for the next frame.
    raw.clear();
    raw.reserve(f.raw);
    archive_.decodeFrameInPieces(f, name_(i), [&](std::string_view piece) { raw.append(piece); });
    use(i, raw);
    std::string().swap(raw);
}

void FrameLoop::parallelEach(int jobs, const Use& use, const std::function<void(size_t, const std::string&)>& failed) const {
    tbb::task_arena arena(std::max(1, jobs));
    arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<size_t>(0, count_, 1), [&](const tbb::blocked_range<size_t>& range) {
            thread_local std::string raw;
            for (size_t i = range.begin(); i != range.end(); ++i) {
                if (interrupted()) return;  // the frames left unread are no damage: the run stops below
                std::string error;
                try {
                    run(i, raw, use);
                } catch (const std::exception& e) {
                    error = e.what();
                }
                if (!error.empty()) failed(i, error);
            }
        });
    });
    throwIfInterrupted(doing_);
}

void FrameLoop::parallel(int jobs, const Use& use) const {
    FirstFailure failure;
    tbb::task_arena arena(std::max(1, jobs));
    arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<size_t>(0, count_, 1), [&](const tbb::blocked_range<size_t>& range) {
            thread_local std::string raw;
            for (size_t i = range.begin(); i != range.end(); ++i) {
                if (failure.stopped()) return;
                try {
                    run(i, raw, use);
                } catch (...) {
                    failure.record(std::current_exception());
                }
            }
        });
    });
    failure.rethrow(doing_);
}

void FrameLoop::inOrder(const Use& use) const {
    std::string raw;
    for (size_t i = 0; i < count_; ++i) {
        throwIfInterrupted(doing_);
        run(i, raw, use);
    }
}

}  // namespace pgproof
