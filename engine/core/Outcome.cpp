#include "Outcome.hpp"

namespace pgproof {

int exitCodeOf(Outcome o) {
    switch (o) {
    case Outcome::Proven: return static_cast<int>(ExitCode::Proven);
    case Outcome::Failed: return static_cast<int>(ExitCode::ProofFailed);
    case Outcome::BadInput: return static_cast<int>(ExitCode::BadInput);
    case Outcome::Incomplete: return static_cast<int>(ExitCode::Incomplete);
    }
    return static_cast<int>(ExitCode::Incomplete);
}

Outcome outcomeOfExitCode(int code) {
    switch (code) {
    case 0: return Outcome::Proven;
    case 1: return Outcome::Failed;
    case 2: return Outcome::BadInput;
    default: return Outcome::Incomplete;
    }
}

const char* outcomeName(Outcome o) {
    switch (o) {
    case Outcome::Proven: return "proven";
    case Outcome::Failed: return "failed";
    case Outcome::BadInput: return "bad_input";
    case Outcome::Incomplete: return "incomplete";
    }
    return "incomplete";
}

Outcome outcomeOfName(const std::string& name) {
    for (Outcome o : {Outcome::Proven, Outcome::Failed, Outcome::BadInput, Outcome::Incomplete})
        if (name == outcomeName(o)) return o;
    return Outcome::Incomplete;
}

std::string outcomeHeadline(Outcome o, const std::string& provenWord) {
    switch (o) {
    case Outcome::Proven: return provenWord;
    case Outcome::Failed: return "FAILED";
    case Outcome::BadInput: return "BAD INPUT";
    case Outcome::Incomplete: return "INCOMPLETE";
    }
    return "INCOMPLETE";
}

namespace {
int severity(Outcome o) {
    switch (o) {
    case Outcome::Proven: return 0;
    case Outcome::BadInput: return 1;
    case Outcome::Incomplete: return 2;
    case Outcome::Failed: return 3;
    }
    return 2;
}
}  // namespace

Outcome combineOutcomes(Outcome a, Outcome b) { return severity(a) >= severity(b) ? a : b; }

}  // namespace pgproof

namespace pgproof {

void SettledOutcome::demote(Outcome to, const std::string& why, const std::string& error) {
    outcome = combineOutcomes(outcome, to);
    // Kept even when a failure already outranks it: the reports still say what went wrong.
    if (problem.empty()) {
        problem = why;
        detail = error;
    }
}

std::string SettledOutcome::headline(const std::string& provenWord) const {
    std::string word = outcomeHeadline(outcome, provenWord);
    if (demoted() && judged == Outcome::Proven) word += " (" + provenWord + ", but " + problem + ")";
    return word;
}

std::string SettledOutcome::error() const {
    if (problem.empty()) return "";
    std::string head = judged == Outcome::Proven ? std::string(outcomeName(judged)) + ", but " + problem : problem;
    return detail.empty() ? head : head + ": " + detail;
}

}  // namespace pgproof
