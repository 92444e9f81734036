#include "LiveDataChecks.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "ComputedValues.hpp"
#include "Errors.hpp"
#include "KeyViolations.hpp"
#include "ReportOutput.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof::lint {

namespace {

std::string columnList(const std::vector<std::string>& columns, const std::string& prefix = "") {
    std::string out;
    for (const auto& c : columns) out += (out.empty() ? "" : ", ") + prefix + quoteIdent(c);
    return out;
}

std::string dotted(const std::string& table, const std::vector<std::string>& columns) {
    if (columns.size() == 1) return table + "." + displayIdent(columns[0]);
    std::string list;
    for (const auto& c : columns) list += (list.empty() ? "" : ", ") + displayIdent(c);
    return table + " (" + list + ")";
}

// "1 row", "1,234 rows"
std::string rowsText(long long n) { return withThousands(static_cast<uint64_t>(n)) + (n == 1 ? " row" : " rows"); }

std::string sampleList(const std::vector<std::string>& samples, long long total) {
    std::string out;
    for (const auto& s : samples) out += (out.empty() ? "" : ", ") + s;
    if (total > static_cast<long long>(samples.size())) out += ", ...";
    return out;
}

}  // namespace

LiveDataChecks::LiveDataChecks(const PgConnection& conn, size_t samples) : conn_(conn), samples_(samples) {
    conn_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting the read-only snapshot for lint --db");
}

LiveDataChecks::~LiveDataChecks() {
    if (conn_.ok()) PgResult(PQexec(conn_.get(), "ROLLBACK"));
}

std::optional<LiveDataChecks::Table> LiveDataChecks::resolve(const QualifiedName& name) {
    std::string spelled = (name.schema.empty() ? "" : quoteIdent(name.schema) + ".") + quoteIdent(name.name);
    auto it = resolved_.find(spelled);
    if (it != resolved_.end()) return it->second;
    auto r = conn_.execParams(
        "SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p', 'm')",
        {spelled}, "looking up table " + name.asWritten());
    std::optional<Table> t;
    if (r.rows() == 1) t = Table{QualifiedName{r.value(0, 1), r.value(0, 2)}.sql(), QualifiedName{r.value(0, 1), r.value(0, 2)}.display(), r.value(0, 0)};
    resolved_[spelled] = t;
    return t;
}

std::vector<std::string> LiveDataChecks::missingColumns(const Table& t, const std::vector<std::string>& wanted) {
    std::vector<std::string> missing;
    for (const auto& c : wanted) {
        auto r = conn_.execParams("SELECT 1 FROM pg_attribute WHERE attrelid = $1::oid AND attname = $2 AND attnum > 0 AND NOT attisdropped",
                                  {t.oid, c}, "looking up column " + c + " of " + t.display);
        if (r.rows() == 0) missing.push_back(c);
    }
    return missing;
}

std::vector<std::string> LiveDataChecks::primaryKey(const Table& t) {
    auto r = conn_.execParams(
        "SELECT a.attname FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.n",
        {t.oid}, "reading the primary key of " + t.display);
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.value(i, 0));
    return out;
}

long long LiveDataChecks::rowCount(const Table& t) {
    auto it = rows_.find(t.oid);
    if (it != rows_.end()) return it->second;
    long long n = std::stoll(conn_.exec("SELECT count(*) FROM " + t.sql, "counting the rows of " + t.display).value(0, 0));
    rows_[t.oid] = n;
    return n;
}

bool LiveDataChecks::computedDuplicates(const DataQuestion& q, const Table& table, const LintFinding& base, std::vector<LintFinding>& added) {
    auto query = computedValuesQuery(*q.computedBy, q.columns.front(), table.sql, missingColumns(table, q.columns).empty());
    if (!query) return false;
    // The migration's own SQL: an error in it (a column it adds elsewhere) must not end the snapshot.
    conn_.exec("SAVEPOINT pgproof_computed", "setting a savepoint");
    KeyViolations v;
    try {
        v = duplicateKeys(conn_, "(" + *query + ") AS pgproof_computed", q.columns, q.nullsNotDistinct, samples_,
                          "computing the values line " + std::to_string(q.computedBy->at.line) + " gives " + dotted(table.display, q.columns));
        conn_.exec("RELEASE SAVEPOINT pgproof_computed", "releasing a savepoint");
    } catch (const IncompleteError&) {
        if (!conn_.ok()) throw;
        conn_.exec("ROLLBACK TO SAVEPOINT pgproof_computed", "returning to a savepoint");
        return false;
    }
    if (v.keys == 0) return true;
    LintFinding f = base;
    f.samples = v.samples;
    f.figure = v.keys;
    f.rule = "unique-has-duplicates";
    f.severity = Severity::Error;
    f.message = fmt::format("{} will fail on the values {} at line {} computes: {} duplicate group{} in {} ({}): {}", q.label,
                            q.earlierChangeWhat, q.computedBy->at.line, withThousands(static_cast<uint64_t>(v.keys)), v.keys == 1 ? "" : "s",
                            dotted(table.display, q.columns), rowsText(v.rows), sampleList(f.samples, v.keys));
    added.push_back(f);
    return true;
}

void LiveDataChecks::answer(MigrationAnalysis& analysis, const std::string& file) {
    std::vector<LintFinding> added;
    for (const auto& q : analysis.questions) {
        ++answered_;
        LintFinding f;
        f.file = file;
        f.at = q.at;
        f.statement = q.statement;
        f.hasFigure = true;
        std::string earlier = q.earlierChange ? fmt::format("; but {} at line {} changes this data before: the figure is from now, "
                                                            "pgproof rehearse gives the real answer",
                                                            q.earlierChangeWhat, q.earlierChange->line)
                                              : "";
        auto notChecked = [&](const std::string& why) {
            LintFinding n = f;
            n.hasFigure = false;
            n.severity = Severity::Note;
            n.rule = "not-checked";
            n.message = "not checked against the data: " + why + " (pgproof rehearse runs the migration on a restored copy)";
            added.push_back(n);
        };
        auto table = resolve(q.table);
        if (!table) {
            if (q.kind != QuestionKind::LockedTable) notChecked("table " + q.table.asWritten() + " does not exist in the database");
            continue;
        }
        if (q.kind == QuestionKind::DuplicateKeys && q.computedBy && computedDuplicates(q, *table, f, added)) continue;
        auto missing = missingColumns(*table, q.columns);
        if (!missing.empty()) {
            if (q.kind != QuestionKind::RowsInTable && q.kind != QuestionKind::UnfilledColumn) {
                notChecked("column " + table->display + "." + displayIdent(missing.front()) + " does not exist yet" +
                           (q.earlierChange ? fmt::format(" ({} at line {})", q.earlierChangeWhat, q.earlierChange->line) : ""));
                continue;
            }
        }
        switch (q.kind) {
            case QuestionKind::LockedTable: {
                long long rows = rowCount(*table);
                auto size = std::stoull(conn_.execParams("SELECT pg_total_relation_size($1::oid)", {table->oid}, "sizing " + table->display).value(0, 0));
                f.severity = Severity::Note;
                f.rule = "table-lock";
                f.figure = rows;
                f.message = fmt::format("{} {}: {}, {} with indexes{}", q.rewrites ? "rewrites" : lockName(q.lock) + " lock on",
                                        table->display, rowsText(rows), humanBytes(size),
                                        q.rewrites ? ", under an ACCESS EXCLUSIVE lock" : blocksWrites(q.lock) && q.lock != LockMode::AccessExclusive
                                                                                             ? ": writes wait until it ends"
                                                                                             : ": reads and writes wait until it ends");
                added.push_back(f);
                break;
            }
            case QuestionKind::RowsInTable: {
                if (!q.refines) break;
                LintFinding& s = analysis.findings[*q.refines];
                long long rows = rowCount(*table);
                s.hasFigure = true;
                s.figure = rows;
                if (rows > 0 && !q.earlierChange) {
                    s.message += fmt::format(": will fail: {} has {}", table->display, rowsText(rows));
                } else if (rows > 0) {
                    s.message += fmt::format(": {} has {} now{}", table->display, rowsText(rows), earlier);
                } else if (!q.earlierChange) {
                    s.severity = Severity::Warning;
                    s.message += fmt::format(": passes today, {} is empty; it fails on any copy with rows", table->display);
                } else {
                    s.message += fmt::format(": {} is empty now{}", table->display, earlier);
                }
                break;
            }
            case QuestionKind::UnfilledColumn: {
                if (!q.refines) break;
                LintFinding& s = analysis.findings[*q.refines];
                long long rows = rowCount(*table);
                s.hasFigure = true;
                s.figure = rows;
                if (rows > 0) {
                    s.severity = Severity::Error;
                    s.message += fmt::format(": {} existing {} of {} would keep NULL in {}", withThousands(static_cast<uint64_t>(rows)),
                                             rows == 1 ? "row" : "rows", table->display, displayIdent(q.columns.front()));
                } else {
                    s.message += fmt::format(": {} is empty now; on any copy with rows they keep NULL", table->display);
                }
                break;
            }
            case QuestionKind::NullsInColumn: {
                const std::string& column = q.columns.front();
                auto key = primaryKey(*table);
                bool byKey = !key.empty() && std::find(key.begin(), key.end(), column) == key.end();
                std::string keyColumns = byKey ? columnList(key) : "ctid::text";
                auto r = conn_.exec(fmt::format("SELECT count(*) OVER (), {} FROM {} WHERE {} IS NULL ORDER BY {} LIMIT {}", keyColumns,
                                                table->sql, quoteIdent(column), keyColumns, samples_),
                                    "counting NULLs in " + table->display + "." + column);
                long long nulls = r.rows() == 0 ? 0 : std::stoll(r.value(0, 0));
                if (nulls == 0) break;
                for (int i = 0; i < r.rows(); ++i) f.samples.push_back(byKey ? keyEquals(key, r, i, 1) : "ctid " + r.value(i, 1));
                f.figure = nulls;
                f.rule = "set-not-null-has-nulls";
                f.dependsOnEarlierStatement = q.earlierChange.has_value();
                f.severity = q.earlierChange ? Severity::Warning : Severity::Error;
                f.message = fmt::format("{}{}: {} is NULL in {}{} ({}){}", q.label, q.earlierChange ? "" : " will fail",
                                        dotted(table->display, {column}), rowsText(nulls),
                                        q.earlierChange ? " now" : "", sampleList(f.samples, nulls), earlier);
                added.push_back(f);
                break;
            }
            case QuestionKind::DuplicateKeys: {
                auto v = duplicateKeys(conn_, table->sql, q.columns, q.nullsNotDistinct, samples_,
                                       "looking for duplicates of " + dotted(table->display, q.columns));
                long long groups = v.keys;
                if (groups == 0) break;
                f.samples = v.samples;
                f.figure = groups;
                f.rule = "unique-has-duplicates";
                f.dependsOnEarlierStatement = q.earlierChange.has_value();
                f.severity = q.earlierChange ? Severity::Warning : Severity::Error;
                f.message = fmt::format("{}{}: {} duplicate group{} in {}{} ({}): {}{}", q.label, q.earlierChange ? "" : " will fail",
                                        withThousands(static_cast<uint64_t>(groups)), groups == 1 ? "" : "s", dotted(table->display, q.columns),
                                        q.earlierChange ? " now" : "", rowsText(v.rows), sampleList(f.samples, groups), earlier);
                added.push_back(f);
                break;
            }
            case QuestionKind::ForeignKeyOrphans: {
                auto parent = resolve(q.referenced);
                if (!parent) {
                    notChecked("referenced table " + q.referenced.asWritten() + " does not exist in the database");
                    break;
                }
                auto parentColumns = q.referencedColumns.empty() ? primaryKey(*parent) : q.referencedColumns;
                if (parentColumns.size() != q.columns.size()) {
                    notChecked("the referenced columns of " + parent->display + " are not known (no primary key)");
                    break;
                }
                auto parentMissing = missingColumns(*parent, parentColumns);
                if (!parentMissing.empty()) {
                    notChecked("column " + parent->display + "." + displayIdent(parentMissing.front()) + " does not exist yet");
                    break;
                }
                auto v = orphanKeys(conn_, table->sql, q.columns, parent->sql, parentColumns, samples_,
                                    "looking for orphans of " + dotted(table->display, q.columns));
                long long values = v.keys;
                if (values == 0) break;
                long long rows = v.rows;
                f.samples = v.samples;
                f.figure = rows;
                f.rule = "foreign-key-has-orphans";
                f.dependsOnEarlierStatement = q.earlierChange.has_value();
                f.severity = q.earlierChange || q.leftUnvalidated ? Severity::Warning : Severity::Error;
                std::string head = q.leftUnvalidated ? q.label + " NOT VALID keeps them, a later VALIDATE fails"
                                   : q.earlierChange ? q.label
                                                     : q.label + " will fail";
                f.message = fmt::format("{}: {} of {}{} reference no row of {} ({} value{}: {}){}", head,
                                        rowsText(rows), dotted(table->display, q.columns),
                                        q.earlierChange ? " now" : "", dotted(parent->display, parentColumns), withThousands(static_cast<uint64_t>(values)),
                                        values == 1 ? "" : "s", sampleList(f.samples, values), earlier);
                added.push_back(f);
                break;
            }
            default:
                break;
        }
    }
    for (auto& f : added) analysis.findings.push_back(std::move(f));
}

}  // namespace pgproof::lint
