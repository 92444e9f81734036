#include "FrameLoop.hpp"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>

#include "Errors.hpp"
#include "FirstFailure.hpp"
#include "Interrupt.hpp"

namespace pgproof {

void FrameLoop::decode(size_t i, std::string& raw) const {
    const FrameEntry& f = frame_(i);
    ArchiveReader::decompressFrame(archive_.readFrame(f), f, name_(i), raw);
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
                    decode(i, raw);
                    use(i, raw);
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
                    decode(i, raw);
                    use(i, raw);
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
        decode(i, raw);
        use(i, raw);
    }
}

}  // namespace pgproof
