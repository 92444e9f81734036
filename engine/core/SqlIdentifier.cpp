#include "SqlIdentifier.hpp"

namespace pgproof {

namespace {
bool isBareIdentChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80 || (c >= 'A' && c <= 'Z');
}
bool needsQuotes(std::string_view ident) {
    if (ident.empty()) return true;
    if (ident[0] >= '0' && ident[0] <= '9') return true;
    for (char c : ident) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return true;
    }
    return false;
}
}  // namespace

std::string quoteIdent(std::string_view ident) {
    std::string out = "\"";
    for (char c : ident) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string quoteLiteral(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += '\'';
        out += c;
    }
    out += '\'';
    return out;
}

std::string QualifiedName::display() const {
    auto part = [](const std::string& s) { return needsQuotes(s) ? quoteIdent(s) : s; };
    return schema.empty() ? part(name) : part(schema) + "." + part(name);
}

std::string displayIdent(std::string_view ident) { return QualifiedName{"", std::string(ident)}.display(); }

std::string QualifiedName::asWritten() const { return schema.empty() ? name : schema + "." + name; }

std::string QualifiedName::sql() const {
    return schema.empty() ? quoteIdent(name) : quoteIdent(schema) + "." + quoteIdent(name);
}

std::optional<std::string> parseIdent(std::string_view text, size_t& pos) {
    if (pos >= text.size()) return std::nullopt;
    std::string out;
    if (text[pos] == '"') {
        size_t i = pos + 1;
        while (i < text.size()) {
            if (text[i] == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    out += '"';
                    i += 2;
                    continue;
                }
                pos = i + 1;
                return out;
            }
            out += text[i++];
        }
        return std::nullopt;
    }
    size_t i = pos;
    while (i < text.size() && isBareIdentChar(text[i])) ++i;
    if (i == pos) return std::nullopt;
    out.assign(text.substr(pos, i - pos));
    pos = i;
    return out;
}

std::optional<QualifiedName> parseQualifiedName(std::string_view text, size_t& pos) {
    auto first = parseIdent(text, pos);
    if (!first) return std::nullopt;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        auto second = parseIdent(text, pos);
        if (!second) return std::nullopt;
        return QualifiedName{*first, *second};
    }
    return QualifiedName{"", *first};
}

std::optional<std::vector<std::string>> parseIdentList(std::string_view text, size_t& pos) {
    std::vector<std::string> out;
    if (pos >= text.size() || text[pos] != '(') return std::nullopt;
    ++pos;
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos < text.size() && text[pos] == ')') {
        ++pos;
        return out;
    }
    while (true) {
        auto id = parseIdent(text, pos);
        if (!id) return std::nullopt;
        out.push_back(*id);
        if (pos >= text.size()) return std::nullopt;
        if (text[pos] == ')') {
            ++pos;
            return out;
        }
        if (text.compare(pos, 2, ", ") != 0) return std::nullopt;
        pos += 2;
    }
}

}  // namespace pgproof
