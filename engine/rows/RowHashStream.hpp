#pragma once
// The rows fingerprint of COPY text that arrives in pieces cut anywhere, even inside a row (a 600 MB
// line decompressed or read a MiB at a time), without holding any row whole. A row that spans pieces
// is hashed with XXH3's streaming state, which yields the same XXH3-128 as the one-shot hash of the
// whole row: the result equals fingerprintRows() of the concatenated pieces, byte for byte.
#include <memory>
#include <string_view>

#include "TableFingerprint.hpp"

namespace pgproof {

class RowHashStream {
public:
    RowHashStream();
    ~RowHashStream();
    RowHashStream(const RowHashStream&) = delete;
    RowHashStream& operator=(const RowHashStream&) = delete;

    void feed(std::string_view piece);
    // The rows fed so far; bytes after the last '\n' count as one more row, as in fingerprintRows().
    TableFingerprint finish();
    // True when nothing was fed since the last '\n' (the bytes so far end at a line boundary).
    bool atLineEnd() const { return !partial_; }

private:
    struct State;
    std::unique_ptr<State> state_;
    TableFingerprint done_;
    bool partial_ = false;  // a row has begun and its '\n' has not arrived
};

}  // namespace pgproof
