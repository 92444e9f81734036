#include "PrometheusTextfile.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>

#include "AtomicFile.hpp"

namespace pgproof::repository {

namespace {

std::string escapeLabel(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string escapeHelp(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
    return fmt::format("{}", v);
}

}  // namespace

std::string renderLabels(const Labels& labels) {
    if (labels.empty()) return "";
    std::string out = "{";
    for (size_t i = 0; i < labels.size(); ++i)
        out += (i ? "," : "") + labels[i].first + "=\"" + escapeLabel(labels[i].second) + "\"";
    return out + "}";
}

void PrometheusTextfile::gauge(const std::string& name, const std::string& help, const Labels& labels, double value) {
    auto [it, inserted] = families_.try_emplace(name);
    if (inserted) {
        order_.push_back(name);
        it->second.help = help;
    }
    it->second.samples.emplace_back(labels, value);
}

std::string PrometheusTextfile::render() const {
    std::string out;
    for (const auto& name : order_) {
        const Family& f = families_.at(name);
        out += "# HELP " + name + " " + escapeHelp(f.help) + "\n# TYPE " + name + " gauge\n";
        for (const auto& [labels, value] : f.samples) out += name + renderLabels(labels) + " " + number(value) + "\n";
    }
    return out;
}

void PrometheusTextfile::write(const std::filesystem::path& file) const {
    // The collector reads only *.prom: AtomicFile's temporary name is hidden and ends otherwise.
    AtomicFile::writeWhole(file, render(),
                           {.label = "the metrics file " + file.string(), .mode = 0644, .unwritable = ExitCode::Incomplete});
}

std::optional<double> PrometheusTextfile::readSample(const std::filesystem::path& file, const std::string& name, const Labels& labels) {
    std::ifstream in(file);
    if (!in) return std::nullopt;
    std::string prefix = name + renderLabels(labels) + " ";
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) != 0) continue;
        try {
            return std::stod(line.substr(prefix.size()));
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

}  // namespace pgproof::repository
