#include "RowComparison.hpp"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <bit>
#include <map>
#include <mutex>
#include <tuple>
#include <set>
#include <stdexcept>

#include "Errors.hpp"
#include "Interrupt.hpp"
#include "ReportOutput.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof {

const char* kindName(RowDifference::Kind k) {
    switch (k) {
    case RowDifference::Kind::Lost: return "lost";
    case RowDifference::Kind::Added: return "added";
    case RowDifference::Kind::Changed: return "changed";
    case RowDifference::Kind::Duplicated: return "duplicated";
    }
    return "?";
}

std::string readableValue(const std::string& value, size_t max) {
    if (value.size() <= max) return value;
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
    return value.substr(0, cut) + "...";
}

namespace {

struct Side {
    const RowSpill& spill;
    RowLayout layout;
};

std::string keyText(const RowLayout& layout, std::string_view row) {
    auto fields = copyFields(row);
    std::string out;
    for (size_t i = 0; i < layout.keyFields.size(); ++i) {
        if (i) out += '\t';
        out.append(fields.at(layout.keyFields[i]));
    }
    return out;
}

std::string keyDisplay(const std::vector<std::string>& key, const RowLayout& layout, std::string_view row) {
    auto fields = copyFields(row);
    std::string out;
    for (size_t i = 0; i < key.size(); ++i) {
        if (i) out += ", ";
        out += displayIdent(key[i]) + "=" + std::string(fields.at(layout.keyFields[i]));
    }
    return out;
}

std::vector<ColumnChange> changedColumns(const std::vector<std::string>& compared, const RowLayout& bl, std::string_view before,
                                         const RowLayout& al, std::string_view after) {
    if (bl.digest || al.digest || bl.keyOnly || al.keyOnly) return {};  // a digest says that the row changed, not where
    auto bf = copyFields(before), af = copyFields(after);
    std::vector<ColumnChange> out;
    for (size_t i = 0; i < compared.size(); ++i) {
        std::string_view b = bf.at(bl.compareFields[i]), a = af.at(al.compareFields[i]);
        if (a != b) out.push_back({compared[i], std::string(b), std::string(a)});
    }
    return out;
}

// Orders one partition's rows by key hash in linear time. The rows of partition p of n share the high
// 64 bits of keyHash * n, so the next bits of that product grow with the key hash and spread the rows
// evenly over buckets of a few rows each, which insertion sort then orders.
// Integer key values in COPY text ("-12", "1000001") compare as numbers, so that a report lists
// id=2 before id=10 as a DBA reads them; other values compare as text.
bool integerText(std::string_view v) {
    size_t i = !v.empty() && v[0] == '-' ? 1 : 0;
    return i < v.size() && v.size() - i < 19 && v.find_first_not_of("0123456789", i) == std::string_view::npos;
}

int compareKeyValue(std::string_view a, std::string_view b) {
    if (integerText(a) && integerText(b)) {
        long long x = std::stoll(std::string(a)), y = std::stoll(std::string(b));
        return x < y ? -1 : x > y ? 1 : 0;
    }
    const int c = a.compare(b);
    return (c > 0) - (c < 0);
}

bool listedBefore(const RowDifference& a, const RowDifference& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    if (a.keyValues.empty() || b.keyValues.empty()) return a.key != b.key ? a.key < b.key : a.row < b.row;
    for (size_t i = 0; i < a.keyValues.size() && i < b.keyValues.size(); ++i)
        if (int c = compareKeyValue(a.keyValues[i], b.keyValues[i])) return c < 0;
    return a.keyValues.size() < b.keyValues.size();
}

void sortByKeyHash(std::vector<SpilledRow>& rows, unsigned partitions) {
    auto byKey = [](const SpilledRow& x, const SpilledRow& y) { return x.keyHash < y.keyHash; };
    const size_t n = rows.size();
    if (n < 256) {
        std::sort(rows.begin(), rows.end(), byKey);
        return;
    }
    const int bits = std::min(20, static_cast<int>(std::bit_width(n)) - 1);
    auto bucket = [&](uint64_t k) {
        auto within = static_cast<uint64_t>(static_cast<uint128_t>(k) * partitions);  // the low half: position in the partition
        return static_cast<size_t>(within >> (64 - bits));
    };
    thread_local std::vector<SpilledRow> sorted;
    thread_local std::vector<uint32_t> start;
    start.assign((size_t{1} << bits) + 1, 0);
    for (const auto& r : rows) ++start[bucket(r.keyHash) + 1];
    for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
    sorted.resize(n);
    std::vector<uint32_t> next(start.begin(), start.end() - 1);
    for (const auto& r : rows) sorted[next[bucket(r.keyHash)]++] = r;
    for (size_t b = 0; b + 1 < start.size(); ++b) {
        for (size_t i = start[b] + 1; i < start[b + 1]; ++i) {
            SpilledRow r = sorted[i];
            size_t j = i;
            for (; j > start[b] && sorted[j - 1].keyHash > r.keyHash; --j) sorted[j] = sorted[j - 1];
            sorted[j] = r;
        }
    }
    rows.swap(sorted);
}

struct PartitionResult {
    RowDiffSummary counts;
    std::vector<RowDifference> diffs;  // all of them when a callback wants them, else the first `cap`
};

void comparePartition(const Side& before, const Side& after, unsigned p, const std::vector<std::string>& key,
                      const std::vector<std::string>& compared, size_t keep, PartitionResult& out) {
    // Reused by each thread from one partition to the next: a partition is about 16 MiB.
    if (before.spill.samePartition(after.spill, p)) return;
    thread_local SpillBuffer barena, aarena;
    thread_local std::vector<SpilledRow> brows, arows;
    before.spill.readPartition(p, barena, brows);
    after.spill.readPartition(p, aarena, arows);
    const bool keyed = !key.empty();
    // With a cap, the partition keeps the first `keep` differences in the report's order (a max-heap
    // once full), so that the merged list is the first ones of the whole table, not those found first.
    const bool capped = keep != SIZE_MAX;
    auto record = [&](RowDifference&& d, uint64_t rows) {
        if (keyed && keep > 0) {
            const RowLayout& l = d.kind == RowDifference::Kind::Added || d.kind == RowDifference::Kind::Duplicated ? after.layout : before.layout;
            auto fields = copyFields(d.row);
            for (size_t k : l.keyFields) d.keyValues.emplace_back(fields.at(k));
        }
        switch (d.kind) {
        case RowDifference::Kind::Lost: out.counts.lost += rows; break;
        case RowDifference::Kind::Added: out.counts.added += rows; break;
        case RowDifference::Kind::Changed: out.counts.changed += rows; break;
        case RowDifference::Kind::Duplicated: out.counts.duplicated += rows; break;
        }
        ++out.counts.differenceEntries;
        if (out.diffs.size() < keep) {
            out.diffs.push_back(std::move(d));
            if (capped && out.diffs.size() == keep) std::make_heap(out.diffs.begin(), out.diffs.end(), listedBefore);
        } else if (capped && keep > 0 && listedBefore(d, out.diffs.front())) {
            std::pop_heap(out.diffs.begin(), out.diffs.end(), listedBefore);
            out.diffs.back() = std::move(d);
            std::push_heap(out.diffs.begin(), out.diffs.end(), listedBefore);
        }
    };
    if (!keyed) {
        // Multisets: equal rows share a compare hash; the difference of the multiplicities is what was lost or added.
        auto byHash = [](const SpilledRow& x, const SpilledRow& y) { return x.compareHash < y.compareHash; };
        std::sort(brows.begin(), brows.end(), byHash);
        std::sort(arows.begin(), arows.end(), byHash);
        size_t i = 0, j = 0;
        while (i < brows.size() || j < arows.size()) {
            uint128_t h = i < brows.size() && (j >= arows.size() || brows[i].compareHash <= arows[j].compareHash) ? brows[i].compareHash
                                                                                                           : arows[j].compareHash;
            size_t bi = i, aj = j;
            while (i < brows.size() && brows[i].compareHash == h) ++i;
            while (j < arows.size() && arows[j].compareHash == h) ++j;
            uint64_t b = i - bi, a = j - aj;
            if (b > a) {
                std::string row = before.layout.digest ? "row digest " + TableFingerprint::toHex(h) : std::string(brows[bi].row);
                record({RowDifference::Kind::Lost, "", row, b - a, {}, {}}, b - a);
            }
            else if (a > b) record({RowDifference::Kind::Added, "", std::string(arows[aj].row), a - b, {}, {}}, a - b);
        }
        return;
    }
    sortByKeyHash(brows, before.spill.partitions());
    sortByKeyHash(arows, after.spill.partitions());
    size_t i = 0, j = 0;
    while (i < brows.size() || j < arows.size()) {
        uint64_t h = i < brows.size() && (j >= arows.size() || brows[i].keyHash <= arows[j].keyHash) ? brows[i].keyHash : arows[j].keyHash;
        size_t bi = i, aj = j;
        while (i < brows.size() && brows[i].keyHash == h) ++i;
        while (j < arows.size() && arows[j].keyHash == h) ++j;
        if (i - bi == 1 && j - aj == 1 && (brows[bi].compareHash == arows[aj].compareHash)) {
            // The common case: one row each side, equal. A hash collision of two different keys with
            // equal compared columns is as unlikely as any other 128-bit collision.
            continue;
        }
        // Group the run by the key's text (different keys may share a 64-bit hash).
        std::map<std::string, std::pair<std::vector<const SpilledRow*>, std::vector<const SpilledRow*>>> groups;
        for (size_t x = bi; x < i; ++x) groups[keyText(before.layout, brows[x].row)].first.push_back(&brows[x]);
        for (size_t y = aj; y < j; ++y) groups[keyText(after.layout, arows[y].row)].second.push_back(&arows[y]);
        for (auto& [text, g] : groups) {
            auto& [bs, as] = g;
            if (as.empty()) {
                for (const SpilledRow* r : bs)
                    record({RowDifference::Kind::Lost, keyDisplay(key, before.layout, r->row), std::string(r->row), 1, {}, {}, r->locator}, 1);
            } else if (bs.empty() && as.size() == 1) {
                record({RowDifference::Kind::Added, keyDisplay(key, after.layout, as[0]->row), std::string(as[0]->row), 1, {}, {}}, 1);
            } else if (as.size() > std::max<size_t>(bs.size(), 1) || (bs.empty() && as.size() > 1)) {
                // The key no longer identifies one row (a unique constraint was dropped, say).
                record({RowDifference::Kind::Duplicated, keyDisplay(key, after.layout, as[0]->row), std::string(as[0]->row),
                        as.size(), {}, {}},
                       as.size() - bs.size());
            } else if (bs.size() == 1 && as.size() == 1) {
                RowDifference d{RowDifference::Kind::Changed, keyDisplay(key, before.layout, bs[0]->row), std::string(bs[0]->row), 1,
                                changedColumns(compared, before.layout, bs[0]->row, after.layout, as[0]->row), {}, bs[0]->locator};
                record(std::move(d), 1);
            } else {
                // Several rows under one key already in the baseline: compare them as a multiset.
                std::multiset<uint128_t> have;
                for (const SpilledRow* r : as) have.insert(r->compareHash);
                for (const SpilledRow* r : bs) {
                    auto it = have.find(r->compareHash);
                    if (it != have.end()) have.erase(it);
                    else record({RowDifference::Kind::Lost, keyDisplay(key, before.layout, r->row), std::string(r->row), 1, {}, {}, r->locator}, 1);
                }
                for (const SpilledRow* r : as)
                    if (have.count(r->compareHash)) {
                        have.erase(have.find(r->compareHash));
                        record({RowDifference::Kind::Added, keyDisplay(key, after.layout, r->row), std::string(r->row), 1, {}, {}}, 1);
                    }
            }
        }
    }
}


}  // namespace

RowDiffSummary compareRows(const RowSpill& before, const std::vector<std::string>& beforeColumns, const RowSpill& after,
                           const std::vector<std::string>& afterColumns, const std::vector<std::string>& key,
                           const std::vector<std::string>& compared, size_t cap, int jobs,
                           const std::function<void(const RowDifference&)>& onDifference) {
    // Both sides are built with RowSpill::partitionsFor; should they ever differ, this table is not compared (never the run).
    if (before.partitions() != after.partitions())
        throw IncompleteError("the two sides of the row comparison are partitioned differently (" + std::to_string(before.partitions()) +
                              " and " + std::to_string(after.partitions()) + " partitions): the rows were not compared");
    // A side known by digests (snapshot --rows) carries its own layout: its rows are the key's fields.
    auto readLayout = [&](const RowSpill& side, const std::vector<std::string>& columns) {
        if (side.layout().keyOnly) return RowLayout::keyOnlyStored(key.size());
        return side.layout().digest ? side.layout() : RowLayout::of(columns, key, compared);
    };
    Side b{before, readLayout(before, beforeColumns)};
    Side a{after, readLayout(after, afterColumns)};
    std::vector<PartitionResult> parts(before.partitions());
    const size_t keep = onDifference ? SIZE_MAX : cap;
    std::mutex errorMutex;
    std::exception_ptr error;
    tbb::task_arena arena(std::max(1, jobs));
    arena.execute([&] {
        tbb::parallel_for(0u, before.partitions(), [&](unsigned p) {
            if (interrupted()) return;
            try {
                comparePartition(b, a, p, key, compared, keep, parts[p]);
            } catch (...) {
                std::lock_guard lock(errorMutex);
                if (!error) error = std::current_exception();
            }
        });
    });
    throwIfInterrupted("comparing rows");
    if (error) std::rethrow_exception(error);
    RowDiffSummary out;
    out.key = key;
    std::vector<RowDifference> all;  // with a callback: every difference, given to it in the report's order
    for (auto& p : parts) {
        out.lost += p.counts.lost;
        out.added += p.counts.added;
        out.changed += p.counts.changed;
        out.duplicated += p.counts.duplicated;
        out.differenceEntries += p.counts.differenceEntries;
        for (auto& d : p.diffs) all.push_back(std::move(d));
    }
    // Each partition kept its first differences; the first of all of them are the report's. People read
    // keys in order; hash order is not one.
    std::stable_sort(all.begin(), all.end(), listedBefore);
    for (auto& d : all) {
        if (onDifference) onDifference(d);
        if (out.rows.size() < cap) out.rows.push_back(std::move(d));
        else if (!onDifference) break;
    }
    return out;
}

void completeKeyOnlyRows(RowDiffSummary& s, const RowSpill& before, const std::vector<std::string>& beforeColumns, const RowSpill& after,
                         const std::vector<std::string>& afterColumns, const std::vector<std::string>& key,
                         const std::vector<std::string>& compared, const LocatedRowFetcher& fetchBaseline, const RowFetcher& fetchCurrent) {
    bool baselineRows = !before.layout().keyOnly;  // d.row holds the baseline's whole row (lost, changed)
    if (before.layout().keyOnly && before.layout().located && fetchBaseline) {
        std::vector<uint64_t> at;
        std::vector<RowDifference*> whose;
        for (auto& d : s.rows)
            if (d.baselineLocator != UINT64_MAX) at.push_back(d.baselineLocator), whose.push_back(&d);
        auto rows = fetchBaseline(at);
        for (size_t i = 0; i < whose.size() && i < rows.size(); ++i) whose[i]->row = std::move(rows[i]);
        baselineRows = true;
    }
    if (!after.layout().keyOnly || !fetchCurrent) return;
    auto needsRow = [](const RowDifference& d) { return d.kind != RowDifference::Kind::Lost && !d.keyValues.empty(); };
    std::vector<std::vector<std::string>> keys;
    for (const auto& d : s.rows)
        if (needsRow(d)) keys.push_back(d.keyValues);
    if (keys.empty()) return;
    const RowLayout al = RowLayout::of(afterColumns, key, compared);
    const RowLayout bl = before.layout().digest ? before.layout() : RowLayout::of(beforeColumns, key, compared);
    std::map<std::string, std::string> byKey;
    for (auto& row : fetchCurrent(keys)) {
        std::string k = keyText(al, row);
        byKey.try_emplace(std::move(k), std::move(row));
    }
    for (auto& d : s.rows) {
        if (!needsRow(d)) continue;
        std::string k;
        for (size_t i = 0; i < d.keyValues.size(); ++i) k += (i ? "\t" : "") + d.keyValues[i];
        auto it = byKey.find(k);
        if (it == byKey.end()) continue;  // not found again at the same snapshot: the key is all there is to show
        if (d.kind != RowDifference::Kind::Changed) d.row = it->second;
        else if (baselineRows) d.changes = changedColumns(compared, bl, d.row, al, it->second);
    }
}

nlohmann::json rowDifferenceToJson(const RowDifference& d, size_t width) {
    nlohmann::json j = {{"kind", kindName(d.kind)}};
    if (!d.key.empty()) {
        j["key"] = d.key;
        j["key_values"] = d.keyValues;
    }
    j["row"] = readableValue(d.row, width * 4);
    if (d.count != 1 || d.kind == RowDifference::Kind::Duplicated) j["count"] = d.count;
    if (!d.changes.empty()) {
        nlohmann::json cols = nlohmann::json::array();
        for (const auto& c : d.changes) cols.push_back({{"column", c.column}, {"before", readableValue(c.before, width)}, {"after", readableValue(c.after, width)}});
        j["changed_columns"] = cols;
    }
    return j;
}

std::string rowDisplay(const std::string& row, size_t width) {
    std::string out = "(";
    auto fields = copyFields(row);
    for (size_t i = 0; i < fields.size(); ++i) out += (i ? ", " : "") + readableValue(std::string(fields[i]), width);
    return out + ")";
}

std::string describeRowDiff(const RowDiffSummary& d) {
    std::vector<std::string> kinds;
    if (d.lost) kinds.push_back(withThousands(d.lost) + " lost");
    if (d.duplicated) kinds.push_back(withThousands(d.duplicated) + " duplicated");
    if (d.changed) kinds.push_back(withThousands(d.changed) + " changed");
    if (d.added) kinds.push_back(withThousands(d.added) + " added");
    std::string out;
    for (const auto& k : kinds) out += (out.empty() ? "" : ", ") + k;
    if (out.empty()) out = "every row equal";
    std::string key;
    for (const auto& c : d.key) key += (key.empty() ? "" : ", ") + displayIdent(c);
    return out + (d.key.empty() ? " (rows compared as a multiset: the table has no key)" : " (by key " + key + ")");
}

std::string describeRowDifference(const RowDifference& d, size_t width) {
    std::string who = d.key.empty() ? "row " + rowDisplay(d.row, width) : "key " + d.key;
    switch (d.kind) {
    case RowDifference::Kind::Lost:
        return "lost " + who + (d.count > 1 ? " x" + std::to_string(d.count) : "");
    case RowDifference::Kind::Added:
        return "added " + who + (d.count > 1 ? " x" + std::to_string(d.count) : "");
    case RowDifference::Kind::Duplicated:
        return "duplicated " + who + ": present " + std::to_string(d.count) + " times (the key no longer identifies one row)";
    case RowDifference::Kind::Changed: {
        std::string s = "changed " + who + ":";
        for (size_t i = 0; i < d.changes.size(); ++i)
            s += (i ? ", " : " ") + displayIdent(d.changes[i].column) + " " + readableValue(d.changes[i].before, width) + " -> " +
                 readableValue(d.changes[i].after, width);
        if (d.changes.empty()) s += " (the baseline holds a digest of the row: which columns changed is not known)";
        return s;
    }
    }
    return who;
}

}  // namespace pgproof
