#include "Coverage.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "LiveLargeObjects.hpp"
#include "TableLocking.hpp"

namespace pgproof {

SnapshotCoverage accountForEveryTable(const PgConnection& leader, const std::map<QualifiedName, LiveTable>& live,
                                      std::vector<TableEntry>& dumped, const std::vector<TocEntry>& toc,
                                      const std::string& lockWaitTimeout) {
    SnapshotCoverage out;
    std::set<QualifiedName> defined;  // tables whose definition is in the dump
    for (const auto& e : toc)
        if (e.type == "TABLE") defined.insert(e.id());
    std::set<QualifiedName> withRows;
    for (const auto& t : dumped) withRows.insert(t.id());

    // One count(*) per table that needs it, in one statement, at the snapshot.
    std::vector<std::pair<QualifiedName, std::optional<uint64_t>*>> toCount;
    for (auto& t : dumped) {
        auto it = live.find(t.id());
        if (it == live.end()) continue;
        t.key = it->second.key;
        if (it->second.filter.empty()) continue;
        t.filter = it->second.filter;
        toCount.emplace_back(t.id(), &t.rowsTotal);
    }
    for (const auto& [id, lt] : live) {
        if (withRows.count(id)) continue;
        out.notCovered.push_back({id.schema, id.name, std::nullopt,
                                  defined.count(id) ? "schema only" : "excluded"});
    }
    for (auto& u : out.notCovered) toCount.emplace_back(u.id(), &u.rows);

    // Lock what is counted; a table changed since the snapshot is dropped from the count, and the rest locked again.
    std::vector<LiveTable> locking;
    for (const auto& [id, rows] : toCount)
        if (auto it = live.find(id); it != live.end()) locking.push_back(it->second);
    std::set<QualifiedName> changed;
    while (auto change = lockTablesAtSnapshot(leader, locking, lockWaitTimeout)) {
        spdlog::warn("table {} was {} during the backup: its row count at the snapshot is not recorded", change->id.display(),
                     change->change);
        changed.insert(change->id);
        const size_t before = locking.size();
        locking.erase(std::remove_if(locking.begin(), locking.end(), [&](const LiveTable& t) { return t.id == change->id; }),
                      locking.end());
        if (locking.size() == before) break;  // not one of ours (cannot happen: changes are named as the snapshot saw them)
    }
    toCount.erase(std::remove_if(toCount.begin(), toCount.end(), [&](const auto& c) { return changed.count(c.first) > 0; }),
                  toCount.end());
    for (size_t from = 0; from < toCount.size(); from += 500) {
        std::string sql;
        size_t to = std::min(toCount.size(), from + 500);
        for (size_t i = from; i < to; ++i)
            sql += (i > from ? " UNION ALL " : "") + std::string("SELECT ") + std::to_string(i - from) +
                   ", pg_catalog.count(*) FROM ONLY " + toCount[i].first.sql();
        auto r = leader.exec(sql, "counting the rows of tables the dump filters or does not cover");
        for (int i = 0; i < r.rows(); ++i)
            *toCount[from + std::stoul(r.value(i, 0))].second = std::stoull(r.value(i, 1));
    }
    out.largeObjects = countLiveLargeObjects(leader);
    return out;
}

}  // namespace pgproof
