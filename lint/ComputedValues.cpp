#include "ComputedValues.hpp"

#include <cctype>
#include <vector>

#include "SqlIdentifier.hpp"

namespace pgproof::lint {

namespace {

struct Cut {
    std::string keyword;  // upper case
    size_t start = 0;     // of the keyword
    size_t end = 0;       // after it
};

bool wordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

// Top-level words of `sql` among `wanted` (upper case), and top-level commas and '=' as "," and "=".
std::vector<Cut> topLevel(const std::string& sql, const std::vector<std::string>& wanted) {
    std::vector<Cut> out;
    int depth = 0;
    size_t i = 0, n = sql.size();
    while (i < n) {
        char c = sql[i];
        if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n') ++i;
        } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
            int nest = 0;
            do {
                if (sql.compare(i, 2, "/*") == 0) ++nest, i += 2;
                else if (sql.compare(i, 2, "*/") == 0) --nest, i += 2;
                else ++i;
            } while (i < n && nest > 0);
        } else if (c == '\'') {
            bool escapes = i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !wordChar(sql[i - 2]));
            for (++i; i < n; ++i) {
                if (escapes && sql[i] == '\\') { ++i; continue; }
                if (sql[i] == '\'') {
                    if (i + 1 < n && sql[i + 1] == '\'') { ++i; continue; }
                    break;
                }
            }
            ++i;
        } else if (c == '"') {
            for (++i; i < n; ++i)
                if (sql[i] == '"') {
                    if (i + 1 < n && sql[i + 1] == '"') { ++i; continue; }
                    break;
                }
            ++i;
        } else if (c == '$' && (i == 0 || !wordChar(sql[i - 1]))) {
            size_t close = sql.find('$', i + 1);
            std::string tag = close == std::string::npos ? "" : sql.substr(i, close - i + 1);
            bool isTag = !tag.empty();
            for (size_t k = 1; isTag && k + 1 < tag.size(); ++k) isTag = std::isalnum(static_cast<unsigned char>(tag[k])) || tag[k] == '_';
            if (isTag && !std::isdigit(static_cast<unsigned char>(tag.size() > 2 ? tag[1] : 'a'))) {
                size_t endTag = sql.find(tag, close + 1);
                i = endTag == std::string::npos ? n : endTag + tag.size();
            } else {
                ++i;
            }
        } else if (c == '(' || c == '[') {
            ++depth, ++i;
        } else if (c == ')' || c == ']') {
            --depth, ++i;
        } else if (depth == 0 && (c == ',' || (c == '=' && (i == 0 || std::string("<>!=:").find(sql[i - 1]) == std::string::npos) &&
                                                    (i + 1 >= n || std::string("=>").find(sql[i + 1]) == std::string::npos)))) {
            out.push_back({std::string(1, c), i, i + 1});
            ++i;
        } else if (wordChar(c)) {
            size_t s = i;
            while (i < n && wordChar(sql[i])) ++i;
            if (depth == 0) {
                std::string w = sql.substr(s, i - s);
                for (auto& ch : w) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
                for (const auto& k : wanted)
                    if (w == k) out.push_back({w, s, i});
            }
        } else {
            ++i;
        }
    }
    return out;
}

std::string trimmed(const std::string& s) {
    size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

}  // namespace

std::optional<std::string> computedValuesQuery(const MigrationStatement& update, const std::string& column, const std::string& tableSql,
                                               bool columnExists) {
    if (update.kind != "UpdateStmt" || update.node.contains("withClause") || update.node.contains("returningList")) return std::nullopt;
    const std::string& sql = update.text;
    auto cuts = topLevel(sql, {"UPDATE", "SET", "FROM", "WHERE", "CURRENT", "RETURNING"});
    const Cut *set = nullptr, *from = nullptr, *where = nullptr;
    for (const auto& c : cuts) {
        if (c.keyword == "CURRENT" || c.keyword == "RETURNING") return std::nullopt;
        if (c.keyword == "SET" && !set) set = &c;
        if (c.keyword == "FROM" && set && !from && !where) from = &c;
        if (c.keyword == "WHERE" && set && !where) where = &c;
    }
    if (cuts.empty() || cuts.front().keyword != "UPDATE" || cuts.front().start != 0 || !set) return std::nullopt;
    size_t setEnd = from ? from->start : where ? where->start : sql.size();
    std::string relation = trimmed(sql.substr(cuts.front().end, set->start - cuts.front().end));
    // The assignments: "col = expr" between top-level commas, each cut at its first top-level '='.
    std::string expr;
    size_t itemStart = set->end;
    std::vector<Cut> marks;
    for (const auto& c : cuts)
        if (c.start > set->start && c.start < setEnd && (c.keyword == "," || c.keyword == "=")) marks.push_back(c);
    marks.push_back({",", setEnd, setEnd});
    const Cut* eq = nullptr;
    bool found = false;
    for (const auto& m : marks) {
        if (m.keyword == "=" && !eq) {
            eq = &m;
        } else if (m.keyword == ",") {
            if (eq) {
                std::string target = trimmed(sql.substr(itemStart, eq->start - itemStart));
                std::string name = target.size() >= 2 && target.front() == '"' ? target.substr(1, target.size() - 2) : target;
                if (!(target.size() >= 2 && target.front() == '"'))
                    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                if (name == column) {
                    expr = trimmed(sql.substr(eq->end, m.start - eq->end));
                    found = true;
                }
            }
            itemStart = m.end;
            eq = nullptr;
        }
    }
    if (!found || expr.empty()) return std::nullopt;
    const nlohmann::json& rel = update.node.contains("relation") ? update.node["relation"] : nlohmann::json::object();
    std::string ref = rel.contains("alias") ? rel["alias"].value("aliasname", "") : rel.value("relname", "");
    if (ref.empty()) return std::nullopt;
    std::string fromText = from ? ", " + trimmed(sql.substr(from->end, (where ? where->start : sql.size()) - from->end)) : "";
    std::string whereText = where ? " WHERE " + trimmed(sql.substr(where->end)) : "";
    return "SELECT CASE WHEN m.pgproof_row IS NULL THEN " + (columnExists ? "pgproof_t." + quoteIdent(column) : std::string("NULL")) +
           " ELSE m.pgproof_value END AS " + quoteIdent(column) + " FROM " + tableSql +
           " pgproof_t LEFT JOIN (SELECT DISTINCT ON (" + quoteIdent(ref) + ".ctid) " + quoteIdent(ref) + ".ctid AS pgproof_row, (" + expr +
           ") AS pgproof_value FROM " + relation + fromText + whereText + ") m ON m.pgproof_row = pgproof_t.ctid";
}

}  // namespace pgproof::lint
