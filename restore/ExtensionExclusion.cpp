#include "ExtensionExclusion.hpp"

#include <algorithm>

#include "Errors.hpp"

namespace pgproof {

namespace {

// What the backup recorded about an extension (source.extensions), if it did.
const nlohmann::json* recorded(const Manifest& m, const std::string& name) {
    auto list = m.source.find("extensions");
    if (list == m.source.end() || !list->is_array()) return nullptr;
    for (const auto& e : *list)
        if (e.value("name", "") == name) return &e;
    return nullptr;
}

}  // namespace

void requireExtensionsInArchive(const Manifest& m, const std::vector<std::string>& names) {
    for (const auto& name : names) {
        if (std::any_of(m.toc.begin(), m.toc.end(), [&](const TocEntry& e) { return e.type == "EXTENSION" && e.name == name; })) continue;
        std::string have;
        for (const auto& e : m.toc)
            if (e.type == "EXTENSION") have += (have.empty() ? "" : ", ") + e.name;
        throw BadInputError("--exclude-extension " + name + ": the archive does not create extension " + name +
                            (have.empty() ? std::string(" (it creates none)") : " (it creates: " + have + ")"));
    }
}

ExtensionExclusion excludeExtensions(DumpScript& script, const Manifest& m, const std::vector<std::string>& names) {
    ExtensionExclusion out;
    out.proofManifest = m;
    if (names.empty()) return out;
    requireExtensionsInArchive(m, names);
    std::set<QualifiedName> relations;
    std::set<std::string> memberSchemas;
    for (const auto& name : names) {
        if (const nlohmann::json* e = recorded(m, name)) {
            for (const auto& r : e->value("config_relations", nlohmann::json::array()))
                if (r.is_array() && r.size() == 2) relations.insert({r[0].get<std::string>(), r[1].get<std::string>()});
            for (const auto& s : e->value("member_schemas", nlohmann::json::array())) memberSchemas.insert(s.get<std::string>());
        }
    }
    auto excluded = [&](const ScriptEntry& e) {
        for (const auto& name : names) {
            if (e.type == "EXTENSION" && e.name == name) return true;
            if (e.type == "COMMENT" && e.name == "EXTENSION " + name) return true;
        }
        if (relations.count({e.schema, e.name})) return true;  // TABLE DATA, SEQUENCE SET, their ACLs
        if (memberSchemas.count(e.schema)) return true;          // entries about objects in its own schema
        return e.type == "ACL" && e.name.rfind("SCHEMA ", 0) == 0 && memberSchemas.count(e.name.substr(7));
    };
    size_t before = script.entries.size();
    std::erase_if(script.entries, excluded);
    out.entriesDropped = before - script.entries.size();

    std::string reason = names.size() == 1 ? "extension " + names[0] + " left out (--exclude-extension)"
                                           : "an extension left out (--exclude-extension)";
    Manifest& p = out.proofManifest;
    p.tables.clear();
    for (size_t t = 0; t < m.tables.size(); ++t) {
        const TableEntry& table = m.tables[t];
        if (!relations.count(table.id()) && !memberSchemas.count(table.schema)) {
            p.tables.push_back(table);
            continue;
        }
        out.tables.insert(t);
        p.notCovered.push_back({table.schema, table.name, table.rowsTotal ? table.rowsTotal : std::optional<uint64_t>(table.rows), reason});
    }
    std::erase_if(p.sequences, [&](const SequenceEntry& s) { return relations.count(s.id()) || memberSchemas.count(s.schema); });
    return out;
}

}  // namespace pgproof
