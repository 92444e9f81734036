#pragma once
// UTC timestamps as pgproof writes them (manifests, snapshots, dated database names) and the age
// of a recorded timestamp for people.
#include <string>

namespace pgproof {

// The current UTC time formatted with strftime; the default is ISO 8601 ("2026-11-21T12:00:00Z").
std::string utcNow(const char* format = "%Y-%m-%dT%H:%M:%SZ");
// Seconds since an ISO 8601 UTC timestamp as utcNow() writes it; -1 if it cannot be read.
double secondsSince(const std::string& iso);
// "45 s", "12 min", "3.2 h", "4.0 days"; "unknown" for a negative age.
std::string describeAge(double seconds);

}  // namespace pgproof
