#include "TableLocking.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include <spdlog/spdlog.h>

#include "Errors.hpp"

namespace pgproof {

namespace {

constexpr size_t kTablesPerLock = 1000;  // keeps each LOCK statement well under a megabyte of SQL

std::string sqlState(const PGresult* r) {
    const char* s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    return s ? s : "";
}

std::string oidArray(const std::vector<LiveTable*>& tables) {
    std::string a = "{";
    for (size_t i = 0; i < tables.size(); ++i) a += (i ? "," : "") + std::to_string(tables[i]->oid);
    return a + "}";
}

// The tables of `batch` whose heap or name changed since the snapshot: pg_class read in the
// transaction shows the snapshot's relfilenode and name; pg_relation_filenode() and regclass output
// go through the system caches, which show what is committed now (current after a lock is granted).
std::optional<ChangedTable> findChange(const PgConnection& leader, const std::vector<LiveTable*>& batch) {
    auto r = leader.execParams(
        "SELECT n.nspname, c.relname, pg_catalog.pg_relation_filenode(x.o) IS NULL, "
        "pg_catalog.pg_relation_filenode(x.o) IS DISTINCT FROM c.relfilenode "
        "FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS x(o) JOIN pg_catalog.pg_class c ON c.oid = x.o "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE pg_catalog.pg_relation_filenode(x.o) IS DISTINCT FROM c.relfilenode "
        "OR x.o::pg_catalog.regclass::pg_catalog.text <> "
        "pg_catalog.quote_ident(n.nspname) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname) "
        "LIMIT 1",
        {oidArray(batch)}, "checking the tables for rewrites since the snapshot");
    if (r.rows() == 0) return std::nullopt;
    ChangedTable t{{r.value(0, 0), r.value(0, 1)}, ""};
    if (r.value(0, 2) == "t") t.change = "dropped";
    else if (r.value(0, 3) == "t") t.change = "rewritten (TRUNCATE, VACUUM FULL, CLUSTER or ALTER TABLE ... TYPE)";
    else t.change = "renamed";
    return t;
}

std::string lockStatement(const std::vector<LiveTable*>& batch, bool nowait) {
    std::string sql = "LOCK TABLE ";
    for (size_t i = 0; i < batch.size(); ++i) sql += (i ? ", ONLY " : "ONLY ") + batch[i]->id.sql();
    return sql + " IN ACCESS SHARE MODE" + (nowait ? " NOWAIT" : "");
}

// After a lock timeout in a batch: which table is it? One NOWAIT lock per table names the first one
// still blocked (the error aborts the transaction, which the caller then gives up anyway).
[[noreturn]] void throwLockTimeout(const PgConnection& leader, const std::vector<LiveTable*>& batch,
                                   const std::string& timeout, const std::string& message) {
    leader.exec("ROLLBACK TO SAVEPOINT pgproof_lock", "rolling back a lock that timed out");
    std::string blocked;
    for (LiveTable* t : batch) {
        PgResult r(PQexec(leader.get(), lockStatement({t}, true).c_str()));
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
            blocked = t->id.display();
            break;
        }
    }
    throw IncompleteError(lockTimeoutMessage(blocked.empty() ? "(one of " + std::to_string(batch.size()) + ")" : blocked, timeout, message));
}

}  // namespace

std::string lockTimeoutMessage(const std::string& table, const std::string& timeout, const std::string& serverMessage) {
    return "could not lock table " + table + " within --lock-wait-timeout " + timeout +
           ": another session holds or waits for a conflicting lock (ALTER TABLE, TRUNCATE, DROP, VACUUM FULL, "
           "REINDEX, LOCK); run again when it is done, or raise --lock-wait-timeout (" + serverMessage + ")";
}

void retryAfterChange(const ChangedTable& changed, int attempt, int attempts) {
    if (attempt >= attempts)
        throw IncompleteError("table " + changed.id.display() + " was " + changed.change + " after the snapshot, " +
                              std::to_string(attempts) + " times in a row: its figures would not describe the snapshot; "
                              "run again when that job is done");
    spdlog::info("table {} was {} after the snapshot was taken; taking a new snapshot (attempt {} of {})", changed.id.display(),
                 changed.change, attempt + 1, attempts);
}

std::vector<SnapshotChange> changesSinceSnapshot(const PgConnection& leader, const PgConnection& current,
                                                 const std::vector<LiveTable>& tables) {
    std::vector<SnapshotChange> out;
    if (tables.empty()) return out;
    std::string oids = "{";
    for (size_t i = 0; i < tables.size(); ++i) oids += (i ? "," : "") + std::to_string(tables[i].oid);
    oids += "}";
    // The same catalog rows, read at the snapshot (the leader's transaction) and as committed now.
    const char* sql = "SELECT c.oid, n.nspname, c.relname, c.relfilenode "
                      "FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS x(o) JOIN pg_catalog.pg_class c ON c.oid = x.o "
                      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace";
    auto then = leader.execParams(sql, {oids}, "reading the tables as the snapshot saw them");
    auto now = current.execParams(sql, {oids}, "checking the tables for rewrites since the snapshot");
    struct Row {
        std::string schema, name, filenode;
    };
    std::map<std::string, Row> nowByOid;
    for (int i = 0; i < now.rows(); ++i) nowByOid[now.value(i, 0)] = {now.value(i, 1), now.value(i, 2), now.value(i, 3)};
    std::vector<std::string> changedOids;
    for (int i = 0; i < then.rows(); ++i) {
        ChangedTable t{{then.value(i, 1), then.value(i, 2)}, ""};
        auto it = nowByOid.find(then.value(i, 0));
        if (it == nowByOid.end()) t.change = "dropped";
        else if (it->second.filenode != then.value(i, 3)) t.change = "rewritten (TRUNCATE, VACUUM FULL, CLUSTER or ALTER TABLE ... TYPE)";
        else if (it->second.schema != t.id.schema || it->second.name != t.id.name) t.change = "renamed";
        else continue;
        out.push_back({t, false});
        changedOids.push_back(then.value(i, 0));
    }
    if (out.empty()) return out;
    // Rare (a change raced the start of the dump): which of them does another session hold? pg_locks lists
    // fast-path locks too.
    std::string list = "{";
    for (size_t i = 0; i < changedOids.size(); ++i) list += (i ? "," : "") + changedOids[i];
    list += "}";
    auto held = current.execParams(
        "SELECT DISTINCT l.relation FROM pg_catalog.pg_locks l WHERE l.locktype = 'relation' AND l.granted "
        "AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()) "
        "AND l.pid <> pg_catalog.pg_backend_pid() AND l.relation = ANY ($1::pg_catalog.oid[])",
        {list}, "reading which sessions hold the changed tables");
    std::set<std::string> heldOids;
    for (int i = 0; i < held.rows(); ++i) heldOids.insert(held.value(i, 0));
    // Those locks are all of pg_dump's only if pg_dump's transaction was still open when they were read: it
    // is if it still is now (its xmin, the snapshot's, is cleared before its locks are released). A small
    // dump can be over before the check; then nothing tells, and every change counts as held.
    auto open = current.execParams(
        "SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_activity a WHERE a.pid <> pg_catalog.pg_backend_pid() "
        "AND a.pid <> $1::pg_catalog.int4 AND a.datname = pg_catalog.current_database() "
        "AND a.backend_xmin = (SELECT l.backend_xmin FROM pg_catalog.pg_stat_activity l WHERE l.pid = $1::pg_catalog.int4)",
        {std::to_string(PQbackendPID(leader.get()))}, "reading which sessions share the snapshot");
    const bool dumpOpen = open.value(0, 0) != "0";
    for (size_t i = 0; i < out.size(); ++i) out[i].held = !dumpOpen || heldOids.count(changedOids[i]) > 0;
    std::stable_partition(out.begin(), out.end(), [](const SnapshotChange& c) { return c.held; });
    return out;
}

void checkLockWaitTimeout(const std::string& value) {
    static const std::regex duration(R"(\s*\d+(\.\d+)?\s*(us|ms|s|min|h|d)?\s*)");
    if (!std::regex_match(value, duration))
        throw BadInputError("--lock-wait-timeout '" + value + "' is not a duration: give a number with a unit, such as 30s, 500ms or 2min");
}

std::optional<ChangedTable> lockTablesAtSnapshot(const PgConnection& leader, std::vector<LiveTable>& tables,
                                                 const std::string& lockWaitTimeout) {
    if (tables.empty()) return std::nullopt;
    std::vector<LiveTable*> all;
    for (auto& t : tables) all.push_back(&t);
    // A table the role cannot read would make the whole LOCK fail; it is left to the read, which names it.
    // A table dropped since the snapshot has no privileges at all (NULL): kept, so that it is found as changed.
    auto priv = leader.execParams("SELECT x.o FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS x(o) "
                                  "WHERE pg_catalog.has_table_privilege(x.o, 'SELECT') IS NOT FALSE",
                                  {oidArray(all)}, "checking the privileges on the tables");
    std::vector<LiveTable*> lockable;
    {
        std::vector<bool> ok(tables.size(), false);
        std::map<uint32_t, size_t> byOid;
        for (size_t i = 0; i < tables.size(); ++i) byOid[tables[i].oid] = i;
        for (int i = 0; i < priv.rows(); ++i)
            if (auto it = byOid.find(static_cast<uint32_t>(std::stoul(priv.value(i, 0)))); it != byOid.end()) ok[it->second] = true;
        for (size_t i = 0; i < tables.size(); ++i)
            if (ok[i]) lockable.push_back(&tables[i]);
    }
    if (!lockWaitTimeout.empty())
        leader.exec("SET lock_timeout = " + quoteLiteral(lockWaitTimeout), "setting --lock-wait-timeout");
    for (size_t from = 0; from < lockable.size(); from += kTablesPerLock) {
        std::vector<LiveTable*> batch(lockable.begin() + static_cast<std::ptrdiff_t>(from),
                                            lockable.begin() + static_cast<std::ptrdiff_t>(std::min(lockable.size(), from + kTablesPerLock)));
        leader.exec("SAVEPOINT pgproof_lock", "locking the tables");
        PgResult r(PQexec(leader.get(), lockStatement(batch, false).c_str()));
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
            std::string state = sqlState(r.get());
            std::string message = statementError(leader.get(), r.get());  // with the hint when the lock table is full
            if (state == "55P03") throwLockTimeout(leader, batch, lockWaitTimeout, message);
            if (state == "42P01") {  // dropped or renamed since the snapshot: LOCK goes by name
                leader.exec("ROLLBACK TO SAVEPOINT pgproof_lock", "locking the tables");
                if (auto changed = findChange(leader, batch)) return changed;
            }
            if (!leader.ok()) throw IncompleteError("connection to " + leader.describe() + " lost while locking the tables: " + message);
            throw IncompleteError("locking the tables failed: " + message);
        }
        leader.exec("RELEASE SAVEPOINT pgproof_lock", "locking the tables");
    }
    if (!lockWaitTimeout.empty()) leader.exec("SET lock_timeout = 0", "resetting the lock timeout");
    for (size_t from = 0; from < lockable.size(); from += kTablesPerLock) {
        std::vector<LiveTable*> batch(lockable.begin() + static_cast<std::ptrdiff_t>(from),
                                            lockable.begin() + static_cast<std::ptrdiff_t>(std::min(lockable.size(), from + kTablesPerLock)));
        if (auto changed = findChange(leader, batch)) return changed;
    }
    // Exact sizes, now that nothing can rewrite or truncate the heaps (pg_relation_size would have taken
    // the lock itself, unbounded, had the catalog read asked for it).
    if (!lockable.empty()) {
        auto sizes = leader.execParams("SELECT x.o, pg_catalog.pg_relation_size(x.o) FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS x(o)",
                                       {oidArray(lockable)}, "reading the table sizes");
        const uint64_t block = std::stoull(leader.exec("SELECT pg_catalog.current_setting('block_size')").value(0, 0));
        std::map<uint32_t, LiveTable*> byOid;
        for (LiveTable* t : lockable) byOid[t->oid] = t;
        for (int i = 0; i < sizes.rows(); ++i) {
            auto it = byOid.find(static_cast<uint32_t>(std::stoul(sizes.value(i, 0))));
            if (it == byOid.end() || sizes.isNull(i, 1)) continue;
            it->second->bytes = std::stoull(sizes.value(i, 1));
            it->second->pages = block ? (it->second->bytes + block - 1) / block : 0;
        }
    }
    return std::nullopt;
}

}  // namespace pgproof
