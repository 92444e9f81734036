#include "RowComparison.hpp"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>
#include <set>
#include <stdexcept>

#include "Errors.hpp"
#include "Interrupt.hpp"
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
    if (bl.digest || al.digest) return {};  // a digest says that the row changed, not where
    auto bf = copyFields(before), af = copyFields(after);
    std::vector<ColumnChange> out;
    for (size_t i = 0; i < compared.size(); ++i) {
        std::string_view b = bf.at(bl.compareFields[i]), a = af.at(al.compareFields[i]);
        if (a != b) out.push_back({compared[i], std::string(b), std::string(a)});
    }
    return out;
}

struct PartitionResult {
    RowDiffSummary counts;
    std::vector<RowDifference> diffs;  // all of them when a sink wants them, else the first `cap`
};

void comparePartition(const Side& before, const Side& after, unsigned p, const std::vector<std::string>& key,
                      const std::vector<std::string>& compared, size_t keep, PartitionResult& out) {
    // Reused by each thread from one partition to the next: a partition is about 16 MiB.
    thread_local std::string barena, aarena;
    thread_local std::vector<SpilledRow> brows, arows;
    before.spill.readPartition(p, barena, brows);
    after.spill.readPartition(p, aarena, arows);
    const bool keyed = !key.empty();
    auto record = [&](RowDifference&& d, uint64_t rows) {
        if (keyed && out.diffs.size() < keep) {
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
        if (out.diffs.size() < keep) out.diffs.push_back(std::move(d));
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
    auto byKey = [](const SpilledRow& x, const SpilledRow& y) { return x.keyHash < y.keyHash; };
    std::sort(brows.begin(), brows.end(), byKey);
    std::sort(arows.begin(), arows.end(), byKey);
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
                    record({RowDifference::Kind::Lost, keyDisplay(key, before.layout, r->row), std::string(r->row), 1, {}, {}}, 1);
            } else if (bs.empty() && as.size() == 1) {
                record({RowDifference::Kind::Added, keyDisplay(key, after.layout, as[0]->row), std::string(as[0]->row), 1, {}, {}}, 1);
            } else if (as.size() > std::max<size_t>(bs.size(), 1) || (bs.empty() && as.size() > 1)) {
                // The key no longer identifies one row (a unique constraint was dropped, say).
                record({RowDifference::Kind::Duplicated, keyDisplay(key, after.layout, as[0]->row), std::string(as[0]->row),
                        as.size(), {}, {}},
                       as.size() - bs.size());
            } else if (bs.size() == 1 && as.size() == 1) {
                RowDifference d{RowDifference::Kind::Changed, keyDisplay(key, before.layout, bs[0]->row), std::string(bs[0]->row), 1,
                                changedColumns(compared, before.layout, bs[0]->row, after.layout, as[0]->row), {}};
                record(std::move(d), 1);
            } else {
                // Several rows under one key already in the baseline: compare them as a multiset.
                std::multiset<uint128_t> have;
                for (const SpilledRow* r : as) have.insert(r->compareHash);
                for (const SpilledRow* r : bs) {
                    auto it = have.find(r->compareHash);
                    if (it != have.end()) have.erase(it);
                    else record({RowDifference::Kind::Lost, keyDisplay(key, before.layout, r->row), std::string(r->row), 1, {}, {}}, 1);
                }
                for (const SpilledRow* r : as)
                    if (have.count(r->compareHash)) {
                        have.erase(have.find(r->compareHash));
                        record({RowDifference::Kind::Added, keyDisplay(key, after.layout, r->row), std::string(r->row), 1, {}, {}}, 1);
                    }
            }
        }
    }
    // People read keys in order; hash order is not one.
    std::stable_sort(out.diffs.begin(), out.diffs.end(), [](const RowDifference& a, const RowDifference& b) {
        return std::tie(a.kind, a.key) < std::tie(b.kind, b.key);
    });
}


}  // namespace

RowDiffSummary compareRows(const RowSpill& before, const std::vector<std::string>& beforeColumns, const RowSpill& after,
                           const std::vector<std::string>& afterColumns, const std::vector<std::string>& key,
                           const std::vector<std::string>& compared, size_t cap, int jobs,
                           const std::function<void(const RowDifference&)>& sink) {
    if (before.partitions() != after.partitions()) throw std::logic_error("row comparison: the two sides are partitioned differently");
    // A side known by digests (snapshot --rows) carries its own layout: its rows are the key's fields.
    Side b{before, before.layout().digest ? before.layout() : RowLayout::of(beforeColumns, key, compared)};
    Side a{after, after.layout().digest ? after.layout() : RowLayout::of(afterColumns, key, compared)};
    std::vector<PartitionResult> parts(before.partitions());
    const size_t keep = sink ? SIZE_MAX : cap;
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
    auto inOrder = [](const RowDifference& a, const RowDifference& b) { return std::tie(a.kind, a.key) < std::tie(b.kind, b.key); };
    std::vector<RowDifference> all;  // with a sink: every difference, given to it in the report's order
    for (auto& p : parts) {
        out.lost += p.counts.lost;
        out.added += p.counts.added;
        out.changed += p.counts.changed;
        out.duplicated += p.counts.duplicated;
        out.differenceEntries += p.counts.differenceEntries;
        for (auto& d : p.diffs) {
            if (sink) all.push_back(std::move(d));
            else if (out.rows.size() < cap) out.rows.push_back(std::move(d));
        }
    }
    if (sink) {
        std::stable_sort(all.begin(), all.end(), inOrder);
        for (auto& d : all) {
            sink(d);
            if (out.rows.size() < cap) out.rows.push_back(std::move(d));
        }
    }
    std::stable_sort(out.rows.begin(), out.rows.end(), inOrder);
    return out;
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
