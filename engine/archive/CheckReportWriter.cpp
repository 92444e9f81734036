#include "CheckReportWriter.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgproof {

CheckRun::CheckRun(std::string archive, const Manifest* manifest, CheckReport report, std::string unreadable)
    : archive_(std::move(archive)), manifest_(unreadable.empty() ? manifest : nullptr), report_(std::move(report)),
      unreadable_(std::move(unreadable)) {
    for (const auto& tc : report_.tables) ordered_.push_back(&tc);
    std::stable_partition(ordered_.begin(), ordered_.end(), [](const TableCheck* tc) { return !tc->ok(); });
}

nlohmann::json checkJson(const CheckRun& run, const SettledOutcome& s) {
    const Manifest* m = run.manifest();
    const CheckReport& report = run.report();
    nlohmann::json json = {{"report", "pgproof-check"}, {"report_version", 1}, {"archive", run.archive()}, {"verdict", outcomeName(s.outcome)},
                           {"exit_code", s.exitCode()}};
    if (!s.error().empty()) json["error"] = s.error();
    if (!m) {
        json["problems"] = {run.unreadable()};
        return json;
    }
    nlohmann::json tables = nlohmann::json::array();
    for (const TableCheck* tc : run.tablesFailuresFirst()) {
        const TableEntry& t = *tc->table;
        tables.push_back({{"schema", t.schema}, {"name", t.name}, {"rows", t.rows}, {"fingerprint", t.fingerprint},
                          {"actual_rows", tc->actual.rows}, {"actual_fingerprint", tc->actual.hex()}, {"ok", tc->ok()},
                          {"problems", tc->problems}});
    }
    json["tables"] = tables;
    nlohmann::json uncovered = nlohmann::json::array();
    for (const auto& u : m->notCovered) uncovered.push_back(uncoveredToJson(u));
    json["not_covered"] = uncovered;
    if (report.largeObjects) json["large_objects"] = {{"count", report.largeObjects->rows}, {"fingerprint", report.largeObjects->hex()}};
    json["problems"] = report.problems;
    json["frames"] = report.frames;
    json["raw_bytes"] = report.rawBytes;
    json["seconds"] = report.seconds;
    return json;
}

std::string checkJUnit(const CheckRun& run, const SettledOutcome& s) {
    std::vector<JUnitCase> cases;
    appendOutcomeCase(cases, s, "pgproof.check");
    if (!run.manifest()) cases.push_back({"pgproof.check", "archive", true, false, run.unreadable(), "", 0});
    for (const TableCheck* tc : run.tablesFailuresFirst())
        cases.push_back({"pgproof.check.tables", tc->table->id().display(), !tc->ok(), false, tc->ok() ? "" : tc->problems.front(), "", 0});
    for (const auto& p : run.report().problems) cases.push_back({"pgproof.check.frames", "layout/sql", true, false, p, "", 0});
    return renderJUnit("pgproof check " + run.archive(), cases, run.report().seconds);
}

std::string renderCheckText(const CheckRun& run, const SettledOutcome& s, TextDetail detail) {
    const Manifest* m = run.manifest();
    const CheckReport& report = run.report();
    const std::string& file = run.archive();
    if (!m) return s.headline() + ": " + run.unreadable() + "\n";
    std::string text;
    if (!detail.quiet) {
        std::vector<std::vector<std::string>> rows;
        for (const TableCheck* tc : run.tablesFailuresFirst())
            rows.push_back({tc->table->id().display(), withThousands(tc->table->rows), tc->table->fingerprint,
                            tc->ok() ? "ok" : "DAMAGED: " + tc->problems.front()});
        text += renderTextTable({"TABLE", "ROWS", "FINGERPRINT", "STATUS"}, rows);
        for (const auto& u : m->notCovered)
            text += "not covered: " + u.id().display() + " (" + u.reason + "): its rows are not in the archive" +
                    (u.rows ? " (" + withThousands(*u.rows) + " at the backup)" : "") + "\n";
    }
    if (detail.quiet && s.outcome == Outcome::Proven) return text;
    for (const auto& p : report.problems) text += "DAMAGED: " + p + "\n";
    if (run.ok() && s.outcome != Outcome::Proven)
        text += fmt::format("{}: {} is intact, but {} ({}); fix that and check again\n", outcomeHeadline(s.outcome), file, s.problem, s.detail);
    else if (run.ok())
        text += fmt::format("{}: {} is intact: {}; {} rows{}, {} frames, {} checked in {:.2f} s\n", s.headline(), file,
                            coverageSummary(m->tables.size(), m->notCovered), withThousands(m->totalRows()),
                            report.largeObjects && report.largeObjects->rows ? fmt::format(", {} large objects", report.largeObjects->rows) : "",
                            report.frames, humanBytes(report.rawBytes), report.seconds);
    else
        text += fmt::format("{}: {} is damaged: {} problem(s); do not rely on this archive\n", s.headline(), file, report.failures());
    return text;
}

}  // namespace pgproof
