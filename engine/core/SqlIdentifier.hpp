#pragma once
// Quoting and parsing of SQL identifiers as pg_dump writes them
// (lowercase plain words bare, everything else in double quotes with "" for ").
#include <string>
#include <string_view>
#include <optional>
#include <vector>

namespace pgproof {

struct QualifiedName {
    std::string schema;
    std::string name;
    bool operator==(const QualifiedName&) const = default;
    auto operator<=>(const QualifiedName&) const = default;
    // "schema.name" for people: quoted only where needed.
    std::string display() const;
    // schema.name quoted for SQL.
    std::string sql() const;
    // schema.name as SQL source spells it once parsed (no quotes), without the schema when it is empty
    // (a migration's name found through the search_path): lint's messages.
    std::string asWritten() const;
};

// Always-safe quoting: "name" with embedded quotes doubled.
std::string quoteIdent(std::string_view ident);
// An identifier for people: bare when pg_dump would write it bare, else quoted.
std::string displayIdent(std::string_view ident);
// SQL string literal with embedded quotes doubled (standard_conforming_strings).
std::string quoteLiteral(std::string_view text);

// Parses one identifier at `pos` (quoted or bare); advances pos past it.
std::optional<std::string> parseIdent(std::string_view text, size_t& pos);
// Parses "a.b" at pos (a bare "b" means schema "public" is NOT assumed: empty schema).
std::optional<QualifiedName> parseQualifiedName(std::string_view text, size_t& pos);
// Parses "(a, "B c", d)" at pos.
std::optional<std::vector<std::string>> parseIdentList(std::string_view text, size_t& pos);

}  // namespace pgproof
