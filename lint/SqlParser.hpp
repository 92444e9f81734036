#pragma once
// pgproof's one wrapper of libpg_query (PostgreSQL's own parser): SQL text in, its parse tree as
// libpg_query's JSON out, or the parser's error. Migrations (MigrationScript) and restore's post-data
// statements (PostDataStatement) are both read through it; nothing else includes pg_query.h.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace pgproof::lint {

struct SqlSyntaxError {
    std::string message;  // PostgreSQL's: "syntax error at or near ..."
    size_t cursor = 0;    // the character (not byte) it points at, counted from 1; 0 when it names none
};

struct SqlParse {
    nlohmann::json tree;                  // {"version": ..., "stmts": [...]}; null when the SQL did not parse
    std::optional<SqlSyntaxError> error;  // set when the SQL did not parse
};

// Never throws for bad SQL: the error is in the result.
SqlParse parseSql(const std::string& sql);

}  // namespace pgproof::lint
