#pragma once
// Constraints of the archive that its own rows violate (rows written with session_replication_role =
// replica, a key deleted under a foreign key, an index broken by a collation change): the source backs up
// fine, but the restore cannot create them. A restore records each such constraint instead of stopping,
// loads and proves every row, then reports each one with the rows that violate it (lint::KeyViolations):
// a failure (exit 1) of a restore whose data is proven, never an incomplete run.
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "DumpScript.hpp"
#include "PgConnection.hpp"

namespace pgproof {

struct UncreatedConstraint {
    std::string entry;       // the archive's entry: "FK CONSTRAINT public.orders orders_client_fkey"
    std::string constraint;  // what it is, for people: "FOREIGN KEY orders_client_fkey", "UNIQUE users_email_key"
    std::string table;       // schema.name
    std::string references;  // a foreign key's referenced table
    std::string error, detail, sqlstate;  // the server's, as it refused
    long long rows = -1;     // rows that violate it; -1: not counted (a kind pgproof does not count)
    long long keys = 0;      // their distinct keys
    std::vector<std::string> samples;  // the first violating keys
};

// Shared by the restore's post-data jobs (thread-safe).
class UncreatedConstraints {
public:
    // Runs a constraint's entry (an ownConnection entry gets its session setup first, as runEntry). When the
    // server refuses it because the rows violate it (SQLSTATE class 23, or 42830 for a foreign key whose
    // referenced key could not be created), records it and returns false; any other failure throws
    // IncompleteError as runEntry does.
    bool run(const PgConnection& conn, const ScriptEntry& e, bool ownConnection);
    // Each recorded constraint with its violating rows counted on `conn` (the restored database).
    std::vector<UncreatedConstraint> counted(const PgConnection& conn) const;
    bool empty() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::pair<UncreatedConstraint, std::string>> failed_;  // with the entry's SQL
};

// "constraint orders_client_fkey on public.orders not created: 2 rows violate it (client_id = 'c9', ...)"
std::string describeUncreated(const UncreatedConstraint& c);
nlohmann::json uncreatedConstraintsJson(const std::vector<UncreatedConstraint>& list);

}  // namespace pgproof
