#include "ReportSink.hpp"

#include <spdlog/spdlog.h>

#include <exception>

#include "ArchiveReader.hpp"
#include "Errors.hpp"
#include "Interrupt.hpp"
#include "ReportOutput.hpp"

namespace pgproof::cli {

ReportSink::ReportSink(std::string command, std::string subject, const CommonFlags& flags, std::string markdownPath)
    : command_(std::move(command)), subject_(std::move(subject)), json_(flags.json), junit_(flags.junit),
      markdown_(std::move(markdownPath)), recorder_(command_, subject_, flags.metrics) {}

void ReportSink::expect(const std::string& kind, const std::string& name, const std::string& junitClass) {
    expected_.push_back({kind, name, junitClass});
}

void ReportSink::expectArchiveTables(const std::string& archive, const std::string& junitClass) {
    if (archive == "-") return;  // a stream can be read once, by the command itself
    try {
        ArchiveReader reader(archive);
        for (const auto& t : reader.manifest().tables) expect("table", t.id().display(), junitClass);
    } catch (const std::exception&) {
    }
}

void ReportSink::guardProof(int exitCode) const {
    if (exitCode == 0) throwIfInterrupted("finishing the " + command_);
}

void ReportSink::writeJson(const nlohmann::json& report) {
    if (json_.empty()) return;
    // A proven run's outcome is recorded before its report says so: a report never says "proven" for a
    // run that then exits 3 because its history or --metrics record could not be written.
    if (report.value("exit_code", -1) == 0 && report.value("verdict", "") == "proven") {
        auto unrecorded = recordOutcome(0);
        if (!unrecorded.empty()) {
            nlohmann::json j = report;
            j["verdict"] = "incomplete";
            j["exit_code"] = static_cast<int>(ExitCode::Incomplete);
            j["error"] = "proven, but the outcome could not be recorded: " + unrecorded.front();
            writeReportDocument(json_, j);
            jsonDone_ = true;
            return;
        }
    }
    writeReportDocument(json_, report);
    jsonDone_ = true;
}

void ReportSink::writeJUnit(const std::string& xml) {
    if (junit_.empty()) return;
    writeReportFile(junit_, xml);
    junitDone_ = true;
}

void ReportSink::writeMarkdown(const std::string& markdown) {
    if (markdown_.empty()) return;
    writeReportFile(markdown_, markdown);
    markdownDone_ = true;
}

namespace {
std::unique_ptr<ReportSink>& openSink() {
    static std::unique_ptr<ReportSink> sink;
    return sink;
}
}  // namespace

ReportSink& ReportSink::open(std::string command, std::string subject, const CommonFlags& flags, std::string markdownPath) {
    openSink().reset(new ReportSink(std::move(command), std::move(subject), flags, std::move(markdownPath)));
    return *openSink();
}

void ReportSink::reportFailure(int exitCode, const std::string& error) {
    if (openSink()) openSink()->writeErrorReports(exitCode, error);
    finishRun(exitCode, error);
}

std::vector<std::string> ReportSink::recordOutcome(int exitCode, const std::string& error) {
    if (recorded_) return recordProblems_;
    recorded_ = true;
    recordProblems_ = recorder_.finish(exitCode, error);
    for (const auto& problem : recordProblems_) spdlog::warn("{}", problem);
    return recordProblems_;
}

std::string ReportSink::verdictWord(int exitCode, const std::string& word) {
    if (exitCode != 0 || recordOutcome(0).empty()) return word;
    return "INCOMPLETE (" + word + ", but the outcome could not be recorded)";
}

void ReportSink::demoteIfUnrecorded(int& exitCode, std::string& verdict, std::string& problem) {
    if (exitCode != 0) return;
    auto unrecorded = recordOutcome(0);
    if (unrecorded.empty()) return;
    exitCode = static_cast<int>(ExitCode::Incomplete);
    verdict = "incomplete";
    problem = "the " + command_ + " passed, but its outcome could not be recorded: " + unrecorded.front();
}

std::string ReportSink::verdictText(int exitCode, std::string text, const std::string& word) {
    const std::string instead = verdictWord(exitCode, word);
    if (instead == word) return text;
    for (size_t at = 0; at < text.size();) {
        if (text.compare(at, word.size(), word) == 0) {
            text.replace(at, word.size(), instead);
            at += instead.size();
        }
        size_t nl = text.find('\n', at);
        if (nl == std::string::npos) break;
        at = nl + 1;
    }
    return text;
}

std::vector<std::string> ReportSink::finishRun(int exitCode, const std::string& error) {
    if (!openSink()) return {};
    return openSink()->recordOutcome(exitCode, error);
}

void ReportSink::writeErrorReports(int exitCode, const std::string& error) {
    const std::string verdict = exitCode == 1 ? "failed" : "incomplete";
    // The report path may be the very problem: a report that cannot be written is skipped.
    auto attempt = [](const std::function<void()>& write) {
        try {
            write();
        } catch (const std::exception&) {
        }
    };
    if (!json_.empty() && !jsonDone_)
        attempt([&] {
            nlohmann::json j = context_;
            j["report"] = "pgproof-" + command_;
            j["report_version"] = 1;
            j["verdict"] = verdict;
            j["exit_code"] = exitCode;
            j["error"] = error;
            nlohmann::json missed = nlohmann::json::array();
            for (const auto& x : expected_) missed.push_back({{"kind", x.kind}, {"name", x.name}});
            j["not_checked"] = missed;
            j["summary"] = {{"checked", 0}, {"not_checked", expected_.size()}};
            writeReportDocument(json_, j);
        });
    if (!junit_.empty() && !junitDone_)
        attempt([&] {
            // The run itself is one case (a failure for exit 1, an error otherwise), then every item it
            // did not get to: CI lists exactly what was not proven.
            std::vector<JUnitCase> cases;
            cases.push_back({"pgproof." + command_, command_ + " " + subject_, exitCode == 1, exitCode != 1, error, "", 0});
            for (const auto& x : expected_)
                cases.push_back({x.junitClass, x.name, false, true, "not checked: " + error, "", 0});
            writeReportFile(junit_, renderJUnit("pgproof " + command_ + " " + subject_, cases, 0));
        });
    if (!markdown_.empty() && !markdownDone_)
        attempt([&] {
            std::string title = command_ == "drill" ? "Restore drill" : "pgproof " + command_;
            std::string md = "# " + title + ": " + (exitCode == 1 ? "FAILED" : "INCOMPLETE") + "\n\n";
            md += "- **Verdict:** " + verdict + " (exit code " + std::to_string(exitCode) + ")\n";
            md += "- **Problem:** " + error + "\n";
            md += "- **Subject:** `" + subject_ + "`\n\n";
            md += expected_.empty() ? std::string("Nothing was checked.\n")
                                    : "Nothing was proven; not checked: " + std::to_string(expected_.size()) + " item(s).\n";
            writeReportFile(markdown_, md);
        });
}

}  // namespace pgproof::cli
