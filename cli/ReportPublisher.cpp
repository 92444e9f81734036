#include "ReportPublisher.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <iostream>

#include "ArchiveReader.hpp"
#include "Errors.hpp"
#include "Interrupt.hpp"
#include "ReportOutput.hpp"

namespace pgproof::cli {

ReportPublisher::ReportPublisher(std::string command, std::string subject, const CommonFlags& flags, std::string markdownPath)
    : command_(std::move(command)), subject_(std::move(subject)), json_(flags.json), junit_(flags.junit),
      markdown_(std::move(markdownPath)), recorder_(command_, subject_, flags.metrics) {}

void ReportPublisher::expect(const std::string& kind, const std::string& name, const std::string& junitClass) {
    expected_.push_back({kind, name, junitClass});
}

void ReportPublisher::expectArchiveTables(const std::string& archive, const std::string& junitClass) {
    try {
        auto source = openArchiveSource(archive);
        if (!source->randomAccess()) return;  // a stream can be read once, by the command itself
        ArchiveReader reader(std::move(source));
        for (const auto& t : reader.manifest().tables) expect("table", t.id().display(), junitClass);
    } catch (const std::exception&) {
    }
}

std::ostream& ReportPublisher::human() const { return json_ == "-" ? std::cerr : std::cout; }

namespace {
std::unique_ptr<ReportPublisher>& openPublisher() {
    static std::unique_ptr<ReportPublisher> publisher;
    return publisher;
}
}  // namespace

ReportPublisher& ReportPublisher::open(std::string command, std::string subject, const CommonFlags& flags, std::string markdownPath) {
    openPublisher().reset(new ReportPublisher(std::move(command), std::move(subject), flags, std::move(markdownPath)));
    return *openPublisher();
}

std::vector<std::string> ReportPublisher::recordOutcome(const SettledOutcome& settled) {
    if (recorded_) return recordProblems_;
    recorded_ = true;
    std::string why = problem_;
    if (!settled.error().empty()) why = why.empty() ? settled.error() : why + "; " + settled.error();
    recordProblems_ = recorder_.finish(settled.exitCode(), settled.outcome == Outcome::Proven ? "" : why);
    for (const auto& problem : recordProblems_) spdlog::warn("{}", problem);
    return recordProblems_;
}

int ReportPublisher::publish(Outcome judged, const ReportRenderers& renderers) {
    // An interrupted run never reports a proof (a failure found before the signal still stands).
    if (judged == Outcome::Proven) throwIfInterrupted("finishing the " + command_);
    SettledOutcome settled = SettledOutcome::of(judged);
    std::vector<StagedReport> staged;
    // Each round renders every output from the outcome as it stands; a round that changes the outcome (an
    // output that cannot be written, a proof that cannot be recorded) is followed by another, so that every
    // file says the same. The outcome only ever gets worse, so this ends within a few rounds.
    for (int round = 0; round < 4; ++round) {
        const Outcome before = settled.outcome;
        const std::string problemBefore = settled.problem;
        staged.clear();
        auto stage = [&](const std::string& target, const char* option, const std::function<StagedReport()>& make) {
            if (target.empty()) return;
            try {
                staged.push_back(make());
            } catch (const PgproofError& e) {
                settled.demote(outcomeOfExitCode(static_cast<int>(e.code())), std::string(option) + " " + target + " could not be written", e.what());
            }
        };
        if (renderers.json) stage(json_, "--json", [&] { return stageReportDocument(json_, renderers.json(settled)); });
        if (renderers.junit) stage(junit_, "--junit", [&] { return stageReportFile(junit_, renderers.junit(settled)); });
        if (renderers.markdown) stage(markdown_, "--report", [&] { return stageReportFile(markdown_, renderers.markdown(settled)); });
        if (settled.outcome != before || settled.problem != problemBefore) continue;
        if (!recorded_) {
            auto unrecorded = recordOutcome(settled);
            if (!unrecorded.empty() && settled.outcome == Outcome::Proven) {
                settled.demote(Outcome::Incomplete, "the outcome could not be recorded", unrecorded.front());
                continue;
            }
        }
        break;
    }
    published_ = true;
    bool commitFailed = false;
    for (auto& file : staged) {
        try {
            file.commit();
        } catch (const PgproofError& e) {
            settled.demote(outcomeOfExitCode(static_cast<int>(e.code())), "report " + file.target() + " could not be written", e.what());
            commitFailed = true;
        }
    }
    if (commitFailed) {
        // Rare (the temporary file was written, the rename failed): the files already in place are written
        // again with the lowered outcome, best effort.
        auto again = [](const std::function<void()>& write) {
            try {
                write();
            } catch (const std::exception&) {
            }
        };
        if (renderers.json && !json_.empty() && json_ != "-") again([&] { writeReportDocument(json_, renderers.json(settled)); });
        if (renderers.junit && !junit_.empty()) again([&] { writeReportFile(junit_, renderers.junit(settled)); });
        if (renderers.markdown && !markdown_.empty()) again([&] { writeReportFile(markdown_, renderers.markdown(settled)); });
    }
    if (renderers.text) (renderers.textOnStderr ? std::cerr : human()) << renderers.text(settled) << std::flush;
    if (settled.outcome != settled.judged || commitFailed)
        spdlog::error("could not complete: {} (the outcome was not recorded, or a report not written, as asked: exit {}; fix that and "
                      "run again)", settled.error(), settled.exitCode());
    return settled.exitCode();
}

void ReportPublisher::reportFailure(int exitCode, const std::string& error) {
    auto& publisher = openPublisher();
    if (!publisher) return;
    if (publisher->problem_.empty()) publisher->problem_ = error;
    if (!publisher->published_) {
        try {
            publisher->publish(outcomeOfExitCode(exitCode), publisher->errorRenderers(error));
        } catch (const std::exception&) {
            // The report path may be the very problem; the original error is what the user must see.
        }
    }
    publisher->recordOutcome(SettledOutcome::of(outcomeOfExitCode(exitCode)));
}

bool ReportPublisher::published() { return openPublisher() && openPublisher()->published_; }

std::vector<std::string> ReportPublisher::finishRun(int exitCode, const std::string& error) {
    if (!openPublisher()) return {};
    if (openPublisher()->problem_.empty()) openPublisher()->problem_ = error;
    return openPublisher()->recordOutcome(SettledOutcome::of(outcomeOfExitCode(exitCode)));
}

ReportRenderers ReportPublisher::errorRenderers(const std::string& error) const {
    ReportRenderers r;
    r.json = [this, error](const SettledOutcome& s) {
        nlohmann::json j = context_;
        j["report"] = "pgproof-" + command_;
        j["report_version"] = 1;
        j["verdict"] = outcomeName(s.outcome);
        j["exit_code"] = s.exitCode();
        j["error"] = error;
        nlohmann::json missed = nlohmann::json::array();
        for (const auto& x : expected_) missed.push_back({{"kind", x.kind}, {"name", x.name}});
        j["not_checked"] = missed;
        j["summary"] = {{"checked", 0}, {"not_checked", expected_.size()}};
        return j;
    };
    r.junit = [this, error](const SettledOutcome& s) {
        // The run itself is one case (a failure for exit 1, an error otherwise), then every item it
        // did not get to: CI lists exactly what was not proven.
        const bool failed = s.outcome == Outcome::Failed;
        std::vector<JUnitCase> cases;
        cases.push_back({"pgproof." + command_, command_ + " " + subject_, failed, !failed, error, "", 0});
        for (const auto& x : expected_) cases.push_back({x.junitClass, x.name, false, true, "not checked: " + error, "", 0});
        return renderJUnit("pgproof " + command_ + " " + subject_, cases, 0);
    };
    r.markdown = [this, error](const SettledOutcome& s) {
        std::string title = command_ == "drill" ? "Restore drill" : "pgproof " + command_;
        std::string md = "# " + title + ": " + outcomeHeadline(s.outcome) + "\n\n";
        md += "- **Verdict:** " + std::string(outcomeName(s.outcome)) + " (exit code " + std::to_string(s.exitCode()) + ")\n";
        md += "- **Problem:** " + error + "\n";
        md += "- **Subject:** `" + subject_ + "`\n\n";
        md += expected_.empty() ? std::string("Nothing was checked.\n")
                                : "Nothing was proven; not checked: " + std::to_string(expected_.size()) + " item(s).\n";
        return md;
    };
    return r;
}

}  // namespace pgproof::cli
