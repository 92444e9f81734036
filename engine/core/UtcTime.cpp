#include "UtcTime.hpp"

#include <fmt/format.h>

#include <ctime>

namespace pgproof {

std::string utcNow(const char* format) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

double secondsSince(const std::string& iso) {
    std::tm tm{};
    if (!strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return -1;
    return std::difftime(std::time(nullptr), timegm(&tm));
}

std::string describeAge(double s) {
    if (s < 0) return "unknown";
    if (s < 120) return fmt::format("{:.0f} s", s);
    if (s < 7200) return fmt::format("{:.0f} min", s / 60);
    if (s < 172800) return fmt::format("{:.1f} h", s / 3600);
    return fmt::format("{:.1f} days", s / 86400);
}

}  // namespace pgproof
