#include "ServerWideEffect.hpp"

#include <map>

namespace pgproof::lint {

namespace {

// Shared objects: one per server, seen from every database.
std::optional<std::string> sharedObjectType(const std::string& objtype) {
    if (objtype == "OBJECT_DATABASE") return "database";
    if (objtype == "OBJECT_ROLE") return "role";
    if (objtype == "OBJECT_TABLESPACE") return "tablespace";
    if (objtype == "OBJECT_SUBSCRIPTION") return "subscription";
    if (objtype == "OBJECT_PARAMETER_ACL") return "server parameter";
    return std::nullopt;
}

std::string roleName(const nlohmann::json& roleSpec) {
    if (!roleSpec.is_object()) return "ALL";
    std::string type = roleSpec.value("roletype", "");
    if (type == "ROLESPEC_CURRENT_USER") return "CURRENT_USER";
    if (type == "ROLESPEC_SESSION_USER") return "SESSION_USER";
    if (type == "ROLESPEC_CURRENT_ROLE") return "CURRENT_ROLE";
    if (type == "ROLESPEC_PUBLIC") return "PUBLIC";
    return roleSpec.value("rolename", "?");
}

// "a, b" of a list of RoleSpec nodes.
std::string roleNames(const nlohmann::json& list) {
    std::string out;
    if (!list.is_array()) return out;
    for (const auto& item : list) out += (out.empty() ? "" : ", ") + roleName(item.contains("RoleSpec") ? item["RoleSpec"] : item);
    return out;
}

// The name in a CommentStmt/AlterOwnerStmt/SecLabelStmt "object" field for a shared object (a String node).
std::string objectName(const nlohmann::json& object) {
    if (object.is_object() && object.contains("String")) return object["String"].value("sval", "?");
    return "?";
}

// Functions whose call acts beyond the database, by their name (the schema they are called through
// does not matter: dblink lives wherever its extension was installed).
const std::map<std::string, std::string>& serverWideFunctions() {
    static const std::map<std::string, std::string> f = {
        {"pg_terminate_backend", "ends other sessions of the server"},
        {"pg_cancel_backend", "cancels other sessions' queries"},
        {"pg_reload_conf", "reloads the server's configuration"},
        {"pg_rotate_logfile", "rotates the server's log file"},
        {"pg_switch_wal", "switches the server's WAL file"},
        {"pg_create_restore_point", "writes a restore point into the server's WAL"},
        {"pg_backup_start", "starts a backup of the whole server"},
        {"pg_backup_stop", "stops a backup of the whole server"},
        {"pg_start_backup", "starts a backup of the whole server"},
        {"pg_stop_backup", "stops a backup of the whole server"},
        {"pg_promote", "promotes a standby server"},
        {"pg_wal_replay_pause", "pauses the server's WAL replay"},
        {"pg_wal_replay_resume", "resumes the server's WAL replay"},
        {"pg_create_physical_replication_slot", "creates a replication slot of the server"},
        {"pg_create_logical_replication_slot", "creates a replication slot of the server"},
        {"pg_copy_physical_replication_slot", "creates a replication slot of the server"},
        {"pg_copy_logical_replication_slot", "creates a replication slot of the server"},
        {"pg_drop_replication_slot", "drops a replication slot of the server"},
        {"pg_replication_slot_advance", "advances a replication slot of the server"},
        {"pg_replication_origin_create", "creates a replication origin of the server"},
        {"pg_replication_origin_drop", "drops a replication origin of the server"},
        {"pg_stat_reset_shared", "resets the server's shared statistics"},
        {"lo_import", "reads a file on the server's machine"},
        {"lo_export", "writes a file on the server's machine"},
        {"pg_file_write", "writes a file on the server's machine"},
        {"pg_file_rename", "renames a file on the server's machine"},
        {"pg_file_unlink", "deletes a file on the server's machine"},
        {"dblink_connect", "opens a connection to another database (dblink)"},
        {"dblink_connect_u", "opens a connection to another database (dblink)"},
        {"dblink", "runs a query in another database (dblink)"},
        {"dblink_exec", "runs a statement in another database (dblink)"},
        {"dblink_send_query", "runs a query in another database (dblink)"},
        {"dblink_open", "opens a cursor in another database (dblink)"},
    };
    return f;
}

// The first call anywhere in the tree (a SELECT's target list, a WHERE, a CTE, an INSERT's VALUES) of a
// function that acts beyond the database.
std::optional<std::string> serverWideCall(const nlohmann::json& tree) {
    if (tree.is_object()) {
        if (auto call = tree.find("FuncCall"); call != tree.end() && call->is_object()) {
            const auto& names = call->value("funcname", nlohmann::json::array());
            if (!names.empty() && names.back().contains("String")) {
                std::string name = names.back()["String"].value("sval", "");
                if (auto f = serverWideFunctions().find(name); f != serverWideFunctions().end())
                    return "calls " + name + "(), which " + f->second;
            }
        }
        for (const auto& [key, value] : tree.items())
            if (auto found = serverWideCall(value)) return found;
    } else if (tree.is_array()) {
        for (const auto& value : tree)
            if (auto found = serverWideCall(value)) return found;
    }
    return std::nullopt;
}

bool hasOption(const nlohmann::json& options, const std::string& name) {
    if (!options.is_array()) return false;
    for (const auto& o : options)
        if (o.contains("DefElem") && o["DefElem"].value("defname", "") == name) return true;
    return false;
}

}  // namespace

std::optional<std::string> serverWideEffect(const std::string& kind, const nlohmann::json& n) {
    // Databases
    if (kind == "CreatedbStmt") return "creates database " + n.value("dbname", "?") + " on the server";
    if (kind == "DropdbStmt") return "drops database " + n.value("dbname", "?") + " of the server";
    if (kind == "AlterDatabaseStmt" || kind == "AlterDatabaseSetStmt" || kind == "AlterDatabaseRefreshCollStmt")
        return "changes database " + n.value("dbname", "?") + " of the server";
    // Roles
    if (kind == "CreateRoleStmt") return "creates role " + n.value("role", "?") + " on the server";
    if (kind == "AlterRoleStmt") {
        std::string role = roleName(n.value("role", nlohmann::json()));
        if (hasOption(n.value("options", nlohmann::json()), "rolemembers")) return "changes the members of role " + role;
        return "changes role " + role + " of the server";
    }
    if (kind == "AlterRoleSetStmt") return "changes the settings of role " + roleName(n.value("role", nlohmann::json()));
    if (kind == "DropRoleStmt") return "drops role " + roleNames(n.value("roles", nlohmann::json())) + " of the server";
    if (kind == "GrantRoleStmt") {
        std::string granted;
        for (const auto& r : n.value("granted_roles", nlohmann::json::array()))
            granted += (granted.empty() ? "" : ", ") + (r.contains("AccessPriv") ? r["AccessPriv"].value("priv_name", "?") : std::string("?"));
        return "changes the members of role " + granted;
    }
    if (kind == "ReassignOwnedStmt")
        return "reassigns everything role " + roleNames(n.value("roles", nlohmann::json())) + " owns, databases and tablespaces included";
    if (kind == "DropOwnedStmt")
        return "revokes the privileges of role " + roleNames(n.value("roles", nlohmann::json())) + " on databases and tablespaces too";
    // The server itself
    if (kind == "AlterSystemStmt") return "changes the server's configuration (postgresql.auto.conf)";
    if (kind == "CheckPointStmt") return "forces a checkpoint of the whole server";
    if (kind == "LoadStmt") return "loads shared library " + n.value("filename", "?") + " into the server";
    // Tablespaces: directories of the server's machine, shared by every database
    if (kind == "CreateTableSpaceStmt") return "creates tablespace " + n.value("tablespacename", "?") + " on the server";
    if (kind == "DropTableSpaceStmt") return "drops tablespace " + n.value("tablespacename", "?") + " of the server";
    if (kind == "AlterTableSpaceOptionsStmt") return "changes tablespace " + n.value("tablespacename", "?") + " of the server";
    // Subscriptions connect to another server and create or drop replication slots there
    if (kind == "CreateSubscriptionStmt") return "creates subscription " + n.value("subname", "?") + ", which connects to another server";
    if (kind == "AlterSubscriptionStmt") return "changes subscription " + n.value("subname", "?") + ", which connects to another server";
    if (kind == "DropSubscriptionStmt") return "drops subscription " + n.value("subname", "?") + " and its replication slot on another server";
    // Shared objects named by a generic statement
    if (kind == "RenameStmt")
        if (auto t = sharedObjectType(n.value("renameType", "")))
            return "renames " + *t + " " + n.value("subname", "?") + " of the server";
    if (kind == "AlterOwnerStmt")
        if (auto t = sharedObjectType(n.value("objectType", "")))
            return "changes the owner of " + *t + " " + objectName(n.value("object", nlohmann::json())) + " of the server";
    if (kind == "CommentStmt" || kind == "SecLabelStmt")
        if (auto t = sharedObjectType(n.value("objtype", "")))
            return std::string(kind == "CommentStmt" ? "comments on " : "labels ") + *t + " " + objectName(n.value("object", nlohmann::json())) +
                   " of the server";
    if (kind == "GrantStmt")
        if (auto t = sharedObjectType(n.value("objtype", ""))) {
            std::string names;
            for (const auto& o : n.value("objects", nlohmann::json::array())) names += (names.empty() ? "" : ", ") + objectName(o);
            return std::string(n.value("is_grant", false) ? "grants" : "revokes") + " privileges on " + *t + " " + names + " of the server";
        }
    // Files and programs of the server's machine
    if (kind == "CopyStmt" && n.contains("filename")) {
        std::string what = n.value("filename", "");
        if (n.value("is_program", false)) return "runs program '" + what + "' on the server's machine";
        return std::string(n.value("is_from", false) ? "reads" : "writes") + " file '" + what + "' on the server's machine";
    }
    return serverWideCall(n);
}

std::string psqlMetaCommandEffect(const std::string& line) {
    if (line.size() > 1 && line[1] == '!') return "runs a shell command";
    size_t end = line.find_first_of(" \t\r\n", 1);
    std::string command = line.substr(1, end == std::string::npos ? std::string::npos : end - 1);
    if (command == "c" || command == "connect") return "switches the connection to another database";
    if (command == "!") return "runs a shell command";
    if (command == "i" || command == "ir" || command == "include" || command == "include_relative")
        return "runs another file, which pgproof does not read";
    if (command == "copy") return "copies between a table and a file of the client";
    return "is not SQL";
}

}  // namespace pgproof::lint
