#pragma once
// A migration file parsed by PostgreSQL's own parser (libpg_query): its statements in order, each with
// its parse tree (libpg_query's JSON form), where it starts, and the rules its comments suppress.
// The one SQL front end of pgproof: lint, rehearse and plan drafting all read migrations through it.
//
// Suppression: a comment `-- pgproof:ignore RULE[, RULE...]` (or /* ... */) on the lines directly
// before a statement, or after it on the line where it ends, suppresses those rules for that
// statement only.
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "SourceText.hpp"

namespace pgproof::lint {

struct MigrationStatement {
    size_t index = 0;          // 0-based, in file order
    std::string kind;          // the node's name: "AlterTableStmt", "IndexStmt", ...
    nlohmann::json node;       // the node's fields (the value under `kind`)
    size_t offset = 0;         // byte offset of the statement's first token
    size_t length = 0;         // bytes up to (not including) its semicolon
    SourcePosition at;         // of the first token
    SourcePosition end;        // of the last byte
    std::set<std::string> suppressed;  // rule names from pgproof:ignore comments
    std::string text;          // the statement's SQL, without leading comments and the semicolon
};

class MigrationScript {
public:
    // Throws BadInputError "FILE:LINE:COL: syntax error at or near ..." when the file does not parse.
    static MigrationScript parse(std::string name, std::string sql);
    // Reads and parses a file; BadInputError naming it when it cannot be read.
    static MigrationScript read(const std::string& path);

    const SourceText& source() const { return source_; }
    const std::string& name() const { return source_.name(); }
    const std::vector<MigrationStatement>& statements() const { return statements_; }
    std::string where(const MigrationStatement& s) const { return source_.where(s.at); }

private:
    explicit MigrationScript(SourceText source) : source_(std::move(source)) {}
    SourceText source_;
    std::vector<MigrationStatement> statements_;
};

// "schema.name" or "name" of a RangeVar node, as written (for messages).
std::string relationName(const nlohmann::json& rangeVar);
// The sval strings of a list of String nodes (column lists, qualified names).
std::vector<std::string> stringList(const nlohmann::json& list);

}  // namespace pgproof::lint
