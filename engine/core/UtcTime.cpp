#include "UtcTime.hpp"

#include <fmt/format.h>

#include <cctype>

#include "Errors.hpp"

namespace pgproof {

namespace {

// Reads an ISO 8601 UTC instant at the start of `iso`; where it ends, or nullptr.
const char* readUtc(const std::string& iso, std::tm& tm) { return strptime(iso.c_str(), kUtcIsoFormat, &tm); }

}  // namespace

std::string formatUtc(std::time_t t, const char* format) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

std::string utcNow(const char* format) { return formatUtc(std::time(nullptr), format); }

std::optional<std::time_t> parseUtc(const std::string& iso) {
    std::tm tm{};
    const char* end = readUtc(iso, tm);
    if (!end || *end != '\0') return std::nullopt;
    return timegm(&tm);
}

double secondsSince(const std::string& iso) {
    std::tm tm{};
    if (!readUtc(iso, tm)) return -1;
    return std::difftime(std::time(nullptr), timegm(&tm));
}

std::string describeAge(double s) {
    if (s < 0) return "unknown";
    if (s < 120) return fmt::format("{:.0f} s", s);
    if (s < 7200) return fmt::format("{:.0f} min", s / 60);
    if (s < 172800) return fmt::format("{:.1f} h", s / 3600);
    return fmt::format("{:.1f} days", s / 86400);
}

double parseDuration(const std::string& text, const std::string& option) {
    auto bad = [&] {
        return BadInputError(option + " '" + text + "' is not a duration: give a number with s, m, h, d or w (e.g. 25h, 92d)");
    };
    if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) throw bad();
    size_t used = 0;
    double n = 0;
    try {
        n = std::stod(text, &used);
    } catch (const std::exception&) {
        throw bad();
    }
    std::string unit = text.substr(used);
    double scale = unit == "s" || unit.empty() ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : unit == "w" ? 604800 : -1;
    if (scale < 0 || n <= 0) throw bad();
    return n * scale;
}

}  // namespace pgproof
