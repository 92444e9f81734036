// pgproof plan --from-migration: draft a plan from a migration file, for the user to edit.
#include <spdlog/spdlog.h>

#include <iostream>

#include "CommandLine.hpp"
#include "Errors.hpp"
#include "MigrationPlan.hpp"
#include "MigrationPlanDraft.hpp"
#include "MigrationScript.hpp"
#include "ReportOutput.hpp"

namespace pgproof::cli {

int runPlan(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string migration, output = "-";
    po::options_description desc("Options");
    desc.add_options()("from-migration", po::value(&migration)->value_name("FILE.sql")->required(), "the migration's SQL")(
        "output,o", po::value(&output)->value_name("FILE"), "write the draft to FILE (default: stdout)");
    addCommonFlags(desc, flags, false);
    addOutputFlags(desc, flags);
    auto vm = parseOptions("plan", "pgproof plan --from-migration FILE.sql [-o PLAN.yaml [--force]]",
                           "Drafts a migration plan from ADD COLUMN, ADD CONSTRAINT, CREATE TYPE ... AS ENUM, ALTER TYPE ... ADD\n"
                           "VALUE, CREATE INDEX, DROP COLUMN, DROP TABLE and UPDATE ... SET a = b statements, read with\n"
                           "PostgreSQL's parser (a file that does not parse: exit 2, FILE:LINE:COL). Review it, then use it\n"
                           "with backup/snapshot --plan, verify --plan and rehearse --plan.",
                           desc, po::positional_options_description(), args);
    if (!vm) return 0;
    setUpLogging(flags);
    prepareOutputFile(output, flags);
    // The one SQL front end: PostgreSQL's parser, as lint and rehearse read migrations.
    lint::PlanDraft draft = lint::draftPlan(lint::MigrationScript::read(migration));
    MigrationPlan::parse(draft.yaml, "the drafted plan");  // the draft must itself be a valid plan
    writeReportFile(output, draft.yaml);
    std::string skipped;
    for (const auto& s : draft.skipped) skipped += (skipped.empty() ? "" : ", ") + s;
    spdlog::info("{} statement(s) read{}", draft.statements, skipped.empty() ? "" : "; no plan item from: " + skipped);
    return 0;
}

}  // namespace pgproof::cli
