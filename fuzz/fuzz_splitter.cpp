// The dump splitter: the input as pg_dump's plain output on `pgproof backup`'s stdin, split by DumpSplitter
// into SQL and COPY-rows chunks, with the TOC, sequences and large objects it finds. It runs twice, with
// the input in one read and a large chunk target, then in 7-byte reads with a chunk target of 1 to 16
// bytes (from the input's size: every line, row and terminator boundary falls on a read or chunk boundary). Besides the sanitizers' findings,
// a finding is: the chunks of a split that succeeds do not put the input back together, a rows chunk
// that does not end a line, or the two splits disagreeing (how pg_dump's output arrives must not change
// what the backup proves).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "DumpSplitter.hpp"
#include "FuzzSupport.hpp"

namespace {

struct Split {
    bool ok = false;
    std::string joined;
    nlohmann::json found;  // tables, sequences, large objects and TOC (compared as values: dump() wants UTF-8)
};

void finding(const char* what) {
    std::fprintf(stderr, "fuzz_splitter: %s\n", what);
    std::abort();
}

Split split(std::string_view input, size_t target, size_t piece) {
    Split out;
    pgproof::fuzz::expectDocumentedFailures([&] {
        size_t pos = 0;
        pgproof::DumpSplitter splitter(
            [&](char* buf, size_t cap) {
                size_t n = std::min({cap, piece, input.size() - pos});
                std::memcpy(buf, input.data() + pos, n);
                pos += n;
                return n;
            },
            target);
        pgproof::DumpChunk chunk;
        nlohmann::json found = {{"tables", nlohmann::json::array()}, {"sequences", nlohmann::json::array()}};
        while (splitter.next(chunk)) {
            if (chunk.kind == pgproof::DumpChunk::Kind::Rows && !chunk.frameGoesOn && !chunk.bytes.empty() && chunk.bytes.back() != '\n')
                finding("a rows chunk does not end at a line end");
            if (chunk.opensTable)
                found["tables"].push_back({chunk.table, chunk.segment, chunk.opensTable->id.schema, chunk.opensTable->id.name,
                                           chunk.opensTable->columns, chunk.opensTable->copyLine});
            out.joined += chunk.bytes;
        }
        for (const auto& s : splitter.sequences()) found["sequences"].push_back({s.id.schema, s.id.name, s.lastValue, s.isCalled});
        found["large_objects"] = {splitter.largeObjects(), splitter.largeObjectsFingerprint().hex()};
        found["toc"] = pgproof::tocToJson(splitter.takeToc());
        out.found = std::move(found);
        out.ok = true;
    });
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    Split whole = split(input, 1u << 16, input.size() + 1);
    Split pieces = split(input, 1 + size % 16, 7);
    if (whole.ok && whole.joined != input) finding("the chunks do not reassemble the input (one read)");
    if (pieces.ok && pieces.joined != input) finding("the chunks do not reassemble the input (7-byte reads)");
    if (whole.ok != pieces.ok) finding("the input is accepted in one read and refused in 7-byte reads with tiny chunks, or the reverse");
    if (whole.found != pieces.found) finding("the two splits found different tables, sequences, large objects or TOC");
    return 0;
}
