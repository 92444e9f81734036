#pragma once
// The one way a run settles its outcome and writes its reports (--json, --junit, a drill's or rehearsal's
// --report, the text on stdout, the history record and --metrics). A command that got as far as judging
// calls publish() with the outcome it found and one renderer per output; a command that stops early
// throws, and main() calls reportFailure, which publishes an error report the same way (the verdict,
// the exit code, the error, and every item the proof would have covered as not checked: docs/REPORTS.md
// §9). publish() works in this order, so that no file ever says proven for a run that did not exit 0:
//   1. every asked-for report file is rendered from the outcome and written under a temporary name;
//      one that cannot be written lowers the outcome (SettledOutcome::demote) and all are rendered again;
//   2. the outcome is recorded once (the archive's history in a repository, --metrics); a proof that
//      cannot be recorded becomes incomplete and all are rendered again;
//   3. the files are renamed into place and the text is printed; the exit code is the settled outcome's.
// One command runs per process, so there is one publisher per process, opened by the command.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "CommandLine.hpp"
#include "Outcome.hpp"
#include "RunRecorder.hpp"

namespace pgproof::cli {

// A command's outputs, each rendered from the settled outcome. An empty function: the command has no
// such output (its flag is then not offered). text "" prints nothing (--quiet on a proven run).
struct ReportRenderers {
    std::function<nlohmann::json(const SettledOutcome&)> json;
    std::function<std::string(const SettledOutcome&)> junit;
    std::function<std::string(const SettledOutcome&)> markdown;
    std::function<std::string(const SettledOutcome&)> text;
    bool textOnStderr = false;  // stdout carries data (backup -o -)
};

// A result that carries its own verdict (a drill's, a rehearsal's), as the run settled: its exit code, verdict
// and problem follow the settled outcome. Updated in place, not copied (renderers run one after another);
// judgedProblem is its problem as the command judged it.
template <class Result>
const Result& asSettled(Result& r, const std::string& judgedProblem, const SettledOutcome& s) {
    r.exitCode = s.exitCode();
    r.verdict = outcomeName(s.outcome);
    r.problem = judgedProblem;
    if (!s.problem.empty()) r.problem = r.problem.empty() ? s.error() : r.problem + "; " + s.error();
    return r;
}

class ReportPublisher {
public:
    // command: "verify", "restore", "drill", "check"; subject: the baseline or archive path as given.
    // The publisher lives until the process exits.
    static ReportPublisher& open(std::string command, std::string subject, const CommonFlags& flags, std::string markdownPath = "");
    // From main()'s error path: publishes the error reports of the open publisher, if any, and records the
    // outcome (best effort: the original error is what the user must see).
    static void reportFailure(int exitCode, const std::string& error);
    // From main() once the command returned: records the outcome of a run that did not publish (nothing
    // if it did). Returns what could not be recorded: main() turns an exit 0 whose outcome was not recorded
    // into exit 3.
    static std::vector<std::string> finishRun(int exitCode, const std::string& error = "");
    // Whether the open publisher has published its reports (its outcome is settled).
    static bool published();

    // Settles the run (see the header comment) and returns its exit code. Throws InterruptedError if a
    // signal arrived and the judged outcome is proven (a failure found before the signal still stands).
    int publish(Outcome judged, const ReportRenderers& renderers);

    // Why the run did not prove its subject, in a line (the first failure, a target that refused the
    // restore): recorded in the history with the outcome, so the history says why, not only that.
    void explain(std::string problem) { problem_ = std::move(problem); }
    // The run's history and metrics recorder: commands give it their figures (tables, rows, recovery time).
    repository::RunRecorder& recorder() { return recorder_; }
    // One item the proof covers (kind "table", "sequence", ...; name in display form), listed as not
    // checked in an error report. junitClass is the classname its full JUnit case would have.
    void expect(const std::string& kind, const std::string& name, const std::string& junitClass);
    // Every table of the archive's manifest, if it can be read (else nothing: the command reports why).
    void expectArchiveTables(const std::string& archive, const std::string& junitClass);
    // Fields copied into an error report's JSON, e.g. "baseline" or "archive" (known before the failure).
    nlohmann::json& context() { return context_; }
    // Where the text goes: stdout, or stderr when the JSON report goes to stdout (--json -).
    std::ostream& human() const;

private:
    ReportPublisher(std::string command, std::string subject, const CommonFlags& flags, std::string markdownPath);
    struct Expected {
        std::string kind, name, junitClass;
    };
    ReportRenderers errorRenderers(const std::string& error) const;
    std::vector<std::string> recordOutcome(const SettledOutcome& settled);

    std::string command_, subject_;
    std::string json_, junit_, markdown_;  // targets; "" when not asked for
    bool published_ = false;
    std::string problem_;
    bool recorded_ = false;
    std::vector<std::string> recordProblems_;
    std::vector<Expected> expected_;
    nlohmann::json context_ = nlohmann::json::object();
    repository::RunRecorder recorder_;
};

}  // namespace pgproof::cli
