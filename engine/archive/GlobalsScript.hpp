#pragma once
// The roles a globals archive defines (backup --globals: `pg_dumpall --globals-only` output, one
// statement a line), as statements to run one role at a time. A restore creates only the roles its
// archive needs that the target lacks, and nothing about a role that exists: so each role's statements
// are kept apart (CREATE ROLE, ALTER ROLE ... WITH, ALTER ROLE ... SET) and its memberships beside them.
#include <string>
#include <string_view>
#include <vector>

namespace pgproof {

class ArchiveReader;

struct GlobalRole {
    std::string name;
    // CREATE ROLE, then ALTER ROLE ... WITH (attributes, password if recorded), then its settings
    // (ALTER ROLE ... SET / IN DATABASE ... SET) and COMMENT ON ROLE, in the file's order.
    std::vector<std::string> statements;
    // Roles it is a member of, each with the GRANT statement that makes it one (GRANTED BY dropped:
    // only a superuser may name another grantor before PostgreSQL 16).
    struct Membership {
        std::string role;
        std::string statement;
    };
    std::vector<Membership> memberOf;
};

struct GlobalsScript {
    std::vector<GlobalRole> roles;
    std::vector<std::string> tablespaces;  // names only: their locations belong to the source's disks

    // Parses pg_dumpall --globals-only output (any line it does not know is ignored).
    static GlobalsScript parse(std::string_view sql);
    // Every SQL frame of a globals archive, each checked against its checksum (ProofFailedError if damaged).
    static GlobalsScript read(const ArchiveReader& archive);
    const GlobalRole* find(const std::string& name) const;
    std::vector<std::string> roleNames() const;
};

}  // namespace pgproof
