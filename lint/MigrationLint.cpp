#include "MigrationLint.hpp"

#include "Outcome.hpp"

#include <algorithm>
#include <map>

#include "Errors.hpp"
#include "LiveDataChecks.hpp"
#include "MigrationAnalysis.hpp"
#include "MigrationScript.hpp"

namespace pgproof::lint {

size_t LintResult::count(Severity s) const {
    size_t n = 0;
    for (const auto& f : files)
        for (const auto& x : f.findings) n += x.severity == s;
    return n;
}

LintResult lintMigrations(const LintOptions& options) {
    LintResult result;
    result.failOn = options.failOn;
    result.withData = options.database != nullptr;
    std::unique_ptr<LiveDataChecks> live;
    if (options.database) {
        result.database = options.database->describe();
        live = std::make_unique<LiveDataChecks>(*options.database);
    }
    bool badInput = false, failed = false;
    for (const auto& path : options.files) {
        LintedFile out;
        out.file = path;
        try {
            MigrationScript script = MigrationScript::read(path);
            out.statements = script.statements().size();
            MigrationAnalysis analysis = analyseMigration(script);
            if (live) live->answer(analysis, path);
            for (auto& f : analysis.findings) {
                if (script.statements()[f.statement].suppressed.count(f.rule)) {
                    ++out.suppressed;
                    continue;
                }
                out.findings.push_back(std::move(f));
            }
            std::stable_sort(out.findings.begin(), out.findings.end(), [](const LintFinding& a, const LintFinding& b) {
                return std::tie(a.at.line, a.at.column) < std::tie(b.at.line, b.at.column);
            });
        } catch (const BadInputError& e) {
            out.problem = e.what();
            badInput = true;
        }
        for (const auto& f : out.findings) failed = failed || (f.severity != Severity::Note && f.severity >= options.failOn);
        result.files.push_back(std::move(out));
    }
    result.exitCode = badInput ? static_cast<int>(ExitCode::BadInput) : failed ? static_cast<int>(ExitCode::ProofFailed) : 0;
    return result;
}

std::string renderLintText(const LintResult& r) {
    std::string out;
    size_t suppressed = 0;
    for (const auto& f : r.files) {
        if (!f.problem.empty()) out += f.problem + "\n";
        for (const auto& x : f.findings) out += formatFinding(x) + "\n";
        suppressed += f.suppressed;
    }
    auto plural = [](size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); };
    out += plural(r.count(Severity::Error), "error") + ", " + plural(r.count(Severity::Warning), "warning") + ", " +
           plural(r.count(Severity::Note), "note") + " in " + plural(r.files.size(), "file");
    if (suppressed) out += "; " + std::to_string(suppressed) + " suppressed";
    out += r.withData ? "; data read from " + r.database : "; static rules only (--db adds the data checks)";
    out += "\n";
    return out;
}

nlohmann::json lintJson(const LintResult& r) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : r.files) {
        nlohmann::json findings = nlohmann::json::array();
        for (const auto& x : f.findings) {
            nlohmann::json j = {{"file", x.file},        {"line", x.at.line},  {"column", x.at.column},
                                {"severity", severityName(x.severity)}, {"rule", x.rule}, {"message", x.message},
                                {"statement", x.statement + 1}};
            if (x.hasFigure) j["figure"] = x.figure;
            if (!x.samples.empty()) j["samples"] = x.samples;
            if (x.dependsOnEarlierStatement) j["depends_on_earlier_statement"] = true;
            findings.push_back(j);
        }
        nlohmann::json jf = {{"path", f.file}, {"statements", f.statements}, {"findings", findings}, {"suppressed", f.suppressed}};
        if (!f.problem.empty()) jf["problem"] = f.problem;
        files.push_back(jf);
    }
    std::string verdict = outcomeName(outcomeOfExitCode(r.exitCode));
    nlohmann::json j = {{"report", "pgproof-lint"},
                        {"report_version", 1},
                        {"tool_version", PGPROOF_VERSION},
                        {"verdict", verdict},
                        {"exit_code", r.exitCode},
                        {"fail_on", severityName(r.failOn)},
                        {"data_checked", r.withData},
                        {"counts", {{"error", r.count(Severity::Error)}, {"warning", r.count(Severity::Warning)}, {"note", r.count(Severity::Note)}}},
                        {"files", files}};
    if (r.withData) j["database"] = r.database;
    return j;
}

std::vector<JUnitCase> lintJUnitCases(const LintResult& r) {
    std::vector<JUnitCase> cases;
    for (const auto& f : r.files) {
        if (!f.problem.empty()) {
            cases.push_back({"pgproof.lint." + f.file, "parse", false, true, f.problem, "", 0});
            continue;
        }
        std::map<std::string, JUnitCase> byRule;
        for (const auto& x : f.findings) {
            if (x.severity == Severity::Note) continue;
            auto& c = byRule[x.rule];
            c.classname = "pgproof.lint." + f.file;
            c.name = x.rule;
            c.failed = c.failed || x.severity >= r.failOn;
            if (c.message.empty()) c.message = formatFinding(x);
            c.details += formatFinding(x) + "\n";
        }
        if (byRule.empty()) cases.push_back({"pgproof.lint." + f.file, "clean", false, false, "", "", 0});
        for (auto& [rule, c] : byRule) cases.push_back(c);
    }
    return cases;
}

}  // namespace pgproof::lint
