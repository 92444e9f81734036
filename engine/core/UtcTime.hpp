#pragma once
// pgproof's one time module: UTC instants as pgproof writes and reads them (ISO 8601,
// "2026-12-02T01:30:00Z": manifests, snapshots, histories, dated database names), the age of a recorded
// instant for people, and durations as people type them ("90s", "30m", "25h", "14d", "2w").
#include <ctime>
#include <optional>
#include <string>

namespace pgproof {

constexpr const char* kUtcIsoFormat = "%Y-%m-%dT%H:%M:%SZ";

// `t` formatted with strftime in UTC; the default is ISO 8601.
std::string formatUtc(std::time_t t, const char* format = kUtcIsoFormat);
// The current UTC time, formatted as formatUtc does.
std::string utcNow(const char* format = kUtcIsoFormat);
// nullopt if `iso` is not exactly "YYYY-MM-DDTHH:MM:SSZ".
std::optional<std::time_t> parseUtc(const std::string& iso);
// Seconds since an ISO 8601 UTC timestamp as utcNow() writes it (anything after it is ignored); -1 if it
// cannot be read.
double secondsSince(const std::string& iso);
// "45 s", "12 min", "3.2 h", "4.0 days"; "unknown" for a negative age.
std::string describeAge(double seconds);
// Seconds; throws BadInputError naming `option` for anything else than a positive number with s/m/h/d/w.
double parseDuration(const std::string& text, const std::string& option);

}  // namespace pgproof
