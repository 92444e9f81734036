#pragma once
// Ctrl-C, SIGTERM and SIGHUP set a flag that long-running loops check, so that
// an interrupted run cleans up (no partial archive, scratch databases dropped)
// and exits 3 instead of dying halfway.
#include <string>

namespace pgproof {

void installInterruptHandlers();
bool interrupted();
// Throws IncompleteError("interrupted while <what>") if a signal arrived.
void throwIfInterrupted(const std::string& what);

}  // namespace pgproof
