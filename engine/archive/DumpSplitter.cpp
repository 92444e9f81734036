#include "DumpSplitter.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "Errors.hpp"

namespace pgproof {

namespace {
constexpr std::string_view kDumpHeader = "--\n-- PostgreSQL database dump\n";
constexpr std::string_view kDumpComplete = "-- PostgreSQL database dump complete";
// pg_dumpall --globals-only (backup --globals) writes the same kind of script under its own header.
constexpr std::string_view kClusterHeader = "--\n-- PostgreSQL database cluster dump\n";
constexpr std::string_view kClusterComplete = "-- PostgreSQL database cluster dump complete";
constexpr std::string_view kDataHeader = "-- Data for Name: ";
constexpr std::string_view kTerminator = "\\.\n";

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool endsWith(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}
}  // namespace

std::optional<DumpTable> parseCopyLine(std::string_view line) {
    if (!startsWith(line, "COPY ") || !endsWith(line, " FROM stdin;")) return std::nullopt;
    size_t pos = 5;
    auto name = parseQualifiedName(line, pos);
    if (!name) return std::nullopt;
    DumpTable t;
    t.id = *name;
    while (pos < line.size() && line[pos] == ' ') ++pos;
    if (pos < line.size() && line[pos] == '(') {
        auto cols = parseIdentList(line, pos);
        if (!cols) return std::nullopt;
        t.columns = std::move(*cols);
        while (pos < line.size() && line[pos] == ' ') ++pos;
    }
    if (line.substr(pos) != "FROM stdin;") return std::nullopt;
    t.copyLine = std::string(line);
    return t;
}

std::optional<QualifiedName> parseDataHeader(std::string_view line) {
    TocEntry e;
    if (!startsWith(line, kDataHeader) || !parseTocHeader(line, e) || e.type != "TABLE DATA") return std::nullopt;
    return QualifiedName{e.schema, e.name};
}

std::optional<DumpSequence> parseSetval(std::string_view line) {
    constexpr std::string_view kSetval = "SELECT pg_catalog.setval('";
    if (!startsWith(line, kSetval)) return std::nullopt;
    size_t i = kSetval.size();
    std::string regclass;
    while (i < line.size()) {
        if (line[i] == '\'') {
            if (i + 1 < line.size() && line[i + 1] == '\'') {
                regclass += '\'';
                i += 2;
                continue;
            }
            break;
        }
        regclass += line[i++];
    }
    if (i >= line.size()) return std::nullopt;
    std::string_view rest = line.substr(i + 1);  // ", 42, true);"
    if (!startsWith(rest, ", ")) return std::nullopt;
    rest.remove_prefix(2);
    size_t comma = rest.find(", ");
    if (comma == std::string_view::npos) return std::nullopt;
    DumpSequence seq;
    try {
        seq.lastValue = std::stoll(std::string(rest.substr(0, comma)));
    } catch (...) {
        return std::nullopt;
    }
    seq.isCalled = startsWith(rest.substr(comma + 2), "true");
    size_t pos = 0;
    auto name = parseQualifiedName(regclass, pos);
    if (!name || pos != regclass.size()) return std::nullopt;
    seq.id = *name;
    return seq;
}

DumpSplitter::DumpSplitter(ReadFunction read, size_t chunkTarget, size_t longLine)
    : read_(std::move(read)), target_(chunkTarget), longLine_(std::max<size_t>(longLine, 1)) {
    cap_ = chunkTarget * 2 + 65536;
    buf_ = std::make_unique<char[]>(cap_);
}

DumpSplitter::~DumpSplitter() = default;

bool DumpSplitter::fill(size_t want) {
    while (available() < want && !eof_) {
        if (pos_ > 0 && (cap_ - end_ < 65536 || pos_ > cap_ / 2)) {
            std::memmove(buf_.get(), buf_.get() + pos_, available());
            end_ -= pos_;
            pos_ = 0;
        }
        if (cap_ - end_ < 65536 || cap_ < want + 65536) {
            size_t newCap = std::max(cap_ * 2, want + 65536);
            auto grown = std::make_unique<char[]>(newCap);
            std::memcpy(grown.get(), buf_.get() + pos_, available());
            end_ -= pos_;
            pos_ = 0;
            buf_ = std::move(grown);
            cap_ = newCap;
        }
        size_t n = read_(buf_.get() + end_, cap_ - end_);
        if (n == 0) {
            eof_ = true;
            break;
        }
        end_ += n;
        bytesIn_ += n;
    }
    return available() > 0;
}

void DumpSplitter::checkStart() {
    started_ = true;
    fill(kClusterHeader.size());
    std::string_view head(buf_.get() + pos_, available());
    if (head.empty()) throw IncompleteError("the dump stream is empty: pg_dump produced no output");
    if (startsWith(head, "PGDMP"))
        throw BadInputError("input is a custom-format dump (pg_dump -Fc); pgproof needs the plain format: drop -F/--format");
    if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b)
        throw BadInputError("input is gzip-compressed; decompress it first (gzip -dc FILE | pgproof backup --from-stdin ...)");
    if (head.size() >= 4 && std::memcmp(head.data(), "\x28\xb5\x2f\xfd", 4) == 0)
        throw BadInputError("input is zstd-compressed (a pgproof archive?); decompress it first with zstd -dc");
    if (!startsWith(head, kDumpHeader) && !startsWith(head, kClusterHeader))
        throw BadInputError("input is not a plain pg_dump script (it must begin with '-- PostgreSQL database dump')");
}

void DumpSplitter::analyzeSqlLine(std::string_view line, uint64_t offset) {
    toc_.line(line, offset);
    const TocEntry* entry = toc_.current();
    if (line.empty()) return;
    if (line[0] == '-') {
        if (line == kDumpComplete || line == kClusterComplete) complete_ = true;
        return;
    }
    if (line[0] == '\\') {
        if (startsWith(line, "\\restrict ")) restrictKey_ = std::string(line.substr(10));
        else if (startsWith(line, "\\unrestrict ")) unrestricted_ = !restrictKey_.empty() && line.substr(12) == restrictKey_;
        return;
    }
    if (!entry) return;
    const std::string& entryType_ = entry->type;
    // Every line of a BLOBS entry is pg_dump's own (lo_open, lowrite, lo_close): the data of large objects.
    if (entryType_ == "BLOBS" || entryType_ == "LARGE OBJECTS") largeObjectData_.line(line);
    // Only the first statement after a header is the entry's own (the TOC model says which line that is).
    if (!toc_.firstStatement()) return;
    if (entryType_ == "TABLE DATA") {
        if (auto t = parseCopyLine(line)) {
            // Partitions loaded via the root name the root in COPY; the header names the leaf.
            QualifiedName leaf = entry->id();
            bool viaRoot = !(leaf == t->id);
            if (viaRoot) t->id = leaf;
            toc_.attachTable(static_cast<int>(tableCount_), viaRoot);
            pendingTable_ = std::move(t);
        } else if (startsWith(line, "INSERT INTO ")) {
            throw BadInputError("input is an --inserts/--column-inserts dump; pgproof fingerprints COPY rows: "
                                "drop --inserts and --column-inserts from the pg_dump arguments");
        } else {
            throw BadInputError("unsupported table data in dump (pgproof needs 'COPY ... FROM stdin;'): " +
                                std::string(line.substr(0, 120)));
        }
    } else if (entryType_ == "SEQUENCE SET") {
        if (auto s = parseSetval(line)) sequences_.push_back(std::move(*s));
    } else if (entryType_ == "BLOB" || entryType_ == "LARGE OBJECT") {
        if (startsWith(line, "SELECT pg_catalog.lo_create(")) ++largeObjects_;
    }
}

std::optional<DumpChunk> DumpSplitter::next() {
    DumpChunk out;
    if (!next(out)) return std::nullopt;
    return out;
}

bool DumpSplitter::next(DumpChunk& out) {
    if (!started_) checkStart();
    out.bytes.clear();  // keeps its capacity: buffers are reused, not reallocated
    out.opensTable.reset();
    out.table = -1;
    out.continuesFrame = false;
    out.frameGoesOn = false;
    return inRows_ ? nextRows(out) : nextSql(out);
}

bool DumpSplitter::nextSql(DumpChunk& out) {
    out.kind = DumpChunk::Kind::Sql;
    out.segment = segment_;
    size_t scanFrom = pos_;
    while (true) {
        char* nl = nullptr;
        if (scanFrom < end_)
            nl = static_cast<char*>(std::memchr(buf_.get() + scanFrom, '\n', end_ - scanFrom));
        if (!nl) {
            if (!eof_) {
                size_t offset = scanFrom - pos_;
                fill(available() + 65536);
                scanFrom = pos_ + offset;
                continue;
            }
            if (available() > 0) {
                // A final line without a newline: pg_dump never ends like that.
                throw IncompleteError("the dump stream ends in the middle of a line: it is truncated");
            }
            break;
        }
        size_t lineEnd = static_cast<size_t>(nl - buf_.get());
        std::string_view line(buf_.get() + pos_, lineEnd - pos_);
        analyzeSqlLine(line, scriptPos_);
        out.bytes.append(line.data(), line.size() + 1);
        scriptPos_ += line.size() + 1;
        pos_ = lineEnd + 1;
        scanFrom = pos_;
        if (pendingTable_) {
            inRows_ = true;
            currentTableName_ = pendingTable_->id.display();
            ++segment_;
            currentTable_ = static_cast<int>(tableCount_++);
            return true;
        }
        if (out.bytes.size() >= target_) return true;
    }
    if (out.bytes.empty()) {
        if (!complete_)
            throw IncompleteError("the dump stream ended before pg_dump's 'dump complete' line: it is truncated");
        if (!restrictKey_.empty() && !unrestricted_)
            throw IncompleteError("the dump stream ended before pg_dump's closing \\unrestrict line: it is truncated");
        return false;
    }
    return true;
}

bool DumpSplitter::nextRows(DumpChunk& out) {
    if (inLongRow_) return nextLongRowPiece(out);
    while (true) {
        fill(target_);
        std::string_view window(buf_.get() + pos_, std::min(available(), target_));
        // The terminator needs 3 bytes in view to be told from a row; the window may be shorter (a frame
        // target under 3 bytes looped here forever, asking for bytes it already had).
        if (available() < kTerminator.size() && !eof_) {
            fill(kTerminator.size());
            continue;
        }
        if (startsWith(std::string_view(buf_.get() + pos_, available()), kTerminator)) {
            if (pendingTable_) {
                // A table without rows still belongs in the manifest: an empty rows segment.
                out.kind = DumpChunk::Kind::Rows;
                out.segment = segment_;
                out.table = currentTable_;
                out.opensTable = std::move(pendingTable_);
                pendingTable_.reset();
                return true;
            }
            // End of the COPY block: the terminator line starts the next SQL segment.
            inRows_ = false;
            ++segment_;
            return nextSql(out);
        }
        out.kind = DumpChunk::Kind::Rows;
        out.segment = segment_;
        out.table = currentTable_;
        if (pendingTable_) {
            out.opensTable = std::move(pendingTable_);
            pendingTable_.reset();
        }
        // The block ends at the first "\n\.\n"; rows up to and including that '\n'.
        std::string_view scan(buf_.get() + pos_, std::min(available(), target_ + kTerminator.size()));
        size_t term = scan.find("\n\\.\n");
        size_t take;
        if (term != std::string_view::npos && term < window.size()) {
            take = term + 1;
        } else if (const void* last = memrchr(window.data(), '\n', window.size())) {
            take = static_cast<size_t>(static_cast<const char*>(last) - window.data()) + 1;
        } else {
            // A row longer than the window: it ends at the first '\n' after the window, which may be buffered
            // already (an earlier read-ahead may have reached the end of the input) or must be read now.
            size_t scanned = window.size();
            const void* nl = nullptr;
            while (!(nl = std::memchr(buf_.get() + pos_ + scanned, '\n', available() - scanned)) && !eof_) {
                scanned = available();
                if (scanned >= longLine_) break;
                fill(available() + target_);
            }
            if (!nl && !eof_) {
                // Too long to hold: the row goes out in pieces, starting with the first target's worth.
                inLongRow_ = true;
                out.frameGoesOn = true;
                take = std::min(available(), std::max<size_t>(target_, 1));
                out.bytes.assign(buf_.get() + pos_, take);
                pos_ += take;
                scriptPos_ += take;
                return true;
            }
            if (!nl) throw IncompleteError("the dump stream ends inside the rows of " + currentTableName_ + ": it is truncated");
            take = static_cast<size_t>(static_cast<const char*>(nl) - (buf_.get() + pos_)) + 1;
        }
        out.bytes.assign(buf_.get() + pos_, take);
        pos_ += take;
        scriptPos_ += take;
        return true;
    }
}

bool DumpSplitter::nextLongRowPiece(DumpChunk& out) {
    out.kind = DumpChunk::Kind::Rows;
    out.segment = segment_;
    out.table = currentTable_;
    out.continuesFrame = true;
    const size_t piece = std::max<size_t>(target_, 1);
    fill(piece);
    size_t n = std::min(available(), piece);
    if (n == 0) throw IncompleteError("the dump stream ends inside the rows of " + currentTableName_ + ": it is truncated");
    const void* nl = std::memchr(buf_.get() + pos_, '\n', n);
    size_t take = nl ? static_cast<size_t>(static_cast<const char*>(nl) - (buf_.get() + pos_)) + 1 : n;
    inLongRow_ = nl == nullptr;
    out.frameGoesOn = inLongRow_;
    out.bytes.assign(buf_.get() + pos_, take);
    pos_ += take;
    scriptPos_ += take;
    return true;
}

}  // namespace pgproof
