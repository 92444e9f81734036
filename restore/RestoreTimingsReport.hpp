#pragma once
// The restore's timings as the reports show them (restore and drill alike): each step as a span in
// seconds since the restore started, and its length. The steps overlap (one scheduler runs rows,
// post-data, the proof reads and ANALYZE at once), so their lengths do not add up to the total.
#include <string>

#include <nlohmann/json.hpp>

#include "ParallelRestore.hpp"

namespace pgproof {

// Lines for stdout: "  rows, sequences, large objects   0.35 -   5.10 s   (4.75 s)".
std::string renderRestoreSpans(const RestoreTimings& t);
// Markdown table rows "| step | from | to | seconds |" (no header).
std::string restoreSpansMarkdown(const RestoreTimings& t);
// {"schema": {"start": s, "end": e}, ...}; a step that did not run is absent.
nlohmann::json restoreSpansJson(const RestoreTimings& t);
// The restore report's "timings": archive_check, pre_data, data, post_data, verify, analyze, total, spans.
nlohmann::json restoreTimingsJson(const RestoreTimings& t);

}  // namespace pgproof
