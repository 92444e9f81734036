#include "MigrationPlan.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "Errors.hpp"

namespace pgproof {

QualifiedName parseTableName(const std::string& text) {
    auto dot = text.find('.');
    if (dot == std::string::npos) return {"public", text};
    return {text.substr(0, dot), text.substr(dot + 1)};
}

namespace {

class PlanReader {
public:
    explicit PlanReader(std::string name) : name_(std::move(name)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
        const auto m = at.Mark();
        std::string where = name_;
        if (m.line >= 0) where += ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
        throw BadInputError(where + ": " + what);
    }

    void allowOnly(const YAML::Node& map, const std::string& what, const std::set<std::string>& keys) const {
        if (!map.IsMap()) fail(map, what + " must be a mapping (key: value)");
        std::set<std::string> seen;
        for (const auto& kv : map) {
            std::string k = key(kv.first, what);
            // yaml-cpp keeps both entries and reads the first: the plan would silently mean one of two things.
            if (!seen.insert(k).second) fail(kv.first, "duplicate key '" + k + "' in " + what);
            if (!keys.count(k)) {
                std::string allowed;
                for (const auto& a : keys) allowed += (allowed.empty() ? "" : ", ") + a;
                fail(kv.first, "unknown key '" + k + "' in " + what + " (allowed: " + allowed + ")");
            }
        }
    }

    // A mapping key as text; a list or mapping used as a key is an error at its position.
    std::string key(const YAML::Node& k, const std::string& what) const {
        if (!k.IsScalar()) fail(k, "a key in " + what + " must be a name, not a list or mapping");
        return k.as<std::string>();
    }

    // The key itself, for errors about an empty value: yaml-cpp marks an empty value at the next token,
    // which can be on a later line.
    YAML::Node keyNode(const YAML::Node& map, const std::string& key) const {
        for (const auto& kv : map)
            if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.first;
        return map;
    }

    std::string text(const YAML::Node& map, const std::string& key, const std::string& what) const {
        const YAML::Node v = map[key];
        if (!v) fail(map, what + " needs '" + key + "'");
        if (v.IsNull()) fail(keyNode(map, key), "'" + key + "' in " + what + " is empty");
        if (!v.IsScalar()) fail(v, "'" + key + "' in " + what + " must be a single value, not a list or mapping");
        return v.as<std::string>();
    }

    std::optional<std::string> optionalText(const YAML::Node& map, const std::string& key) const {
        const YAML::Node v = map[key];
        if (!v) return std::nullopt;
        if (v.IsNull()) fail(keyNode(map, key), "'" + key + "' is empty");
        if (!v.IsScalar()) fail(v, "'" + key + "' must be a single value");
        return v.as<std::string>();
    }

    std::vector<std::string> list(const YAML::Node& v, const std::string& what) const {
        if (!v.IsSequence()) fail(v, what + " must be a list ([a, b] or one '- item' per line)");
        std::vector<std::string> out;
        for (const auto& item : v) {
            if (!item.IsScalar()) fail(item, "each entry of " + what + " must be a single value");
            out.push_back(item.as<std::string>());
        }
        return out;
    }

    const YAML::Node& items(const YAML::Node& v, const std::string& what) const {
        if (!v.IsSequence()) fail(v, what + " must be a list of items ('- {...}')");
        return v;
    }

    ColumnRef columnRef(const YAML::Node& at, const std::string& text) const {
        auto dot = text.rfind('.');
        if (dot == std::string::npos || dot == 0 || dot + 1 == text.size())
            fail(at, "'" + text + "' must name a column as table.column (or schema.table.column)");
        return {parseTableName(text.substr(0, dot)), text.substr(dot + 1)};
    }

private:
    std::string name_;
};

}  // namespace

MigrationPlan MigrationPlan::parse(const std::string& yaml, const std::string& name) {
    PlanReader r(name);
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::ParserException& e) {
        throw BadInputError(name + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                            ": YAML syntax error: " + e.msg);
    }
    MigrationPlan plan;
    plan.path = name;
    if (root.IsNull()) return plan;
    r.allowOnly(root, "the plan", {"expect", "backfill", "orphans", "unique", "counts", "changes", "checks"});

    if (const YAML::Node expect = root["expect"]) {
        r.allowOnly(expect, "expect", {"columns", "constraints", "indexes", "enums"});
        if (const YAML::Node cols = expect["columns"])
            for (const auto& c : r.items(cols, "expect.columns")) {
                r.allowOnly(c, "an expect.columns item", {"table", "column", "type", "nullable", "default"});
                ExpectedColumn ec;
                ec.ref = {parseTableName(r.text(c, "table", "an expect.columns item")), r.text(c, "column", "an expect.columns item")};
                ec.type = r.optionalText(c, "type");
                if (const YAML::Node n = c["nullable"]) {
                    bool b;
                    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, b)) r.fail(n, "'nullable' must be true or false");
                    ec.nullable = b;
                }
                if (const YAML::Node d = c["default"]) {
                    if (!d.IsScalar()) r.fail(d, "'default' must be a single value (the default expression as text)");
                    ec.defaultValue = d.as<std::string>();
                }
                plan.columns.push_back(ec);
            }
        for (const char* kind : {"constraints", "indexes"})
            if (const YAML::Node objs = expect[kind])
                for (const auto& o : r.items(objs, std::string("expect.") + kind)) {
                    std::string what = std::string("an expect.") + kind + " item";
                    r.allowOnly(o, what, {"table", "name"});
                    ExpectedObject eo{parseTableName(r.text(o, "table", what)), r.text(o, "name", what)};
                    (std::string(kind) == "constraints" ? plan.constraints : plan.indexes).push_back(eo);
                }
        if (const YAML::Node enums = expect["enums"]) {
            if (!enums.IsMap()) r.fail(enums, "expect.enums must map each enum type to its values (Name: [a, b])");
            std::set<std::string> seen;
            for (const auto& kv : enums) {
                std::string name = r.key(kv.first, "expect.enums");
                if (!seen.insert(name).second) r.fail(kv.first, "duplicate key '" + name + "' in expect.enums");
                plan.enums.push_back({parseTableName(name), r.list(kv.second, "the values of enum " + name)});
            }
        }
    }
    if (const YAML::Node b = root["backfill"])
        for (const auto& item : r.items(b, "backfill")) {
            r.allowOnly(item, "a backfill item", {"table", "column", "when_not_null"});
            plan.backfills.push_back({{parseTableName(r.text(item, "table", "a backfill item")), r.text(item, "column", "a backfill item")},
                                      r.text(item, "when_not_null", "a backfill item")});
        }
    if (const YAML::Node o = root["orphans"])
        for (const auto& item : r.items(o, "orphans")) {
            r.allowOnly(item, "an orphans item", {"table", "column", "references"});
            std::string refs = r.text(item, "references", "an orphans item");
            plan.orphans.push_back({{parseTableName(r.text(item, "table", "an orphans item")), r.text(item, "column", "an orphans item")},
                                    r.columnRef(item["references"], refs)});
        }
    if (const YAML::Node u = root["unique"])
        for (const auto& item : r.items(u, "unique")) {
            r.allowOnly(item, "a unique item", {"table", "columns"});
            if (!item["columns"]) r.fail(item, "a unique item needs 'columns'");
            auto cols = r.list(item["columns"], "'columns'");
            if (cols.empty()) r.fail(item["columns"], "'columns' must name at least one column");
            plan.uniques.push_back({parseTableName(r.text(item, "table", "a unique item")), cols});
        }
    if (const YAML::Node c = root["counts"])
        for (const auto& item : r.items(c, "counts")) {
            r.allowOnly(item, "a counts item", {"table", "where"});
            plan.counts.push_back({parseTableName(r.text(item, "table", "a counts item")), r.optionalText(item, "where").value_or("true")});
        }
    if (const YAML::Node ch = root["changes"]) {
        r.allowOnly(ch, "changes", {"dropped_columns", "dropped_tables", "changed_columns"});
        if (ch["dropped_columns"])
            for (const auto& s : r.list(ch["dropped_columns"], "changes.dropped_columns"))
                plan.droppedColumns.push_back(r.columnRef(ch["dropped_columns"], s));
        if (ch["dropped_tables"])
            for (const auto& s : r.list(ch["dropped_tables"], "changes.dropped_tables")) plan.droppedTables.push_back(parseTableName(s));
        if (ch["changed_columns"])
            for (const auto& s : r.list(ch["changed_columns"], "changes.changed_columns"))
                plan.changedColumns.push_back(r.columnRef(ch["changed_columns"], s));
    }
    if (const YAML::Node k = root["checks"])
        for (const auto& item : r.items(k, "checks")) {
            r.allowOnly(item, "a checks item", {"name", "sql", "expect"});
            if (!item["expect"]) r.fail(item, "a checks item needs 'expect' (the value the query must return)");
            if (!item["expect"].IsScalar() && !item["expect"].IsNull()) r.fail(item["expect"], "'expect' must be a single value");
            plan.checks.push_back({r.text(item, "name", "a checks item"), r.text(item, "sql", "a checks item"),
                                   item["expect"].IsNull() ? "null" : item["expect"].as<std::string>()});
        }
    return plan;
}

MigrationPlan MigrationPlan::load(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw BadInputError("cannot read plan " + path.string() + ": no such file or not readable");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), path.string());
}

bool MigrationPlan::declaresDroppedTable(const QualifiedName& t) const {
    for (const auto& d : droppedTables)
        if (d == t) return true;
    return false;
}

bool MigrationPlan::declaresDroppedColumn(const QualifiedName& t, const std::string& column) const {
    for (const auto& d : droppedColumns)
        if (d.table == t && d.column == column) return true;
    return false;
}

bool MigrationPlan::declaresChangedColumn(const QualifiedName& t, const std::string& column) const {
    for (const auto& d : changedColumns)
        if (d.table == t && d.column == column) return true;
    return false;
}

}  // namespace pgproof
