#include "PlanEvaluator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "Errors.hpp"
#include "Interrupt.hpp"
#include "JsonFields.hpp"
#include "ReportOutput.hpp"

namespace pgproof {

namespace {

constexpr int kSamples = 5;

std::string joined(const std::vector<std::string>& v, const std::string& sep = ", ") {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
    return out;
}

// Runs a query under a savepoint so that an error leaves the snapshot transaction usable.
class ItemRunner {
public:
    ItemRunner(const PgConnection& conn, PlanItemResult& item) : conn_(conn), item_(item) {}

    // userSql: the user's own SQL (checks, count filters) runs with the database's default search_path,
    // so that unqualified names resolve as they do in psql; pgproof's own queries are fully qualified.
    PgResult query(const std::string& sql, const std::vector<std::string>& params = {}, bool userSql = false) {
        throwIfInterrupted("running the plan's queries");  // a cancel sent between two queries is lost
        item_.sql.push_back(sql);
        conn_.exec("SAVEPOINT pgproof_plan_item");
        try {
            if (userSql)
                conn_.exec("SELECT pg_catalog.set_config('search_path', (SELECT reset_val FROM pg_catalog.pg_settings "
                           "WHERE name = 'search_path'), true)");
            auto r = conn_.execParams(sql, params);
            if (userSql) conn_.exec("SELECT pg_catalog.set_config('search_path', '', true)");
            conn_.exec("RELEASE SAVEPOINT pgproof_plan_item");
            return r;
        } catch (const IncompleteError&) {
            if (!conn_.ok()) throw;
            conn_.exec("ROLLBACK TO SAVEPOINT pgproof_plan_item");
            throw;
        }
    }

private:
    const PgConnection& conn_;
    PlanItemResult& item_;
};

// The relation oid of a table, or empty if it does not exist.
std::string tableOid(ItemRunner& run, const QualifiedName& t) {
    auto r = run.query("SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE n.nspname = $1 AND c.relname = $2",
                       {t.schema, t.name});
    return r.rows() ? r.value(0, 0) : std::string();
}

void fail(PlanItemResult& item, const std::string& message) {
    item.verdict = Verdict::Failed;
    item.message = message;
}

// Primary key columns as a text expression for sample keys, else ctid.
std::string sampleKeyExpression(ItemRunner& run, const std::string& oid, const std::string& alias) {
    auto r = run.query("SELECT a.attname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid "
                       "AND a.attnum = ANY (i.indkey) WHERE i.indrelid = $1::pg_catalog.oid AND i.indisprimary ORDER BY a.attnum",
                       {oid});
    if (r.rows() == 0) return alias + ".ctid::text";
    std::string expr;
    for (int i = 0; i < r.rows(); ++i) expr += (i ? " || ',' || " : "") + alias + "." + quoteIdent(r.value(i, 0)) + "::text";
    return expr;
}

std::vector<std::string> column0(const PgResult& r) {
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.isNull(i, 0) ? "NULL" : r.value(i, 0));
    return out;
}

std::string stripDefault(std::string d) {
    // 'none'::"BillingStatus" -> none ; false -> false
    auto cast = d.rfind("::");
    if (cast != std::string::npos && cast > 0 && (d[0] == '\'' || d[0] == '(')) d = d.substr(0, cast);
    if (d.size() >= 2 && d.front() == '\'' && d.back() == '\'') d = d.substr(1, d.size() - 2);
    return d;
}

// The modifiers of a plan's type spelling ("numeric(12, 2)" -> {"12","2"}) as a cstring[] literal, or "" if unbalanced.
std::string typmodArguments(const std::string& planType) {
    auto open = planType.find('('), close = planType.find(')', open);
    if (open == std::string::npos || close == std::string::npos) return {};
    std::string inner = planType.substr(open + 1, close - open - 1), out = "{", item;
    auto flush = [&] {
        auto b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
        std::string v = b == std::string::npos ? "" : item.substr(b, e - b + 1);
        std::string quoted = "\"";
        for (char ch : v) quoted += (ch == '"' || ch == '\\') ? std::string("\\") + ch : std::string(1, ch);
        out += (out.size() > 1 ? "," : "") + quoted + "\"";
        item.clear();
    };
    for (char ch : inner) {
        if (ch == ',') flush();
        else item += ch;
    }
    flush();
    return out + "}";
}

// Whether the column's type (oid typeOid, shown as actual) carries the plan's modifiers.
bool sameTypmod(ItemRunner& run, const std::string& typeOid, const std::string& planType, const std::string& actual) {
    std::string args = typmodArguments(planType);
    if (args.empty()) return false;
    auto fn = run.query("SELECT typmodin::pg_catalog.text FROM pg_catalog.pg_type WHERE oid = $1::pg_catalog.oid AND typmodin <> 0",
                        {typeOid});
    if (fn.rows() == 0) return false;  // the type takes no modifiers
    try {
        auto f = run.query("SELECT pg_catalog.format_type($1::pg_catalog.oid, " + fn.value(0, 0) + "($2::pg_catalog.cstring[]))",
                           {typeOid, args});
        return f.value(0, 0) == actual;
    } catch (const IncompleteError&) {
        return false;  // modifiers the type rejects cannot match the column
    }
}

void checkColumn(ItemRunner& run, const ExpectedColumn& c, PlanItemResult& item) {
    std::string oid = tableOid(run, c.ref.table);
    if (oid.empty()) return fail(item, "table " + planName(c.ref.table) + " not found");
    auto r = run.query("SELECT pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
                       "pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.atttypid "
                       "FROM pg_catalog.pg_attribute a LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                       "WHERE a.attrelid = $1::pg_catalog.oid AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
                       {oid, c.ref.column});
    if (r.rows() == 0) return fail(item, "column missing");
    std::string type = r.value(0, 0);
    bool notNull = r.value(0, 1) == "t";
    std::string def = r.isNull(0, 2) ? "" : r.value(0, 2);
    std::vector<std::string> problems;
    if (c.type) {
        // The plan's type resolved by the server (builtin spellings like int/varchar(20)/timestamptz,
        // or a case-sensitive user type name, public unless qualified).
        QualifiedName tn = parseTableName(*c.type);
        auto t = run.query("SELECT COALESCE(pg_catalog.to_regtype($1), pg_catalog.to_regtype($2))::pg_catalog.oid, "
                           "pg_catalog.format_type(COALESCE(pg_catalog.to_regtype($1), pg_catalog.to_regtype($2)), $3::int)",
                           {*c.type, tn.sql(), "-1"});
        bool same = !t.isNull(0, 0) && t.value(0, 0) == r.value(0, 3);
        // A typmod in the plan (varchar(20), numeric(10, 2), timestamptz(3)) must match exactly: the plan's
        // modifiers go through the type's own typmod input function, so that any spelling the server accepts
        // compares equal to the column's format_type.
        if (same && c.type->find('(') != std::string::npos && *c.type != type) same = sameTypmod(run, r.value(0, 3), *c.type, type);
        if (!same) problems.push_back("type is " + type + ", plan expects " + *c.type);
    }
    if (c.nullable) {
        if (*c.nullable && notNull) problems.push_back("is NOT NULL, plan expects nullable");
        if (!*c.nullable && !notNull) problems.push_back("is nullable, plan expects NOT NULL");
    }
    if (c.defaultValue) {
        auto matches = [&](const std::string& d) { return d == *c.defaultValue || stripDefault(d) == *c.defaultValue; };
        if (def.empty()) problems.push_back("has no default, plan expects " + *c.defaultValue);
        else if (!matches(def)) {
            // pgproof reads the catalog with an empty search_path, which qualifies every name in the expression
            // (nextval('public.t_id_seq'::regclass)); the plan may spell it as psql's \d shows it, with the
            // database's own search_path.
            auto asShown = run.query("SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d "
                                     "JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
                                     "WHERE d.adrelid = $1::pg_catalog.oid AND a.attname = $2",
                                     {oid, c.ref.column}, true);
            if (!(asShown.rows() && !asShown.isNull(0, 0) && matches(asShown.value(0, 0))))
                problems.push_back("default is " + def + ", plan expects " + *c.defaultValue);
        }
    }
    if (!problems.empty()) return fail(item, joined(problems, "; "));
    item.message = type + (notNull ? " NOT NULL" : "") + (def.empty() ? "" : " DEFAULT " + def);
}

void checkConstraint(ItemRunner& run, const ExpectedObject& o, PlanItemResult& item) {
    std::string oid = tableOid(run, o.table);
    if (oid.empty()) return fail(item, "table " + planName(o.table) + " not found");
    auto r = run.query("SELECT contype, convalidated, pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint "
                       "WHERE conrelid = $1::pg_catalog.oid AND conname = $2",
                       {oid, o.name});
    if (r.rows() == 0) return fail(item, "missing");
    item.message = r.value(0, 2) + (r.value(0, 1) == "t" ? "" : " (NOT VALID: existing rows are not checked)");
}

void checkIndex(ItemRunner& run, const ExpectedObject& o, PlanItemResult& item) {
    std::string oid = tableOid(run, o.table);
    if (oid.empty()) return fail(item, "table " + planName(o.table) + " not found");
    auto r = run.query("SELECT i.indisvalid, pg_catalog.pg_get_indexdef(i.indexrelid) FROM pg_catalog.pg_index i "
                       "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::pg_catalog.oid AND c.relname = $2",
                       {oid, o.name});
    if (r.rows() == 0) return fail(item, "missing");
    if (r.value(0, 0) != "t") return fail(item, "exists but is INVALID (a failed CREATE INDEX CONCURRENTLY?): " + r.value(0, 1));
    item.message = r.value(0, 1);
}

void checkEnum(ItemRunner& run, const ExpectedEnum& e, PlanItemResult& item) {
    auto r = run.query("SELECT e.enumlabel FROM pg_catalog.pg_enum e JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid "
                       "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typname = $2 "
                       "ORDER BY e.enumsortorder",
                       {e.type.schema, e.type.name});
    auto have = column0(r);
    if (have.empty()) return fail(item, "enum type missing");
    std::vector<std::string> missing;
    for (const auto& v : e.values)
        if (std::find(have.begin(), have.end(), v) == have.end()) missing.push_back(v);
    if (!missing.empty()) {
        item.samples = missing;
        return fail(item, "value" + std::string(missing.size() > 1 ? "s " : " ") + joined(missing) + " missing (has: " + joined(have) + ")");
    }
    item.message = "values: " + joined(have);
}

void checkBackfill(ItemRunner& run, const BackfillRule& b, PlanItemResult& item) {
    std::string oid = tableOid(run, b.target.table);
    if (oid.empty()) return fail(item, "table " + planName(b.target.table) + " not found");
    std::string t = b.target.table.sql(), target = "x." + quoteIdent(b.target.column), source = "x." + quoteIdent(b.whenNotNull);
    std::string where = " FROM " + t + " x WHERE " + source + " IS NOT NULL AND " + target + " IS NULL";
    auto r = run.query("SELECT pg_catalog.count(*), (SELECT pg_catalog.count(*) FROM " + t + " x WHERE " + source + " IS NOT NULL)" + where);
    uint64_t missing = std::stoull(r.value(0, 0)), total = std::stoull(r.value(0, 1));
    if (missing == 0) {
        item.message = "complete: all " + withThousands(total) + " rows with " + b.whenNotNull + " set have " + b.target.column + " set";
        return;
    }
    item.samples = column0(run.query("SELECT " + sampleKeyExpression(run, oid, "x") + where + " LIMIT " + std::to_string(kSamples)));
    fail(item, fmt::format("{} row{} with {} set and {} NULL (of {}; keys {})", withThousands(missing), missing == 1 ? "" : "s",
                           b.whenNotNull, b.target.column, withThousands(total), joined(item.samples)));
}

void checkOrphans(ItemRunner& run, const OrphanRule& o, PlanItemResult& item) {
    if (tableOid(run, o.child.table).empty()) return fail(item, "table " + planName(o.child.table) + " not found");
    if (tableOid(run, o.parent.table).empty()) return fail(item, "table " + planName(o.parent.table) + " not found");
    std::string child = "c." + quoteIdent(o.child.column);
    std::string where = " FROM " + o.child.table.sql() + " c WHERE " + child + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " +
                        o.parent.table.sql() + " p WHERE p." + quoteIdent(o.parent.column) + " = " + child + ")";
    uint64_t n = std::stoull(run.query("SELECT pg_catalog.count(*)" + where).value(0, 0));
    if (n == 0) {
        item.message = "none: every " + o.child.column + " references an existing " + o.parent.display();
        return;
    }
    item.samples = column0(run.query("SELECT DISTINCT " + child + "::text" + where + " LIMIT " + std::to_string(kSamples)));
    fail(item, fmt::format("{} row{} reference{} a missing {} ({})", withThousands(n), n == 1 ? "" : "s", n == 1 ? "s" : "",
                           o.parent.display(), joined(item.samples)));
}

void checkUnique(ItemRunner& run, const UniqueRule& u, PlanItemResult& item) {
    if (tableOid(run, u.table).empty()) return fail(item, "table " + planName(u.table) + " not found");
    std::string cols, notNull, keyText;
    for (size_t i = 0; i < u.columns.size(); ++i) {
        std::string c = quoteIdent(u.columns[i]);
        cols += (i ? ", " : "") + c;
        notNull += (i ? " AND " : "") + c + " IS NOT NULL";
        keyText += (i ? " || ',' || " : "") + c + "::text";
    }
    std::string dup = "SELECT " + keyText + " AS k, pg_catalog.count(*) AS n FROM " + u.table.sql() + " WHERE " + notNull + " GROUP BY " +
                      cols + " HAVING pg_catalog.count(*) > 1";
    auto r = run.query("SELECT pg_catalog.count(*), COALESCE(pg_catalog.sum(n), 0) FROM (" + dup + ") d");
    uint64_t keys = std::stoull(r.value(0, 0)), rows = std::stoull(r.value(0, 1));
    if (keys == 0) {
        item.message = "no duplicates of (" + joined(u.columns) + ")";
        return;
    }
    item.samples = column0(run.query("SELECT k FROM (" + dup + ") d ORDER BY n DESC, k LIMIT " + std::to_string(kSamples)));
    fail(item, fmt::format("{} duplicated value{} of ({}) in {} rows ({}): a UNIQUE constraint would fail", withThousands(keys),
                           keys == 1 ? "" : "s", joined(u.columns), withThousands(rows), joined(item.samples)));
}

uint64_t filteredCount(ItemRunner& run, const CountRule& c) {
    return std::stoull(run.query("SELECT pg_catalog.count(*) FROM " + c.table.sql() + " WHERE " + c.where, {}, true).value(0, 0));
}

void checkCount(ItemRunner& run, const CountRule& c, PlanItemResult& item, const nlohmann::json& baselinePlan) {
    if (tableOid(run, c.table).empty()) return fail(item, "table " + planName(c.table) + " not found");
    std::optional<uint64_t> before;
    std::string baselineError;
    if (baselinePlan.is_object() && baselinePlan.contains("counts"))
        for (const auto& b : baselinePlan["counts"])
            if (b.is_object() && b.value("key", nlohmann::json()) == c.key()) {
                try {
                    if (b.contains("rows")) before = integerField<uint64_t>(b["rows"], "rows");
                    else baselineError = b.contains("error") && b["error"].is_string() ? b["error"].get<std::string>() : "no figure";
                } catch (const std::runtime_error& e) {
                    baselineError = std::string("the baseline's figure is damaged: ") + e.what();
                }
            }
    uint64_t now = filteredCount(run, c);
    if (!before)
        return fail(item, fmt::format("{} rows now, but the baseline has no figure for this filter ({}): take the baseline with the same --plan",
                                      withThousands(now), baselineError.empty() ? "not recorded" : baselineError));
    if (now < *before)
        return fail(item, fmt::format("dropped from {} to {} rows ({})", withThousands(*before), withThousands(now),
                                      signedDelta(static_cast<int64_t>(now) - static_cast<int64_t>(*before))));
    item.message = fmt::format("{} rows, baseline {} ({})", withThousands(now), withThousands(*before),
                               signedDelta(static_cast<int64_t>(now) - static_cast<int64_t>(*before)));
}

bool sameValue(const std::string& got, const std::string& expect) {
    if (got == expect) return true;
    if (got == "true" || got == "false") {
        std::string e;
        for (char ch : expect) e += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return (e == "true" || e == "t") ? got == "true" : (e == "false" || e == "f") ? got == "false" : false;
    }
    char* e1 = nullptr;
    char* e2 = nullptr;
    double a = std::strtod(got.c_str(), &e1), b = std::strtod(expect.c_str(), &e2);
    return !got.empty() && !expect.empty() && *e1 == '\0' && *e2 == '\0' && a == b;
}

void checkInvariant(ItemRunner& run, const InvariantCheck& c, PlanItemResult& item) {
    auto r = run.query(c.sql, {}, true);
    if (r.rows() == 0 || PQnfields(r.get()) == 0) return fail(item, "the query returned no value, expected " + c.expect);
    std::string got = r.isNull(0, 0) ? "null" : r.value(0, 0);
    // A boolean result reads as YAML writes it (expect: true), not as PostgreSQL's t/f.
    constexpr Oid kBoolOid = 16;
    if (!r.isNull(0, 0) && PQftype(r.get(), 0) == kBoolOid) got = got == "t" ? "true" : "false";
    if (!sameValue(got, c.expect)) return fail(item, "got " + got + ", expected " + c.expect);
    item.message = "holds: " + got;
}

template <typename Fn>
void runItem(std::vector<PlanItemResult>& out, const PgConnection& conn, std::string kind, std::string name, Fn&& fn) {
    PlanItemResult item;
    item.kind = std::move(kind);
    item.name = std::move(name);
    ItemRunner run(conn, item);
    try {
        fn(run, item);
    } catch (const IncompleteError& e) {
        if (!conn.ok()) throw;
        // A query that cannot run (bad SQL, missing column): a failure, never a skip.
        item.verdict = Verdict::Failed;
        item.message = std::string("could not run: ") + e.what();
    }
    out.push_back(std::move(item));
}

}  // namespace

nlohmann::json recordPlanBaseline(const MigrationPlan& plan, const PgConnection& conn) {
    nlohmann::json counts = nlohmann::json::array();
    for (const auto& c : plan.counts) {
        PlanItemResult scratch;
        ItemRunner run(conn, scratch);
        nlohmann::json j = {{"key", c.key()}, {"schema", c.table.schema}, {"name", c.table.name}, {"where", c.where}};
        try {
            j["rows"] = filteredCount(run, c);
        } catch (const IncompleteError& e) {
            if (!conn.ok()) throw;
            j["error"] = e.what();
        }
        counts.push_back(j);
    }
    return {{"plan", plan.path.string()}, {"counts", counts}};
}

std::vector<PlanItemResult> evaluatePlan(const MigrationPlan& plan, const PgConnection& conn, const nlohmann::json& baselinePlan) {
    std::vector<PlanItemResult> out;
    for (const auto& c : plan.columns)
        runItem(out, conn, "column", c.ref.display(), [&](ItemRunner& r, PlanItemResult& i) { checkColumn(r, c, i); });
    for (const auto& c : plan.constraints)
        runItem(out, conn, "constraint", c.name, [&](ItemRunner& r, PlanItemResult& i) { checkConstraint(r, c, i); });
    for (const auto& c : plan.indexes)
        runItem(out, conn, "index", c.name, [&](ItemRunner& r, PlanItemResult& i) { checkIndex(r, c, i); });
    for (const auto& e : plan.enums)
        runItem(out, conn, "enum", planName(e.type), [&](ItemRunner& r, PlanItemResult& i) { checkEnum(r, e, i); });
    for (const auto& b : plan.backfills)
        runItem(out, conn, "backfill", b.target.display(), [&](ItemRunner& r, PlanItemResult& i) { checkBackfill(r, b, i); });
    for (const auto& o : plan.orphans)
        runItem(out, conn, "orphans", o.child.display(), [&](ItemRunner& r, PlanItemResult& i) { checkOrphans(r, o, i); });
    for (const auto& u : plan.uniques)
        runItem(out, conn, "unique", planName(u.table) + " (" + joined(u.columns) + ")",
                [&](ItemRunner& r, PlanItemResult& i) { checkUnique(r, u, i); });
    for (const auto& c : plan.counts)
        runItem(out, conn, "counts", planName(c.table) + " WHERE " + c.where,
                [&](ItemRunner& r, PlanItemResult& i) { checkCount(r, c, i, baselinePlan); });
    for (const auto& c : plan.checks)
        runItem(out, conn, "check", c.name, [&](ItemRunner& r, PlanItemResult& i) { checkInvariant(r, c, i); });
    return out;
}

}  // namespace pgproof
