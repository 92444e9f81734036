#pragma once
// A migration file's text with line:column positions for byte offsets (libpg_query's node locations)
// and for character offsets (its error cursor). Lines and columns count from 1; a column counts
// characters (UTF-8 code points), as editors show them.
#include <cstddef>
#include <string>
#include <vector>

namespace pgproof::lint {

struct SourcePosition {
    size_t line = 1;
    size_t column = 1;
};

class SourceText {
public:
    SourceText(std::string name, std::string text);
    const std::string& name() const { return name_; }
    const std::string& text() const { return text_; }
    SourcePosition atByte(size_t offset) const;
    // offset counts characters from 0.
    SourcePosition atCharacter(size_t offset) const;
    // "name:line:column"
    std::string where(SourcePosition p) const;

private:
    std::string name_, text_;
    std::vector<size_t> lineStarts_;  // byte offset of each line's first byte
};

}  // namespace pgproof::lint
