#pragma once
// Follows the plain SQL script of an archive read as a stream, frame by frame in order, as psql
// would read `zstd -dc | psql`: which frames are COPY rows (those after an SQL frame that ends with the
// `COPY ... FROM stdin;` of a TABLE DATA entry, until the `\.` that opens the next SQL frame: the
// splitter's rule, TocBuilder::opensRows), pg_dump's TOC entries as they complete (the same TocBuilder
// the backup ran), and the large objects' digest of the BLOBS entries.
// What it finds is checked against the manifest once that has arrived, never trusted before.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "DumpToc.hpp"
#include "LargeObjects.hpp"

namespace pgproof {

class ScriptFollower {
public:
    // Called for each TOC entry once it is complete (the next one began): the entry with its offset and
    // length in the script. `sql` holds its text from the SQL frames (rows excluded), when kept.
    using EntryDone = std::function<void(const TocEntry& entry, std::string_view sql)>;

    // keepSql: hold the text of the entry being read (restore needs it; check does not).
    explicit ScriptFollower(bool keepSql = false) : keepSql_(keepSql) {}

    // Whether the next frame holds COPY rows: the last SQL frame ended with the COPY ... FROM stdin line of
    // a TABLE DATA entry (its first statement) and `next` does not start with the `\.` that closes it.
    bool isRows(std::string_view next) const;
    // The COPY line whose rows follow, and the TABLE DATA entry it belongs to.
    const std::string& copyLine() const { return copyLine_; }
    const TocEntry* copyEntry() const { return builder_.current(); }

    void sqlFrame(std::string_view text, const EntryDone& done);
    void rowsFrame(uint64_t rawBytes);
    // At the end of the script: completes the last entry, returns the table of contents.
    std::vector<TocEntry> finish(const EntryDone& done);

    // The text before the first entry (pg_dump's SET lines), once the first entry has begun.
    const std::optional<std::string>& preamble() const { return preamble_; }
    // The large objects rebuilt from the BLOBS entries' lines; throws ProofFailedError if one was left open.
    TableFingerprint largeObjects() const { return digest_.fingerprint(); }
    uint64_t scriptBytes() const { return offset_; }

private:
    void entryBegan(const EntryDone& done);
    size_t relative(uint64_t scriptOffset) const;  // index into text_ (clamped)

    bool keepSql_;
    TocBuilder builder_;
    LargeObjectDigest digest_;
    uint64_t offset_ = 0;
    bool copyOpen_ = false;
    std::string copyLine_;
    size_t entries_ = 0;
    std::optional<TocEntry> current_;   // copy of the entry being read (the builder only shows its last)
    std::string text_;                  // keepSql: SQL of the script from textStart_ on
    uint64_t textStart_ = 0;
    std::optional<std::string> preamble_;
};

}  // namespace pgproof
