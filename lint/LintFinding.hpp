#pragma once
// One thing lint found in one statement, printed like a compiler's diagnostic:
//   migration.sql:12:1: error: DROP COLUMN loses clients.legacy for good [drop-column]
#include <string>
#include <vector>

#include "SourceText.hpp"

namespace pgproof::lint {

// note: information (table sizes under a lock); never fails a run.
enum class Severity { Note, Warning, Error };

std::string severityName(Severity s);
// "error" or "warning" (for --fail-on); throws BadInputError otherwise.
Severity parseSeverity(const std::string& s);

struct LintFinding {
    std::string file;
    SourcePosition at;
    size_t statement = 0;  // index in the file
    Severity severity = Severity::Warning;
    std::string rule;      // stable name, documented in docs/LINT.md
    std::string message;
    // With --db: the figure the finding rests on (rows with NULLs, duplicate groups, orphans, table rows),
    // and up to a few sample values, e.g. "clientId = 'c1' x2".
    bool hasFigure = false;
    long long figure = 0;
    std::vector<std::string> samples;
    // Whether the figure may be out of date at that point: an earlier statement of the file changes the data.
    bool dependsOnEarlierStatement = false;
};

// "file:line:col: severity: message [rule]"
std::string formatFinding(const LintFinding& f);

}  // namespace pgproof::lint
