#include "TidRange.hpp"

#include <algorithm>
#include <cstdio>

#include "Errors.hpp"
#include "HugeValues.hpp"
#include "LiveCatalog.hpp"

namespace pgproof {

std::string tidLiteral(const Tid& t) {
    return "'(" + std::to_string(t.page) + "," + std::to_string(t.offset) + ")'::pg_catalog.tid";
}

std::optional<Tid> parseTid(const std::string& text) {
    unsigned long long page = 0;
    unsigned offset = 0;
    if (std::sscanf(text.c_str(), "(%llu,%u)", &page, &offset) != 2) return std::nullopt;
    return Tid{page, offset};
}

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

std::vector<TidRange> rowRanges(const PgConnection& conn, const QualifiedName& table, const std::string& filter, uint64_t ranges,
                                bool inPieces) {
    if (ranges < 2) return {TidRange{}};
    const std::vector<std::string> names = readColumnNames(conn, table);
    std::string size;
    for (const auto& n : names)
        size += std::string(size.empty() ? "" : " + ") + "COALESCE(pg_catalog.pg_column_size(" + quoteIdent(n) + "), 0)::pg_catalog.int8";
    if (size.empty()) return {TidRange{}};
    const std::string hugeStored = inPieces ? pieceColumns(conn, table, names).hugeStored() : "0";
    auto r = conn.exec("SELECT ctid, " + size + ", " + hugeStored + " FROM ONLY " + table.sql() +
                           (filter.empty() ? "" : " WHERE (" + filter + ")") + " ORDER BY ctid",
                       "listing the rows of " + table.display() + " to split its read");
    std::vector<std::pair<Tid, uint64_t>> rows;
    uint64_t total = 0;
    bool wholeHugeRow = false;
    for (int i = 0; i < r.rows(); ++i) {
        auto tid = parseTid(r.value(i, 0));
        if (!tid) return {TidRange{}};
        uint64_t bytes = std::stoull(r.value(i, 1));
        rows.emplace_back(*tid, bytes);
        total += bytes;
        // A live read holds a row whole (libpq receives it, then hands over a copy): two huge rows read at
        // once would double the memory the README promises per table. Such a table is read on one
        // connection, unless what is left of each row besides its values read in pieces is small.
        wholeHugeRow = wholeHugeRow || bytes - std::min<uint64_t>(bytes, std::stoull(r.value(i, 2))) >= kRowSplitMaxRowBytes;
    }
    if (rows.size() < 2 || wholeHugeRow) return {TidRange{}};
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

std::vector<TidRange> splitTable(PgConnection* lister, const QualifiedName& table, const std::string& filter, uint64_t pages,
                                 uint64_t wanted, const std::function<void(PgConnection&)>& lock, const std::function<void()>& reset,
                                 bool inPieces) {
    if (lister && wanted >= 2 && pages < wanted && pages <= kRowSplitPages) {
        try {
            lock(*lister);
            return rowRanges(*lister, table, filter, wanted, inPieces);
        } catch (const InterruptedError&) {
            throw;
        } catch (const std::exception&) {
            reset();
        }
    }
    return pageRanges(pages, wanted);
}

}  // namespace pgproof
