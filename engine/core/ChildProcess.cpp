#include "ChildProcess.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "Errors.hpp"

extern char** environ;

namespace pgproof {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extraEnv,
                           ChildStreams streams) {
    FileDescriptor readEnd, writeEnd;
    if (streams.stdoutTo < 0) {
        int pipefd[2];
        if (::pipe2(pipefd, O_CLOEXEC) != 0) throw IncompleteError(std::string("cannot create a pipe: ") + std::strerror(errno));
        readEnd = FileDescriptor(pipefd[0]);
        writeEnd = FileDescriptor(pipefd[1]);
    }
    char tmpl[] = "/tmp/pgproof-stderr-XXXXXX";
    int efd = ::mkostemp(tmpl, O_CLOEXEC);
    if (efd < 0) throw IncompleteError(std::string("cannot create a temporary file in /tmp: ") + std::strerror(errno));
    ::unlink(tmpl);
    err_ = FileDescriptor(efd);

    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : extraEnv) env[k] = v;
    std::vector<std::string> envStrings;
    for (const auto& [k, v] : env) envStrings.push_back(k + "=" + v);
    std::vector<char*> envp, args;
    for (auto& s : envStrings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argvCopy = argv;
    for (auto& a : argvCopy) args.push_back(a.data());
    args.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (streams.stdinFrom >= 0) posix_spawn_file_actions_adddup2(&fa, streams.stdinFrom, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, streams.stdoutTo >= 0 ? streams.stdoutTo : writeEnd.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err_.get(), STDERR_FILENO);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawnp(&pid_, args[0], &fa, &attr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw IncompleteError("cannot start " + argv[0] + ": " + std::strerror(rc) + " (is it installed and on PATH?)");
    out_ = std::move(readEnd);
    stopOnInterrupt_ = CancelRegistry::instance().addChild(pid_);
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0 && status_ < 0) {
        terminate();
        wait();
    }
}

void ChildProcess::terminate() {
    if (pid_ > 0 && status_ < 0) ::kill(pid_, SIGTERM);
}

int ChildProcess::wait() {
    if (status_ >= 0 || pid_ <= 0) return status_;
    // Wait without reaping first, then unregister, then reap: the interrupt watcher can never send
    // SIGTERM to a pid that was reaped and reused by another process.
    siginfo_t info;
    while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
    }
    stopOnInterrupt_.reset();
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0) {
        if (errno != EINTR) return status_ = 127;
    }
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return status_;
}

std::string ChildProcess::errorOutput() const {
    std::string out;
    char buf[4096];
    off_t off = 0;
    ssize_t n;
    while ((n = ::pread(err_.get(), buf, sizeof buf, off)) > 0 && out.size() < (1 << 20)) {
        out.append(buf, static_cast<size_t>(n));
        off += n;
    }
    return out;
}

std::string ChildProcess::lastErrorLine() const {
    std::string all = errorOutput();
    while (!all.empty() && (all.back() == '\n' || all.back() == ' ')) all.pop_back();
    auto nl = all.rfind('\n');
    return nl == std::string::npos ? all : all.substr(nl + 1);
}

}  // namespace pgproof
