#include "Diff.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "ArchiveRows.hpp"
#include "LargeObjectComparison.hpp"
#include "Errors.hpp"
#include "Interrupt.hpp"
#include "ReportOutput.hpp"
#include "RowSpill.hpp"
#include "Verification.hpp"

namespace pgproof {

const char* statusName(TableDiff::Status s) {
    switch (s) {
    case TableDiff::Status::Equal: return "equal";
    case TableDiff::Status::Differs: return "differs";
    case TableDiff::Status::Missing: return "missing";
    case TableDiff::Status::Added: return "added";
    case TableDiff::Status::NotCovered: return "not covered";
    case TableDiff::Status::Error: return "error";
    }
    return "?";
}

size_t DiffReport::count(TableDiff::Status s) const {
    return static_cast<size_t>(std::count_if(tables.begin(), tables.end(), [&](const TableDiff& t) { return t.status == s; }));
}

const char* statusName(SequenceDiff::Status s) {
    switch (s) {
    case SequenceDiff::Status::Equal: return "equal";
    case SequenceDiff::Status::Lower: return "lower";
    case SequenceDiff::Status::Higher: return "higher";
    case SequenceDiff::Status::Missing: return "missing";
    case SequenceDiff::Status::Added: return "added";
    }
    return "?";
}

size_t DiffReport::count(SequenceDiff::Status s) const {
    return static_cast<size_t>(std::count_if(sequences.begin(), sequences.end(), [&](const SequenceDiff& q) { return q.status == s; }));
}

int DiffReport::exitCode() const {
    if (count(TableDiff::Status::Differs) || count(TableDiff::Status::Missing) || count(TableDiff::Status::Added) || sequencesDiffering())
        return static_cast<int>(ExitCode::ProofFailed);
    if (count(TableDiff::Status::Error)) return static_cast<int>(ExitCode::Incomplete);
    return static_cast<int>(ExitCode::Proven);
}

namespace {

// A sequence on both sides, in the words verify uses for the same move.
SequenceDiff sequenceDiff(const QualifiedName& id, int64_t before, int64_t after, SequenceMove move) {
    SequenceDiff d;
    d.id = id;
    d.before = before;
    d.after = after;
    switch (move) {
    case SequenceMove::Equal: break;
    case SequenceMove::Behind:
        d.status = SequenceDiff::Status::Lower;
        d.reason = before != after ? "sequence went back from " + std::to_string(before) + " to " + std::to_string(after) +
                                         " (new rows could reuse old ids)"
                                   : "sequence was reset to hand out " + std::to_string(after) + " again (setval with is_called false)";
        break;
    case SequenceMove::Ahead:
        d.status = SequenceDiff::Status::Higher;
        d.reason = before != after ? "sequence moved on from " + std::to_string(before) + " to " + std::to_string(after)
                                   : "sequence handed out " + std::to_string(after) + " since";
        break;
    }
    return d;
}

// With --table, only the tables named (the large objects too, as pg_catalog.pg_largeobject); sequences
// only without it.
bool wantedTable(const DiffOptions& o, const QualifiedName& id) {
    return o.tables.empty() || std::find(o.tables.begin(), o.tables.end(), id) != o.tables.end();
}

// The verifier's verdicts, read as differences: exact mode, every table, no plan.
DiffReport diffLive(const Baseline& baseline, const DiffOptions& o, const DifferenceCallback& onDifference) {
    VerifyOptions vo;
    vo.db = o.db;
    vo.jobs = o.jobs;
    vo.mode = VerifyMode::Exact;
    vo.tmpdir = o.tmpdir;
    vo.lockWaitTimeout = o.lockWaitTimeout;
    vo.onlyTables = o.tables;
    vo.rowCap = 0;  // every difference goes to the callback; the report keeps the totals
    vo.onDifference = onDifference;
    VerifyReport vr = runVerification(baseline, vo);
    DiffReport out;
    std::string dbName = vr.database.value("database", std::string());
    out.other = "database " + dbName;
    for (const auto& v : vr.tables) {
        if (v.isLargeObjects() && !wantedTable(o, v.id)) continue;
        TableDiff t;
        t.id = v.id;
        t.rowsBefore = v.baselineRows;
        t.rowsAfter = v.rows;
        t.reason = v.reason;
        t.rows = v.rowDiff;
        // Rows that could not be listed leave the diff incomplete, even where the count shows a difference.
        if (v.verdict == Verdict::Error || v.rowsNotCompared) t.status = TableDiff::Status::Error;
        else if (v.verdict == Verdict::Failed && !v.rows && !v.columnsMissing) t.status = TableDiff::Status::Missing;
        else if (v.verdict == Verdict::Failed) t.status = TableDiff::Status::Differs;
        else if (v.rowDiff && v.rowDiff->differences()) t.status = TableDiff::Status::Differs;
        if (t.status == TableDiff::Status::Differs && !v.rowDiff && baseline.kind == "snapshot")
            t.reason += v.isLargeObjects() ? " (a snapshot holds no large objects to name: diff against an archive to list their OIDs)"
                                           : " (a snapshot holds no rows to name: diff against an archive to list them)";
        if (t.status == TableDiff::Status::Equal && t.reason.empty())
            t.reason = baseline.hasFingerprints ? "rows and fingerprint equal" : "row count equal (a counts-only snapshot: content not compared)";
        out.tables.push_back(std::move(t));
    }
    for (const auto& v : vr.notCovered) {
        TableDiff t;
        t.id = v.id;
        if (v.baselineRows) t.rowsBefore = v.baselineRows;
        t.rowsAfter = v.rows;
        t.reason = v.reason;
        t.status = v.verdict == Verdict::Failed ? TableDiff::Status::Differs
                   : v.verdict == Verdict::Error ? TableDiff::Status::Error
                                                 : TableDiff::Status::NotCovered;
        out.tables.push_back(std::move(t));
    }
    for (const auto& n : vr.newTables) {
        TableDiff t;
        t.id = n.id;
        t.status = TableDiff::Status::Added;
        t.rowsAfter = n.rows;
        t.reason = "table added (" + withThousands(n.rows) + " rows; not in the baseline)";
        out.tables.push_back(std::move(t));
    }
    if (o.tables.empty())
        for (const auto& sv : vr.sequences) {
            if (!sv.value || !sv.move) {
                SequenceDiff d;
                d.id = sv.id;
                d.before = sv.baselineValue;
                d.status = SequenceDiff::Status::Missing;
                d.reason = sv.reason.empty() ? "sequence is missing" : sv.reason;
                out.sequences.push_back(std::move(d));
                continue;
            }
            out.sequences.push_back(sequenceDiff(sv.id, sv.baselineValue, *sv.value, *sv.move));
        }
    return out;
}

// The sequences of two files. Neither records a sequence's direction: values are compared as
// ascending sequences count (a descending one that moved on reads as lower).
void diffFileSequences(const Baseline& a, const Baseline& b, const DiffOptions& o, DiffReport& out) {
    if (!o.tables.empty()) return;
    std::map<QualifiedName, const SequenceEntry*> inB;
    for (const auto& s : b.sequences) inB[s.id()] = &s;
    std::set<QualifiedName> inA;
    for (const auto& sa : a.sequences) {
        inA.insert(sa.id());
        auto it = inB.find(sa.id());
        if (it == inB.end()) {
            SequenceDiff d;
            d.id = sa.id();
            d.before = sa.lastValue;
            d.status = SequenceDiff::Status::Missing;
            d.reason = "sequence is missing from " + o.other->string();
            out.sequences.push_back(std::move(d));
            continue;
        }
        const SequenceEntry& sb = *it->second;
        out.sequences.push_back(sequenceDiff(sa.id(), sa.lastValue, sb.lastValue, sequenceMove(sa.lastValue, sa.isCalled, sb.lastValue, sb.isCalled, false)));
    }
    for (const auto& sb : b.sequences) {
        if (inA.count(sb.id())) continue;
        SequenceDiff d;
        d.id = sb.id();
        d.after = sb.lastValue;
        d.status = SequenceDiff::Status::Added;
        d.reason = "sequence added (not in " + a.path.string() + ")";
        out.sequences.push_back(std::move(d));
    }
}

// The large objects of two files: count and fingerprint from their manifests; where they differ and
// both are archives, the objects themselves, read from their BLOBS entries and joined by OID.
void diffFileLargeObjects(const Baseline& a, const Baseline& b, const DiffOptions& o, std::optional<SpillFolder>& folder,
                          const DifferenceCallback& onDifference, DiffReport& out) {
    TableDiff t;
    t.id = {"pg_catalog", "pg_largeobject"};
    if (!wantedTable(o, t.id)) return;
    const bool coveredA = !a.largeObjectsFingerprint.empty(), coveredB = !b.largeObjectsFingerprint.empty();
    const uint64_t knownA = coveredA ? a.largeObjects : a.largeObjectsAtSnapshot.value_or(0);
    const uint64_t knownB = coveredB ? b.largeObjects : b.largeObjectsAtSnapshot.value_or(0);
    if (knownA == 0 && knownB == 0) return;  // none on either side: nothing to say
    if (coveredA || a.largeObjectsAtSnapshot) t.rowsBefore = knownA;
    if (coveredB || b.largeObjectsAtSnapshot) t.rowsAfter = knownB;
    if (!coveredA || !coveredB) {
        t.status = TableDiff::Status::NotCovered;
        t.reason = "large objects not covered by " + (coveredA ? o.other->string() : a.path.string()) + " (excluded from its dump)";
        if (knownA != knownB && t.rowsBefore && t.rowsAfter) {
            t.status = TableDiff::Status::Differs;
            t.reason += ": " + withThousands(knownA) + " large objects before, " + withThousands(knownB) + " after (counts only)";
        }
        out.tables.push_back(std::move(t));
        return;
    }
    if (a.largeObjects == b.largeObjects && a.largeObjectsFingerprint == b.largeObjectsFingerprint) {
        t.reason = "large objects equal (count and fingerprint)";
        out.tables.push_back(std::move(t));
        return;
    }
    t.status = TableDiff::Status::Differs;
    if (a.kind != "archive" || b.kind != "archive" || !a.hasFingerprints || !b.hasFingerprints) {
        t.reason = "large objects differ: " + withThousands(a.largeObjects) + " before, " + withThousands(b.largeObjects) +
                   " after, fingerprint " + (a.largeObjectsFingerprint == b.largeObjectsFingerprint ? "equal" : "changed") +
                   " (a snapshot holds no large objects to name: diff archives to list their OIDs)";
        out.tables.push_back(std::move(t));
        return;
    }
    try {
        if (!folder) {
            std::filesystem::path base = o.tmpdir.empty() ? SpillFolder::defaultBase() : o.tmpdir;
            SpillFolder::removeStale(base);
            folder.emplace(base);
        }
        const uint64_t expected = std::max(a.largeObjects, b.largeObjects);
        auto before = largeObjectSpill(*folder, "lo.a", expected);
        auto after = largeObjectSpill(*folder, "lo.b", expected);
        // Each side is re-fingerprinted as it is read: objects that are not the manifest's prove nothing.
        auto read = [](const Baseline& x, RowSpill& spill) {
            TableFingerprint fp = fingerprintArchiveLargeObjects(ArchiveReader(x.path), largeObjectsInto(spill));
            spill.finish();
            if (fp.rows != x.largeObjects || fp.hex() != x.largeObjectsFingerprint)
                throw ProofFailedError(x.path.string() + ": its large objects are not the ones its manifest records (" +
                                       withThousands(fp.rows) + " read, " + withThousands(x.largeObjects) + " recorded)");
        };
        read(a, *before);
        read(b, *after);
        std::function<void(const RowDifference&)> onRowDifference;
        if (onDifference) onRowDifference = [&](const RowDifference& d) { onDifference(t.id, d); };
        t.rows = compareLargeObjects(*before, *after, 0, o.jobs, onRowDifference);
        t.reason = "large objects: " + describeRowDiff(*t.rows);
        if (!t.rows->differences()) t.status = TableDiff::Status::Equal;
    } catch (const InterruptedError&) {
        throw;
    } catch (const PgproofError& e) {
        if (e.code() == ExitCode::BadInput) throw;
        t.status = TableDiff::Status::Error;
        t.reason = std::string("large objects could not be compared: ") + e.what();
    }
    out.tables.push_back(std::move(t));
}

// Two archives: both sides are read from their frames (each checked against its manifest on the way).
// A snapshot file on either side holds no rows: its tables are compared by count and fingerprint
// (count alone when either is counts-only), and a difference is named, not its rows.
DiffReport diffArchives(const Baseline& a, const Baseline& b, const DiffOptions& o, const DifferenceCallback& onDifference) {
    // An encrypted archive's rows cannot be read at random offsets: it is compared by its manifest, as a snapshot.
    const bool rowsBoth = a.kind == "archive" && b.kind == "archive" && !a.encrypted && !b.encrypted;
    const bool fingerprintsBoth = a.hasFingerprints && b.hasFingerprints;
    DiffReport out;
    out.other = o.other->string();
    std::set<QualifiedName> only(o.tables.begin(), o.tables.end());
    auto wanted = [&](const QualifiedName& id) { return only.empty() || only.count(id) > 0; };
    std::map<QualifiedName, const TableEntry*> inB;
    for (const auto& t : b.tables) inB[t.id()] = &t;
    std::set<QualifiedName> inA;
    for (const auto& t : a.tables) inA.insert(t.id());
    std::set<QualifiedName> uncoveredB;
    for (const auto& u : b.notCovered) uncoveredB.insert(u.id());
    std::optional<ArchiveReader> readerA, readerB;
    std::optional<SpillFolder> folder;
    int n = 0;
    for (const auto& ta : a.tables) {
        if (!wanted(ta.id())) continue;
        throwIfInterrupted("comparing archives");
        TableDiff t;
        t.id = ta.id();
        t.rowsBefore = ta.rows;
        auto it = inB.find(ta.id());
        if (it == inB.end()) {
            t.status = uncoveredB.count(ta.id()) ? TableDiff::Status::NotCovered : TableDiff::Status::Missing;
            t.reason = t.status == TableDiff::Status::Missing
                           ? "table is missing from " + o.other->string() + " (" + withThousands(ta.rows) + " rows in " + a.path.string() + ")"
                           : "not covered by " + o.other->string() + " (its rows are not in that archive)";
            out.tables.push_back(std::move(t));
            continue;
        }
        const TableEntry& tb = *it->second;
        t.rowsAfter = tb.rows;
        std::vector<std::string> common, gone, added;
        for (const auto& c : ta.columns)
            (std::find(tb.columns.begin(), tb.columns.end(), c) != tb.columns.end() ? common : gone).push_back(c);
        for (const auto& c : tb.columns)
            if (std::find(ta.columns.begin(), ta.columns.end(), c) == ta.columns.end()) added.push_back(c);
        std::string columnsNote;
        for (const auto& c : gone) columnsNote += (columnsNote.empty() ? "" : ", ") + ("column " + displayIdent(c) + " missing");
        for (const auto& c : added) columnsNote += (columnsNote.empty() ? "" : ", ") + ("column " + displayIdent(c) + " added");
        if (gone.empty() && added.empty() && ta.rows == tb.rows && (!fingerprintsBoth || ta.fingerprint == tb.fingerprint)) {
            t.reason = fingerprintsBoth ? "rows and fingerprint equal" : "row count equal (a counts-only snapshot: content not compared)";
            out.tables.push_back(std::move(t));
            continue;
        }
        if (!rowsBoth) {
            t.status = TableDiff::Status::Differs;
            t.reason = (columnsNote.empty() ? "" : columnsNote + "; ") + withThousands(ta.rows) + " rows before, " + withThousands(tb.rows) +
                       " after" + (fingerprintsBoth && gone.empty() && added.empty() && ta.fingerprint != tb.fingerprint ? ", fingerprint changed" : "") +
                       " (a snapshot holds no rows to name: diff two archives, or an archive against the database, to list them)";
            out.tables.push_back(std::move(t));
            continue;
        }
        std::vector<std::string> key = ta.key;
        for (const auto& k : ta.key)
            if (std::find(common.begin(), common.end(), k) == common.end()) key.clear();
        try {
            if (!folder) {
                std::filesystem::path base = o.tmpdir.empty() ? SpillFolder::defaultBase() : o.tmpdir;
                SpillFolder::removeStale(base);
                folder.emplace(base);
                readerA.emplace(a.path);
                readerB.emplace(*o.other);
            }
            const RowLayout layoutA = RowLayout::of(ta.columns, key, common), layoutB = RowLayout::of(tb.columns, key, common);
            const unsigned partitions = RowSpill::partitionsFor(std::max(ta.rawBytes, tb.rawBytes), layoutA, layoutB);
            RowSpill before(*folder, "t" + std::to_string(n) + ".a", layoutA, partitions);
            RowSpill after(*folder, "t" + std::to_string(n) + ".b", layoutB, partitions);
            ++n;
            readArchiveRows(*readerA, ta, o.jobs, [&](std::string_view rows, uint32_t frame) { return before.addRowsAt(rows, frame); });
            before.finish();
            readArchiveRows(*readerB, tb, o.jobs, [&](std::string_view rows, uint32_t frame) { return after.addRowsAt(rows, frame); });
            after.finish();
            std::function<void(const RowDifference&)> onRowDifference;
            if (onDifference) onRowDifference = [&](const RowDifference& d) { onDifference(t.id, d); };
            t.rows = compareRows(before, ta.columns, after, tb.columns, key, common, 0, o.jobs, onRowDifference);
            t.reason = describeRowDiff(*t.rows);
            if (!columnsNote.empty()) t.reason = columnsNote + "; " + t.reason + (gone.empty() ? "" : " on the columns both hold");
            t.status = t.rows->differences() || !columnsNote.empty() ? TableDiff::Status::Differs : TableDiff::Status::Equal;
        } catch (const InterruptedError&) {
            throw;
        } catch (const PgproofError& e) {
            if (e.code() == ExitCode::BadInput) throw;
            t.status = TableDiff::Status::Error;
            t.reason = std::string("rows could not be compared: ") + e.what();
        }
        out.tables.push_back(std::move(t));
    }
    for (const auto& u : a.notCovered) {
        if (!wanted(u.id()) || inB.count(u.id())) continue;
        TableDiff t;
        t.id = u.id();
        t.status = TableDiff::Status::NotCovered;
        t.reason = "not covered by " + a.path.string() + " (" + u.reason + ")";
        out.tables.push_back(std::move(t));
    }
    for (const auto& tb : b.tables) {
        if (!wanted(tb.id()) || inA.count(tb.id())) continue;
        TableDiff t;
        t.id = tb.id();
        t.rowsAfter = tb.rows;
        bool uncoveredInA = std::any_of(a.notCovered.begin(), a.notCovered.end(), [&](const UncoveredTable& u) { return u.id() == tb.id(); });
        t.status = uncoveredInA ? TableDiff::Status::NotCovered : TableDiff::Status::Added;
        t.reason = uncoveredInA ? "not covered by " + a.path.string() : "table added (" + withThousands(tb.rows) + " rows in " + o.other->string() + ")";
        out.tables.push_back(std::move(t));
    }
    diffFileLargeObjects(a, b, o, folder, onDifference, out);
    diffFileSequences(a, b, o, out);
    return out;
}

}  // namespace

DiffReport runDiff(const Baseline& baseline, const DiffOptions& o, const DifferenceCallback& onDifference) {
    auto start = std::chrono::steady_clock::now();
    // A table asked for by name must exist somewhere: a typo must not read as "no difference".
    std::optional<Baseline> other;
    if (o.other) other = Baseline::load(*o.other);  // read once: the --table check and the comparison
    if (!o.tables.empty() && other) {
        const Baseline& b = *other;
        for (const auto& want : o.tables) {
            auto has = [&](const Baseline& x) {
                return std::any_of(x.tables.begin(), x.tables.end(), [&](const TableEntry& t) { return t.id() == want; }) ||
                       std::any_of(x.notCovered.begin(), x.notCovered.end(), [&](const UncoveredTable& t) { return t.id() == want; });
            };
            if (!has(baseline) && !has(b))
                throw BadInputError("--table " + want.display() + ": neither " + baseline.path.string() + " nor " + o.other->string() +
                                    " holds that table (write it as schema.name)");
        }
    }
    DiffReport out = other ? diffArchives(baseline, *other, o, onDifference) : diffLive(baseline, o, onDifference);
    if (!o.tables.empty() && !o.other) {
        for (const auto& want : o.tables)
            if (std::none_of(out.tables.begin(), out.tables.end(), [&](const TableDiff& t) { return t.id == want; }))
                throw BadInputError("--table " + want.display() + ": neither " + baseline.path.string() +
                                    " nor the database holds that table (write it as schema.name)");
    }
    out.baseline = baseline.path.string();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return out;
}

}  // namespace pgproof
