#pragma once
// Ctrl-C, SIGTERM and SIGHUP stop a run within about a second and make it exit 3, never 0.
// The signal handler only sets a flag and wakes a watcher thread (async-signal-safe); the watcher
// then cancels the statement running on every live connection and sends SIGTERM to every child
// (CancelRegistry). Each place that waits on the server turns the failed statement into an
// InterruptedError (PgConnection does this for every statement it checks), and the usual cleanup
// runs on the way out: no partial archive, scratch databases dropped, reports written.
// A second signal quits at once with exit 3, without waiting for the cleanup.
#include <string>

namespace pgproof {

// Installs the handlers and starts the watcher thread; call once, before any other thread starts.
void installInterruptHandlers();
bool interrupted();
// Throws InterruptedError("interrupted by Ctrl-C while <what>") if a signal arrived.
void throwIfInterrupted(const std::string& what);

}  // namespace pgproof
