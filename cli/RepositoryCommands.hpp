#pragma once
// Pieces shared by list, status and prune: the retention flags and the JSON of one archive.
#include <ctime>

#include <nlohmann/json.hpp>

#include "ArchiveCatalog.hpp"
#include "CommandLine.hpp"
#include "ReportSink.hpp"
#include "RetentionPolicy.hpp"

namespace pgproof::cli {

struct RetentionFlags {
    int keepLast = -1;
    double keepDays = -1;
    int keepDaily = 0, keepWeekly = 0, keepMonthly = 0;
    bool removeDamaged = false;
};

void addRetentionFlags(po::options_description& options, RetentionFlags& flags);
// The policy the flags give; nullopt when none was given (list), BadInputError for bad values.
std::optional<repository::RetentionPolicy> retentionPolicy(const po::variables_map& vm, const RetentionFlags& flags);

// backup --check: reads the archive just written back from disk and proves it intact (as pgproof check),
// recording a check in its history when it lives in a repository. Throws ProofFailedError naming the damage.
void checkWrittenArchive(repository::RunRecorder& recorder, const std::string& archive, int jobs);

// One archive for list's JSON (docs/REPOSITORY.md), with the retention decision when there is one.
nlohmann::json archiveJson(const repository::ArchiveInfo& a, std::time_t now, const repository::RetentionDecision* decision);

}  // namespace pgproof::cli
