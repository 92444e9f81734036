#include "SqlParser.hpp"

#include <pg_query.h>

namespace pgproof::lint {

namespace {

// Frees libpg_query's result however the parse ends.
struct ParseResult {
    PgQueryParseResult r;
    explicit ParseResult(const std::string& sql) : r(pg_query_parse(sql.c_str())) {}
    ~ParseResult() { pg_query_free_parse_result(r); }
    ParseResult(const ParseResult&) = delete;
    ParseResult& operator=(const ParseResult&) = delete;
};

}  // namespace

SqlParse parseSql(const std::string& sql) {
    ParseResult parsed(sql);
    SqlParse out;
    if (parsed.r.error) {
        out.error = SqlSyntaxError{parsed.r.error->message ? parsed.r.error->message : "syntax error",
                                   parsed.r.error->cursorpos > 0 ? static_cast<size_t>(parsed.r.error->cursorpos) : 0};
        return out;
    }
    if (parsed.r.parse_tree) out.tree = nlohmann::json::parse(parsed.r.parse_tree, nullptr, false);
    if (out.tree.is_discarded() || out.tree.is_null()) {
        // libpg_query hands bytes that are not UTF-8 on into its JSON, which then does not parse.
        out.tree = nullptr;
        out.error = SqlSyntaxError{"the parse tree could not be read (the text is not UTF-8)", 0};
    }
    return out;
}

}  // namespace pgproof::lint
