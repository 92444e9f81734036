#include "TimeText.hpp"

#include <cctype>

#include "Errors.hpp"

namespace pgproof::repository {

std::optional<std::time_t> parseUtc(const std::string& iso) {
    std::tm tm{};
    const char* end = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end != '\0') return std::nullopt;
    return timegm(&tm);
}

std::string formatUtc(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
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

}  // namespace pgproof::repository
