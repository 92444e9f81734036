#pragma once
// `pgproof restore`: an archive into an empty database, in parallel, then proof.
//   pre-data in order on one connection;
//   table rows on N connections, largest first, big tables split by frame ranges
//     (frames are decompressed, checksum-verified and re-fingerprinted on the way);
//   sequences and large objects;
//   post-data: indexes and keys of different tables at once, then foreign keys
//     (never two statements locking the same table at once), then the rest in order;
//   finally `verify --mode exact` against the manifest.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ConnectionTarget.hpp"
#include "Manifest.hpp"
#include "PgConnection.hpp"
#include "Verification.hpp"

namespace pgproof {

struct RestoreOptions {
    std::string archive;  // a file, or "-": the archive arrives on stdin (StreamRestore)
    ConnectionTarget target{""};
    int jobs = 2;
    bool verify = true;
    std::optional<std::string> swapInto;  // rename the restored database to this name once proven
    bool noOwner = false;                 // pg_restore --no-owner: skip ALTER ... OWNER TO
    bool noPrivileges = false;            // pg_restore --no-privileges: skip GRANT/REVOKE (ACL entries)
    std::optional<std::string> role;      // pg_restore --role: SET ROLE on every restore connection
    std::function<void(const std::string&)> log;  // progress lines for people
    // Stream form only: called with the archive's encoding (from the dump's preamble) before the target
    // is connected, and returns the target to use (a drill creates its scratch database here).
    std::function<ConnectionTarget(const std::string& encoding)> prepareTarget;
};

struct RestoreTimings {
    double archiveCheck = 0;  // trailer, manifest, SQL frames
    double preData = 0;
    double data = 0;
    double postData = 0;      // indexes, constraints, triggers
    double verify = 0;
    double total = 0;
};

struct RestoreResult {
    std::string database;
    RestoreTimings timings;
    size_t tables = 0;
    uint64_t rows = 0;
    uint64_t rawBytes = 0;
    std::shared_ptr<const Baseline> baseline;  // the manifest's tables; the report points into it
    std::shared_ptr<const Manifest> streamManifest;
    uint64_t archiveBytes = 0;                       // stream form: bytes read  // stream form: the manifest that arrived at the end
    std::optional<VerifyReport> verification;  // absent with --no-verify
    std::string keptOldDatabase;              // with --swap-into: the old database's new name
    std::string swapProblem;                  // with --swap-into: why the proven database was not swapped in (exit 3)
    size_t skippedOwnerChanges = 0;           // with --no-owner
    size_t skippedPrivileges = 0;             // with --no-privileges: ACL entries
    int exitCode() const;
};

// Throws BadInputError for a non-empty target (changing nothing), ProofFailedError for a damaged
// archive (naming the table), IncompleteError for failures of the server, connection or a signal.
RestoreResult runRestore(const RestoreOptions& options);

// The names of user tables already in a database (empty if none).
std::vector<std::string> existingUserTables(const PgConnection& conn, size_t limit = 5);

}  // namespace pgproof
