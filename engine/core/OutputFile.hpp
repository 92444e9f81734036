#pragma once
// Rules every file pgproof writes with -o follows: an existing file is never silently replaced
// (--force allows it), and temporary files that a killed run left next to the target are removed
// by the next run in that folder (only those whose writing process is gone).
#include <filesystem>
#include <string>
#include <vector>

namespace pgproof {

// Throws BadInputError naming the file and --force when `path` exists and `force` is false.
void refuseExistingOutput(const std::filesystem::path& path, bool force, const std::string& option = "-o");

// Removes `.NAME.partial-PID` files (AtomicFile's temporaries) and `NAME.partial-PID` files (those of
// earlier versions) in `folder` whose process PID no longer runs (a run killed with SIGKILL or a power
// cut); returns the names removed, for the log.
// Files of live processes, and files that cannot be removed, are left alone.
std::vector<std::string> removeStalePartials(const std::filesystem::path& folder);

}  // namespace pgproof
