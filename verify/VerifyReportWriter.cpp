#include "VerifyReportWriter.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgproof {

namespace {
int rank(const TableVerdict& t) {
    if (t.verdict == Verdict::Failed) return 0;
    if (t.verdict == Verdict::Error) return 1;
    if (t.content == "changed") return 2;
    return 3;
}
std::string shortFp(const std::string& fp) { return fp.empty() ? "-" : fp.substr(0, 12); }
std::string contentLabel(const TableVerdict& t) {
    if (t.content == "equal") return "equal";
    if (t.content == "changed") return "CHANGED";
    return "-";
}
std::string verdictLabel(Verdict v) {
    switch (v) {
    case Verdict::Ok: return "ok";
    case Verdict::Failed: return "FAIL";
    case Verdict::Error: return "ERROR";
    }
    return "?";
}
}  // namespace

// "12 of 14 tables; 2 not covered: public.big (excluded), ..." for the verdict line.
std::string coverage(const VerifyReport& r) {
    std::vector<UncoveredTable> uncovered;
    for (const auto& t : r.notCovered) uncovered.push_back({t.id.schema, t.id.name, std::nullopt, t.notCoveredBecause});
    size_t tables = 0;
    for (const auto& t : r.tables) tables += !t.isLargeObjects();
    return coverageSummary(tables, uncovered);
}

std::string renderRowDiffText(const QualifiedName& table, const RowDiffSummary& d, size_t showRows) {
    std::vector<std::string> kinds;
    if (d.lost) kinds.push_back(withThousands(d.lost) + " lost");
    if (d.duplicated) kinds.push_back(withThousands(d.duplicated) + " duplicated");
    if (d.changed) kinds.push_back(withThousands(d.changed) + " changed");
    if (d.added) kinds.push_back(withThousands(d.added) + " added");
    std::string out = table.display() + ": ";
    for (size_t i = 0; i < kinds.size(); ++i) out += (i ? ", " : "") + kinds[i];
    std::string key;
    for (const auto& c : d.key) key += (key.empty() ? "" : ", ") + displayIdent(c);
    out += d.key.empty() ? " (rows compared as a multiset: the table has no key)\n" : " (by key " + key + ")\n";
    size_t shown = 0;
    for (const auto& row : d.rows) {
        if (shown++ == showRows) break;
        out += "  " + describeRowDifference(row) + "\n";
    }
    if (d.differenceEntries > std::min<uint64_t>(showRows, d.rows.size()))
        out += fmt::format("  ... {} more (--show-rows N lists more; --json lists up to {}; pgproof diff lists all)\n",
                           withThousands(d.differenceEntries - std::min<uint64_t>(showRows, d.rows.size())), withThousands(kRowDifferencesKept));
    return out;
}

nlohmann::json rowDiffJson(const RowDiffSummary& d) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : d.rows) rows.push_back(rowDifferenceToJson(row));
    return {{"key", d.key},          {"excluded_columns", d.excluded}, {"lost", d.lost},     {"added", d.added},
            {"changed", d.changed},  {"duplicated", d.duplicated},     {"differences", rows}, {"differences_total", d.differenceEntries},
            {"truncated", d.truncated()}};
}

std::string renderVerifyText(const VerifyReport& r, bool verbose, size_t showRows) {
    std::vector<const TableVerdict*> sorted;
    for (const auto& t : r.tables) sorted.push_back(&t);
    std::stable_sort(sorted.begin(), sorted.end(), [](auto a, auto b) { return rank(*a) < rank(*b); });
    std::vector<std::vector<std::string>> rows;
    for (const auto* t : sorted) {
        if (!verbose && t->verdict == Verdict::Ok && t->content != "changed" && sorted.size() > 40) continue;
        std::string delta = t->rows ? signedDelta(static_cast<int64_t>(*t->rows) - static_cast<int64_t>(t->baselineRows)) : "-";
        rows.push_back({t->id.display(), withThousands(t->baselineRows), t->rows ? withThousands(*t->rows) : "-", delta,
                        r.countsOnly ? "-" : contentLabel(*t), verdictLabel(t->verdict) + (t->reason.empty() ? "" : ": " + t->reason)});
    }
    std::string out = renderTextTable({"TABLE", "BASELINE", "CURRENT", "DELTA", "CONTENT", "VERDICT"}, rows);
    size_t hidden = r.tables.size() - rows.size();
    if (hidden) out += fmt::format("({} more tables ok; --verbose lists them)\n", hidden);
    for (const auto* t : sorted)
        if (t->rowDiff && t->rowDiff->differenceEntries) out.append("\n").append(renderRowDiffText(t->id, *t->rowDiff, showRows));
    if (std::any_of(sorted.begin(), sorted.end(), [](auto t) { return t->rowDiff && t->rowDiff->differenceEntries; })) out += "\n";
    for (const auto& s : r.sequences)
        if (s.verdict != Verdict::Ok || verbose)
            out += fmt::format("sequence {}: baseline {}, now {}: {}\n", s.id.display(), s.baselineValue,
                               s.value ? std::to_string(*s.value) : "-", s.verdict == Verdict::Ok ? "ok" : "FAIL: " + s.reason);
    for (const auto& t : r.notCovered)
        out += fmt::format("not covered: {}: baseline {}, now {}: {}{}\n", t.id.display(),
                           t.content == "not covered" && t.baselineRows == 0 && !t.rows ? "-" : withThousands(t.baselineRows),
                           t.rows ? withThousands(*t.rows) : "-", t.verdict == Verdict::Ok ? "" : verdictLabel(t.verdict) + ": ",
                           t.reason);
    if (!r.newTables.empty()) {
        out += "new tables (not in the baseline, not checked): ";
        for (size_t i = 0; i < r.newTables.size(); ++i)
            out += (i ? ", " : "") + r.newTables[i].id.display() + " (" + withThousands(r.newTables[i].rows) + " rows)";
        out += "\n";
    }
    if (r.plan) {
        out += "\nplan " + r.plan->path.string() + ":\n";
        for (int pass = 0; pass < 2; ++pass)  // failures first
            for (const auto& p : r.planItems) {
                if ((p.verdict == Verdict::Ok) != (pass == 1)) continue;
                out += fmt::format("  {:<5} {}: {}\n", verdictLabel(p.verdict), p.label(), p.message);
                if (verbose)
                    for (const auto& sql : p.sql) out += "          SQL: " + sql + "\n";
            }
        if (r.planItems.empty()) out += "  (the plan has no items)\n";
    }
    for (const auto& n : r.notes) out += "note: " + n + "\n";
    size_t failed = r.count(Verdict::Failed), errors = r.count(Verdict::Error);
    uint64_t rowsNow = 0;
    for (const auto& t : r.tables) rowsNow += t.rows.value_or(0);
    std::string what = r.countsOnly ? "row counts" : "row counts and fingerprints";
    if (failed) {
        std::vector<std::string> names;
        for (const auto* t : sorted)
            if (t->verdict == Verdict::Failed && names.size() < 5) names.push_back(t->id.display());
        for (const auto& p : r.planItems)
            if (p.verdict == Verdict::Failed && names.size() < 5) names.push_back(p.label());
        for (const auto& s : r.sequences)
            if (s.verdict == Verdict::Failed && names.size() < 5) names.push_back("sequence " + s.id.display());
        std::string list;
        for (size_t i = 0; i < names.size(); ++i) list += (i ? ", " : "") + names[i];
        out += fmt::format("FAILED ({}): {} check(s) failed{}: {}; do not proceed\n", modeName(r.mode), failed,
                           errors ? fmt::format(", {} could not be completed", errors) : "", list);
    } else if (errors) {
        out += fmt::format("INCOMPLETE ({}): {} check(s) could not be completed; nothing is proven\n", modeName(r.mode), errors);
    } else if (r.mode == VerifyMode::NoLoss && r.rowLevel) {
        uint64_t changedRows = 0, addedRows = 0;
        for (const auto& t : r.tables)
            if (t.rowDiff) {
                changedRows += t.rowDiff->changed;
                addedRows += t.rowDiff->added;
            }
        out += fmt::format("PROVEN (no-loss): {}, {} sequences: every baseline row is still present (by key, or by content where a "
                           "table has no key){}; {} row(s) changed, {} added (reported); {} rows now, checked in {:.2f} s\n",
                           coverage(r), r.sequences.size(), r.plan ? fmt::format(", {} plan items hold", r.planItems.size()) : "",
                           withThousands(changedRows), withThousands(addedRows), withThousands(rowsNow), r.seconds);
    } else if (r.mode == VerifyMode::NoLoss) {
        size_t changed = 0;
        for (const auto& t : r.tables) changed += t.content == "changed";
        out += fmt::format("PROVEN (no-loss): {}, {} sequences: no table lost rows{}; content was NOT proven (no-loss compares row "
                           "counts; {} table(s) changed content); {} rows now, checked in {:.2f} s\n",
                           coverage(r), r.sequences.size(), r.plan ? fmt::format(", {} plan items hold", r.planItems.size()) : "",
                           changed, withThousands(rowsNow), r.seconds);
    } else {
        out += fmt::format("PROVEN ({}): {}, {} sequences match the baseline ({}){}; {} rows now, checked in {:.2f} s\n",
                           modeName(r.mode), coverage(r), r.sequences.size(), what,
                           r.plan ? fmt::format(", {} plan items hold", r.planItems.size()) : "", withThousands(rowsNow), r.seconds);
    }
    return out;
}

nlohmann::json verifyJson(const VerifyReport& r) {
    nlohmann::json tables = nlohmann::json::array();
    nlohmann::json largeObjects;  // null when there were none and are none
    for (const auto& t : r.tables) {
        nlohmann::json j = {{"schema", t.id.schema},
                            {"name", t.id.name},
                            {"verdict", verdictName(t.verdict)},
                            {"baseline_rows", t.baselineRows},
                            {"rows", t.rows ? nlohmann::json(*t.rows) : nlohmann::json(nullptr)},
                            {"delta", t.rows ? nlohmann::json(static_cast<int64_t>(*t.rows) - static_cast<int64_t>(t.baselineRows))
                                             : nlohmann::json(nullptr)},
                            {"content", t.content},
                            {"baseline_fingerprint", t.baselineFingerprint.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.baselineFingerprint)},
                            {"fingerprint", t.fingerprint.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.fingerprint)},
                            {"reason", t.reason},
                            {"seconds", t.seconds}};
        if (t.rowDiff) j["rows_diff"] = rowDiffJson(*t.rowDiff);
        if (t.isLargeObjects()) {
            j.erase("schema");
            j.erase("name");
            largeObjects = j;
            continue;
        }
        tables.push_back(j);
    }
    nlohmann::json seqs = nlohmann::json::array();
    for (const auto& s : r.sequences)
        seqs.push_back({{"schema", s.id.schema}, {"name", s.id.name}, {"verdict", verdictName(s.verdict)},
                        {"baseline_last_value", s.baselineValue},
                        {"last_value", s.value ? nlohmann::json(*s.value) : nlohmann::json(nullptr)}, {"reason", s.reason}});
    nlohmann::json uncovered = nlohmann::json::array();
    for (const auto& t : r.notCovered)
        uncovered.push_back({{"schema", t.id.schema}, {"name", t.id.name}, {"verdict", verdictName(t.verdict)},
                             {"baseline_rows", t.baselineRows}, {"rows", t.rows ? nlohmann::json(*t.rows) : nlohmann::json(nullptr)},
                             {"reason", t.reason}});
    nlohmann::json added = nlohmann::json::array();
    for (const auto& t : r.newTables) added.push_back({{"schema", t.id.schema}, {"name", t.id.name}, {"rows", t.rows}});
    int code = r.exitCode();
    nlohmann::json j = {
        {"report", "pgproof-verify"},
        {"report_version", 1},
        {"verdict", code == 0 ? "proven" : code == 1 ? "failed" : "incomplete"},
        {"exit_code", code},
        {"mode", modeName(r.mode)},
        {"counts_only", r.countsOnly},
        {"baseline", {{"path", r.baseline->path.string()}, {"kind", r.baseline->kind}, {"created", r.baseline->created},
                      {"source", r.baseline->source}}},
        {"database", r.database},
        {"summary", {{"tables", r.tables.size()}, {"failed", r.count(Verdict::Failed)}, {"errors", r.count(Verdict::Error)},
                     {"new_tables", r.newTables.size()}, {"not_covered", r.notCovered.size()}, {"sequences", r.sequences.size()},
                     {"content_proven", !r.countsOnly && r.mode == VerifyMode::Exact},
                     {"rows_proven", !r.countsOnly && (r.mode == VerifyMode::Exact || r.rowLevel)}}},
        {"tables", tables},
        {"sequences", seqs},
        {"new_tables", added},
        {"not_covered", uncovered},
        {"large_objects", largeObjects},
        {"notes", r.notes},
        {"seconds", r.seconds},
    };
    if (r.plan) {
        nlohmann::json items = nlohmann::json::array();
        for (const auto& p : r.planItems)
            items.push_back({{"kind", p.kind}, {"name", p.name}, {"verdict", verdictName(p.verdict)}, {"message", p.message},
                             {"samples", p.samples}, {"sql", p.sql}});
        j["plan"] = {{"path", r.plan->path.string()}, {"items", items}};
        j["summary"]["plan_items"] = r.planItems.size();
    }
    return j;
}

std::vector<JUnitCase> verifyJUnitCases(const VerifyReport& r) {
    std::vector<JUnitCase> cases;
    for (const auto& t : r.tables) {
        JUnitCase c{t.isLargeObjects() ? "pgproof.verify.large_objects" : "pgproof.verify.tables", t.id.display(), t.verdict == Verdict::Failed, t.verdict == Verdict::Error,
                    t.reason, "", t.seconds};
        if (c.failed || c.error)
            c.details = fmt::format("baseline rows {}, current rows {}, baseline fingerprint {}, current fingerprint {}: {}",
                                    t.baselineRows, t.rows ? std::to_string(*t.rows) : "-", shortFp(t.baselineFingerprint),
                                    shortFp(t.fingerprint), t.reason);
        if (t.rowDiff && t.rowDiff->differenceEntries) c.details.append("\n").append(renderRowDiffText(t.id, *t.rowDiff, 5));
        cases.push_back(c);
    }
    for (const auto& t : r.notCovered)
        cases.push_back({"pgproof.verify.not_covered", t.id.display(), t.verdict == Verdict::Failed, t.verdict == Verdict::Error,
                         t.reason, "", t.seconds});
    for (const auto& s : r.sequences)
        cases.push_back({"pgproof.verify.sequences", s.id.display(), s.verdict == Verdict::Failed, false, s.reason, "", 0});
    for (const auto& p : r.planItems) {
        std::string sql;
        for (const auto& q : p.sql) sql += q + "\n";
        cases.push_back({"pgproof.verify.plan", p.label(), p.verdict == Verdict::Failed, p.verdict == Verdict::Error, p.message,
                         p.message + (sql.empty() ? "" : "\n" + sql), 0});
    }
    return cases;
}

}  // namespace pgproof
