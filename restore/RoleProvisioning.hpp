#pragma once
// The roles a restore needs, and creating those the target lacks from the globals the archive was backed
// up with (backup --globals: NAME.globals.sql.zst beside it, tied by its manifest checksum recorded in the
// archive's manifest). A role that exists is never altered: only missing roles are created, with their
// attributes, settings and the memberships they hold (those that make them members of roles which exist or
// are created here). Roles are created in an order where every role a membership names exists first.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "DumpScript.hpp"
#include "GlobalsScript.hpp"
#include "Manifest.hpp"
#include "ParallelRestore.hpp"
#include "PgConnection.hpp"

namespace pgproof {

// The roles the script's statements name: owners (ALTER ... OWNER TO), grantees and revokees of its
// grants, SET SESSION AUTHORIZATION and ALTER DEFAULT PRIVILEGES FOR ROLE; PUBLIC excluded. Sorted.
std::vector<std::string> rolesNamedBy(const std::vector<ScriptEntry>& entries);

// The globals recorded with the archive at `archive` (its manifest's source.globals), read and checked;
// nullopt when the archive was backed up without --globals. Throws BadInputError when the globals file is
// missing (naming it), ProofFailedError when it is damaged or is not the one the archive was written with.
// What an archive's manifest records of the globals written with it (backup --globals): their file name,
// beside the archive, and their manifest checksum; nullopt without --globals.
struct RecordedGlobals {
    std::string file;
    std::string manifestChecksum;
};
std::optional<RecordedGlobals> recordedGlobals(const Manifest& manifest);
// `given`: --globals FILE, read instead of the file beside the archive (and checked against the archive's
// record when it has one).
std::optional<GlobalsScript> globalsOf(const std::filesystem::path& archive, const Manifest& manifest, const std::string& given = "");
// The globals archive `file` (a file or s3://), read and proven; `checksum` receives its manifest checksum.
GlobalsScript readGlobals(const std::string& file, std::string& checksum);

struct RoleCreation {
    std::vector<std::string> created;  // in creation order
    std::vector<std::string> missing;  // needed, lacking on the target, and not in the globals
};

// Creates, on the target's server, every role of `needed` that it lacks (and the roles those are members
// of, when they are missing too), from `globals`. `onCreated` is told each role as soon as it exists, so a
// caller that must remove them (a drill) knows them even if a later statement fails.
RoleCreation createMissingRoles(const PgConnection& conn, const GlobalsScript& globals, const std::vector<std::string>& needed,
                                const std::function<void(const std::string&)>& onCreated);

// What a restore does before its first statement (the random-access form): the roles `entries` name
// that the target lacks are created from the globals recorded with the archive at `archive` (when it has
// them and o.createRoles; each told to o.roleCreated); then any role still missing is refused
// (BadInputError, naming them and what to do). Returns the roles created.
std::vector<std::string> provideRoles(const PgConnection& leader, const RestoreOptions& o, const std::filesystem::path& archive,
                                      const Manifest& m, const std::vector<ScriptEntry>& entries);

// Drops roles a drill created (reverse order); returns the problems ("" each for those dropped).
std::vector<std::string> dropCreatedRoles(const PgConnection& conn, const std::vector<std::string>& roles);

}  // namespace pgproof
