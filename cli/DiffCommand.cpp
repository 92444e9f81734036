// pgproof diff: the full list of row differences between an archive and a live database, or two archives,
// with the sequences and large objects that differ.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "AtomicFile.hpp"
#include "CommandLine.hpp"
#include "Diff.hpp"
#include "Errors.hpp"
#include "MigrationPlan.hpp"
#include "OutputEncoding.hpp"
#include "OutputFile.hpp"
#include "ProgressLine.hpp"
#include "ReportOutput.hpp"
#include "TableLocking.hpp"

namespace pgproof::cli {

namespace {

enum class Format { Text, Csv, Json };

// Where the differences go, as they arrive: stdout, or FILE (an AtomicFile: renamed into place when
// complete, so a reader never sees half a list; an interrupted run leaves no FILE).
class DiffOutput {
public:
    DiffOutput(const std::string& target, Format format) : format_(format) {
        if (!target.empty() && target != "-") file_.emplace(target);
    }

    // Text for people on stdout goes through std::cout (converted for the terminal); everything else is UTF-8.
    void write(const std::string& text) {
        if (!file_ && format_ == Format::Text) {
            std::cout << text;
            return;
        }
        std::string utf8 = OutputEncoding::forReport(text);
        if (file_) return file_->write(utf8);
        std::cout.flush();
        if (std::fwrite(utf8.data(), 1, utf8.size(), stdout) != utf8.size()) failed();
    }
    void commit() {
        if (file_) return file_->commit();
        std::cout.flush();
        std::fflush(stdout);
    }

private:
    [[noreturn]] void failed() { throw IncompleteError("writing to stdout failed (disk full?)"); }
    Format format_;
    std::optional<AtomicFile> file_;
};

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

constexpr size_t kTextWidth = 200;  // characters of one value in the text list

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

int runDiff(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string baselinePath, otherPath, db, format = "text", output, tmpdir, lockWait;
    std::vector<std::string> tables;
    int jobs = kDefaultConnections;
    po::options_description desc("Options");
    desc.add_options()("baseline", po::value(&baselinePath)->value_name("BASELINE")->required(),
                       "an archive (pgproof backup), or a snapshot file (counts and fingerprints only)")(
        "other", po::value(&otherPath)->value_name("OTHER"), "a second archive (or snapshot file) to compare with, instead of a database")(
        "db", po::value(&db)->value_name("URL"),
        "the live database: connection string or postgres:// URI; also -d, --dbname (default: DATABASE_URL, then PG* variables)")(
        "table,t", po::value(&tables)->value_name("SCHEMA.NAME")->composing(), "only this table (repeatable; NAME alone means public.NAME)")(
        "format", po::value(&format)->value_name("text|csv|json"), "text (default), csv (one line per difference) or json")(
        "output,o", po::value(&output)->value_name("FILE|-"), "write the list to FILE (default: stdout); an existing FILE needs --force")(
        "jobs,j", po::value(&jobs)->value_name("N"), "database connections and threads (default: 2)")(
        "tmpdir", po::value(&tmpdir)->value_name("DIR"),
        "folder for the temporary row files (default: TMPDIR, else /tmp); removed on every exit")(
        "lock-wait-timeout", po::value(&lockWait)->value_name("DURATION"),
        "fail (exit 3) instead of waiting longer than this for a table lock (default: wait, as pg_dump)");
    addCommonFlags(desc, flags, false);
    addIdentityFlag(desc);
    addOutputFlags(desc, flags);
    po::positional_options_description pos;
    pos.add("baseline", 1).add("other", 1);
    auto vm = parseOptions(
        "diff", "pgproof diff BASELINE (--db URL | OTHER) [--table T]... [--format text|csv|json] [-o FILE] [--jobs N] [--tmpdir DIR]",
        "Lists every row that differs between an archive and the live database (read at one snapshot, as verify\n"
        "reads it), or between two archives (offline: \"what changed between last night's backup and tonight's\").\n"
        "Rows are matched by each table's key (primary key, else a NOT NULL unique index): lost, added, changed\n"
        "(with the columns and their old and new values) and duplicated keys; a table without a key is compared as\n"
        "a multiset of rows. Only tables whose count or fingerprint differ are read row by row. Sequences (lower,\n"
        "higher) and large objects (by OID where both sides hold them) are listed too.\n"
        "Exit 0 no difference, 1 differences, 2 bad input, 3 could not complete.",
        desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    Format fmt;
    if (format == "text") fmt = Format::Text;
    else if (format == "csv") fmt = Format::Csv;
    else if (format == "json") fmt = Format::Json;
    else throw BadInputError("--format must be text, csv or json, got '" + format + "'");
    DiffOptions o;
    if (vm->count("other") && vm->count("db"))
        throw BadInputError("give either a second archive or --db, not both (pgproof diff BASELINE OTHER, or pgproof diff BASELINE --db URL)");
    if (vm->count("other")) o.other = otherPath;
    if (vm->count("db")) o.db = db;
    o.jobs = checkJobs(jobs);
    o.tmpdir = checkTmpdir(tmpdir);
    if (vm->count("lock-wait-timeout")) {
        checkLockWaitTimeout(lockWait);
        o.lockWaitTimeout = lockWait;
    }
    for (const auto& t : tables) o.tables.push_back(parseTableName(t));
    if (!output.empty() && output != "-") prepareOutputFile(output, flags);
    Baseline baseline = Baseline::load(baselinePath);
    DiffOutput out(output, fmt);

    QualifiedName current;
    bool any = false;
    size_t listed = 0;
    if (fmt == Format::Csv) out.write(csvLine({"table", "kind", "key", "count", "column", "before", "after", "row", "detail"}));
    if (fmt == Format::Json) out.write("{\n\"report\": \"pgproof-diff\",\n\"report_version\": 1,\n\"differences\": [");
    auto sink = [&](const QualifiedName& table, const RowDifference& d) {
        ProgressLine::clearForOutput();
        ++listed;
        switch (fmt) {
        case Format::Text: {
            if (!any || !(table == current)) out.write(std::string(any ? "\n" : "") + table.display() + "\n");
            std::string line = std::string("  ") + describeRowDifference(d, kTextWidth);
            if (d.kind != RowDifference::Kind::Changed && !d.key.empty()) line += " " + rowDisplay(d.row, kTextWidth);
            out.write(line + "\n");
            break;
        }
        case Format::Csv: {
            const std::string count = std::to_string(d.count);
            if (d.kind == RowDifference::Kind::Changed && !d.changes.empty()) {
                for (const auto& c : d.changes) out.write(csvLine({table.display(), kindName(d.kind), d.key, count, c.column, c.before, c.after, d.row, ""}));
            } else {
                out.write(csvLine({table.display(), kindName(d.kind), d.key, count, "", "", "", d.row, ""}));
            }
            break;
        }
        case Format::Json: {
            nlohmann::json j = rowDifferenceToJson(d, size_t{1} << 26);
            j["table"] = table.display();
            out.write(std::string(any ? ",\n" : "\n") + OutputEncoding::documentText(j, -1));
            break;
        }
        }
        current = table;
        any = true;
    };
    ProgressLine progress(progressWanted(flags));
    DiffReport report = runDiff(baseline, o, sink);
    progress.finish();
    report.other = o.other ? o.other->string() : report.other;

    const size_t differing = report.count(TableDiff::Status::Differs) + report.count(TableDiff::Status::Missing) +
                             report.count(TableDiff::Status::Added) + report.sequencesDiffering();
    std::string totals = std::to_string(report.tables.size()) + " table(s) compared: " + std::to_string(report.count(TableDiff::Status::Equal)) +
                         " equal, " + std::to_string(report.count(TableDiff::Status::Differs)) + " differ, " +
                         std::to_string(report.count(TableDiff::Status::Missing)) + " missing, " +
                         std::to_string(report.count(TableDiff::Status::Added)) + " added";
    if (report.count(TableDiff::Status::NotCovered)) totals += ", " + std::to_string(report.count(TableDiff::Status::NotCovered)) + " not covered";
    if (report.count(TableDiff::Status::Error)) totals += ", " + std::to_string(report.count(TableDiff::Status::Error)) + " could not be compared";
    if (!report.sequences.empty())
        totals += "; " + std::to_string(report.sequences.size()) + " sequence(s): " + std::to_string(report.count(SequenceDiff::Status::Equal)) +
                  " equal, " + std::to_string(report.sequencesDiffering()) + " differ";
    switch (fmt) {
    case Format::Text: {
        std::vector<std::vector<std::string>> rows;
        auto count = [](const std::optional<uint64_t>& n) { return n ? withThousands(*n) : std::string("-"); };
        for (const auto& t : report.tables)
            if (t.status != TableDiff::Status::Equal || flags.verbose)
                rows.push_back({t.id.display(), statusName(t.status), count(t.rowsBefore), count(t.rowsAfter), t.reason});
        if (any) out.write("\n");
        out.write(report.baseline + " against " + report.other + "\n");
        if (!rows.empty()) out.write(renderTextTable({"TABLE", "STATUS", "BEFORE", "AFTER", "DETAILS"}, rows));
        std::vector<std::vector<std::string>> sequences;
        auto value = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string("-"); };
        for (const auto& q : report.sequences)
            if (q.status != SequenceDiff::Status::Equal || flags.verbose)
                sequences.push_back({q.id.display(), statusName(q.status), value(q.before), value(q.after), q.reason});
        if (!sequences.empty()) out.write(renderTextTable({"SEQUENCE", "STATUS", "BEFORE", "AFTER", "DETAILS"}, sequences));
        // "no difference" only when every table was compared: one that could not be (a full --tmpdir, a
        // lost connection) leaves the question open.
        const char* verdict = differing ? "" : report.count(TableDiff::Status::Error) ? ": INCOMPLETE, not every table was compared"
                                                                                      : ": no difference";
        out.write(totals + verdict + " (" + fmt::format("{:.1f}", report.seconds) + " s)\n");
        break;
    }
    case Format::Csv:
        for (const auto& t : report.tables)
            if (t.status != TableDiff::Status::Equal && !(t.status == TableDiff::Status::Differs && t.rows && t.rows->differences()))
                out.write(csvLine({t.id.display(), std::string("table ") + statusName(t.status), "", "", "", "", "", "", t.reason}));
        for (const auto& q : report.sequences)
            if (q.status != SequenceDiff::Status::Equal)
                out.write(csvLine({q.id.display(), std::string("sequence ") + statusName(q.status), "", "", "",
                                   q.before ? std::to_string(*q.before) : "", q.after ? std::to_string(*q.after) : "", "", q.reason}));
        break;
    case Format::Json: {
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
                                 {"differences_listed", listed},
                                 {"seconds", report.seconds}}},
                               {"exit_code", report.exitCode()}};
        std::string text = OutputEncoding::documentText(tail, 1);
        // The tail's members continue the document opened above: drop its braces.
        text = text.substr(text.find('{') + 1);
        text = text.substr(0, text.rfind('}'));
        out.write(std::string(any ? "\n" : "") + "],\n" + text + "}\n");
        break;
    }
    }
    out.commit();
    if (!output.empty() && output != "-" && !flags.quiet) std::cerr << "pgproof diff: " << totals << "; the list is in " << output << "\n";
    return report.exitCode();
}

}  // namespace pgproof::cli
