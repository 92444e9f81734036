#pragma once
// Helpers for integration tests against the real PostgreSQL cluster that
// scripts/test.sh starts (PGHOST/PGPORT/PGUSER in the environment):
// scratch databases that drop themselves, running the real pgproof binary and
// psql, and reading rows with libpq.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "PgConnection.hpp"

namespace pgproof::test {

struct CommandResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

// Runs a shell command line; captures stdout and stderr.
CommandResult run(const std::string& commandLine);
// Runs the pgproof binary with the given argument string (already shell-quoted where needed).
CommandResult runPgproof(const std::string& args);
std::string shellQuote(const std::string& s);
// A path quoted for a shell command line.
inline std::string q(const std::filesystem::path& p) { return shellQuote(p.string()); }
inline bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// The pgproof binary run with `args` (no shell) and its peak resident memory, as wait4(2) reports it
// for the process (ru_maxrss: the process itself and any child it waited for). With `stdinCommand`,
// a shell runs that command with its stdout piped to pgproof's stdin; that command's own memory is
// not counted (pg_dump | pgproof backup --from-stdin measures pgproof alone).
struct MeasuredRun {
    CommandResult result;
    uint64_t peakRssBytes = 0;
};
MeasuredRun runPgproofMeasured(const std::vector<std::string>& args, const std::string& stdinCommand = "");

// The pgproof binary running in the background (stdout and stderr to files), for tests that signal it
// while it works. Killed (SIGKILL) and reaped at the end of the test if it is still running.
class BackgroundPgproof {
public:
    explicit BackgroundPgproof(const std::vector<std::string>& args);
    ~BackgroundPgproof();
    BackgroundPgproof(const BackgroundPgproof&) = delete;
    BackgroundPgproof& operator=(const BackgroundPgproof&) = delete;

    pid_t pid() const { return pid_; }
    void signal(int sig) const;
    // Waits up to `timeout` for the process to exit; true if it did.
    bool waitExit(std::chrono::milliseconds timeout);
    bool running();
    // The exit code once exited normally; -1 while running or if killed by a signal.
    int exitCode() const { return exitCode_; }
    std::string out() const;
    std::string err() const;

private:
    pid_t pid_ = -1;
    int exitCode_ = -1;
    bool reaped_ = false;
    std::filesystem::path dir_, out_, err_;
};

// Waits until a statement whose text matches the SQL LIKE `pattern` is running (state 'active') on
// database `db` (any database when empty), or `while` returns false, or `timeout` passes. True if seen.
bool waitForActiveQuery(const std::string& db, const std::string& pattern, std::chrono::milliseconds timeout,
                        const std::function<bool()>& keepWaiting = {});
// Number of statements matching `pattern` running on database `db` right now.
int activeQueries(const std::string& db, const std::string& pattern);

// A database created for one test and dropped (with FORCE) when the test ends.
class ScratchDatabase {
public:
    explicit ScratchDatabase(const std::string& prefix = "t");
    // A database in the given encoding (e.g. "LATIN1", "SQL_ASCII") with the C locale, which fits every encoding.
    ScratchDatabase(const std::string& prefix, const std::string& encoding);
    ~ScratchDatabase();
    ScratchDatabase(const ScratchDatabase&) = delete;
    ScratchDatabase& operator=(const ScratchDatabase&) = delete;

    const std::string& name() const { return name_; }
    // A conninfo string for --db.
    std::string conninfo() const { return "dbname=" + name_; }
    void exec(const std::string& sql) const;
    // First column of the first row.
    std::string scalar(const std::string& sql) const;
    std::vector<std::vector<std::string>> rows(const std::string& sql) const;
    // psql -f FILE (ON_ERROR_STOP unless allowErrors).
    void loadFile(const std::filesystem::path& file, bool allowErrors = false) const;
    PgConnection connect() const;

private:
    std::string name_;
};

// A connection to the cluster's postgres database, for what spans databases (roles, pg_database).
PgConnection admin();

// A second cluster for one test, started by scripts/pg-cluster.sh with extra server settings
// (`serverOptions`, such as "-c max_locks_per_transaction=10": settings that need a restart and would
// change every other test), stopped and removed at the end of the test.
class ThrowawayCluster {
public:
    explicit ThrowawayCluster(const std::string& serverOptions);
    ~ThrowawayCluster();
    ThrowawayCluster(const ThrowawayCluster&) = delete;
    ThrowawayCluster& operator=(const ThrowawayCluster&) = delete;
    // A conninfo for database `db` on this cluster, for --db and for connect().
    std::string conninfo(const std::string& db) const;
    PgConnection connect(const std::string& db) const;

private:
    std::string dir_, port_;
};

// Drops a database by name at the end of a test (one a drill kept or a test created by hand), whatever happened.
struct DropDatabaseAtEnd {
    std::string name;
    ~DropDatabaseAtEnd();
};

// A temporary folder removed at the end of the test.
class TempDir {
public:
    TempDir();
    ~TempDir();
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

std::string uniqueName(const std::string& prefix);
// Loads Pagila (schema, then data) into db.
void loadPagila(const ScratchDatabase& db);
// Creates the "awkward tables" of the foundation issue in db.
void createAwkwardTables(const ScratchDatabase& db);
// Independent fingerprint of one table: COPY (SELECT cols FROM ONLY t) TO STDOUT read with libpq and hashed here.
struct IndependentFingerprint {
    uint64_t rows = 0;
    std::string hex;
};
IndependentFingerprint independentFingerprint(const ScratchDatabase& db, const std::string& schema, const std::string& table);

// pgproof backup of `db` to `archive` (arguments after -- go to pg_dump); the test stops unless it exits 0
// with the archive in place. Returns `archive`.
std::filesystem::path backupTo(const ScratchDatabase& db, const std::filesystem::path& archive, const std::string& dumpArgs = "");

// Whole file as bytes; throws if it cannot be read.
std::string readFile(const std::filesystem::path& file);
void writeFile(const std::filesystem::path& file, const std::string& bytes);
// Names of everything in a folder, hidden entries included, sorted.
std::vector<std::string> folderEntries(const std::filesystem::path& dir);

// A copy of the archive with one byte flipped in the first rows frame of a table: from the middle of the
// frame on, the first flip that stock `zstd -t` rejects (some bytes of a compressed block, such as unused
// table entries, do not change what it decompresses to, and are no damage at all). Fails the test if none does.
std::filesystem::path damageRowsOf(const std::filesystem::path& archive, const nlohmann::json& manifest,
                                   const std::string& schema, const std::string& name);

// `pgproof inspect FILE --json`, parsed; throws (with pgproof's stderr) if it fails.
nlohmann::json inspectManifest(const std::filesystem::path& archive);

// (schema, name) of every table whose rows pg_dump writes: ordinary tables and leaf partitions,
// unlogged included, outside the system schemas.
std::set<std::pair<std::string, std::string>> dataTables(const ScratchDatabase& db);

// Where two long byte strings first differ ("" when equal), with a little context, for readable failures.
std::string firstDifference(const std::string& expected, const std::string& actual);

// A minimal XML element tree: enough to prove that a JUnit report parses and to read its test cases.
struct XmlElement {
    std::string name;
    std::map<std::string, std::string> attributes;
    std::vector<XmlElement> children;
    std::string text;  // character data directly inside, entities decoded
    // Every descendant element (not this one) with the given name, in document order.
    std::vector<const XmlElement*> descendants(const std::string& elementName) const;
};
// Parses a whole document (declaration, comments, elements, attributes, the predefined entities and
// character references); throws std::runtime_error on anything malformed.
XmlElement parseXml(const std::string& document);

}  // namespace pgproof::test
