#include "SourceText.hpp"

#include <algorithm>

namespace pgproof::lint {

namespace {
bool continuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
}  // namespace

SourceText::SourceText(std::string name, std::string text) : name_(std::move(name)), text_(std::move(text)) {
    lineStarts_.push_back(0);
    for (size_t i = 0; i < text_.size(); ++i)
        if (text_[i] == '\n') lineStarts_.push_back(i + 1);
}

SourcePosition SourceText::atByte(size_t offset) const {
    offset = std::min(offset, text_.size());
    auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), offset);
    size_t line = static_cast<size_t>(it - lineStarts_.begin());
    size_t start = lineStarts_[line - 1];
    size_t column = 1;
    for (size_t i = start; i < offset; ++i)
        if (!continuationByte(text_[i])) ++column;
    return {line, column};
}

SourcePosition SourceText::atCharacter(size_t offset) const {
    size_t byte = 0;
    for (size_t seen = 0; byte < text_.size(); ++byte) {
        if (continuationByte(text_[byte])) continue;
        if (seen == offset) break;
        ++seen;
    }
    return atByte(byte);
}

std::string SourceText::where(SourcePosition p) const {
    return name_ + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

}  // namespace pgproof::lint
