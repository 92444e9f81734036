#include "Interrupt.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <pthread.h>
#include <thread>

#include "CancelRegistry.hpp"
#include "Errors.hpp"

namespace pgproof {

namespace {
std::atomic<int> g_signal{0};
int g_wakeWrite = -1;  // self-pipe: the handler writes one byte per signal

extern "C" void onSignal(int sig) {
    int saved = errno;
    int expected = 0;
    g_signal.compare_exchange_strong(expected, sig);  // the first signal names the interrupt
    char b = 1;
    if (g_wakeWrite >= 0) {
        ssize_t n = ::write(g_wakeWrite, &b, 1);
        (void)n;  // a full pipe already holds a wake-up
    }
    errno = saved;
}

// Runs outside the signal handler, so it may take locks and talk to the server.
void watch(int wakeRead) {
    sigset_t all;
    sigemptyset(&all);
    sigaddset(&all, SIGINT);
    sigaddset(&all, SIGTERM);
    sigaddset(&all, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);  // the handler runs on the other threads, never here
    int seen = 0;
    while (true) {
        char b;
        ssize_t n = ::read(wakeRead, &b, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        if (++seen == 1) {
            CancelRegistry::instance().stopAll();
        } else {
            static const char msg[] = "pgproof: interrupted again: quitting without cleanup\n";
            ssize_t w = ::write(STDERR_FILENO, msg, sizeof msg - 1);
            (void)w;
            ::_exit(static_cast<int>(ExitCode::Incomplete));
        }
    }
}
}  // namespace

void installInterruptHandlers() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
        g_wakeWrite = fds[1];
        std::thread(watch, fds[0]).detach();  // lives as long as the process
    }
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: blocking reads return EINTR so the flag is seen
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
}

bool interrupted() { return g_signal.load() != 0; }

void throwIfInterrupted(const std::string& what) {
    if (int s = g_signal.load())
        throw InterruptedError(std::string("interrupted by ") + (s == SIGINT ? "Ctrl-C" : s == SIGTERM ? "SIGTERM" : "SIGHUP") +
                               " while " + what);
}

}  // namespace pgproof
