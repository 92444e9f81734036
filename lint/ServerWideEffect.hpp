#pragma once
// Which statements act on the server beyond the database they run in: other databases, roles and their
// memberships, the server's configuration, tablespaces, subscriptions (they connect to other servers and
// manage replication slots there), files and programs on the server's machine, other sessions, and
// privileges on shared objects. Decided from PostgreSQL's own parse tree (the node's type, the object
// type it names, the functions it calls), never from the text.
//
// The one list behind `rehearse`'s refusal (nothing of such a migration runs) and lint's
// `outside-database` rule. Allowed on purpose: SET ROLE / SET SESSION AUTHORIZATION (the session's
// identity, inside the database), ALTER DEFAULT PRIVILEGES FOR ROLE (stored per database), CREATE
// EXTENSION and publications (per database), ALTER TABLE ... SET TABLESPACE (the table is still this
// database's). What a function body, a DO block or a trigger runs is text to the parser and is not seen
// here; neither is which server a foreign table or a dblink connection string points at when it is not
// called by name.
#include <optional>
#include <string>

#include "MigrationScript.hpp"

namespace pgproof::lint {

// What the statement does beyond its database, in a few words ("drops a database", "changes role r"),
// or nothing when it stays inside it.
std::optional<std::string> serverWideEffect(const std::string& kind, const nlohmann::json& node);
inline std::optional<std::string> serverWideEffect(const MigrationStatement& st) { return serverWideEffect(st.kind, st.node); }

// For a psql meta-command line ("\connect other"): what it does that pgproof cannot follow, in a few
// words ("switches to another database"). Meta-commands are not SQL: pgproof runs migrations through
// libpq, statement by statement, so none of them can run.
std::string psqlMetaCommandEffect(const std::string& line);

}  // namespace pgproof::lint
