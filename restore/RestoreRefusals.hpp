#pragma once
// What a restore refuses before it changes anything on the target, written once for every archive
// source (random access and stream alike). Each refusal is a BadInputError of one line that says what
// to do instead; when one is thrown, the target is as it was.
//   - the target: --swap-into naming the target itself, a target that already holds tables;
//   - the archive's encoding: a target in another encoding would have the server convert the rows;
//   - a data-only archive (pg_dump -a): no schema to restore into an empty database;
//   - owners the archive names that the target lacks (unless --no-owner; the random-access form first
//     creates them from the archive's globals: RoleProvisioning);
//   - options that need the manifest before the script (--exclude-extension, --create) on a stream.
#include <set>
#include <string>
#include <vector>

#include "ConnectionTarget.hpp"
#include "DumpToc.hpp"
#include "OpenedArchive.hpp"
#include "ParallelRestore.hpp"
#include "PgConnection.hpp"

namespace pgproof {

// Connects the restore's leader to `target` and refuses --swap-into naming it, and a non-empty target.
PgConnection connectEmptyTarget(const RestoreOptions& o, const ConnectionTarget& target);

// --exclude-extension and --create read the manifest before the script (which tables are an extension's;
// the encoding, locale and owner): a stream records it at its end, so they are refused on one.
void requireManifestFirst(const RestoreOptions& o, const OpenedArchive& archive);

// Throws BadInputError naming the tables when the target holds any (nothing is changed).
void requireEmptyTarget(const PgConnection& leader);

// `encoding`: the archive's ("" when it records none: not checked). `archive` names it in the message
// ("archive FILE", "the archive on standard input").
void requireArchiveEncoding(const std::string& encoding, const PgConnection& target, const std::string& archive);

// A data-only archive (pg_dump -a) holds TABLE DATA but no schema entry: no pre-data entry other than
// large objects' (with -a, pg_dump still writes each large object's BLOB entry in pre-data). An
// extension's entry counts: its CREATE EXTENSION makes the configuration tables whose rows follow.
bool definesSchema(const TocEntry& entry);
// Throws unless a schema entry came before the rows (`schemaDefined`).
void requireSchema(bool schemaDefined);

// The target's roles, read once; owners of the archive's entries are checked against them.
class TargetRoles {
public:
    explicit TargetRoles(const PgConnection& leader);
    // Throws BadInputError naming up to five of `owners` that the target lacks. `unchanged`: nothing has
    // run on the target yet (a stream meets owners as its entries arrive), and the message says so.
    void requireOwners(const std::vector<std::string>& owners, bool unchanged = true) const;
    // Of `names`, those the target lacks; and a role the restore has just created.
    std::vector<std::string> lacking(const std::vector<std::string>& names) const;
    void add(const std::string& role) { roles_.insert(role); }

private:
    std::set<std::string> roles_;
};

}  // namespace pgproof
