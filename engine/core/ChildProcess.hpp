#pragma once
// A child program (pg_dump, psql) whose stdout we read through a pipe and
// whose stderr is kept aside so that a failure can be reported in one line.
// Extra environment variables reach the child only (passwords travel there,
// never on a command line that `ps` shows). While it runs, an interrupt sends it SIGTERM
// (CancelRegistry), so pg_dump stops with pgproof even when only pgproof was signalled.
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "CancelRegistry.hpp"
#include "FileDescriptor.hpp"

namespace pgproof {

// Where the child's stdin and stdout go: by default stdin is pgproof's own and stdout a pipe read
// through stdoutFd(); a filter (age encrypting an archive) reads a pipe of ours and writes a descriptor
// of ours (its target file or stdout), so there is no pipe to read back.
struct ChildStreams {
    int stdinFrom = -1;  // -1: inherit pgproof's stdin
    int stdoutTo = -1;   // -1: a pipe, stdoutFd()
};

class ChildProcess {
public:
    // Starts argv[0] (looked up on PATH) with stdout on a pipe. Throws IncompleteError if it cannot start.
    ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extraEnv,
                 ChildStreams streams = {});
    ~ChildProcess();  // kills and reaps the child if still running
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    int stdoutFd() const { return out_.get(); }
    void closeStdout() { out_.reset(); }
    // Waits for exit; returns the exit status (128+signal if killed).
    int wait();
    void terminate();
    // The last non-empty line the child wrote on stderr.
    std::string lastErrorLine() const;
    std::string errorOutput() const;

private:
    pid_t pid_ = -1;
    FileDescriptor out_;
    FileDescriptor err_;  // an unlinked temporary file
    int status_ = -1;
    CancelRegistry::Registration stopOnInterrupt_;
};

}  // namespace pgproof
