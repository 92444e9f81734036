#include "LintFinding.hpp"

#include "Errors.hpp"

namespace pgproof::lint {

std::string severityName(Severity s) {
    switch (s) {
        case Severity::Note: return "note";
        case Severity::Warning: return "warning";
        case Severity::Error: return "error";
    }
    return "error";
}

Severity parseSeverity(const std::string& s) {
    if (s == "error") return Severity::Error;
    if (s == "warning") return Severity::Warning;
    throw BadInputError("--fail-on takes error or warning, not '" + s + "'");
}

std::string formatFinding(const LintFinding& f) {
    return f.file + ":" + std::to_string(f.at.line) + ":" + std::to_string(f.at.column) + ": " + severityName(f.severity) + ": " +
           f.message + " [" + f.rule + "]";
}

}  // namespace pgproof::lint
