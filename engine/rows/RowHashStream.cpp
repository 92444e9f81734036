#include "RowHashStream.hpp"

#include <cstring>

#include "XxHash.hpp"

namespace pgproof {

struct RowHashStream::State {
    XXH3_state_t xxh;
};

RowHashStream::RowHashStream() : state_(std::make_unique<State>()) {}
RowHashStream::~RowHashStream() = default;

namespace {
void addDigest(TableFingerprint& fp, XXH128_hash_t h) {
    fp.sum += (static_cast<uint128_t>(h.high64) << 64) | h.low64;
    ++fp.rows;
}
}  // namespace

void RowHashStream::feed(std::string_view piece) {
    const char* p = piece.data();
    const char* end = p + piece.size();
    while (p < end) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        if (!nl) {
            if (!partial_) {
                XXH3_128bits_reset(&state_->xxh);
                partial_ = true;
            }
            XXH3_128bits_update(&state_->xxh, p, static_cast<size_t>(end - p));
            return;
        }
        if (partial_) {
            XXH3_128bits_update(&state_->xxh, p, static_cast<size_t>(nl - p));
            addDigest(done_, XXH3_128bits_digest(&state_->xxh));
            partial_ = false;
        } else {
            done_.addRow(std::string_view(p, static_cast<size_t>(nl - p)));
        }
        p = nl + 1;
    }
}

TableFingerprint RowHashStream::finish() {
    if (partial_) {
        addDigest(done_, XXH3_128bits_digest(&state_->xxh));
        partial_ = false;
    }
    TableFingerprint out = done_;
    done_ = {};
    return out;
}

}  // namespace pgproof
