#include "PostDataJobs.hpp"

#include <atomic>
#include <memory>
#include <set>

#include "PostDataStatement.hpp"
#include "RestoreCost.hpp"
#include "RestoreSteps.hpp"

namespace pgproof {

namespace {

// Post-data entry types that only change the schema: none of them writes a row of a table.
bool onlyChangesSchema(const std::string& type) {
    static const std::set<std::string> types = {
        "INDEX",  "CONSTRAINT", "FK CONSTRAINT", "INDEX ATTACH", "TRIGGER", "RULE",   "POLICY",
        "ROW SECURITY", "COMMENT", "SECURITY LABEL", "ACL", "DEFAULT ACL", "STATISTICS", "CHECK CONSTRAINT",
        "PUBLICATION", "PUBLICATION TABLE", "PUBLICATION TABLES IN SCHEMA", "DEFAULT", "TABLE ATTACH"};
    return types.count(type) > 0;
}

ScriptEntry withSql(const ScriptEntry& e, std::string sql) {
    ScriptEntry out = e;
    out.sql = std::move(sql);
    return out;
}

}  // namespace

PostDataJobs addPostDataJobs(RestoreScheduler& s, const std::vector<ScriptEntry>& entries, const Manifest& m,
                             const std::map<QualifiedName, size_t>& rowsLoaded, size_t allRows, const PgConnection& leader,
                             UncreatedConstraints& uncreated) {
    PostDataJobs out;
    std::map<QualifiedName, uint64_t> bytes;
    for (const auto& t : m.tables) bytes[t.id()] += restoreWeight(t, t.rawBytes);
    auto weightOf = [&](const std::optional<QualifiedName>& t) { return t && bytes.count(*t) ? bytes[*t] : 0; };
    auto rowsOf = [&](const std::optional<QualifiedName>& t) {
        auto it = t ? rowsLoaded.find(*t) : rowsLoaded.end();
        return it == rowsLoaded.end() ? allRows : it->second;
    };

    struct Described {
        const ScriptEntry* entry;
        PostDataStatement what;
    };
    std::vector<Described> keys, foreignKeys;
    std::vector<const ScriptEntry*> rest;
    for (const auto& e : entries) {
        if (e.section != ScriptEntry::Section::PostData) continue;
        if (!onlyChangesSchema(e.type) && out.writesRows.empty()) out.writesRows = e.label();
        if (e.type == "INDEX" || e.type == "CONSTRAINT") keys.push_back({&e, describePostData(e)});
        else if (e.type == "FK CONSTRAINT") foreignKeys.push_back({&e, describePostData(e)});
        else rest.push_back(&e);
    }
    // ADD CONSTRAINT ... USING INDEX is refused on partitioned tables: those keep their one statement.
    std::set<QualifiedName> partitioned;
    {
        std::string names;
        for (const auto& k : keys)
            if (k.what.keyIndexSql) names += (names.empty() ? "" : "\n") + k.what.table->sql();
        if (!names.empty()) {
            auto r = leader.execParams(
                "SELECT n.nspname, c.relname FROM pg_catalog.unnest(pg_catalog.string_to_array($1, E'\\n')) AS t(name) "
                "JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(t.name) "
                "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'p'",
                {names}, "reading which tables are partitioned");
            for (int i = 0; i < r.rows(); ++i) partitioned.insert({r.value(i, 0), r.value(i, 1)});
        }
    }

    std::vector<size_t> all;
    for (const auto& k : keys) {
        const ScriptEntry& e = *k.entry;
        RestoreJob job;
        job.label = e.label();
        job.work = RestoreWork::PostData;
        job.weight = weightOf(k.what.table);
        job.after = {k.what.understood ? rowsOf(k.what.table) : allRows};
        job.locks = k.what.locks;
        if (k.what.keyIndexSql && !partitioned.count(*k.what.table)) {
            job.locks = {{*k.what.table, LockMode::Share}};
            // An index the rows violate is not attached as the constraint (it does not exist).
            auto indexBuilt = std::make_shared<std::atomic<bool>>(false);
            job.run = [index = withSql(e, *k.what.keyIndexSql), &uncreated, indexBuilt](PgConnection& c) {
                *indexBuilt = uncreated.run(c, index, true);
            };
            size_t built = s.add(job);
            RestoreJob attach;
            attach.label = e.label() + " (USING INDEX)";
            attach.work = RestoreWork::PostData;
            attach.after = {built};
            attach.locks = {{*k.what.table, LockMode::AccessExclusive}};
            attach.run = [constraint = withSql(e, *k.what.keyConstraintSql), indexBuilt](PgConnection& c) {
                if (*indexBuilt) runEntry(c, constraint, true);
            };
            job = std::move(attach);
        } else {
            job.run = [&e, &uncreated](PgConnection& c) { uncreated.run(c, e, true); };
        }
        size_t id = s.add(std::move(job));
        all.push_back(id);
        if (k.what.table) out.keysOf[*k.what.table].push_back(id);
    }
    for (const auto& f : foreignKeys) {
        const ScriptEntry& e = *f.entry;
        RestoreJob job;
        job.label = e.label();
        job.work = RestoreWork::PostData;
        job.weight = weightOf(f.what.table) / 2;
        if (f.what.understood) {
            job.after = {rowsOf(f.what.table), rowsOf(f.what.referenced)};
            auto ref = out.keysOf.find(*f.what.referenced);
            if (ref != out.keysOf.end()) job.after.insert(job.after.end(), ref->second.begin(), ref->second.end());
            // A key of an unknown table might be the one referenced.
            for (const auto& k : keys)
                if (!k.what.understood) job.after.push_back(all[static_cast<size_t>(&k - keys.data())]);
        } else {
            job.after = all;
            job.after.push_back(allRows);
        }
        job.locks = f.what.locks;
        job.run = [&e, &uncreated](PgConnection& c) { uncreated.run(c, e, true); };
        all.push_back(s.add(std::move(job)));
    }
    size_t keysDone = s.milestone("indexes, keys and foreign keys", all);
    RestoreJob last;
    last.label = "the rest of post-data (" + std::to_string(rest.size()) + " entries, in script order)";
    last.work = RestoreWork::PostData;
    last.after = {keysDone, allRows};
    last.run = [rest](PgConnection& c) {
        for (const ScriptEntry* e : rest) {
            throwIfInterrupted("restoring post-data");
            runEntry(c, *e, true);
        }
    };
    out.done = rest.empty() ? s.milestone("post-data", {keysDone, allRows}) : s.add(std::move(last));
    return out;
}

size_t addAnalyzeJob(RestoreScheduler& s, const TableEntry& table, std::vector<size_t> after, bool asConnectingUser) {
    RestoreJob job;
    job.label = "ANALYZE " + table.id().display();
    job.work = RestoreWork::Analyze;
    job.weight = restoreWeight(table, std::min<uint64_t>(table.rawBytes, 256u << 20)) / 4;  // ANALYZE reads a sample
    job.after = std::move(after);
    job.locks = {{table.id(), LockMode::ShareUpdateExclusive}};
    job.run = [id = table.id(), asConnectingUser](PgConnection& c) {
        c.exec(std::string("BEGIN; ") + (asConnectingUser ? "SET LOCAL ROLE NONE; " : "") + "ANALYZE " + id.sql() + "; COMMIT",
               "analyzing " + id.display());
    };
    return s.add(std::move(job));
}

}  // namespace pgproof
