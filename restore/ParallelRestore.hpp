#pragma once
// `pgproof restore`: an archive into an empty database, in parallel, then proof.
//   pre-data in order on one connection;
//   table rows on N connections, largest first, big tables split by frame ranges
//     (frames are decompressed, checksum-verified and re-fingerprinted on the way);
//   sequences and large objects;
//   post-data: indexes and keys as soon as their table's rows are loaded, several of one table at
//     once, foreign keys once both tables are ready, then the rest in order;
//   each table read back (the proof read) as soon as its rows are committed;
//   all of it one set of jobs on the N connections (RestoreScheduler), never two conflicting locks at once;
//   finally the verification (`verify --mode exact` against the manifest), with the tables already read.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "AccessProof.hpp"
#include "ConnectionTarget.hpp"
#include "Manifest.hpp"
#include "OpenedArchive.hpp"
#include "PgConnection.hpp"
#include "RestoreScheduler.hpp"
#include "UncreatedConstraints.hpp"
#include "Verification.hpp"

namespace pgproof {

struct RestoreOptions {
    std::string archive;  // where the archive is (openArchiveSource: a file, or "-": stdin, read once in order by StreamRestore)
    ConnectionTarget target{""};
    int jobs = 2;
    bool verify = true;
    bool analyze = false;                 // ANALYZE every restored table (planner statistics), scheduled like the rest
    std::optional<std::string> swapInto;  // rename the restored database to this name once proven
    bool noOwner = false;                 // pg_restore --no-owner: skip ALTER ... OWNER TO
    bool noPrivileges = false;            // pg_restore --no-privileges: skip GRANT/REVOKE (ACL entries)
    std::optional<std::string> role;      // pg_restore --role: SET ROLE on every restore connection
    std::function<void(const std::string&)> log;  // progress lines for people
    // The roles the archive needs that the target lacks are created from the globals recorded with it
    // (backup --globals; never a role that exists); false: a missing role is refused as before.
    bool createRoles = true;
    // --globals FILE: the globals archive (backup --globals' NAME.globals.sql.zst, a file or s3://) to create
    // roles from, instead of the one beside the archive; the way to create roles for a stream (restore -).
    std::string globals;
    // restore --server URL --create NAME: `target` is the server; the database NAME is created first with the
    // archive's encoding and locale (as a drill's scratch database), and given the archive's database owner.
    std::optional<std::string> createDatabase;
    // --exclude-extension: extensions left out with their configuration tables' data (reported not covered).
    std::vector<std::string> excludeExtensions;
    // Told each role as soon as the restore has created it (a drill drops them when it ends, even after a failure).
    std::function<void(const std::string&)> roleCreated;
    // Stream form only: called with the archive's encoding (from the dump's preamble) before the target
    // is connected, and returns the target to use (a drill creates its scratch database here).
    std::function<ConnectionTarget(const std::string& encoding)> prepareTarget;
};

// One scheduler runs rows, post-data, the proof reads and ANALYZE at once (RestoreScheduler): each
// step is a span from its first job's start to its last job's end, and the spans overlap.
struct RestoreTimings {
    double archiveCheck = 0;  // trailer, manifest, SQL frames (stream form: the stream judged against its manifest)
    double preData = 0;
    double data = 0;          // rows, sequences, large objects
    double postData = 0;      // indexes, constraints, triggers
    double verify = 0;        // the proof: first proof read to the end of the final verification
    double analyze = 0;       // --analyze
    double total = 0;
    // The same steps as spans, in seconds since the restore started (start < 0: it did not run).
    WorkSpan schemaSpan, dataSpan, postDataSpan, verifySpan, analyzeSpan;
};

struct RestoreResult {
    std::string database;
    std::string createdDatabaseNote;  // with --create: the locale fallback, if the server lacks the archive's
    RestoreTimings timings;
    size_t tables = 0;
    uint64_t rows = 0;
    uint64_t rawBytes = 0;
    std::shared_ptr<const Baseline> baseline;  // the manifest's tables; the report points into it
    std::shared_ptr<const Manifest> streamManifest;  // stream form: the manifest that arrived at the end
    uint64_t archiveBytes = 0;                       // stream form: bytes read
    std::optional<VerifyReport> verification;  // absent with --no-verify
    std::string keptOldDatabase;              // with --swap-into: the old database's new name
    std::string swapProblem;                  // with --swap-into: why the proven database was not swapped in (exit 3)
    size_t skippedOwnerChanges = 0;           // with --no-owner
    size_t skippedPrivileges = 0;             // with --no-privileges: ACL entries
    std::vector<std::string> createdRoles;    // roles the restore created from the archive's globals
    AccessProof access;                       // owners and grants read back (with the verification)
    size_t excludedEntries = 0;               // script entries --exclude-extension left out
    std::vector<UncoveredTable> excludedTables;  // an excluded extension's configuration tables: not covered
    // "not covered: cron.job, cron.job_run_details (extension pg_cron left out (--exclude-extension))", or "".
    std::string excludedSummary() const;
    // Constraints the archive's rows violate: every row is still loaded and proven, the run fails (exit 1).
    std::vector<UncreatedConstraint> uncreatedConstraints;
    int exitCode() const;
};

// Throws BadInputError for a non-empty target (changing nothing), ProofFailedError for a damaged
// archive (naming the table), IncompleteError for failures of the server, connection or a signal.
RestoreResult runRestore(const RestoreOptions& options);
// The same from an archive already opened (a drill has checked it first); a stream must be unread.
RestoreResult runRestore(const RestoreOptions& options, OpenedArchive& archive);

// The names of user tables already in a database (empty if none).
std::vector<std::string> existingUserTables(const PgConnection& conn, size_t limit = 5);

}  // namespace pgproof
