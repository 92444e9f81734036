#include "RestoreReport.hpp"

#include <fmt/format.h>

#include "AccessProof.hpp"
#include "RestoreTimingsReport.hpp"
#include "UncreatedConstraints.hpp"
#include "VerifyReportWriter.hpp"

namespace pgproof {

namespace {

std::string commaList(const std::vector<std::string>& names) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return list;
}

}  // namespace

nlohmann::json restoreJson(const RestoreResult& r, const RestoreRequest& q, const SettledOutcome& s) {
    auto j = verifyJson(*r.verification, s);
    j["report"] = "pgproof-restore";
    j["restored_database"] = r.database;
    j["timings"] = restoreTimingsJson(r.timings);
    j["skipped"] = {{"owner_changes", r.skippedOwnerChanges}, {"privileges", r.skippedPrivileges}};
    j["created_roles"] = r.createdRoles;
    j["access"] = accessJson(r.access);
    j["uncreated_constraints"] = uncreatedConstraintsJson(r.uncreatedConstraints);
    if (q.swapInto)
        j["swap"] = {{"into", *q.swapInto}, {"kept_old_database", r.keptOldDatabase}, {"swapped", r.exitCode() == 0}, {"problem", r.swapProblem}};
    return j;
}

std::string restoreJUnit(const RestoreResult& r, const RestoreRequest& q, const SettledOutcome& s) {
    return renderJUnit("pgproof restore " + q.archive, verifyJUnitCases(*r.verification, s), r.timings.total);
}

std::string renderRestoreText(const RestoreResult& r, const RestoreRequest& q, const SettledOutcome& s, TextDetail detail) {
    std::string text;
    if (r.verification && !(detail.quiet && s.outcome == Outcome::Proven)) text += renderVerifyText(*r.verification, s, detail.verbose);
    if (detail.quiet) return text;
    const auto& t = r.timings;
    text += fmt::format("restore {} -> {}: {} tables, {} rows in {:.2f} s\n", q.archive, r.database, r.tables, withThousands(r.rows), t.total);
    text += renderRestoreSpans(t);
    if (!r.createdRoles.empty()) text += "roles created from the archive's globals: " + commaList(r.createdRoles) + "\n";
    if (r.access.ran) text += describeAccess(r.access) + "\n";
    if (!r.excludedTables.empty()) text += r.excludedSummary() + "\n";
    if (r.skippedOwnerChanges || r.skippedPrivileges)
        text += fmt::format("skipped (not data, the proof stands on its own): {} owner change(s) (--no-owner), {} grant "
                            "entries (--no-privileges)\n", r.skippedOwnerChanges, r.skippedPrivileges);
    for (const auto& c : r.uncreatedConstraints) text += describeUncreated(c) + "\n";
    if (!r.uncreatedConstraints.empty())
        text += fmt::format("FAILED: every row is restored{}, but {} constraint(s) of the source could not be created over them; "
                            "do not use this database as it is\n",
                            r.verification && r.verification->exitCode() == 0 ? " and proven" : "", r.uncreatedConstraints.size());
    if (!r.verification) text += "NOT VERIFIED (--no-verify): the restore finished, but nothing is proven\n";
    // The archive's frames were checked while loading: what differs is the target's.
    if (r.verification && r.verification->exitCode() == 1) text += targetDifference(r, "restore") + "\n";
    if (q.swapInto && r.exitCode() == 0)
        text += "swapped: database " + *q.swapInto + " is now the restored one" +
                (r.keptOldDatabase.empty() ? "" : "; the previous one is kept as " + r.keptOldDatabase) + "\n";
    if (q.swapInto && !r.swapProblem.empty())
        text += "NOT swapped: " + r.database + " is restored and proven, but " + r.swapProblem + "\n";
    else if (q.swapInto && r.exitCode() != 0)
        text += "NOT swapped: the restored database did not prove equal to the backup\n";
    return text;
}

std::string drillJUnit(const DrillResult& r, const std::string& archive, const SettledOutcome& s) {
    auto cases = drillJUnitCases(r);
    appendOutcomeCase(cases, s, "pgproof.drill");
    return renderJUnit("pgproof drill " + archive, cases, 0);
}

std::string renderDrillText(const DrillResult& x, const std::string& archive, const std::string& reportFile, const SettledOutcome& s,
                            bool quiet) {
    if (quiet && s.outcome == Outcome::Proven) return std::string();
    std::string text;
    if (x.restore) {
        const auto& t = x.restore->timings;
        text += fmt::format("drill {}: {} - {} tables, {} rows; check {:.2f} s; recovery time {:.2f} s\n", archive, drillVerdictWord(x),
                            x.restore->tables, withThousands(x.restore->rows), x.checkSeconds, t.total);
        text += renderRestoreSpans(t);
        if (x.restore->access.ran) text += describeAccess(x.restore->access) + "\n";
        if (!x.restore->excludedTables.empty()) text += x.restore->excludedSummary() + "\n";
    } else {
        text += fmt::format("drill {}: {}\n", archive, drillVerdictWord(x));
    }
    if (!x.problem.empty()) text += "problem: " + x.problem + "\n";
    text += "scratch database " + (x.scratchDatabase.empty() ? std::string("-") : x.scratchDatabase) + ": " +
            (x.kept ? "kept (--keep)" : x.dropped ? "dropped" : x.scratchDatabase.empty() ? "not created" : "NOT DROPPED") + "\n";
    if (!x.createdRoles.empty())
        text += "roles created from the archive's globals: " + commaList(x.createdRoles) + " (" +
                (x.rolesDropped ? "dropped" : x.kept ? "kept with the database (--keep)" : "NOT DROPPED") + ")\n";
    if (!reportFile.empty()) text += "report: " + reportFile + "\n";
    return text;
}

}  // namespace pgproof
