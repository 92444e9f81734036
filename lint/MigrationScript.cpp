#include "MigrationScript.hpp"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include "Errors.hpp"
#include "ServerWideEffect.hpp"
#include "SqlParser.hpp"

namespace pgproof::lint {

namespace {

// The offset of the first byte that is not part of a well-formed UTF-8 sequence, or npos. libpg_query hands
// such bytes on into its JSON parse tree, which then does not parse.
size_t firstInvalidUtf8(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) return i;
        uint32_t cp = n == 1 ? c : c & (0x7F >> n);
        for (size_t k = 1; k < n; ++k) {
            unsigned char d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (d & 0x3F);
        }
        static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;  // overlong, too big, surrogate
        i += n;
    }
    return std::string::npos;
}

// The byte offset of the `chars`-th character of valid UTF-8 text.
size_t byteOfCharacter(const std::string& s, size_t chars) {
    size_t i = 0;
    for (; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars-- == 0) return i;
    return i;
}

// A comment found between two statements.
struct Comment {
    size_t begin, end;
};

// Skips whitespace and comments from `pos`, collecting the comments; returns the next token's offset.
size_t skipBlank(const std::string& s, size_t pos, size_t limit, std::vector<Comment>& comments) {
    while (pos < limit) {
        char c = s[pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            ++pos;
        } else if (c == '-' && pos + 1 < limit && s[pos + 1] == '-') {
            size_t e = s.find('\n', pos);
            e = e == std::string::npos || e > limit ? limit : e;
            comments.push_back({pos, e});
            pos = e;
        } else if (c == '/' && pos + 1 < limit && s[pos + 1] == '*') {
            // Block comments nest in PostgreSQL.
            size_t i = pos + 2;
            int depth = 1;
            while (i < limit && depth > 0) {
                if (s[i] == '/' && i + 1 < limit && s[i + 1] == '*') {
                    ++depth;
                    i += 2;
                } else if (s[i] == '*' && i + 1 < limit && s[i + 1] == '/') {
                    --depth;
                    i += 2;
                } else {
                    ++i;
                }
            }
            comments.push_back({pos, i});
            pos = i;
        } else {
            break;
        }
    }
    return pos;
}

std::set<std::string> suppressionsIn(const std::string& comment) {
    static const std::regex ignore(R"(pgproof:ignore\s+([A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*))");
    static const std::regex rule(R"([A-Za-z0-9_-]+)");
    std::set<std::string> out;
    for (auto it = std::sregex_iterator(comment.begin(), comment.end(), ignore); it != std::sregex_iterator(); ++it) {
        std::string list = (*it)[1];
        for (auto r = std::sregex_iterator(list.begin(), list.end(), rule); r != std::sregex_iterator(); ++r) out.insert(r->str());
    }
    return out;
}

}  // namespace

MigrationScript MigrationScript::read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw BadInputError("cannot read migration " + path + ": no such file or not readable");
    std::stringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw BadInputError("cannot read migration " + path + ": read error");
    return parse(path, ss.str());
}

MigrationScript MigrationScript::parse(std::string name, std::string sql) {
    MigrationScript script(SourceText(std::move(name), std::move(sql)));
    const std::string& text = script.source_.text();
    if (text.find('\0') != std::string::npos)
        throw BadInputError(script.source_.where(script.source_.atByte(text.find('\0'))) + ": error: a NUL byte: not an SQL file");
    if (size_t bad = firstInvalidUtf8(text); bad != std::string::npos) {
        char byte[8];
        std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[bad]));
        throw BadInputError(script.source_.where(script.source_.atByte(bad)) + ": error: byte " + byte +
                            " is not UTF-8: lint reads migration files as UTF-8");
    }
    SqlParse parsed = parseSql(text);
    if (parsed.error) {
        size_t cursor = parsed.error->cursor > 0 ? parsed.error->cursor - 1 : 0;
        std::string where = script.source_.where(script.source_.atCharacter(cursor));
        // A backslash outside quotes is never SQL: it is a psql meta-command (\connect, \set, \i ...).
        if (size_t byte = byteOfCharacter(text, cursor); byte < text.size() && text[byte] == '\\') {
            std::string line = text.substr(byte, text.find('\n', byte) - byte);
            while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
            throw BadInputError(where + ": error: psql meta-command " + line + " " + psqlMetaCommandEffect(line) +
                                ": pgproof runs migrations as SQL through libpq, not psql; take it out of the file");
        }
        throw BadInputError(where + ": error: " + parsed.error->message);
    }
    const nlohmann::json& tree = parsed.tree;
    std::vector<std::pair<size_t, std::set<std::string>>> trailing;  // comments after a statement's end, same line
    size_t previousEnd = 0;
    for (const auto& raw : tree.value("stmts", nlohmann::json::array())) {
        size_t location = raw.value("stmt_location", 0);
        // stmt_len 0 means "to the end of the input" (the last statement without a semicolon).
        size_t length = raw.value("stmt_len", 0);
        size_t limit = length == 0 ? text.size() : location + length;
        std::vector<Comment> comments;
        size_t first = skipBlank(text, location, limit, comments);
        MigrationStatement st;
        st.index = script.statements_.size();
        const auto& node = raw.at("stmt");
        st.kind = node.begin().key();
        st.node = node.begin().value();
        st.offset = first;
        st.length = limit - first;
        st.text = text.substr(first, st.length);
        while (!st.text.empty() && std::isspace(static_cast<unsigned char>(st.text.back()))) st.text.pop_back();
        st.at = script.source_.atByte(first);
        st.end = script.source_.atByte(first + (st.text.empty() ? 0 : st.text.size() - 1));
        for (const auto& c : comments) {
            auto rules = suppressionsIn(text.substr(c.begin, c.end - c.begin));
            if (rules.empty()) continue;
            // A comment on the line where the previous statement ended belongs to that statement.
            bool sameLineAsPrevious = !script.statements_.empty() && text.find('\n', previousEnd) >= c.begin;
            auto& target = sameLineAsPrevious ? script.statements_.back().suppressed : st.suppressed;
            target.insert(rules.begin(), rules.end());
        }
        previousEnd = limit;
        script.statements_.push_back(std::move(st));
    }
    // Comments after the last statement's semicolon, on its line.
    if (!script.statements_.empty()) {
        std::vector<Comment> comments;
        size_t pos = previousEnd < text.size() && text[previousEnd] == ';' ? previousEnd + 1 : previousEnd;
        skipBlank(text, pos, text.size(), comments);
        for (const auto& c : comments)
            if (text.find('\n', previousEnd) >= c.begin) {
                auto rules = suppressionsIn(text.substr(c.begin, c.end - c.begin));
                script.statements_.back().suppressed.insert(rules.begin(), rules.end());
            }
    }
    return script;
}

std::string relationName(const nlohmann::json& rangeVar) {
    std::string name = rangeVar.value("relname", "");
    if (rangeVar.contains("schemaname")) return rangeVar.value("schemaname", "") + "." + name;
    return name;
}

std::vector<std::string> stringList(const nlohmann::json& list) {
    std::vector<std::string> out;
    if (!list.is_array()) return out;
    for (const auto& item : list)
        if (item.contains("String")) out.push_back(item["String"].value("sval", ""));
    return out;
}

}  // namespace pgproof::lint
