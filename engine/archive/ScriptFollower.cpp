#include "ScriptFollower.hpp"

#include <algorithm>

#include "TextLines.hpp"

namespace pgproof {

namespace {
bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool isLargeObjectEntry(const TocEntry* e) { return e && (e->type == "BLOBS" || e->type == "LARGE OBJECTS"); }
}  // namespace

bool ScriptFollower::isRows(std::string_view next) const { return copyOpen_ && !startsWith(next, "\\.\n") && next != "\\."; }

size_t ScriptFollower::relative(uint64_t scriptOffset) const {
    return scriptOffset <= textStart_ ? 0 : static_cast<size_t>(std::min<uint64_t>(scriptOffset - textStart_, text_.size()));
}

void ScriptFollower::rowsFrame(uint64_t rawBytes) {
    offset_ += rawBytes;
    // Rows are not SQL: the kept text of the TABLE DATA entry (never run) goes, the next frame starts after them.
    if (keepSql_) {
        text_.clear();
        textStart_ = offset_;
    }
}

void ScriptFollower::entryBegan(const EntryDone& done) {
    const TocEntry* now = builder_.current();
    if (current_) {
        TocEntry finished = *current_;
        finished.length = now->offset - finished.offset;
        std::string_view sql;
        if (keepSql_) {
            size_t from = relative(finished.offset), to = relative(now->offset);
            sql = std::string_view(text_).substr(from, to - from);
        }
        if (done) done(finished, sql);
    } else if (keepSql_) {
        preamble_ = text_.substr(0, relative(now->offset));
    } else {
        preamble_ = std::string();
    }
    if (keepSql_) {
        // Only the entry being read is kept: memory is one entry's SQL, not the script's.
        size_t drop = relative(now->offset);
        text_.erase(0, drop);
        textStart_ += drop;
    }
    current_ = *now;
}

void ScriptFollower::sqlFrame(std::string_view text, const EntryDone& done) {
    if (keepSql_) text_.append(text);
    std::string_view last;
    bool lastOpensRows = false;
    forEachLine(text, [&](std::string_view line, size_t pos) {
        builder_.line(line, offset_ + pos);
        if (builder_.count() != entries_) {
            entries_ = builder_.count();
            entryBegan(done);
        }
        if (isLargeObjectEntry(builder_.current())) digest_.line(line);
        last = line;
        lastOpensRows = builder_.opensRows(line);
    });
    offset_ += text.size();
    // Rows follow when the frame ends with the COPY line of a TABLE DATA entry, as the splitter ended it.
    copyOpen_ = lastOpensRows;
    if (copyOpen_) copyLine_ = std::string(last);
}

std::vector<TocEntry> ScriptFollower::finish(const EntryDone& done) {
    if (current_ && done) {
        TocEntry finished = *current_;
        finished.length = offset_ - finished.offset;
        std::string_view sql;
        if (keepSql_) sql = std::string_view(text_).substr(relative(finished.offset));
        done(finished, sql);
    }
    if (!current_ && !preamble_) preamble_ = text_;
    return builder_.finish(offset_);
}

}  // namespace pgproof
