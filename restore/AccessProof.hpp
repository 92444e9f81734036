#pragma once
// Ownership and grants, proven after a restore: every owner statement the archive ran (ALTER ...
// OWNER TO) for a relation or schema, and every table or sequence grant of its ACL entries (GRANT ... ON
// TABLE|SEQUENCE ... TO ...), is read back from the target's catalog (pg_class.relowner, nspowner,
// aclexplode(relacl)). What --no-owner or --no-privileges dropped is not in the script and not checked.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "DumpScript.hpp"
#include "PgConnection.hpp"

namespace pgproof {

struct AccessProof {
    bool ran = false;
    size_t owners = 0;                   // objects whose owner was checked
    size_t grants = 0;                   // (object, grantee, privilege) checked
    std::vector<std::string> problems;   // "public.t is owned by x, the archive says y", "grant SELECT on ... to z is missing"
    bool held() const { return problems.empty(); }
};

AccessProof proveAccess(const PgConnection& conn, const std::vector<ScriptEntry>& entries);

// "ownership of 5 objects and 7 grants proven" / "... NOT proven: <first problem>".
std::string describeAccess(const AccessProof& proof);
nlohmann::json accessJson(const AccessProof& proof);

}  // namespace pgproof
