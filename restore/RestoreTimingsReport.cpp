#include "RestoreTimingsReport.hpp"

#include <fmt/format.h>

#include <utility>
#include <vector>

namespace pgproof {

namespace {

std::vector<std::pair<const char*, const WorkSpan*>> steps(const RestoreTimings& t) {
    return {{"schema (pre-data)", &t.schemaSpan},
            {"rows, sequences, large objects", &t.dataSpan},
            {"indexes, constraints, triggers", &t.postDataSpan},
            {"proof (reads and verification)", &t.verifySpan},
            {"analyze", &t.analyzeSpan}};
}

const char* jsonKey(size_t step) {
    static const char* keys[] = {"schema", "data", "post_data", "verify", "analyze"};
    return keys[step];
}

}  // namespace

std::string renderRestoreSpans(const RestoreTimings& t) {
    std::string out = "steps, in seconds since the start (they overlap: one scheduler runs them at once):\n";
    for (const auto& [name, span] : steps(t))
        if (span->ran()) out += fmt::format("  {:<32} {:7.2f} - {:7.2f}   ({:.2f} s)\n", name, span->start, span->end, span->seconds());
    return out;
}

std::string restoreSpansMarkdown(const RestoreTimings& t) {
    std::string out;
    for (const auto& [name, span] : steps(t))
        if (span->ran()) out += fmt::format("| {} | {:.2f} | {:.2f} | {:.2f} |\n", name, span->start, span->end, span->seconds());
    return out;
}

nlohmann::json restoreSpansJson(const RestoreTimings& t) {
    nlohmann::json j = nlohmann::json::object();
    auto all = steps(t);
    for (size_t i = 0; i < all.size(); ++i)
        if (all[i].second->ran()) j[jsonKey(i)] = {{"start", all[i].second->start}, {"end", all[i].second->end}};
    return j;
}

nlohmann::json restoreTimingsJson(const RestoreTimings& t) {
    return {{"archive_check", t.archiveCheck}, {"pre_data", t.preData}, {"data", t.data},   {"post_data", t.postData},
            {"verify", t.verify},              {"analyze", t.analyze},  {"total", t.total}, {"spans", restoreSpansJson(t)}};
}

}  // namespace pgproof
