#pragma once
// Reading libpg_query's JSON parse tree: a node's member, or an empty object when the parser left it
// out (libpg_query omits empty and default fields), so that a path through the tree never throws.
#include <nlohmann/json.hpp>

namespace pgproof::lint {

inline const nlohmann::json& field(const nlohmann::json& node, const char* name) {
    static const nlohmann::json empty = nlohmann::json::object();
    auto it = node.find(name);
    return it == node.end() ? empty : *it;
}

}  // namespace pgproof::lint
