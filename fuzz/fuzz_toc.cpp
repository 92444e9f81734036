// The model of pg_dump's table of contents (engine/archive/DumpToc), in the forms pgproof reads it:
//   - a plain script (any input not starting with '['): the TOC the backup records (TocBuilder inside
//     DumpSplitter, which splits it with a 16-byte chunk target so that frames are small), and the TOC a
//     stream reader rebuilds from those frames (ScriptFollower, as `check -` and `restore -` read a
//     pipe), each entry made runnable (makeScriptEntry) as a stream restore does;
//   - JSON starting with '[': the "toc" array of a manifest, read by Manifest::fromJson through
//     ArchiveReader::decodeManifest (checksum made to match), then written back.
// Besides the sanitizers' findings, a finding is: the backup's TOC not tiling the script, the stream
// reader taking rows for SQL or SQL for rows, the two TOCs differing, or a TOC not surviving its JSON form.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "ArchiveReader.hpp"
#include "DumpScript.hpp"
#include "DumpSplitter.hpp"
#include "DumpToc.hpp"
#include "FuzzSupport.hpp"
#include "ScriptFollower.hpp"
#include "XxHash.hpp"

namespace {

void finding(const char* what) {
    std::fprintf(stderr, "fuzz_toc: %s\n", what);
    std::abort();
}

void roundTrip(const std::vector<pgproof::TocEntry>& toc) {
    nlohmann::json j = pgproof::tocToJson(toc);
    if (pgproof::tocToJson(pgproof::tocFromJson(j)) != j) finding("a TOC does not survive its JSON form");
}

void fromScript(std::string_view input) {
    size_t pos = 0;
    pgproof::DumpSplitter splitter(
        [&](char* buf, size_t cap) {
            size_t n = std::min(cap, input.size() - pos);
            std::memcpy(buf, input.data() + pos, n);
            pos += n;
            return n;
        },
        16);
    pgproof::ScriptFollower follower(true);
    std::vector<pgproof::ScriptEntry> entries;
    auto done = [&](const pgproof::TocEntry& e, std::string_view sql) { entries.push_back(pgproof::makeScriptEntry(e, sql)); };
    pgproof::DumpChunk chunk;
    while (splitter.next(chunk)) {
        if (chunk.bytes.empty()) continue;  // a table without rows: a rows segment without frames
        bool rows = chunk.kind == pgproof::DumpChunk::Kind::Rows;
        if (follower.isRows(chunk.bytes) != rows) finding(rows ? "the stream reader takes rows for SQL" : "the stream reader takes SQL for rows");
        if (rows) follower.rowsFrame(chunk.bytes.size());
        else follower.sqlFrame(chunk.bytes, done);
    }
    std::vector<pgproof::TocEntry> recorded = splitter.takeToc();
    std::vector<pgproof::TocEntry> streamed = follower.finish(done);
    (void)pgproof::runnablePreamble(follower.preamble().value_or(""));
    for (auto& e : entries) {
        (void)e.sessionSetup();
        (void)pgproof::dropOwnerStatement(e);
    }
    for (size_t i = 0; i < recorded.size(); ++i) {
        uint64_t end = i + 1 < recorded.size() ? recorded[i + 1].offset : input.size();
        if (recorded[i].offset + recorded[i].length != end || recorded[i].offset > input.size()) finding("the TOC does not tile the script");
    }
    // The entries' tables (table, via_root) are the splitter's to say; the stream reader has them from the manifest.
    nlohmann::json backup = pgproof::tocToJson(recorded);
    for (auto& e : backup) {
        e.erase("table");
        e.erase("via_root");
    }
    if (backup != pgproof::tocToJson(streamed)) finding("the stream reader's TOC differs from the backup's");
    roundTrip(recorded);
}

void fromManifest(std::string_view input) {
    std::string body = R"({"format":"pgproof-archive","format_version":1,"compression":{},"segments":[],"tables":[],"toc":)" +
                       std::string(input) + "}";
    pgproof::Manifest m = pgproof::ArchiveReader::decodeManifest(body, XXH3_64bits(body.data(), body.size()), "fuzz");
    roundTrip(m.toc);
    for (auto& e : m.toc) (void)pgproof::makeScriptEntry(e, "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    pgproof::fuzz::expectDocumentedFailures([&] {
        if (!input.empty() && input[0] == '[') fromManifest(input);
        else fromScript(input);
    });
    return 0;
}
