#pragma once
// `pgproof drill`: the quarterly restore drill. Proves the archive intact, restores it into a
// uniquely named scratch database with verification, records the timings (the real recovery
// time), and drops the scratch database unless asked to keep it, whether the drill passed or not.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "DatabaseLocale.hpp"
#include "ParallelRestore.hpp"
#include "ReportOutput.hpp"

namespace pgproof {

// A drill is a restore with more around it: `restore` holds what the restore itself takes (the archive,
// connections, --analyze, --no-owner, --no-privileges, --role, --exclude-extension, the log); the drill sets its target (the
// scratch database) and always verifies.
struct DrillOptions {
    RestoreOptions restore;
    std::optional<std::string> server;  // conninfo/URI of the server (any database on it)
    int checkThreads = 2;  // threads of the archive check (no connections: the command passes one per core)
    bool keep = false;
    // Warnings shown at the default verbosity (scratch databases earlier drills left behind).
    std::function<void(const std::string&)> warn;
    // Scratch database names start with this (then _<time>_<pid>).
    std::string scratchPrefix = "pgproof_drill";
    // The caller (rehearse) goes on working in the scratch database and drops it itself: the drill
    // neither keeps nor drops it (kept and dropped stay false; the caller honours `keep`).
    bool leaveScratchToCaller = false;
};

struct DrillResult {
    std::string archive;
    uint64_t archiveBytes = 0;
    std::string archiveCreated;
    double archiveAgeSeconds = -1;
    nlohmann::json source;
    std::string server;          // host/port description, no password
    std::string scratchDatabase;
    DatabaseLocale scratchLocale;  // encoding and locale it was created with (the archive's, if the server has them)
    std::string localeNote;        // why the locale differs from the archive's, if it does
    bool kept = false;
    bool dropped = false;
    double checkSeconds = 0;
    std::optional<RestoreResult> restore;
    std::string verdict;         // "proven", "failed", "incomplete"
    int exitCode = 0;
    std::string problem;         // why it failed or could not complete
    std::vector<std::string> checkProblems;  // the archive check's findings: the archive is damaged
    // The archive checked intact, but the target refused it (a role, the encoding) or the restored database
    // differs from it (an extension's version, a setting): the target is to fix, not the archive.
    bool targetFailed = false;
    // Roles the restore created from the archive's globals; dropped again when the drill ends (kept with --keep).
    std::vector<std::string> createdRoles;
    bool rolesDropped = false;
};

// Never throws for a failed drill: the failure is in the result (the report is always written).
// Throws BadInputError only for bad input found before anything was created.
DrillResult runDrill(const DrillOptions& options);

// Why a restore whose archive checked intact (or whose frames were checked while loading) did not prove
// equal: the target differs. Names the first table or sequence that differs and what to fix; `again`:
// "drill", "restore".
std::string targetDifference(const RestoreResult& restore, const std::string& again);

// PASSED, FAILED (a difference found: exit 1) or INCOMPLETE (nothing proven: exit 3).
std::string drillVerdictWord(const DrillResult& r);
std::string renderDrillMarkdown(const DrillResult& r);
nlohmann::json drillJson(const DrillResult& r);
std::vector<JUnitCase> drillJUnitCases(const DrillResult& r);

}  // namespace pgproof
