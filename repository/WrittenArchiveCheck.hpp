#pragma once
// backup --check: the archive just written, read back from disk and proven intact as `pgproof check`
// proves it. The check is recorded as a run of its own ("check") in the archive's history when the
// archive lives in a repository, before the backup's own record.
#include <string>

#include "RunRecorder.hpp"

namespace pgproof::repository {

// Throws ProofFailedError naming the first damage; what could not be recorded is logged as a warning.
void checkWrittenArchive(RunRecorder& recorder, const std::string& archive, int jobs);

}  // namespace pgproof::repository
