#pragma once
// Failure kinds of pgproof. Each maps to one documented exit code, so the
// command layer never has to guess what a failure means for the user.
#include <stdexcept>
#include <string>

namespace pgproof {

enum class ExitCode : int {
    Proven = 0,       // everything asked for was checked and held
    ProofFailed = 1,  // data lost or changed, archive damaged: do not proceed
    BadInput = 2,     // bad usage or input: unknown flag, not an archive, bad plan
    Incomplete = 3,   // the proof could not be completed: connection, pg_dump, disk, signal
};

class PgproofError : public std::runtime_error {
public:
    PgproofError(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
    ExitCode code() const { return code_; }

private:
    ExitCode code_;
};

struct BadInputError : PgproofError {
    explicit BadInputError(const std::string& m) : PgproofError(ExitCode::BadInput, m) {}
};
struct ProofFailedError : PgproofError {
    explicit ProofFailedError(const std::string& m) : PgproofError(ExitCode::ProofFailed, m) {}
};
struct IncompleteError : PgproofError {
    explicit IncompleteError(const std::string& m) : PgproofError(ExitCode::Incomplete, m) {}
};
// A signal (Ctrl-C, SIGTERM, SIGHUP) stopped the run: exit 3 like IncompleteError, but deliberately not
// derived from it, so that code which tolerates a failed query (a plan item that cannot run, a refused
// swap) can never mistake a cancelled statement for such a failure and carry on.
struct InterruptedError : PgproofError {
    explicit InterruptedError(const std::string& m) : PgproofError(ExitCode::Incomplete, m) {}
};

}  // namespace pgproof
