#pragma once
// The retention flags, shared by list and prune.
#include <optional>

#include "CommandLine.hpp"
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

}  // namespace pgproof::cli
