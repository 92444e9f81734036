#include "StatementLocks.hpp"

#include <algorithm>
#include <set>

namespace pgproof::lint {

namespace {

bool containsVolatileCall(const nlohmann::json& j) {
    static const std::set<std::string> volatileFunctions = {
        "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "clock_timestamp",
        "timeofday", "nextval", "setseed", "txid_current", "pg_current_xact_id", "statement_timestamp_volatile"};
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (it.key() == "FuncCall") {
                auto names = it.value().value("funcname", nlohmann::json::array());
                if (!names.empty() && names.back().contains("String") &&
                    volatileFunctions.count(names.back()["String"].value("sval", "")))
                    return true;
            }
            if (containsVolatileCall(it.value())) return true;
        }
    } else if (j.is_array()) {
        for (const auto& e : j)
            if (containsVolatileCall(e)) return true;
    }
    return false;
}

// The lock one ALTER TABLE subcommand takes (the statement takes the strongest of its subcommands).
LockMode alterTableCommandLock(const nlohmann::json& cmd, bool& rewrites) {
    std::string sub = cmd.value("subtype", "");
    if (sub == "AT_ValidateConstraint" || sub == "AT_SetStatistics" || sub == "AT_ClusterOn" || sub == "AT_DropCluster" ||
        sub == "AT_SetRelOptions" || sub == "AT_ResetRelOptions" || sub == "AT_SetOptions" || sub == "AT_ResetOptions" ||
        sub == "AT_AttachPartition" || sub == "AT_DetachPartitionFinalize")
        return LockMode::ShareUpdateExclusive;
    if (sub == "AT_AddConstraint") {
        const auto& def = cmd.value("def", nlohmann::json::object());
        if (def.contains("Constraint") && def["Constraint"].value("contype", "") == "CONSTR_FOREIGN")
            return LockMode::ShareRowExclusive;
        return LockMode::AccessExclusive;
    }
    if (sub == "AT_EnableTrig" || sub == "AT_DisableTrig" || sub == "AT_EnableAlwaysTrig" || sub == "AT_EnableReplicaTrig" ||
        sub == "AT_EnableTrigAll" || sub == "AT_DisableTrigAll" || sub == "AT_EnableTrigUser" || sub == "AT_DisableTrigUser")
        return LockMode::ShareRowExclusive;
    if (sub == "AT_AlterColumnType" || sub == "AT_SetTableSpace") rewrites = true;
    if (sub == "AT_AddColumn") {
        const auto& def = cmd.value("def", nlohmann::json::object());
        if (def.contains("ColumnDef")) {
            const auto& col = def["ColumnDef"];
            for (const auto& c : col.value("constraints", nlohmann::json::array())) {
                const auto& k = c.value("Constraint", nlohmann::json::object());
                std::string type = k.value("contype", "");
                if ((type == "CONSTR_DEFAULT" && volatileDefault(k.value("raw_expr", nlohmann::json()))) || type == "CONSTR_IDENTITY" ||
                    type == "CONSTR_GENERATED")
                    rewrites = true;
            }
            auto names = col.value("typeName", nlohmann::json::object()).value("names", nlohmann::json::array());
            if (!names.empty() && names.back().contains("String")) {
                std::string t = names.back()["String"].value("sval", "");
                if (t == "serial" || t == "bigserial" || t == "smallserial" || t == "serial4" || t == "serial8" || t == "serial2")
                    rewrites = true;
            }
        }
    }
    return LockMode::AccessExclusive;
}

}  // namespace

bool volatileDefault(const nlohmann::json& expression) { return containsVolatileCall(expression); }

StatementLock statementLock(const std::string& kind, const nlohmann::json& node) {
    StatementLock out;
    auto addRelation = [&](const nlohmann::json& rv) {
        if (rv.is_object() && rv.contains("relname")) out.tables.push_back(rv);
    };
    if (kind == "AlterTableStmt") {
        std::string objtype = node.value("objtype", "");
        if (objtype != "OBJECT_TABLE" && objtype != "OBJECT_MATVIEW" && objtype != "OBJECT_INDEX") return out;
        addRelation(node.value("relation", nlohmann::json()));
        for (const auto& c : node.value("cmds", nlohmann::json::array())) {
            bool rewrites = false;
            LockMode l = alterTableCommandLock(c.value("AlterTableCmd", nlohmann::json::object()), rewrites);
            out.mode = std::max(out.mode, l);
            out.rewrites = out.rewrites || rewrites;
        }
    } else if (kind == "IndexStmt") {
        addRelation(node.value("relation", nlohmann::json()));
        out.mode = node.value("concurrent", false) ? LockMode::ShareUpdateExclusive : LockMode::Share;
    } else if (kind == "DropStmt") {
        std::string type = node.value("removeType", "");
        if (type == "OBJECT_TABLE" || type == "OBJECT_MATVIEW" || type == "OBJECT_VIEW" || type == "OBJECT_SEQUENCE") {
            out.mode = LockMode::AccessExclusive;
            for (const auto& o : node.value("objects", nlohmann::json::array())) {
                auto names = o.contains("List") ? o["List"].value("items", nlohmann::json::array()) : nlohmann::json::array();
                nlohmann::json rv = nlohmann::json::object();
                if (names.size() == 1) rv["relname"] = names[0]["String"].value("sval", "");
                if (names.size() == 2) {
                    rv["schemaname"] = names[0]["String"].value("sval", "");
                    rv["relname"] = names[1]["String"].value("sval", "");
                }
                addRelation(rv);
            }
        } else if (type == "OBJECT_INDEX") {
            out.mode = node.value("concurrent", false) ? LockMode::ShareUpdateExclusive : LockMode::AccessExclusive;
        }
    } else if (kind == "TruncateStmt") {
        out.mode = LockMode::AccessExclusive;
        for (const auto& r : node.value("relations", nlohmann::json::array())) addRelation(r.value("RangeVar", nlohmann::json()));
    } else if (kind == "RenameStmt") {
        std::string type = node.value("renameType", "");
        if (node.contains("relation")) {
            addRelation(node["relation"]);
            out.mode = type == "OBJECT_INDEX" ? LockMode::ShareUpdateExclusive : LockMode::AccessExclusive;
        }
    } else if (kind == "UpdateStmt" || kind == "DeleteStmt" || kind == "InsertStmt" || kind == "MergeStmt") {
        addRelation(node.value("relation", nlohmann::json()));
        out.mode = LockMode::RowExclusive;
    } else if (kind == "CopyStmt" && node.value("is_from", false)) {
        addRelation(node.value("relation", nlohmann::json()));
        out.mode = LockMode::RowExclusive;
    } else if (kind == "CreateTrigStmt") {
        addRelation(node.value("relation", nlohmann::json()));
        out.mode = LockMode::ShareRowExclusive;
    } else if (kind == "VacuumStmt") {
        bool full = false;
        for (const auto& o : node.value("options", nlohmann::json::array()))
            if (o.contains("DefElem") && o["DefElem"].value("defname", "") == "full") full = true;
        for (const auto& r : node.value("rels", nlohmann::json::array()))
            addRelation(r.value("VacuumRelation", nlohmann::json::object()).value("relation", nlohmann::json()));
        out.mode = full ? LockMode::AccessExclusive : LockMode::ShareUpdateExclusive;
        out.rewrites = full;
    } else if (kind == "ClusterStmt") {
        addRelation(node.value("relation", nlohmann::json()));
        out.mode = LockMode::AccessExclusive;
        out.rewrites = true;
    } else if (kind == "LockStmt") {
        for (const auto& r : node.value("relations", nlohmann::json::array())) addRelation(r.value("RangeVar", nlohmann::json()));
        int mode = node.value("mode", 8);
        out.mode = static_cast<LockMode>(std::clamp(mode, 1, 8));
    }
    return out;
}

}  // namespace pgproof::lint
