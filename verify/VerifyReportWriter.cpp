#include "VerifyReportWriter.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgproof {

namespace {
nlohmann::json checksJson(const TableChecks& c) {
    nlohmann::json out = nlohmann::json::array();
    if (c.counted) out.push_back("count");
    if (c.fingerprinted) out.push_back("fingerprint");
    if (c.wholeTableCounted) out.push_back("whole_table_count");
    if (c.rows == TableChecks::Rows::ByKey) out.push_back("rows_by_key");
    if (c.rows == TableChecks::Rows::AsMultiset) out.push_back("rows_as_multiset");
    if (c.notCovered) out.push_back("not_covered");
    if (c.notRead) out.push_back("not_read");
    return out;
}
int rank(const TableVerdict& t) {
    if (t.verdict == Verdict::Failed) return 0;
    if (t.verdict == Verdict::Error) return 1;
    if (t.content == "changed") return 2;
    return 3;
}
// A verification that held inside a run that failed for another reason (a restore whose constraints could
// not be created): the headline is the run's, and the line says why it is not PROVEN.
std::string alsoFailed(const SettledOutcome& settled) {
    return settled.judged == Outcome::Proven ? "" : "; the tables match, but the run did not pass for another reason (below)";
}
// A table that passed on its count alone says so on its line (a counts-only run says it once, in the verdict).
std::string countOnlyLineNote(const VerifyReport& r, const TableVerdict& t) {
    if (r.countsOnly || t.verdict != Verdict::Ok || t.rowsProven()) return "";
    std::string note = countOnlyNote(t.reason);
    return note.empty() ? "" : std::string(t.reason.empty() ? ": " : "; ") + note;
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
    std::string out = table.display() + ": " + describeRowDiff(d) + "\n";
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

std::string renderVerifyText(const VerifyReport& r, const SettledOutcome& settled, bool verbose, size_t showRows) {
    std::vector<const TableVerdict*> sorted;
    for (const auto& t : r.tables) sorted.push_back(&t);
    std::stable_sort(sorted.begin(), sorted.end(), [](auto a, auto b) { return rank(*a) < rank(*b); });
    std::vector<std::vector<std::string>> rows;
    for (const auto* t : sorted) {
        if (!verbose && t->verdict == Verdict::Ok && t->content != "changed" && sorted.size() > 40) continue;
        std::string delta = t->rows ? signedDelta(static_cast<int64_t>(*t->rows) - static_cast<int64_t>(t->baselineRows)) : "-";
        rows.push_back({t->id.display(), withThousands(t->baselineRows), t->rows ? withThousands(*t->rows) : "-", delta,
                        r.countsOnly ? "-" : contentLabel(*t), verdictLabel(t->verdict) + (t->reason.empty() ? "" : ": " + t->reason) + countOnlyLineNote(r, *t)});
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
    if (settled.judged != Outcome::Proven && settled.problem.empty() == false)
        out += "note: " + settled.error() + "\n";
    const LedgerSummary ledger = summarizeLedger(r);
    size_t failed = r.count(Verdict::Failed), errors = r.count(Verdict::Error);
    uint64_t rowsNow = 0;
    for (const auto& t : r.tables) rowsNow += t.rows.value_or(0);
    const std::string plans = r.plan ? fmt::format(", {} plan items hold", r.planItems.size()) : "";
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
        // A failure outranks what could not be read, but the reader is told that part of the proof is missing.
        std::string missing;
        if (errors)
            missing = fmt::format(", {} could not be completed{}", errors,
                                  ledger.notRead ? fmt::format(" ({} table(s) could not be read)", ledger.notRead) : "");
        out += fmt::format("{} ({}): {} check(s) failed{}: {}; do not proceed\n", settled.headline(), modeName(r.mode), failed, missing, list);
        return out;
    }
    if (errors) {
        out += fmt::format("{} ({}): {} check(s) could not be completed{}; nothing is proven\n", settled.headline(), modeName(r.mode),
                           errors, ledger.notRead ? fmt::format(" ({} table(s) could not be read)", ledger.notRead) : "");
        return out;
    }
    // Proven: what is claimed is what the ledgers show, table by table.
    auto countOnlyList = [&] {
        std::string list;
        for (size_t i = 0; i < ledger.countOnlyNames.size() && i < 5; ++i) list += (i ? ", " : "") + ledger.countOnlyNames[i];
        if (ledger.countOnlyNames.size() > 5) list += fmt::format(" and {} more", ledger.countOnlyNames.size() - 5);
        return list;
    };
    std::string claim;
    if (r.countsOnly) {
        claim = fmt::format("{}, {} sequences match the baseline (row counts only: no row or content was compared)", coverage(r),
                            r.sequences.size());
    } else if (r.mode == VerifyMode::Exact && ledger.allContentProven()) {
        claim = fmt::format("{}, {} sequences match the baseline (row counts and fingerprints)", coverage(r), r.sequences.size());
    } else if (r.mode == VerifyMode::Exact) {
        claim = fmt::format("{}, {} sequences match the baseline (row counts and fingerprints; count only for {} table(s): {})",
                            coverage(r), r.sequences.size(), ledger.countOnly, countOnlyList());
    } else if (ledger.allRowsProven()) {
        uint64_t changedRows = 0, addedRows = 0;
        size_t changedTables = 0;
        for (const auto& t : r.tables) {
            changedTables += t.content == "changed";
            if (t.rowDiff) {
                changedRows += t.rowDiff->changed;
                addedRows += t.rowDiff->added;
            }
        }
        claim = fmt::format("{}, {} sequences: every baseline row is still present (by key, or by content where a table has no key)",
                            coverage(r), r.sequences.size());
        if (changedTables)
            claim += ledger.byKey + ledger.asMultiset
                         ? fmt::format("{}; {} row(s) changed, {} added (reported)", plans, withThousands(changedRows), withThousands(addedRows))
                         : fmt::format("{}; {} table(s) changed content (reported)", plans, changedTables);
        else
            claim += plans + "; content unchanged";
        out += fmt::format("{} (no-loss): {}; {} rows now, checked in {:.2f} s{}\n", settled.headline(), claim, withThousands(rowsNow), r.seconds,
                           alsoFailed(settled));
        return out;
    } else {
        size_t changed = 0;
        for (const auto& t : r.tables) changed += t.content == "changed";
        claim = fmt::format("{}, {} sequences: no table lost rows by count; every baseline row proven present in {} of {} table(s), "
                            "count only for {}: {}",
                            coverage(r), r.sequences.size(), ledger.rowsProven, ledger.tables, ledger.countOnly, countOnlyList());
        if (changed) claim += fmt::format("; {} table(s) changed content (content NOT proven)", changed);
    }
    out += fmt::format("{} ({}): {}{}; {} rows now, checked in {:.2f} s{}\n", settled.headline(), modeName(r.mode), claim, plans,
                       withThousands(rowsNow), r.seconds, alsoFailed(settled));
    return out;
}

LedgerSummary summarizeLedger(const VerifyReport& r) {
    LedgerSummary s;
    for (const auto& t : r.tables) {
        ++s.tables;
        s.rowsProven += t.rowsProven();
        s.contentProven += t.contentProven();
        if (t.checks.notRead || t.verdict == Verdict::Error) {
            ++s.notRead;
        } else if (t.checks.rows == TableChecks::Rows::ByKey) {
            ++s.byKey;
        } else if (t.checks.rows == TableChecks::Rows::AsMultiset) {
            ++s.asMultiset;
        } else if (t.contentProven()) {
            ++s.byFingerprint;
        } else {
            ++s.countOnly;
            if (t.verdict == Verdict::Ok) s.countOnlyNames.push_back(t.isLargeObjects() ? "large objects" : t.id.display());
        }
    }
    s.notCovered = r.notCovered.size();
    return s;
}

nlohmann::json verifyJson(const VerifyReport& r, const SettledOutcome& settled) {
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
                            {"compared_by", t.comparedBy()},
                            {"rows_proven", t.rowsProven()},
                            {"content_proven", t.contentProven()},
                            {"checks", checksJson(t.checks)},
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
    const LedgerSummary ledger = summarizeLedger(r);
    nlohmann::json j = {
        {"report", "pgproof-verify"},
        {"report_version", 1},
        {"verdict", outcomeName(settled.outcome)},
        {"exit_code", settled.exitCode()},
        {"mode", modeName(r.mode)},
        {"counts_only", r.countsOnly},
        {"baseline", {{"path", r.baseline->path.string()}, {"kind", r.baseline->kind}, {"created", r.baseline->created},
                      {"source", r.baseline->source}}},
        {"database", r.database},
        {"summary", {{"tables", r.tables.size()}, {"failed", r.count(Verdict::Failed)}, {"errors", r.count(Verdict::Error)},
                     {"not_read", ledger.notRead},
                     {"new_tables", r.newTables.size()}, {"not_covered", r.notCovered.size()}, {"sequences", r.sequences.size()},
                     {"content_proven", ledger.allContentProven()},
                     {"rows_proven", ledger.allRowsProven()},
                     {"coverage", {{"rows_by_key", ledger.byKey}, {"rows_as_multiset", ledger.asMultiset},
                                   {"fingerprint", ledger.byFingerprint}, {"count_only", ledger.countOnly},
                                   {"not_read", ledger.notRead}, {"not_covered", ledger.notCovered}}}}},
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
    if (!settled.error().empty()) j["error"] = settled.error();
    return j;
}

std::vector<JUnitCase> verifyJUnitCases(const VerifyReport& r, const SettledOutcome& settled) {
    std::vector<JUnitCase> cases;
    appendOutcomeCase(cases, settled, "pgproof.verify");
    for (const auto& t : r.tables) {
        JUnitCase c{t.isLargeObjects() ? "pgproof.verify.large_objects" : "pgproof.verify.tables", t.id.display(), t.verdict == Verdict::Failed, t.verdict == Verdict::Error,
                    t.reason, "", t.seconds};
        if (c.failed || c.error)
            c.details = fmt::format("baseline rows {}, current rows {}, baseline fingerprint {}, current fingerprint {}: {}",
                                    t.baselineRows, t.rows ? std::to_string(*t.rows) : "-", shortFp(t.baselineFingerprint),
                                    shortFp(t.fingerprint), t.reason);
        if (t.rowDiff && t.rowDiff->differenceEntries) c.details.append("\n").append(renderRowDiffText(t.id, *t.rowDiff, 5));
        if (!c.failed && !c.error) c.output = "compared by " + t.comparedBy() + (t.rowsProven() ? "" : " (count only: rows not proven present)");
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
