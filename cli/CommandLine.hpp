#pragma once
#include <filesystem>
// Shared pieces of the command layer: option parsing with one-line errors,
// logging set-up, and the common report flags. Commands only parse and wire.
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

namespace pgproof::cli {

namespace po = boost::program_options;

struct CommonFlags {
    bool quiet = false;
    bool verbose = false;
    std::string json;   // "" none, "-" stdout, else file
    std::string junit;  // "" none
    std::string metrics;  // "" none: --metrics FILE, Prometheus textfile (docs/METRICS.md)
    bool force = false;     // --force: -o may replace an existing file
    bool progress = false;  // --progress: the progress line even when stderr is not a terminal
};

// Parses args for `command`; prints help and returns nullopt for --help.
// psql's spellings of --db are accepted by every command that has --db: -d URL and --dbname URL.
// Throws BadInputError with a one-line message for unknown or malformed options.
std::optional<po::variables_map> parseOptions(const std::string& command, const std::string& usage,
                                              const std::string& description, po::options_description& options,
                                              const po::positional_options_description& positional,
                                              const std::vector<std::string>& args);

// The words before a bare "--" (pgproof's options) and after it (passed on, e.g. to pg_dump).
std::pair<std::vector<std::string>, std::vector<std::string>> splitAtDashes(const std::vector<std::string>& args);

// --quiet, --verbose, --progress; with `reports` also --json FILE|- and --junit FILE.
void addCommonFlags(po::options_description& options, CommonFlags& flags, bool reports);
// --identity FILE (repeatable): the age identity files that decrypt an encrypted archive (else the file
// PGPROOF_AGE_IDENTITY names), for every command that reads one. Never a key itself (docs/ENCRYPTION.md).
void addIdentityFlag(po::options_description& options);
// --force, for commands that write a file with -o.
void addOutputFlags(po::options_description& options, CommonFlags& flags);
// For -o FILE: refuses an existing file unless --force (exit 2, naming it), and removes the temporary
// files that killed runs left in its folder. Nothing for "-".
void prepareOutputFile(const std::string& path, const CommonFlags& flags);
// Whether the progress line is shown: on a terminal (stderr), or with --progress; never with --quiet.
bool progressWanted(const CommonFlags& flags);
void setUpLogging(const CommonFlags& flags);
// --jobs default for commands that open live-database connections (snapshot, verify, restore, drill):
// a small fixed number, as pg_dump defaults to one, so that a verifier on a many-core CI runner does not
// open a full-scan connection per core against production. Documented in every --help and the README.
constexpr int kDefaultConnections = 2;
// --jobs default for compression, decompression and hashing threads (backup, check): one per core.
int defaultThreads();
int checkJobs(int jobs);
int checkThreads(int threads);  // --compress-threads
// --tmpdir: "" stays "" (TMPDIR, else /tmp); otherwise it must be a writable folder (BadInputError naming it).
std::filesystem::path checkTmpdir(const std::string& dir);

int runBackup(const std::vector<std::string>& args);
int runCheck(const std::vector<std::string>& args);
int runInspect(const std::vector<std::string>& args);
int runSnapshot(const std::vector<std::string>& args);
int runVerify(const std::vector<std::string>& args);
int runRestore(const std::vector<std::string>& args);
int runDrill(const std::vector<std::string>& args);
int runPlan(const std::vector<std::string>& args);
int runList(const std::vector<std::string>& args);
int runStatus(const std::vector<std::string>& args);
int runPrune(const std::vector<std::string>& args);
int runPin(const std::vector<std::string>& args);
int runUnpin(const std::vector<std::string>& args);
int runDiff(const std::vector<std::string>& args);
int runLint(const std::vector<std::string>& args);
int runRehearse(const std::vector<std::string>& args);
int runReport(const std::vector<std::string>& args);

}  // namespace pgproof::cli
