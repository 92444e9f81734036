#pragma once
// The one outcome model. A run ends in exactly one of four outcomes; each has one exit code, one name
// (JSON reports, history records, metrics) and one headline word (text and Markdown reports). Every
// command settles its result to an Outcome once, and every writer takes its words from here: nothing
// else maps an exit code to a verdict.
#include <string>

#include "Errors.hpp"

namespace pgproof {

enum class Outcome {
    Proven,      // exit 0: everything asked for was checked and held
    Failed,      // exit 1: the proof failed (data lost or changed, archive damaged): do not proceed
    BadInput,    // exit 2: bad usage or input: nothing was judged
    Incomplete,  // exit 3: the proof could not be completed
};

int exitCodeOf(Outcome o);
// Codes other than 0-3 are Incomplete: a run that did not say what happened proved nothing.
Outcome outcomeOfExitCode(int code);
// "proven", "failed", "bad_input", "incomplete": the value of every report's and record's "verdict".
const char* outcomeName(Outcome o);
// The outcome for a stored name (history records); unknown names are Incomplete.
Outcome outcomeOfName(const std::string& name);
// The headline word of a text or Markdown report: provenWord ("PROVEN", or "PASSED" for a drill or a
// rehearsal), "FAILED", "BAD INPUT", "INCOMPLETE".
std::string outcomeHeadline(Outcome o, const std::string& provenWord = "PROVEN");
// Two outcomes of one run together: a failed proof outranks everything (data loss must never hide
// behind an incomplete step), then incomplete, then bad input; proven only when both are proven.
Outcome combineOutcomes(Outcome a, Outcome b);

}  // namespace pgproof

namespace pgproof {

// A run's outcome once it is settled: what the command judged, and what it became when its outputs and
// records were written (an output that cannot be written, or a proof whose history or metrics record
// cannot be written, demotes it). Every writer renders from this one value.
struct SettledOutcome {
    Outcome judged = Outcome::Proven;   // what the command found
    Outcome outcome = Outcome::Proven;  // what the run ends with (the exit code)
    std::string problem;                // what went wrong after judging, short: "the outcome could not be recorded"
    std::string detail;                 // the underlying error, for the report's "error" field

    static SettledOutcome of(Outcome judged) { return {judged, judged, "", ""}; }
    int exitCode() const { return exitCodeOf(outcome); }
    bool demoted() const { return outcome != judged; }
    // Lowers the outcome (combineOutcomes); the first reason is kept.
    void demote(Outcome to, const std::string& why, const std::string& error);
    // The headline word; a demoted proof reads "INCOMPLETE (PROVEN, but the outcome could not be recorded)".
    std::string headline(const std::string& provenWord = "PROVEN") const;
    // The report's "error" text when something went wrong after judging ("" otherwise).
    std::string error() const;
};

}  // namespace pgproof
