#pragma once
// Walking a block of text line by line: the one loop behind the splitter's, the TOC builder's, the
// row spill's and the checkers' line scans.
#include <cstddef>
#include <string_view>

namespace pgproof {

// Calls fn(line, offset) for every line of `text` (without its '\n'; offset: where it starts in
// `text`). A last line without a '\n' is a line too; an empty text has none.
template <class Fn>
void forEachLine(std::string_view text, Fn&& fn) {
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        fn(text.substr(pos, nl - pos), pos);
        pos = nl + 1;
    }
}

}  // namespace pgproof
