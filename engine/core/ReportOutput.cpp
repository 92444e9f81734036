#include "ReportOutput.hpp"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "Errors.hpp"
#include "OutputEncoding.hpp"

namespace pgproof {

StagedReport::StagedReport(std::string target, const std::string& content) : target_(std::move(target)) {
    content_ = content;
    if (!content_.empty() && content_.back() != '\n') content_ += '\n';
    if (target_ == "-") return;  // printed by commit()
    file_.emplace(target_, AtomicFile::Options{.label = "report " + target_});
    file_->write(content_);
    content_.clear();
}

StagedReport::StagedReport(StagedReport&& other) noexcept = default;

StagedReport::~StagedReport() = default;

void StagedReport::commit() {
    if (!file_) {
        // UTF-8 as it is: a report on stdout is a UTF-8 file, not text for people (std::cout converts).
        std::cout.flush();
        std::fwrite(content_.data(), 1, content_.size(), stdout);
        std::fflush(stdout);
        return;
    }
    file_->commit();
}

StagedReport stageReportFile(const std::string& target, const std::string& content) {
    return StagedReport(target, OutputEncoding::forReport(content));
}

StagedReport stageReportDocument(const std::string& target, const nlohmann::json& document) {
    std::string text;
    try {
        text = OutputEncoding::documentText(document, 2);
    } catch (const std::runtime_error& e) {
        throw IncompleteError("cannot write " + (target == "-" ? std::string("to stdout") : target) + ": " + e.what());
    }
    return StagedReport(target, text);
}

void writeReportFile(const std::string& target, const std::string& content) { stageReportFile(target, content).commit(); }

void writeReportDocument(const std::string& target, const nlohmann::json& document) {
    stageReportDocument(target, document).commit();
}

namespace {
std::string xmlEscape(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
            if (c < 0x20 && c != '\n' && c != '\t') out += ' ';
            else out += static_cast<char>(c);
        }
    }
    return out;
}
}  // namespace

void appendOutcomeCase(std::vector<JUnitCase>& cases, const SettledOutcome& settled, const std::string& classname) {
    if (settled.problem.empty()) return;
    cases.insert(cases.begin(), JUnitCase{classname, "outcome", false, true, settled.error(), "", 0, ""});
}

std::string renderJUnit(const std::string& suiteName, const std::vector<JUnitCase>& cases, double seconds) {
    size_t failures = 0, errors = 0;
    for (const auto& c : cases) {
        if (c.error) ++errors;
        else if (c.failed) ++failures;
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += fmt::format("<testsuites name=\"pgproof\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
                       cases.size(), failures, errors, seconds);
    out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
                       xmlEscape(suiteName), cases.size(), failures, errors, seconds);
    for (const auto& c : cases) {
        out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"", xmlEscape(c.classname),
                           xmlEscape(c.name), c.seconds);
        if (!c.failed && !c.error) {
            if (c.output.empty()) out += "/>\n";
            else out += fmt::format(">\n      <system-out>{}</system-out>\n    </testcase>\n", xmlEscape(c.output));
            continue;
        }
        out += ">\n";
        out += fmt::format("      <{} message=\"{}\">{}</{}>\n", c.error ? "error" : "failure", xmlEscape(c.message),
                           xmlEscape(c.details.empty() ? c.message : c.details), c.error ? "error" : "failure");
        out += "    </testcase>\n";
    }
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

namespace {
size_t displayWidth(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}
}  // namespace

std::string renderTextTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> width(header.size());
    for (size_t i = 0; i < header.size(); ++i) width[i] = displayWidth(header[i]);
    for (const auto& r : rows)
        for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], displayWidth(r[i]));
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (size_t i = 0; i < cells.size() && i < width.size(); ++i) {
            out += cells[i];
            if (i + 1 < cells.size()) out += std::string(width[i] - displayWidth(cells[i]) + 2, ' ');
        }
        return out + "\n";
    };
    std::string out = line(header);
    for (const auto& r : rows) out += line(r);
    return out;
}

std::string withThousands(uint64_t n) {
    std::string s = std::to_string(n);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
    return s;
}

std::string humanBytes(uint64_t n) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(n);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

std::string signedDelta(int64_t d) {
    if (d == 0) return "0";
    std::string s = withThousands(static_cast<uint64_t>(d < 0 ? -d : d));
    return (d < 0 ? "-" : "+") + s;
}

}  // namespace pgproof
