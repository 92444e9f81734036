#pragma once
// Runs a migration plan's items on one connection of the shared snapshot and
// turns each into one report line: its verdict, the figure behind it, a few
// sample keys for failures, and the SQL it ran (for --verbose).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "MigrationPlan.hpp"
#include "PgConnection.hpp"
#include "Verification.hpp"

namespace pgproof {


// Figures recorded at backup/snapshot time (the filtered counts): the "plan" section of a baseline.
nlohmann::json recordPlanBaseline(const MigrationPlan& plan, const PgConnection& conn);

// Evaluates every item; the connection must be inside the snapshot transaction.
// Each item runs under a savepoint, so one failing item does not stop the others.
std::vector<PlanItemResult> evaluatePlan(const MigrationPlan& plan, const PgConnection& conn, const nlohmann::json& baselinePlan);

}  // namespace pgproof
