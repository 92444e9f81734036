#include "PlanDrafter.hpp"

#include <map>
#include <regex>
#include <set>

namespace pgproof {

std::vector<std::string> splitSqlStatements(const std::string& sql) {
    std::vector<std::string> out;
    std::string cur;
    size_t i = 0;
    while (i < sql.size()) {
        char c = sql[i];
        if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {  // line comment
            while (i < sql.size() && sql[i] != '\n') ++i;
            continue;
        }
        if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {  // block comment
            size_t e = sql.find("*/", i + 2);
            i = e == std::string::npos ? sql.size() : e + 2;
            cur += ' ';
            continue;
        }
        if (c == '\'' || c == '"') {  // quoted literal or identifier ('' and "" escape themselves)
            size_t j = i + 1;
            while (j < sql.size() && sql[j] != c) ++j;
            cur.append(sql, i, j + 1 - i);
            i = j + 1;
            continue;
        }
        if (c == '$') {  // dollar quote: $tag$ ... $tag$
            static const std::regex tag(R"(^\$[A-Za-z_0-9]*\$)");
            std::smatch m;
            std::string rest = sql.substr(i, 64);
            if (std::regex_search(rest, m, tag)) {
                size_t e = sql.find(m.str(), i + m.length());
                size_t stop = e == std::string::npos ? sql.size() : e + m.length();
                cur.append(sql, i, stop - i);
                i = stop;
                continue;
            }
        }
        if (c == ';') {
            if (cur.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(cur);
            cur.clear();
            ++i;
            continue;
        }
        cur += c;
        ++i;
    }
    if (cur.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(cur);
    return out;
}

namespace {

const std::string kIdent = R"((?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z_0-9$]*))";
const std::string kName = "(" + kIdent + R"((?:\s*\.\s*)" + kIdent + ")?)";

std::string unquote(const std::string& id) {
    if (id.size() >= 2 && id.front() == '"') {
        std::string out;
        for (size_t i = 1; i + 1 < id.size(); ++i) {
            out += id[i];
            if (id[i] == '"') ++i;
        }
        return out;
    }
    std::string lower = id;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return lower;  // unquoted identifiers fold to lower case, as in PostgreSQL
}

// "public"."Foo" -> Foo ; app.orders -> app.orders (the plan's spelling)
std::string planTable(const std::string& qualified) {
    static const std::regex parts("^" + kIdent + R"(\s*\.\s*()" + kIdent + ")$");
    std::smatch m;
    if (std::regex_match(qualified, m, parts)) {
        std::string schema = unquote(qualified.substr(0, qualified.find_first_of(". ")));
        if (qualified[0] == '"') schema = unquote(qualified.substr(0, qualified.find("\".") + 1));
        std::string name = unquote(m[1]);
        return schema == "public" ? name : schema + "." + name;
    }
    return unquote(qualified);
}

std::string yamlScalar(const std::string& s) {
    bool plain = !s.empty() && s.find_first_of(":#{}[],&*!|>'\"%@`") == std::string::npos && s.front() != ' ' && s.back() != ' ' &&
                 s != "true" && s != "false" && s != "null" && s != "yes" && s != "no";
    if (plain) return s;
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

std::string collapse(std::string s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::vector<std::string> identList(const std::string& list) {
    std::vector<std::string> out;
    static const std::regex id(kIdent);
    for (auto it = std::sregex_iterator(list.begin(), list.end(), id); it != std::sregex_iterator(); ++it) out.push_back(unquote(it->str()));
    return out;
}

}  // namespace

PlanDraft draftPlanFromMigration(const std::string& sql, const std::string& sourceName) {
    using std::regex;
    const auto icase = regex::icase | regex::ECMAScript;
    static const regex alterTable(R"(^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?)" + kName + R"(\s+([\s\S]*)$)", icase);
    static const regex addColumn(R"(^\s*ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?)" + std::string("(") + kIdent + R"()\s+([\s\S]*)$)", icase);
    static const regex addConstraint(R"(^\s*ADD\s+CONSTRAINT\s+()" + kIdent + R"()\s+([\s\S]*)$)", icase);
    static const regex foreignKey(R"(FOREIGN\s+KEY\s*\(([^)]*)\)\s*REFERENCES\s+)" + kName + R"(\s*\(([^)]*)\))", icase);
    static const regex uniqueKey(R"(^\s*(?:UNIQUE|PRIMARY\s+KEY)\s*\(([^)]*)\))", icase);
    static const regex dropColumn(R"(^\s*DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?()" + kIdent + ")", icase);
    static const regex createEnum(R"(^\s*CREATE\s+TYPE\s+)" + kName + R"(\s+AS\s+ENUM\s*\(([\s\S]*)\)\s*$)", icase);
    static const regex addValue(R"(^\s*ALTER\s+TYPE\s+)" + kName + R"(\s+ADD\s+VALUE\s+(?:IF\s+NOT\s+EXISTS\s+)?'((?:[^']|'')*)')", icase);
    static const regex createIndex(R"(^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?()" + kIdent +
                                       R"()\s+ON\s+(?:ONLY\s+)?)" + kName,
                                   icase);
    static const regex dropTable(R"(^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?)" + kName, icase);
    static const regex update(R"(^\s*UPDATE\s+(?:ONLY\s+)?)" + kName + R"(\s+SET\s+()" + kIdent + R"()\s*=\s*()" + kIdent + R"()\s*(?:,|\s+WHERE|\s+FROM|$))", icase);
    static const regex literal(R"('((?:[^']|'')*)')");
    static const regex firstWords(R"(^\s*([A-Za-z]+(?:\s+[A-Za-z]+)?))");

    std::vector<std::string> columns, constraints, indexes, backfills, orphans, uniques, droppedColumns, droppedTables;
    std::map<std::string, std::vector<std::string>> enums;
    std::vector<std::string> enumOrder;
    PlanDraft draft;
    auto statements = splitSqlStatements(sql);
    draft.statements = statements.size();
    for (const auto& raw : statements) {
        std::string st = collapse(raw);
        std::smatch m;
        bool used = false;
        if (std::regex_match(st, m, alterTable)) {
            std::string table = planTable(m[1]);
            // ALTER TABLE t ADD COLUMN a ..., ADD COLUMN b ...: split actions at top-level commas.
            std::string actions = m[2];
            std::vector<std::string> parts;
            int depth = 0;
            std::string cur;
            for (char c : actions) {
                if (c == '(') ++depth;
                if (c == ')') --depth;
                if (c == ',' && depth == 0) {
                    parts.push_back(cur);
                    cur.clear();
                } else {
                    cur += c;
                }
            }
            parts.push_back(cur);
            for (const auto& action : parts) {
                std::smatch a;
                if (std::regex_match(action, a, addConstraint)) {
                    std::string name = unquote(a[1]), body = a[2];
                    constraints.push_back("{table: " + yamlScalar(table) + ", name: " + yamlScalar(name) + "}");
                    std::smatch f;
                    if (std::regex_search(body, f, foreignKey)) {
                        auto cols = identList(f[1]);
                        auto pcols = identList(f[3]);
                        if (cols.size() == 1 && pcols.size() == 1)
                            orphans.push_back("{table: " + yamlScalar(table) + ", column: " + yamlScalar(cols[0]) + ", references: " +
                                              yamlScalar(planTable(f[2]) + "." + pcols[0]) + "}");
                    } else if (std::regex_search(body, f, uniqueKey)) {
                        std::string list;
                        for (const auto& c : identList(f[1])) list += (list.empty() ? "" : ", ") + yamlScalar(c);
                        uniques.push_back("{table: " + yamlScalar(table) + ", columns: [" + list + "]}");
                    }
                    used = true;
                } else if (std::regex_match(action, a, dropColumn) && std::regex_search(action, std::regex(R"(^\s*DROP)", icase))) {
                    std::string col = unquote(a[1]);
                    if (col != "constraint") {
                        droppedColumns.push_back(yamlScalar(table + "." + col));
                        used = true;
                    }
                } else if (std::regex_search(action, std::regex(R"(^\s*ADD\s+(PRIMARY\s+KEY|UNIQUE|FOREIGN\s+KEY|CHECK|EXCLUDE)\b)", icase))) {
                    // An unnamed constraint: its name is chosen by the server, so only what it implies is drafted.
                    std::smatch f;
                    if (std::regex_search(action, f, foreignKey)) {
                        auto cols = identList(f[1]);
                        auto pcols = identList(f[3]);
                        if (cols.size() == 1 && pcols.size() == 1)
                            orphans.push_back("{table: " + yamlScalar(table) + ", column: " + yamlScalar(cols[0]) + ", references: " +
                                              yamlScalar(planTable(f[2]) + "." + pcols[0]) + "}");
                    } else if (std::regex_search(action, f, std::regex(R"(^\s*ADD\s+(?:UNIQUE|PRIMARY\s+KEY)\s*\(([^)]*)\))", icase))) {
                        std::string list;
                        for (const auto& c : identList(f[1])) list += (list.empty() ? "" : ", ") + yamlScalar(c);
                        uniques.push_back("{table: " + yamlScalar(table) + ", columns: [" + list + "]}");
                    }
                    used = true;
                } else if (std::regex_match(action, a, addColumn)) {
                    std::string col = unquote(a[1]), rest = a[2];
                    static const regex typeEnd(R"(\s+(?:NOT\s+NULL|NULL|DEFAULT|CONSTRAINT|REFERENCES|PRIMARY|UNIQUE|CHECK|GENERATED|COLLATE)\b)", icase);
                    std::smatch t;
                    std::string type = std::regex_search(rest, t, typeEnd) ? rest.substr(0, static_cast<size_t>(t.position(0))) : rest;
                    std::string item = "{table: " + yamlScalar(table) + ", column: " + yamlScalar(col) + ", type: " + yamlScalar(unquote(type));
                    if (std::regex_search(rest, std::regex(R"(\bNOT\s+NULL\b)", icase))) item += ", nullable: false";
                    static const regex def(R"(\bDEFAULT\s+('(?:[^']|'')*'(?:::\S+)?|\S+))", icase);
                    std::smatch d;
                    if (std::regex_search(rest, d, def)) {
                        std::string v = d[1];
                        std::smatch l;
                        if (std::regex_match(v, l, std::regex(R"('((?:[^']|'')*)'(?:::\S+)?)"))) v = l[1];
                        for (auto& ch : v)
                            if (v == "TRUE" || v == "FALSE") ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                        item += ", default: " + yamlScalar(v);
                    }
                    columns.push_back(item + "}");
                    used = true;
                }
            }
        } else if (std::regex_match(st, m, createEnum)) {
            std::string type = planTable(m[1]);
            std::string values = m[2];
            enumOrder.push_back(type);
            for (auto it = std::sregex_iterator(values.begin(), values.end(), literal); it != std::sregex_iterator(); ++it)
                enums[type].push_back((*it)[1]);
            used = true;
        } else if (std::regex_search(st, m, addValue)) {
            std::string type = planTable(m[1]);
            if (!enums.count(type)) enumOrder.push_back(type);
            enums[type].push_back(m[2]);
            used = true;
        } else if (std::regex_search(st, m, createIndex)) {
            indexes.push_back("{table: " + yamlScalar(planTable(m[2])) + ", name: " + yamlScalar(unquote(m[1])) + "}");
            used = true;
        } else if (std::regex_search(st, m, dropTable)) {
            // DROP TABLE a, b, c
            static const regex listed("(?:^|,)\\s*" + kName, icase);
            std::string names = st.substr(static_cast<size_t>(m.position(1)));
            static const regex tail(R"(\s+(CASCADE|RESTRICT)\s*$)", icase);
            names = std::regex_replace(names, tail, "");
            for (auto it = std::sregex_iterator(names.begin(), names.end(), listed); it != std::sregex_iterator(); ++it)
                droppedTables.push_back(yamlScalar(planTable((*it)[1])));
            used = true;
        } else if (std::regex_search(st, m, update)) {
            std::string target = unquote(m[2]), source = unquote(m[3]);
            if (target != source)
                backfills.push_back("{table: " + yamlScalar(planTable(m[1])) + ", column: " + yamlScalar(target) +
                                    ", when_not_null: " + yamlScalar(source) + "}");
            used = true;
        }
        if (!used) {
            std::smatch w;
            std::string words = std::regex_search(st, w, firstWords) ? w[1].str() : st.substr(0, 20);
            draft.skipped.push_back(words);
        }
    }

    std::string y = "# Draft plan from " + sourceName + " (pgproof plan --from-migration): review and edit before use.\n";
    y += "# Check every item; add `counts` for soft-delete filters and `checks` for invariants by hand.\n";
    auto section = [&](const std::string& indent, const std::vector<std::string>& items) {
        std::string out;
        for (const auto& i : items) out += indent + "- " + i + "\n";
        return out;
    };
    if (!columns.empty() || !constraints.empty() || !indexes.empty() || !enums.empty()) {
        y += "expect:\n";
        if (!columns.empty()) y += "  columns:\n" + section("    ", columns);
        if (!constraints.empty()) y += "  constraints:\n" + section("    ", constraints);
        if (!indexes.empty()) y += "  indexes:\n" + section("    ", indexes);
        if (!enums.empty()) {
            y += "  enums:\n";
            for (const auto& t : enumOrder) {
                std::string list;
                for (const auto& v : enums[t]) list += (list.empty() ? "" : ", ") + yamlScalar(v);
                y += "    " + yamlScalar(t) + ": [" + list + "]\n";
            }
        }
    }
    if (!backfills.empty()) y += "backfill:\n" + section("  ", backfills);
    if (!orphans.empty()) y += "orphans:\n" + section("  ", orphans);
    if (!uniques.empty()) y += "unique:\n" + section("  ", uniques);
    if (!droppedColumns.empty() || !droppedTables.empty()) {
        y += "changes:\n";
        auto list = [](const std::vector<std::string>& v) {
            std::string s;
            for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
            return s;
        };
        if (!droppedColumns.empty()) y += "  dropped_columns: [" + list(droppedColumns) + "]\n";
        if (!droppedTables.empty()) y += "  dropped_tables: [" + list(droppedTables) + "]\n";
    }
    draft.yaml = y;
    return draft;
}

}  // namespace pgproof
