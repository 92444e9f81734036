#include "MigrationAnalysis.hpp"

#include "ParseTree.hpp"

#include <map>
#include <set>

#include "ServerWideEffect.hpp"
#include "SqlIdentifier.hpp"
#include "UnfilledColumns.hpp"

namespace pgproof::lint {

using nlohmann::json;

QualifiedName tableOf(const json& rangeVar) { return {rangeVar.value("schemaname", ""), rangeVar.value("relname", "")}; }

namespace {

// For matching names within one file: "public" and no schema are the same.
std::string tableKey(const QualifiedName& t) { return (t.schema.empty() || t.schema == "public" ? "" : t.schema) + "." + t.name; }

}  // namespace

namespace {

// The fields of a node wrapped as {"Kind": {...}}, if it is of that kind.
const json* wrapped(const json& node, const char* kind) {
    if (!node.is_object()) return nullptr;
    auto it = node.find(kind);
    return it == node.end() ? nullptr : &*it;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

struct Change {
    SourcePosition at;
    std::string what;
};

class Analyser {
public:
    explicit Analyser(const MigrationScript& script) : script_(script) {}

    MigrationAnalysis run() {
        for (const auto& st : script_.statements()) statement(st);
        for (const auto& u : unfilledColumns(script_)) unfilled(u);
        return std::move(out_);
    }

private:
    const MigrationScript& script_;
    MigrationAnalysis out_;
    std::set<std::string> createdTables_;
    bool inTransaction_ = false;
    bool lockTimeoutSet_ = false;
    bool lockTimeoutReported_ = false;
    std::map<std::string, Change> lastChange_;                  // table key -> latest statement writing its rows
    std::map<std::pair<std::string, std::string>, Change> addedColumns_;  // (table key, column) -> ADD COLUMN
    std::map<std::pair<std::string, std::string>, DataQuestion> unvalidatedForeignKeys_;  // (table key, name)
    std::map<std::pair<std::string, std::string>, DataQuestion> unvalidatedNotNullChecks_;  // (table key, name)
    std::set<std::pair<std::string, std::string>> provenNotNull_;
    std::map<std::pair<std::string, std::string>, std::vector<size_t>> assignedBy_;  // (table key, column) -> UPDATEs setting it

    // A one-column key whose only writer in the file is one UPDATE, the latest change before the question.
    void noteComputedBy(DataQuestion& q) {
        if (q.columns.size() != 1 || !q.earlierChange) return;
        auto it = assignedBy_.find({tableKey(q.table), q.columns.front()});
        if (it == assignedBy_.end() || it->second.size() != 1) return;
        const MigrationStatement& update = script_.statements()[it->second.front()];
        if (update.at.line == q.earlierChange->line && update.at.column == q.earlierChange->column) q.computedBy = update;
    }  // (table key, column): a validated CHECK (c IS NOT NULL)

    size_t add(const MigrationStatement& st, Severity severity, std::string rule, std::string message) {
        LintFinding f;
        f.file = script_.name();
        f.at = st.at;
        f.statement = st.index;
        f.severity = severity;
        f.rule = std::move(rule);
        f.message = std::move(message);
        out_.findings.push_back(std::move(f));
        return out_.findings.size() - 1;
    }

    bool existing(const QualifiedName& t) const { return !createdTables_.count(tableKey(t)); }

    // The latest earlier change of the data a question about (table, columns) depends on.
    void noteEarlierChange(DataQuestion& q, const QualifiedName& table, const std::vector<std::string>& columns) {
        const Change* latest = nullptr;
        auto consider = [&](const Change& c) {
            if (!latest || c.at.line > latest->at.line || (c.at.line == latest->at.line && c.at.column > latest->at.column)) latest = &c;
        };
        if (auto it = lastChange_.find(tableKey(table)); it != lastChange_.end()) consider(it->second);
        for (const auto& c : columns)
            if (auto it = addedColumns_.find({tableKey(table), c}); it != addedColumns_.end()) consider(it->second);
        if (latest && (!q.earlierChange || latest->at.line > q.earlierChange->line)) {
            q.earlierChange = latest->at;
            q.earlierChangeWhat = latest->what;
        }
    }

    void ask(DataQuestion q) {
        if (!existing(q.table)) return;  // created by this migration: no data to ask about
        out_.questions.push_back(std::move(q));
    }

    void statement(const MigrationStatement& st) {
        const json& n = st.node;
        StatementLock lock = statementLock(st.kind, n);
        bool onExisting = false;
        for (const auto& t : lock.tables) onExisting = onExisting || existing(tableOf(t));

        if (auto effect = serverWideEffect(st))
            add(st, Severity::Error, "outside-database",
                "acts on the server beyond this database: it " + *effect +
                    "; verify cannot prove it and rehearse refuses to run it: make it a separate, reviewed change");
        if (st.kind == "TransactionStmt") {
            std::string k = n.value("kind", "");
            if (k == "TRANS_STMT_BEGIN" || k == "TRANS_STMT_START") inTransaction_ = true;
            if (k == "TRANS_STMT_COMMIT" || k == "TRANS_STMT_ROLLBACK" || k == "TRANS_STMT_COMMIT_PREPARED" || k == "TRANS_STMT_PREPARE")
                inTransaction_ = false;
            return;
        }
        if (st.kind == "VariableSetStmt") {
            std::string name = n.value("name", "");
            if (name == "lock_timeout") lockTimeoutSet_ = n.value("kind", "") == "VAR_SET_VALUE";
            return;
        }
        if (lock.mode == LockMode::AccessExclusive && onExisting && !lockTimeoutSet_ && !lockTimeoutReported_) {
            add(st, Severity::Warning, "missing-lock-timeout",
                "takes an ACCESS EXCLUSIVE lock on " + tableOf(lock.tables.front()).asWritten() +
                    " with no lock_timeout set before it: waiting behind one long query, it blocks every read and write of the table; "
                    "SET lock_timeout = '5s' first (and retry on timeout)");
            lockTimeoutReported_ = true;
        }
        if (blocksWrites(lock.mode) || lock.rewrites) {
            for (const auto& t : lock.tables) {
                DataQuestion q;
                q.kind = QuestionKind::LockedTable;
                q.statement = st.index;
                q.at = st.at;
                q.table = tableOf(t);
                q.lock = lock.mode;
                q.rewrites = lock.rewrites;
                ask(q);
            }
        }

        if (st.kind == "CreateStmt") {
            createdTables_.insert(tableKey(tableOf(field(n, "relation"))));
        } else if (st.kind == "CreateTableAsStmt") {
            createdTables_.insert(tableKey(tableOf(field(field(n, "into"), "rel"))));
        } else if (st.kind == "AlterTableStmt") {
            alterTable(st);
        } else if (st.kind == "IndexStmt") {
            createIndex(st);
        } else if (st.kind == "DropStmt") {
            drop(st);
        } else if (st.kind == "RenameStmt") {
            rename(st);
        } else if (st.kind == "TruncateStmt") {
            std::vector<std::string> names;
            for (const auto& r : n.value("relations", json::array())) names.push_back(tableOf(field(r, "RangeVar")).asWritten());
            add(st, Severity::Error, "truncate", "TRUNCATE " + joined(names) + " deletes every row (and takes an ACCESS EXCLUSIVE lock)");
        } else if (st.kind == "DeleteStmt") {
            if (!n.contains("whereClause"))
                add(st, Severity::Error, "delete-without-where",
                    "DELETE without WHERE deletes every row of " + tableOf(field(n, "relation")).asWritten());
        } else if (st.kind == "UpdateStmt") {
            for (const auto& t : n.value("targetList", json::array()))
                assignedBy_[{tableKey(tableOf(field(n, "relation"))), field(t, "ResTarget").value("name", "")}].push_back(st.index);
            if (!n.contains("whereClause") && !n.contains("fromClause"))
                add(st, Severity::Warning, "update-without-where",
                    "UPDATE without WHERE rewrites every row of " + tableOf(field(n, "relation")).asWritten() +
                        " in one transaction; backfill in batches by key range");
        } else if (st.kind == "AlterEnumStmt" && n.contains("oldVal")) {
            add(st, Severity::Warning, "rename-object",
                "RENAME VALUE '" + n.value("oldVal", "") + "' breaks every client still writing the old value");
        }
        if ((st.kind == "IndexStmt" || (st.kind == "DropStmt" && n.value("removeType", "") == "OBJECT_INDEX") ||
             st.kind == "ReindexStmt") &&
            n.value("concurrent", false) && inTransaction_)
            add(st, Severity::Error, "concurrently-in-transaction",
                "CONCURRENTLY cannot run inside a transaction block (BEGIN before it): PostgreSQL refuses it; "
                "run it outside BEGIN ... COMMIT");
        // Statements that write rows: later findings about the table's data say so.
        if (lock.mode == LockMode::RowExclusive || st.kind == "TruncateStmt")
            for (const auto& t : lock.tables) {
                std::string verb = st.kind == "UpdateStmt" ? "UPDATE" : st.kind == "DeleteStmt" ? "DELETE" : st.kind == "InsertStmt" ? "INSERT"
                                   : st.kind == "MergeStmt" ? "MERGE" : st.kind == "CopyStmt" ? "COPY" : "TRUNCATE";
                lastChange_[tableKey(tableOf(t))] = {st.at, verb + " " + tableOf(t).asWritten()};
            }
    }

    // The backfill left out: a static warning at the ADD COLUMN; with --db, the rows that keep NULL.
    void unfilled(const UnfilledColumn& u) {
        const MigrationStatement& st = script_.statements()[u.addedStatement];
        QualifiedName table{u.schema, u.table};
        DataQuestion q;
        q.kind = QuestionKind::UnfilledColumn;
        q.statement = st.index;
        q.at = st.at;
        q.table = table;
        q.columns = {u.column};
        q.label = u.use;
        q.refines = add(st, Severity::Warning, "unfilled-column",
                        "ADD COLUMN " + table.asWritten() + "." + displayIdent(u.column) +
                            " is never filled by this migration (no UPDATE sets it, no DEFAULT, not generated), yet " + u.use +
                            " at line " + std::to_string(u.usedAt.line) +
                            " relies on it: existing rows keep NULL in it; backfill it before line " +
                            std::to_string(u.usedAt.line));
        ask(q);
    }

    void alterTable(const MigrationStatement& st) {
        const json& n = st.node;
        std::string objtype = n.value("objtype", "");
        QualifiedName table = tableOf(field(n, "relation"));
        bool old = existing(table);
        for (const auto& c : n.value("cmds", json::array())) {
            const json& cmd = field(c, "AlterTableCmd");
            std::string sub = cmd.value("subtype", "");
            std::string column = cmd.value("name", "");
            if (objtype == "OBJECT_TYPE") {
                if (sub == "AT_DropColumn")
                    add(st, Severity::Error, "alter-type-drop", "ALTER TYPE " + table.asWritten() + " DROP ATTRIBUTE " + column +
                                                                     " loses that attribute of every stored value");
                continue;
            }
            if (objtype != "OBJECT_TABLE") continue;
            if (sub == "AT_DropColumn") {
                add(st, Severity::Error, "drop-column",
                    "DROP COLUMN " + table.asWritten() + "." + column +
                        " loses its data for good, and breaks every client still reading it; stop using it first, drop it in a later release");
            } else if (sub == "AT_AlterColumnType") {
                if (old)
                    add(st, Severity::Warning, "alter-column-type",
                        "ALTER COLUMN " + column + " TYPE rewrites " + table.asWritten() +
                            " and its indexes under an ACCESS EXCLUSIVE lock (unless the types are binary-coercible); "
                            "add a new column, backfill it in batches, switch over");
            } else if (sub == "AT_SetNotNull") {
                // After a validated CHECK (c IS NOT NULL), SET NOT NULL uses it instead of scanning (PostgreSQL 12+).
                if (!old || provenNotNull_.count({tableKey(table), column})) continue;
                DataQuestion q;
                q.kind = QuestionKind::NullsInColumn;
                q.statement = st.index;
                q.at = st.at;
                q.table = table;
                q.columns = {column};
                q.label = "SET NOT NULL";
                noteEarlierChange(q, table, q.columns);
                q.refines = add(st, Severity::Warning, "set-not-null",
                                "SET NOT NULL on " + table.asWritten() + "." + displayIdent(column) +
                                    " scans the whole table under an ACCESS EXCLUSIVE lock, and fails if any row is NULL; "
                                    "add CHECK (" + displayIdent(column) + " IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL");
                ask(q);
            } else if (sub == "AT_AddColumn") {
                addColumn(st, table, old, field(field(cmd, "def"), "ColumnDef"));
            } else if (sub == "AT_AddConstraint") {
                addConstraint(st, table, old, field(field(cmd, "def"), "Constraint"));
            } else if (sub == "AT_ValidateConstraint") {
                if (auto c = unvalidatedNotNullChecks_.find({tableKey(table), column}); c != unvalidatedNotNullChecks_.end()) {
                    DataQuestion q = c->second;
                    q.statement = st.index;
                    q.at = st.at;
                    q.label = "VALIDATE CONSTRAINT " + column;
                    noteEarlierChange(q, q.table, q.columns);
                    provenNotNull_.insert({tableKey(table), q.columns.front()});
                    ask(q);
                    unvalidatedNotNullChecks_.erase(c);
                }
                auto it = unvalidatedForeignKeys_.find({tableKey(table), column});
                if (it != unvalidatedForeignKeys_.end()) {
                    DataQuestion q = it->second;
                    q.statement = st.index;
                    q.at = st.at;
                    q.leftUnvalidated = false;
                    q.label = "VALIDATE CONSTRAINT " + column;
                    noteEarlierChange(q, q.table, q.columns);
                    noteEarlierChange(q, q.referenced, q.referencedColumns);
                    // The question asked at ADD ... NOT VALID moves here, where the check really happens.
                    for (auto& asked : out_.questions)
                        if (asked.kind == QuestionKind::ForeignKeyOrphans && tableKey(asked.table) == tableKey(q.table) && asked.constraint == column &&
                            asked.leftUnvalidated)
                            asked = q;
                    unvalidatedForeignKeys_.erase(it);
                }
            }
        }
    }

    void addColumn(const MigrationStatement& st, const QualifiedName& table, bool old, const json& col) {
        std::string name = col.value("colname", "");
        bool notNull = false, hasDefault = false;
        json defaultExpr;  // a copy: the constraints list below is a temporary
        for (const auto& c : col.value("constraints", json::array())) {
            const json& k = field(c, "Constraint");
            std::string type = k.value("contype", "");
            if (type == "CONSTR_NOTNULL" || type == "CONSTR_PRIMARY") notNull = true;
            if (type == "CONSTR_DEFAULT") {
                hasDefault = true;
                defaultExpr = field(k, "raw_expr");
            }
            if (type == "CONSTR_IDENTITY" || type == "CONSTR_GENERATED") hasDefault = true;
        }
        auto names = field(col, "typeName").value("names", json::array());
        std::string type = names.empty() ? "" : field(names.back(), "String").value("sval", "");
        bool serial = type == "serial" || type == "bigserial" || type == "smallserial" || type == "serial2" || type == "serial4" ||
                      type == "serial8";
        if (serial) hasDefault = true;
        addedColumns_[{tableKey(table), name}] = {st.at, "ADD COLUMN " + table.asWritten() + "." + name};
        if (!old) return;
        if (notNull && !hasDefault) {
            DataQuestion q;
            q.kind = QuestionKind::RowsInTable;
            q.statement = st.index;
            q.at = st.at;
            q.table = table;
            q.columns = {name};
            noteEarlierChange(q, table, {});
            q.refines = add(st, Severity::Error, "add-column-not-null-without-default",
                            "ADD COLUMN " + table.asWritten() + "." + name +
                                " NOT NULL without DEFAULT fails on a table with rows; add it nullable or with a DEFAULT");
            ask(q);
        }
        if (volatileDefault(defaultExpr) || serial)
            add(st, Severity::Warning, "add-column-volatile-default",
                "ADD COLUMN " + table.asWritten() + "." + name +
                    " with a volatile default rewrites the whole table under an ACCESS EXCLUSIVE lock; "
                    "add it without default (or a constant one), then backfill in batches");
    }

    void addConstraint(const MigrationStatement& st, const QualifiedName& table, bool old, const json& k) {
        std::string type = k.value("contype", "");
        std::string name = k.value("conname", "");
        bool notValid = k.value("skip_validation", false);
        std::string label = name.empty() ? "" : " " + name;
        if (type == "CONSTR_FOREIGN") {
            DataQuestion q;
            q.kind = QuestionKind::ForeignKeyOrphans;
            q.statement = st.index;
            q.at = st.at;
            q.table = table;
            q.columns = stringList(k.value("fk_attrs", json::array()));
            q.referenced = tableOf(field(k, "pktable"));
            q.referencedColumns = stringList(k.value("pk_attrs", json::array()));
            q.constraint = name;
            q.label = "FOREIGN KEY" + label;
            q.leftUnvalidated = notValid;
            noteEarlierChange(q, table, q.columns);
            noteEarlierChange(q, q.referenced, q.referencedColumns);
            if (old && !notValid)
                add(st, Severity::Warning, "add-foreign-key-without-not-valid",
                    "ADD FOREIGN KEY" + label + " on " + table.asWritten() +
                        " checks every row while it blocks writes to " + table.asWritten() + " and " + q.referenced.asWritten() +
                        "; add it NOT VALID, then VALIDATE CONSTRAINT in a later statement");
            if (notValid && !name.empty()) unvalidatedForeignKeys_[{tableKey(table), name}] = q;
            if (existing(q.referenced) || old) ask(q);
        } else if (type == "CONSTR_CHECK") {
            // CHECK (c IS NOT NULL): the safe way to SET NOT NULL; its validation is a question for the data.
            const json& expr = field(k, "raw_expr");
            if (const json* test = wrapped(expr, "NullTest"); test && test->value("nulltesttype", "") == "IS_NOT_NULL") {
                auto fields = stringList(field(field(*test, "arg"), "ColumnRef").value("fields", json::array()));
                if (fields.size() == 1) {
                    DataQuestion q;
                    q.kind = QuestionKind::NullsInColumn;
                    q.statement = st.index;
                    q.at = st.at;
                    q.table = table;
                    q.columns = fields;
                    q.constraint = name;
                    q.label = "CHECK" + label;
                    noteEarlierChange(q, table, fields);
                    if (notValid && !name.empty()) {
                        unvalidatedNotNullChecks_[{tableKey(table), name}] = q;
                    } else if (!notValid) {
                        provenNotNull_.insert({tableKey(table), fields.front()});
                        ask(q);
                    }
                }
            }
            if (old && !notValid)
                add(st, Severity::Warning, "add-check-without-not-valid",
                    "ADD CHECK" + label + " on " + table.asWritten() +
                        " checks every row under an ACCESS EXCLUSIVE lock; add it NOT VALID, then VALIDATE CONSTRAINT");
        } else if (type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY") {
            std::string what = type == "CONSTR_UNIQUE" ? "UNIQUE" : "PRIMARY KEY";
            if (k.contains("indexname")) return;  // USING INDEX: the index was built (and checked) before
            auto keys = stringList(k.value("keys", json::array()));
            if (old)
                add(st, Severity::Warning, "add-unique-without-using-index",
                    "ADD " + what + label + " on " + table.asWritten() + " builds its index under an ACCESS EXCLUSIVE lock; "
                    "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD " + what + " USING INDEX");
            DataQuestion q;
            q.kind = QuestionKind::DuplicateKeys;
            q.statement = st.index;
            q.at = st.at;
            q.table = table;
            q.columns = keys;
            q.constraint = name;
            q.label = what + label;
            q.nullsNotDistinct = k.value("nulls_not_distinct", false);
            noteEarlierChange(q, table, keys);
            noteComputedBy(q);
            ask(q);
            if (type == "CONSTR_PRIMARY")
                for (const auto& key : keys) {
                    DataQuestion nulls = q;
                    nulls.kind = QuestionKind::NullsInColumn;
                    nulls.columns = {key};
                    ask(nulls);
                }
        }
    }

    void createIndex(const MigrationStatement& st) {
        const json& n = st.node;
        QualifiedName table = tableOf(field(n, "relation"));
        bool old = existing(table);
        if (old && !n.value("concurrent", false))
            add(st, Severity::Warning, "create-index-without-concurrently",
                "CREATE INDEX" + (n.contains("idxname") ? " " + n.value("idxname", "") : std::string()) + " on " + table.asWritten() +
                    " blocks writes to it for the whole build; use CREATE INDEX CONCURRENTLY (outside a transaction)");
        if (!n.value("unique", false) || n.contains("whereClause")) return;
        std::vector<std::string> columns;
        for (const auto& p : n.value("indexParams", json::array())) {
            const json& e = field(p, "IndexElem");
            if (!e.contains("name")) return;  // an expression index: not asked
            columns.push_back(e.value("name", ""));
        }
        DataQuestion q;
        q.kind = QuestionKind::DuplicateKeys;
        q.statement = st.index;
        q.at = st.at;
        q.table = table;
        q.columns = columns;
        q.constraint = n.value("idxname", "");
        q.label = "CREATE UNIQUE INDEX" + (q.constraint.empty() ? std::string() : " " + q.constraint);
        q.nullsNotDistinct = n.value("nulls_not_distinct", false);
        noteEarlierChange(q, table, columns);
        noteComputedBy(q);
        ask(q);
    }

    void drop(const MigrationStatement& st) {
        const json& n = st.node;
        std::string type = n.value("removeType", "");
        std::vector<std::string> names;
        for (const auto& o : n.value("objects", json::array())) {
            if (const json* list = wrapped(o, "List")) {
                std::string dotted;
                for (const auto& s : stringList(list->value("items", json::array()))) dotted += (dotted.empty() ? "" : ".") + s;
                names.push_back(dotted);
            } else if (const json* s = wrapped(o, "String")) {
                names.push_back(s->value("sval", ""));
            } else if (const json* t = wrapped(o, "TypeName")) {
                std::string dotted;
                for (const auto& s : stringList(t->value("names", json::array()))) dotted += (dotted.empty() ? "" : ".") + s;
                names.push_back(dotted);
            }
        }
        std::string list = joined(names);
        if (type == "OBJECT_TABLE") {
            add(st, Severity::Error, "drop-table", "DROP TABLE " + list + " loses its rows for good; rename it away first, drop it in a later release");
        } else if (type == "OBJECT_SCHEMA") {
            add(st, Severity::Error, "drop-schema", "DROP SCHEMA " + list + " loses everything in it");
        } else if (type == "OBJECT_INDEX") {
            if (!n.value("concurrent", false))
                add(st, Severity::Warning, "drop-index-without-concurrently",
                    "DROP INDEX " + list + " takes an ACCESS EXCLUSIVE lock on its table; use DROP INDEX CONCURRENTLY");
        } else if (type == "OBJECT_TYPE" || type == "OBJECT_DOMAIN" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW" ||
                   type == "OBJECT_SEQUENCE" || type == "OBJECT_FUNCTION" || type == "OBJECT_PROCEDURE" || type == "OBJECT_TRIGGER") {
            std::string what = type.substr(7);
            for (auto& ch : what) ch = ch == '_' ? ' ' : ch;
            if (type == "OBJECT_MATVIEW") what = "MATERIALIZED VIEW";
            add(st, Severity::Warning, "drop-object", "DROP " + what + " " + list + " breaks whatever still uses it");
        }
    }

    void rename(const MigrationStatement& st) {
        const json& n = st.node;
        std::string type = n.value("renameType", "");
        std::string target = n.contains("relation") ? tableOf(field(n, "relation")).asWritten() : "";
        std::string newName = n.value("newname", "");
        if (type == "OBJECT_COLUMN") {
            add(st, Severity::Error, "rename-column",
                "RENAME COLUMN " + target + "." + n.value("subname", "") + " TO " + newName +
                    " breaks every client still using the old name; add the new column, write both, switch, drop later");
        } else if (type == "OBJECT_TABLE") {
            add(st, Severity::Error, "rename-table",
                "RENAME " + target + " TO " + newName + " breaks every client still using the old name; "
                "create a view under the old name, or switch clients first");
        } else {
            add(st, Severity::Warning, "rename-object",
                "RENAME" + (target.empty() ? std::string() : " " + target) + " TO " + newName + " breaks clients still using the old name");
        }
    }
};

}  // namespace

MigrationAnalysis analyseMigration(const MigrationScript& script) { return Analyser(script).run(); }

}  // namespace pgproof::lint
