#include "Interrupt.hpp"

#include <signal.h>

#include <atomic>
#include <cstring>

#include "Errors.hpp"

namespace pgproof {

namespace {
std::atomic<int> g_signal{0};
extern "C" void onSignal(int sig) { g_signal.store(sig); }
}  // namespace

void installInterruptHandlers() {
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
        throw IncompleteError(std::string("interrupted by ") + (s == SIGINT ? "Ctrl-C" : strsignal(s)) + " while " + what);
}

}  // namespace pgproof
