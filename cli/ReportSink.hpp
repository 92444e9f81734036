#pragma once
// The report files a user asked for (--json, --junit, and drill's --report), written on every outcome.
// A command that got as far as judging hands its full reports to the sink. A command that stops early
// instead (connection refused or lost, interrupted, unreadable input, a damaged baseline) throws, and
// main() calls reportFailure: an error report is written in each asked-for format that was not written
// yet, with the verdict, the exit code, the error, and every item the proof would have covered as not
// checked (docs/REPORTS.md §9). CI keeps its artifacts exactly when something went wrong.
// One command runs per process, so there is one sink per process, opened by the command.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "CommandLine.hpp"
#include "RunRecorder.hpp"

namespace pgproof::cli {

class ReportSink {
public:
    // command: "verify", "restore", "drill", "check"; subject: the baseline or archive path as given.
    // The sink lives until the process exits.
    static ReportSink& open(std::string command, std::string subject, const CommonFlags& flags, std::string markdownPath = "");
    // From main()'s error path: writes the error reports of the open sink, if any (best effort: the
    // original error is what the user must see, even when a report cannot be written).
    static void reportFailure(int exitCode, const std::string& error);
    // From main() once the command returned (reportFailure does it on the error path): the run's outcome
    // goes into the archive's history when it lives in a repository, and into --metrics (RunRecorder).
    // Returns what could not be recorded (each also logged as a warning): main() turns an exit 0 whose
    // outcome was not recorded into exit 3.
    static std::vector<std::string> finishRun(int exitCode, const std::string& error = "");
    // The run's history and metrics recorder: commands give it their figures (tables, rows, recovery time).
    repository::RunRecorder& recorder() { return recorder_; }
    // Records the outcome now rather than at exit (the history, --metrics), so that the command learns
    // before it reports a proof whether the proof will be on record. Returns what could not be recorded
    // (also logged); finishRun later returns the same and records nothing twice.
    std::vector<std::string> recordOutcome(int exitCode, const std::string& error = "");
    // The human verdict of a run about to exit `exitCode`: a proven run's outcome is recorded first, and
    // if that fails every line starting with `word` (PROVEN, PASSED) starts with INCOMPLETE instead (the
    // run exits 3: main() says why).
    std::string verdictText(int exitCode, std::string text, const std::string& word = "PROVEN");
    // The verdict word itself, the same way: `word`, or INCOMPLETE (word, but ...) once recording failed.
    std::string verdictWord(int exitCode, const std::string& word);
    // For a command whose result carries its own verdict (drill, rehearse): a proven run's outcome is
    // recorded before any report is written; if that fails the result becomes incomplete (exit 3,
    // verdict "incomplete", `problem` naming what could not be recorded), so that no report says PASSED.
    void demoteIfUnrecorded(int& exitCode, std::string& verdict, std::string& problem);

    // One item the proof covers (kind "table", "sequence", ...; name in display form), listed as not
    // checked in an error report. junitClass is the classname its full JUnit case would have.
    void expect(const std::string& kind, const std::string& name, const std::string& junitClass);
    // Every table of the archive's manifest, if it can be read (else nothing: the command reports why).
    void expectArchiveTables(const std::string& archive, const std::string& junitClass);
    // Fields copied into an error report's JSON, e.g. "baseline" or "archive" (known before the failure).
    nlohmann::json& context() { return context_; }

    // An interrupted run never reports a proof: throws InterruptedError if a signal arrived and the
    // exit code would be 0 (a failure found before the signal still stands: 1 outranks 3).
    void guardProof(int exitCode) const;
    void writeJson(const nlohmann::json& report);
    void writeJUnit(const std::string& xml);
    void writeMarkdown(const std::string& markdown);

private:
    ReportSink(std::string command, std::string subject, const CommonFlags& flags, std::string markdownPath);
    struct Expected {
        std::string kind, name, junitClass;
    };
    void writeErrorReports(int exitCode, const std::string& error);

    std::string command_, subject_;
    std::string json_, junit_, markdown_;  // targets; "" when not asked for
    bool jsonDone_ = false, junitDone_ = false, markdownDone_ = false;
    bool recorded_ = false;
    std::vector<std::string> recordProblems_;
    std::vector<Expected> expected_;
    nlohmann::json context_ = nlohmann::json::object();
    repository::RunRecorder recorder_;
};

}  // namespace pgproof::cli
