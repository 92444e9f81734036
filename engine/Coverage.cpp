#include "Coverage.hpp"

#include <set>

#include "LargeObjects.hpp"

namespace pgproof {

SnapshotCoverage accountForEveryTable(const PgConnection& leader, const std::map<QualifiedName, LiveTable>& live,
                                      std::vector<TableEntry>& dumped, const std::vector<TocEntry>& toc) {
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
