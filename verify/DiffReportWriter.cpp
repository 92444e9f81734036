#include "DiffReportWriter.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <iostream>

#include "Errors.hpp"
#include "OutputEncoding.hpp"
#include "ReportOutput.hpp"

namespace pgproof {

namespace {

constexpr size_t kTextWidth = 200;  // characters of one value in the text list

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string csvLine(const std::vector<std::string>& fields) {
    std::string out;
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        out += csvField(fields[i]);
    }
    out += '\n';
    return out;
}

nlohmann::json tableJson(const TableDiff& t) {
    nlohmann::json j = {{"table", t.id.display()}, {"schema", t.id.schema}, {"name", t.id.name}, {"status", statusName(t.status)},
                        {"reason", t.reason}};
    j["rows_before"] = t.rowsBefore ? nlohmann::json(*t.rowsBefore) : nlohmann::json(nullptr);
    j["rows_after"] = t.rowsAfter ? nlohmann::json(*t.rowsAfter) : nlohmann::json(nullptr);
    if (t.rows) {
        j["key"] = t.rows->key;
        j["lost"] = t.rows->lost;
        j["added"] = t.rows->added;
        j["changed"] = t.rows->changed;
        j["duplicated"] = t.rows->duplicated;
    }
    return j;
}

nlohmann::json sequenceJson(const SequenceDiff& q) {
    nlohmann::json j = {{"sequence", q.id.display()}, {"schema", q.id.schema}, {"name", q.id.name}, {"status", statusName(q.status)},
                        {"reason", q.reason}};
    j["before"] = q.before ? nlohmann::json(*q.before) : nlohmann::json(nullptr);
    j["after"] = q.after ? nlohmann::json(*q.after) : nlohmann::json(nullptr);
    return j;
}

}  // namespace

DiffFormat parseDiffFormat(const std::string& name) {
    if (name == "text") return DiffFormat::Text;
    if (name == "csv") return DiffFormat::Csv;
    if (name == "json") return DiffFormat::Json;
    throw BadInputError("--format must be text, csv or json, got '" + name + "'");
}

DiffOutput::DiffOutput(const std::string& target, DiffFormat format) : format_(format) {
    if (!target.empty() && target != "-") file_.emplace(target);
}

void DiffOutput::write(const std::string& text) {
    if (!file_ && format_ == DiffFormat::Text) {
        std::cout << text;
        return;
    }
    std::string utf8 = OutputEncoding::forReport(text);
    if (file_) return file_->write(utf8);
    std::cout.flush();
    if (std::fwrite(utf8.data(), 1, utf8.size(), stdout) != utf8.size()) throw IncompleteError("writing to stdout failed (disk full?)");
}

void DiffOutput::commit() {
    if (file_) return file_->commit();
    std::cout.flush();
    std::fflush(stdout);
}

DiffListWriter::DiffListWriter(DiffFormat format, std::function<void(const std::string&)> write, bool verbose)
    : format_(format), write_(std::move(write)), verbose_(verbose) {}

void DiffListWriter::begin() {
    if (format_ == DiffFormat::Csv) write_(csvLine({"table", "kind", "key", "count", "column", "before", "after", "row", "detail"}));
    if (format_ == DiffFormat::Json) write_("{\n\"report\": \"pgproof-diff\",\n\"report_version\": 1,\n\"differences\": [");
}

void DiffListWriter::row(const QualifiedName& table, const RowDifference& d) {
    ++listed_;
    switch (format_) {
    case DiffFormat::Text: {
        if (!any_ || !(table == current_)) write_(std::string(any_ ? "\n" : "") + table.display() + "\n");
        std::string line = std::string("  ") + describeRowDifference(d, kTextWidth);
        if (d.kind != RowDifference::Kind::Changed && !d.key.empty()) {
            line += ' ';  // not line += " " + ...: GCC 12 warns -Wrestrict there, wrongly
            line += rowDisplay(d.row, kTextWidth);
        }
        write_(line + "\n");
        break;
    }
    case DiffFormat::Csv: {
        const std::string count = std::to_string(d.count);
        if (d.kind == RowDifference::Kind::Changed && !d.changes.empty()) {
            for (const auto& c : d.changes) write_(csvLine({table.display(), kindName(d.kind), d.key, count, c.column, c.before, c.after, d.row, ""}));
        } else {
            write_(csvLine({table.display(), kindName(d.kind), d.key, count, "", "", "", d.row, ""}));
        }
        break;
    }
    case DiffFormat::Json: {
        nlohmann::json j = rowDifferenceToJson(d, size_t{1} << 26);
        j["table"] = table.display();
        write_(std::string(any_ ? ",\n" : "\n") + OutputEncoding::documentText(j, -1));
        break;
    }
    }
    current_ = table;
    any_ = true;
}

std::string diffTotals(const DiffReport& report) {
    std::string totals = std::to_string(report.tables.size()) + " table(s) compared: " + std::to_string(report.count(TableDiff::Status::Equal)) +
                         " equal, " + std::to_string(report.count(TableDiff::Status::Differs)) + " differ, " +
                         std::to_string(report.count(TableDiff::Status::Missing)) + " missing, " +
                         std::to_string(report.count(TableDiff::Status::Added)) + " added";
    if (report.count(TableDiff::Status::NotCovered)) totals += ", " + std::to_string(report.count(TableDiff::Status::NotCovered)) + " not covered";
    if (report.count(TableDiff::Status::Error)) totals += ", " + std::to_string(report.count(TableDiff::Status::Error)) + " could not be compared";
    if (!report.sequences.empty())
        totals += "; " + std::to_string(report.sequences.size()) + " sequence(s): " + std::to_string(report.count(SequenceDiff::Status::Equal)) +
                  " equal, " + std::to_string(report.sequencesDiffering()) + " differ";
    return totals;
}

void DiffListWriter::finish(const DiffReport& report) {
    switch (format_) {
    case DiffFormat::Text: {
        const size_t differing = report.count(TableDiff::Status::Differs) + report.count(TableDiff::Status::Missing) +
                                 report.count(TableDiff::Status::Added) + report.sequencesDiffering();
        std::vector<std::vector<std::string>> rows;
        auto count = [](const std::optional<uint64_t>& n) { return n ? withThousands(*n) : std::string("-"); };
        for (const auto& t : report.tables)
            if (t.status != TableDiff::Status::Equal || verbose_)
                rows.push_back({t.id.display(), statusName(t.status), count(t.rowsBefore), count(t.rowsAfter), t.reason});
        if (any_) write_("\n");
        write_(report.baseline + " against " + report.other + "\n");
        if (!rows.empty()) write_(renderTextTable({"TABLE", "STATUS", "BEFORE", "AFTER", "DETAILS"}, rows));
        std::vector<std::vector<std::string>> sequences;
        auto value = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string("-"); };
        for (const auto& q : report.sequences)
            if (q.status != SequenceDiff::Status::Equal || verbose_)
                sequences.push_back({q.id.display(), statusName(q.status), value(q.before), value(q.after), q.reason});
        if (!sequences.empty()) write_(renderTextTable({"SEQUENCE", "STATUS", "BEFORE", "AFTER", "DETAILS"}, sequences));
        // "no difference" only when every table was compared: one that could not be (a full --tmpdir, a
        // lost connection) leaves the question open.
        const char* verdict = differing ? "" : report.count(TableDiff::Status::Error) ? ": INCOMPLETE, not every table was compared"
                                                                                      : ": no difference";
        write_(diffTotals(report) + verdict + " (" + fmt::format("{:.1f}", report.seconds) + " s)\n");
        break;
    }
    case DiffFormat::Csv:
        for (const auto& t : report.tables)
            if (t.status != TableDiff::Status::Equal && !(t.status == TableDiff::Status::Differs && t.rows && t.rows->differences()))
                write_(csvLine({t.id.display(), std::string("table ") + statusName(t.status), "", "", "", "", "", "", t.reason}));
        for (const auto& q : report.sequences)
            if (q.status != SequenceDiff::Status::Equal)
                write_(csvLine({q.id.display(), std::string("sequence ") + statusName(q.status), "", "", "",
                                q.before ? std::to_string(*q.before) : "", q.after ? std::to_string(*q.after) : "", "", q.reason}));
        break;
    case DiffFormat::Json: {
        nlohmann::json tablesJson = nlohmann::json::array();
        for (const auto& t : report.tables) tablesJson.push_back(tableJson(t));
        nlohmann::json sequencesJson = nlohmann::json::array();
        for (const auto& q : report.sequences) sequencesJson.push_back(sequenceJson(q));
        nlohmann::json tail = {{"baseline", report.baseline}, {"other", report.other}, {"tables", tablesJson}, {"sequences", sequencesJson},
                               {"summary",
                                {{"tables", report.tables.size()},
                                 {"equal", report.count(TableDiff::Status::Equal)},
                                 {"differ", report.count(TableDiff::Status::Differs)},
                                 {"missing", report.count(TableDiff::Status::Missing)},
                                 {"added", report.count(TableDiff::Status::Added)},
                                 {"not_covered", report.count(TableDiff::Status::NotCovered)},
                                 {"errors", report.count(TableDiff::Status::Error)},
                                 {"sequences", report.sequences.size()},
                                 {"sequences_differ", report.sequencesDiffering()},
                                 {"differences_listed", listed_},
                                 {"seconds", report.seconds}}},
                               {"exit_code", report.exitCode()}};
        std::string text = OutputEncoding::documentText(tail, 1);
        // The tail's members continue the document opened by begin(): drop its braces.
        text = text.substr(text.find('{') + 1);
        text = text.substr(0, text.rfind('}'));
        write_(std::string(any_ ? "\n" : "") + "],\n" + text + "}\n");
        break;
    }
    }
}

}  // namespace pgproof
