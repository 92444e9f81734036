#pragma once
// Splits a plain-format pg_dump stream into line-aligned chunks, each inside
// one segment: a stretch of SQL, or the rows of one table's COPY block.
// It is the serial first stage of the backup pipeline: it only finds line and
// block boundaries (memchr/memmem speed); hashing and compression run later,
// in parallel, on the chunks it hands out.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "DumpToc.hpp"
#include "LargeObjects.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof {

// One table whose rows the dump carries.
struct DumpTable {
    QualifiedName id;                  // the leaf table (from "-- Data for Name:" when via partition root)
    std::vector<std::string> columns;  // as in the COPY line
    std::string copyLine;              // the COPY ... FROM stdin; line, as pg_dump wrote it
};

struct DumpSequence {
    QualifiedName id;
    int64_t lastValue = 0;
    bool isCalled = false;
};

struct DumpChunk {
    enum class Kind { Sql, Rows };
    Kind kind = Kind::Sql;
    int segment = 0;                    // segments are numbered from 0 in stream order
    int table = -1;                     // for Rows: index of the table (order of first appearance)
    std::optional<DumpTable> opensTable;  // set on the first chunk of a table's rows segment
    std::string bytes;                  // whole lines, except in the pieces of a long row (below)
    // A row longer than the splitter's long line is not held whole: it is handed out in pieces of about
    // one chunk target, which make one frame together. The first piece starts the row and has
    // frameGoesOn; the following ones have continuesFrame, and all but the last (ending at the row's
    // '\n') frameGoesOn too.
    bool continuesFrame = false;  // these bytes go on the previous chunk's frame
    bool frameGoesOn = false;     // the frame goes on in the next chunk
};

class DumpSplitter {
public:
    // read(buf, cap) returns bytes read, 0 at end of input; it may throw.
    using ReadFunction = std::function<size_t(char*, size_t)>;

    // A row of `longLine` bytes or more is handed out in pieces (DumpChunk::frameGoesOn) instead of whole,
    // so that memory does not grow with the longest value.
    static constexpr size_t kLongLine = 16u << 20;
    DumpSplitter(ReadFunction read, size_t chunkTarget, size_t longLine = kLongLine);
    ~DumpSplitter();

    // The next chunk, or nullopt at the end of the stream.
    // Throws BadInputError when the input is not a plain pg_dump script
    // and IncompleteError when it ends in the middle.
    std::optional<DumpChunk> next();
    // The same, filling `out` in place so that its buffer's capacity is reused; false at the end.
    bool next(DumpChunk& out);

    // Valid after next() returned nullopt.
    const std::vector<DumpSequence>& sequences() const { return sequences_; }
    uint64_t largeObjects() const { return largeObjects_; }
    // Fingerprint of the large objects' oids and data (the BLOBS entries).
    const TableFingerprint& largeObjectsFingerprint() const { return largeObjectData_.fingerprint(); }
    // The dump's table of contents, with byte ranges in the script (call once, at the end).
    std::vector<TocEntry> takeToc() { return toc_.finish(scriptPos_); }
    uint64_t bytesIn() const { return bytesIn_; }
    size_t tableCount() const { return tableCount_; }

private:
    bool fill(size_t want);  // ensure `want` unread bytes unless EOF; false if none left
    size_t available() const { return end_ - pos_; }
    void checkStart();
    void analyzeSqlLine(std::string_view line, uint64_t offset);
    bool nextSql(DumpChunk& out);
    bool nextRows(DumpChunk& out);
    bool nextLongRowPiece(DumpChunk& out);

    ReadFunction read_;
    size_t target_;
    size_t longLine_;
    bool inLongRow_ = false;  // the pieces of a long row are being handed out
    std::unique_ptr<char[]> buf_;
    size_t cap_ = 0, pos_ = 0, end_ = 0;
    bool eof_ = false;
    bool started_ = false;
    bool inRows_ = false;
    bool complete_ = false;
    int segment_ = 0;
    int currentTable_ = -1;
    std::string currentTableName_;  // of the rows being read, for messages
    size_t tableCount_ = 0;
    TocBuilder toc_;
    LargeObjectDigest largeObjectData_;
    uint64_t scriptPos_ = 0;          // offset in the script of the next byte handed out
    std::string restrictKey_;         // pg_dump's \restrict key, if any
    bool unrestricted_ = false;       // the matching \unrestrict line was seen
    std::optional<DumpTable> pendingTable_;
    std::vector<DumpSequence> sequences_;
    uint64_t largeObjects_ = 0;
    uint64_t bytesIn_ = 0;
};

// Parses "COPY schema.table (a, b) FROM stdin;"; nullopt if the line is not one.
std::optional<DumpTable> parseCopyLine(std::string_view line);
// Parses the identity in "-- Data for Name: t; Type: TABLE DATA; Schema: s; Owner: o".
std::optional<QualifiedName> parseDataHeader(std::string_view line);
// Parses "SELECT pg_catalog.setval('public.s', 42, true);".
std::optional<DumpSequence> parseSetval(std::string_view line);

}  // namespace pgproof
