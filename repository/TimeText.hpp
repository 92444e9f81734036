#pragma once
// Times as the repository writes and reads them: ISO 8601 UTC instants ("2026-12-02T01:30:00Z") and
// durations as people type them ("90s", "30m", "25h", "14d", "2w"; "off" where a check can be disabled).
#include <ctime>
#include <optional>
#include <string>

namespace pgproof::repository {

// nullopt if `iso` is not "YYYY-MM-DDTHH:MM:SSZ".
std::optional<std::time_t> parseUtc(const std::string& iso);
std::string formatUtc(std::time_t t);
// Seconds; throws BadInputError naming `option` for anything else than a positive number with s/m/h/d/w.
double parseDuration(const std::string& text, const std::string& option);

}  // namespace pgproof::repository
