#include "TidRange.hpp"

#include <algorithm>
#include <cstdio>

namespace pgproof {

namespace {
std::string tidLiteral(const Tid& t) {
    return "'(" + std::to_string(t.page) + "," + std::to_string(t.offset) + ")'::pg_catalog.tid";
}

std::optional<Tid> parseTid(const std::string& text) {
    unsigned long long page = 0;
    unsigned offset = 0;
    if (std::sscanf(text.c_str(), "(%llu,%u)", &page, &offset) != 2) return std::nullopt;
    return Tid{page, offset};
}
}  // namespace

std::string TidRange::condition() const {
    std::string w;
    if (from) w = "ctid >= " + tidLiteral(*from);
    if (to) w += (w.empty() ? "" : " AND ") + std::string("ctid < ") + tidLiteral(*to);
    return w;
}

std::vector<TidRange> pageRanges(uint64_t pages, uint64_t ranges) {
    ranges = std::max<uint64_t>(1, std::min(ranges, pages));
    if (ranges < 2) return {TidRange{}};
    const uint64_t per = (pages + ranges - 1) / ranges;
    std::vector<TidRange> out;
    for (uint64_t p = 0; p < pages; p += per) {
        TidRange r;
        if (p > 0) r.from = Tid{p, 0};
        if (p + per < pages) r.to = Tid{p + per, 0};
        out.push_back(r);
    }
    return out;
}

std::string storedSizeSql(const std::vector<std::string>& columns) {
    std::string size;
    for (const auto& c : columns)
        size += std::string(size.empty() ? "" : " + ") + "COALESCE(pg_catalog.pg_column_size(" + quoteIdent(c) + "), 0)::pg_catalog.int8";
    return size.empty() ? "0" : size;
}

std::vector<TidRange> rowRanges(const PgConnection& conn, const std::string& tableSql, const std::string& storedSize,
                                const std::string& filter, uint64_t ranges) {
    if (ranges < 2) return {TidRange{}};
    auto r = conn.exec("SELECT ctid, " + storedSize + " FROM ONLY " + tableSql + (filter.empty() ? "" : " WHERE (" + filter + ")") +
                           " ORDER BY ctid",
                       "listing the rows of " + tableSql + " to split its read");
    std::vector<std::pair<Tid, uint64_t>> rows;
    uint64_t total = 0;
    for (int i = 0; i < r.rows(); ++i) {
        auto tid = parseTid(r.value(i, 0));
        if (!tid) return {TidRange{}};
        uint64_t bytes = std::stoull(r.value(i, 1));
        rows.emplace_back(*tid, bytes);
        total += bytes;
    }
    if (rows.size() < 2) return {TidRange{}};
    // A live read holds a row whole (libpq receives it, then hands over a copy): two huge rows read at once
    // would double the memory the README promises per table. Such a table is read on one connection.
    for (const auto& row : rows)
        if (row.second >= kRowSplitMaxRowBytes) return {TidRange{}};
    // As many stretches as rows: one row each. Else a stretch ends once it holds its share of the bytes,
    // and the next starts at the following row.
    const bool eachRow = ranges >= rows.size();
    std::vector<TidRange> out(1);
    uint64_t sum = 0;
    for (size_t i = 0; i + 1 < rows.size() && out.size() < ranges; ++i) {
        sum += rows[i].second;
        if (eachRow || sum * ranges >= total * out.size()) {
            out.back().to = rows[i + 1].first;
            out.push_back(TidRange{rows[i + 1].first, std::nullopt});
        }
    }
    return out;
}

}  // namespace pgproof
