#include "Verification.hpp"

#include <chrono>
#include <future>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "Errors.hpp"
#include "ArchiveRows.hpp"
#include "RowDigests.hpp"
#include "LargeObjectComparison.hpp"
#include "LargeObjects.hpp"
#include "LiveLargeObjects.hpp"
#include "LiveCatalog.hpp"
#include "LiveFingerprinter.hpp"
#include "LiveSnapshot.hpp"
#include "PlanEvaluator.hpp"
#include "ReportOutput.hpp"
#include "SnapshotSession.hpp"
#include "WorkProgress.hpp"

namespace pgproof {

const char* verdictName(Verdict v) {
    switch (v) {
    case Verdict::Ok: return "ok";
    case Verdict::Failed: return "failed";
    case Verdict::Error: return "error";
    }
    return "?";
}

const char* modeName(VerifyMode m) { return m == VerifyMode::Exact ? "exact" : "no-loss"; }

SequenceMove sequenceMove(int64_t before, bool beforeCalled, int64_t now, bool nowCalled, bool descending) {
    if (now != before) return (descending ? now < before : now > before) ? SequenceMove::Ahead : SequenceMove::Behind;
    if (beforeCalled == nowCalled) return SequenceMove::Equal;
    return nowCalled ? SequenceMove::Ahead : SequenceMove::Behind;
}

const char* sequenceMoveName(SequenceMove m) {
    switch (m) {
    case SequenceMove::Equal: return "equal";
    case SequenceMove::Ahead: return "higher";
    case SequenceMove::Behind: return "lower";
    }
    return "?";
}

size_t VerifyReport::count(Verdict v) const {
    size_t n = 0;
    for (const auto& t : tables) n += t.verdict == v;
    for (const auto& s : sequences) n += s.verdict == v;
    for (const auto& p : planItems) n += p.verdict == v;
    for (const auto& t : notCovered) n += t.verdict == v;
    return n;
}

std::string countOnlyNote(const std::string& reason, const std::string& why) {
    if (reason.find("count only") != std::string::npos) return "";
    return "count only: its rows were not compared one by one" + (why.empty() ? std::string() : " (" + why + ")");
}

bool TableVerdict::rowsProven() const {
    if (verdict != Verdict::Ok || checks.notRead || checks.notCovered) return false;
    return contentProven() || checks.rows != TableChecks::Rows::None;
}

std::string TableVerdict::comparedBy() const {
    if (checks.notCovered) return "not covered";
    if (checks.notRead) return "not read";
    if (checks.rows == TableChecks::Rows::ByKey) return "rows by key";
    if (checks.rows == TableChecks::Rows::AsMultiset) return "rows as a multiset";
    // An equal fingerprint proves every row; a different one decided a failure. A different fingerprint
    // that passed (no-loss) leaves only the count as proof of the rows.
    if (checks.fingerprinted && (content == "equal" || verdict == Verdict::Failed)) return "fingerprint";
    if (checks.counted) return "count only";
    return "";
}

int VerifyReport::exitCode() const {
    if (count(Verdict::Failed)) return static_cast<int>(ExitCode::ProofFailed);
    if (count(Verdict::Error)) return static_cast<int>(ExitCode::Incomplete);
    return static_cast<int>(ExitCode::Proven);
}

namespace {

void judgeRows(TableVerdict& v, VerifyMode mode, uint64_t current, bool contentKnown) {
    v.rows = current;
    v.checks.counted = true;
    v.checks.fingerprinted = v.checks.fingerprinted || contentKnown;
    int64_t delta = static_cast<int64_t>(current) - static_cast<int64_t>(v.baselineRows);
    if (delta < 0) {
        v.verdict = Verdict::Failed;
        v.reason = withThousands(static_cast<uint64_t>(-delta)) + " row(s) lost";
    } else if (delta > 0 && mode == VerifyMode::Exact) {
        v.verdict = Verdict::Failed;
        v.reason = withThousands(static_cast<uint64_t>(delta)) + " row(s) more than the baseline (exact mode)";
    }
    if (!contentKnown) return;
    if (v.fingerprint == v.baselineFingerprint) {
        v.content = "equal";
    } else {
        // A different fingerprint fails exact mode; in no-loss it leaves only the count as proof of the rows.
        v.content = "changed";
        if (v.verdict == Verdict::Ok) {
            if (mode == VerifyMode::Exact) {
                v.verdict = Verdict::Failed;
                v.reason = "content changed: same row count, different fingerprint (rows altered, or replaced)";
            } else {
                v.reason = delta > 0 ? "rows added; content changed (reported, allowed in no-loss mode; count only: content not proven)"
                                     : "content changed (reported, allowed in no-loss mode; count only: content not proven)";
            }
        }
    }
}

// A table whose rows only a count could prove says so in its reason (no-loss mode's readers must not
// take "ok" for "every row is still there").
void sayCountOnly(TableVerdict& v, const std::string& why) {
    if (v.comparedBy() != "count only") return;
    std::string note = countOnlyNote(v.reason, why);
    if (!note.empty()) v.reason += (v.reason.empty() ? "" : "; ") + note;
}

// Leaves that pg_dump loaded via their partition root (hash partitioning on an enum) are routed
// again on restore, and enum OIDs differ between databases: their rows may move to other leaves.
// Such leaves are compared as one group per root; the sums of their fingerprints still add up.
// `entryOf[i]` is the baseline entry of report.tables[i]. Returns, for each root whose leaves were
// all counted, whether its rows remain to be compared one by one (the group's count and fingerprint
// did not prove them equal); a row comparison (compareRowSet) then decides the leaves' verdicts again.
std::map<QualifiedName, bool> compareViaRootGroups(const std::vector<const TableEntry*>& entryOf, VerifyReport& report, VerifyMode mode) {
    std::map<QualifiedName, std::vector<size_t>> groups;
    std::map<QualifiedName, bool> judged;
    for (size_t i = 0; i < entryOf.size() && i < report.tables.size(); ++i) {
        const auto& bt = *entryOf[i];
        auto target = bt.copyTarget();
        if (target && !(*target == bt.id())) groups[*target].push_back(i);
    }
    for (const auto& [root, members] : groups) {
        TableVerdict group;
        TableFingerprint before, now;
        bool comparable = true, fingerprinted = true;
        for (size_t i : members) {
            const TableVerdict& v = report.tables[i];
            if (!v.rows || v.verdict == Verdict::Error || v.columnsMissing) comparable = false;
            before.rows += v.baselineRows;
            now.rows += v.rows.value_or(0);
            auto b = TableFingerprint::parseHex(v.baselineFingerprint);
            auto c = TableFingerprint::parseHex(v.fingerprint);
            // A leaf whose content was not compared (counts only, columns left out) leaves the group's unknown.
            if (!b || !c || v.content == "not checked") fingerprinted = false;
            else {
                before.sum += *b;
                now.sum += *c;
            }
        }
        if (!comparable) continue;
        group.baselineRows = before.rows;
        group.baselineFingerprint = fingerprinted ? before.hex() : "";
        group.fingerprint = fingerprinted ? now.hex() : "";
        judgeRows(group, mode, now.rows, fingerprinted);
        judged[root] = !group.contentProven();
        for (size_t i : members) {
            TableVerdict& v = report.tables[i];
            v.verdict = group.verdict;
            v.content = fingerprinted ? group.content : v.content;
            v.checks.fingerprinted = group.checks.fingerprinted;
            v.reason = "compared with the other partitions of " + root.display() + " (loaded via the partition root, rows may move " +
                       "between them): " + withThousands(before.rows) + " rows before, " + withThousands(now.rows) + " now" +
                       (group.reason.empty() ? "" : "; " + group.reason);
            sayCountOnly(v, "");
        }
    }
    return judged;
}

// The root a leaf was loaded via (pg_dump's COPY names the root), if it was: its rows may have moved
// to another leaf, which leaf by leaf would look like loss; its leaves are compared as one row set.
std::optional<QualifiedName> loadedViaRoot(const TableEntry& bt) {
    auto target = bt.copyTarget();
    if (!target || *target == bt.id()) return std::nullopt;
    return target;
}

// How one row set is compared row by row: a table, or every leaf of one root loaded via the root (the
// leaves' rows go to one spill on each side, so a row that moved between leaves is still found). Which
// live columns are read, which are compared, the key.
struct RowPlan {
    QualifiedName id;                      // the table, or the root of the leaves
    std::vector<size_t> members;           // indices into report.tables: the table, or the leaves
    std::vector<const TableEntry*> entries;  // their baseline entries, alike
    bool usable = true;                    // a group: every leaf reads the same columns, key and comparison
    std::vector<std::string> liveColumns;  // the baseline's columns that still exist, in its order
    std::vector<std::string> compared;     // the baseline's columns minus those the plan declares changed or dropped
    std::vector<std::string> key;          // the baseline's key, unless one of its columns is not compared
    std::vector<std::string> excluded;
    // A snapshot's row digests cover every column: with columns excluded only the keys can be compared.
    bool keysOnly = false;
    uint64_t bytes = 0;                    // the table's (or the group's) size
    unsigned partitions = 1;               // both sides alike (RowSpill::partitionsFor)
    std::string filter;                    // the live read's extra condition, for fetching rows by key
    std::unique_ptr<RowSpill> live;        // key-only when only the first differences are named (no one wants every difference)
    // The spill is filled by a second read at the same snapshot, only if the figures differ: a table the
    // plan leaves alone is usually equal, and its first read then skips the spill (set when nothing
    // declares the table's columns changed or dropped; those tables are joined whatever their figures).
    bool deferred = false;
    bool grouped() const { return !(id == entries.front()->id()); }
};

std::string joinNames(const QualifiedName& table, const std::vector<std::string>& columns) {
    std::string out;
    for (const auto& c : columns) out += (out.empty() ? "" : ", ") + table.name + "." + c;
    return out;
}

// The verdict of a table compared row by row. No-loss: every baseline row (by key, or as a multiset)
// must still be there; changed rows are reported, added rows counted. Exact: any difference fails.
void judgeRowDiff(TableVerdict& v, VerifyMode mode, RowDiffSummary summary, bool keysOnly) {
    const bool exact = mode == VerifyMode::Exact;
    std::vector<std::string> parts;
    auto some = [&](const RowDifference::Kind kind) {
        for (const auto& d : summary.rows)
            if (d.kind == kind) return " (" + describeRowDifference(d) + (summary.differenceEntries > 1 ? ", ..." : "") + ")";
        return std::string();
    };
    if (summary.lost) parts.push_back(withThousands(summary.lost) + " row(s) lost" + some(RowDifference::Kind::Lost));
    if (summary.duplicated)
        parts.push_back(withThousands(summary.duplicated) + " row(s) more under keys that identified one row at the baseline" +
                        some(RowDifference::Kind::Duplicated));
    if (summary.changed)
        parts.push_back(withThousands(summary.changed) + " row(s) changed" + (exact ? "" : " (reported, allowed in no-loss mode)"));
    if (summary.added) parts.push_back(withThousands(summary.added) + " row(s) added" + (exact ? "" : " (allowed in no-loss mode)"));
    const bool failed = summary.lost || summary.duplicated || (exact && (summary.changed || summary.added));
    std::string how = summary.key.empty() ? "compared row by row as a multiset (the table has no key)"
                                          : "compared by key (" + [&] {
                                                std::string k;
                                                for (const auto& c : summary.key) k += (k.empty() ? "" : ", ") + displayIdent(c);
                                                return k;
                                            }() + ")";
    if (!summary.excluded.empty()) how += ", except " + joinNames(v.id, summary.excluded) + " as the plan declares";
    if (keysOnly) how += " (keys only: the snapshot's row digests cover the columns the plan declares, so content is not compared)";
    std::string what;
    for (const auto& p : parts) what += (what.empty() ? "" : "; ") + p;
    v.content = summary.differences() == 0 ? "equal" : "changed";
    v.verdict = failed ? Verdict::Failed : Verdict::Ok;
    if (summary.differences() == 0) v.reason = "every row equal; " + how;
    else if (!failed) v.reason = "no baseline row lost; " + what + "; " + how;
    else v.reason = what + "; " + how;
    v.checks.rows = summary.key.empty() ? TableChecks::Rows::AsMultiset : TableChecks::Rows::ByKey;
    v.rowDiff = std::move(summary);
}

// Large objects (oids and data) are compared as one more table, pg_catalog.pg_largeobject, read on the
// leader at the snapshot. Excluded from the dump but present at the backup: not covered, counted.
// Against an archive (`spillFolder` set: row level), objects whose count or fingerprint differ are
// compared one by one, by OID, with the archive's BLOBS entries, and named like a table's rows.
void verifyLargeObjects(const Baseline& baseline, const VerifyOptions& o, const PgConnection& leader, VerifyReport& report,
                        SpillFolder* spillFolder) {
    const bool covered = !baseline.largeObjectsFingerprint.empty();
    if (!covered && baseline.largeObjectsAtSnapshot.value_or(0) == 0) return;
    TableVerdict v;
    v.id = {"pg_catalog", "pg_largeobject"};
    auto t0 = std::chrono::steady_clock::now();
    try {
        if (!covered) {
            v.baselineRows = *baseline.largeObjectsAtSnapshot;
            v.content = "not covered";
            v.checks.notCovered = true;
            v.notCoveredBecause = "large objects excluded";
            if (o.afterRestore) {
                v.reason = "large objects not covered (excluded from the dump): not restored";
            } else {
                judgeRows(v, o.mode, countLiveLargeObjects(leader), false);
                v.reason = "large objects not covered (excluded from the dump): count compared only" + (v.reason.empty() ? "" : "; " + v.reason);
            }
            report.notCovered.push_back(v);
            return;
        }
        // Nothing to say when there were none and are none.
        if (baseline.largeObjects == 0 && countLiveLargeObjects(leader) == 0) return;
        v.baselineRows = baseline.largeObjects;
        v.baselineFingerprint = baseline.largeObjectsFingerprint;
        v.content = "not checked";
        const bool content = baseline.hasFingerprints && !o.countsOnly;
        const bool byOid = content && spillFolder && baseline.kind == "archive";
        std::unique_ptr<RowSpill> live = byOid ? largeObjectSpill(*spillFolder, "lo.live", baseline.largeObjects) : nullptr;
        TableFingerprint now = content ? fingerprintLiveLargeObjects(leader, live ? largeObjectsInto(*live) : LargeObjectRowSink())
                                       : TableFingerprint{countLiveLargeObjects(leader), 0};
        if (content) v.fingerprint = now.hex();
        judgeRows(v, o.mode, now.rows, content);
        if (live && (now.rows != v.baselineRows || v.fingerprint != v.baselineFingerprint)) {
            live->finish();
            ArchiveReader archive(baseline.path);
            auto before = largeObjectSpill(*spillFolder, "lo.base", baseline.largeObjects);
            TableFingerprint then = fingerprintArchiveLargeObjects(archive, largeObjectsInto(*before));
            before->finish();
            // The objects read back must be the ones the manifest recorded, or nothing they say is tied to it.
            if (then.rows != baseline.largeObjects || then.hex() != baseline.largeObjectsFingerprint)
                throw ProofFailedError("the archive's large objects (" + withThousands(then.rows) + ", fingerprint " + then.hex() +
                                       ") are not the ones its manifest records (" + withThousands(baseline.largeObjects) + ", " +
                                       baseline.largeObjectsFingerprint + ")");
            std::function<void(const RowDifference&)> onDifference;
            if (o.onDifference) onDifference = [&](const RowDifference& d) { o.onDifference(v.id, d); };
            judgeRowDiff(v, o.mode, compareLargeObjects(*before, *live, o.rowCap, o.jobs, onDifference), false);
        }
        sayCountOnly(v, content ? "" : "the baseline holds counts only");
        v.reason = "large objects (oid and data)" + (v.reason.empty() ? "" : ": " + v.reason);
    } catch (const ProofFailedError& e) {
        v.verdict = Verdict::Failed;
        v.reason = std::string("large objects: ") + e.what();
    } catch (const IncompleteError& e) {
        v.verdict = Verdict::Error;
        v.checks.notRead = true;
        v.reason = std::string("large objects could not be read: ") + e.what();
    }
    v.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    report.tables.push_back(v);
}

}  // namespace

VerifyReport runVerification(const Baseline& baseline, const VerifyOptions& o) {
    auto start = std::chrono::steady_clock::now();
    VerifyReport report;
    report.mode = o.mode;
    report.baseline = &baseline;
    const bool fingerprints = baseline.hasFingerprints && !o.countsOnly;
    report.countsOnly = !fingerprints;

    // A snapshot's row digests are tied to it (RowDigests.hpp): another snapshot's file is refused (exit 2), an
    // emptied or cut one is exit 3, before anything is read; never trusted to say "no difference".
    if (o.rowLevel && !o.afterRestore && fingerprints && baseline.kind == "snapshot" && !baseline.rowsFile.empty())
        checkRowDigestFile(baseline.rowsFile, baseline.path, baseline.rowsBinding);

    SnapshotSession session(ConnectionTarget::resolve(o.db), o.jobs, "pgproof verify", SnapshotSessionOptions{.lockWaitTimeout = o.lockWaitTimeout});
    report.database = describeSource(session.leader());
    report.database["snapshot"] = session.snapshotId();
    // Row bytes depend on these; a difference explains "content changed" without any data change.
    auto compareSetting = [&](const char* key, const std::string& now) {
        if (!baseline.settings.is_object() || !baseline.settings.contains(key) || !baseline.settings[key].is_string()) return;
        std::string then = baseline.settings[key].get<std::string>();
        if (then != now && then.find(' ') == std::string::npos)
            report.notes.push_back(std::string(key) + " was " + then + " when the baseline was taken and is " + now +
                                   " now: values that depend on it (text encoding, money) fingerprint differently");
    };
    compareSetting("client_encoding", session.settings().clientEncoding);
    compareSetting("lc_monetary", session.settings().lcMonetary);
    if (baseline.settings.is_object() && baseline.settings.value("TimeZone", "UTC") != "UTC")
        report.notes.push_back("the baseline is a dump read from stdin, made with the server's default TimeZone; if that was not UTC, "
                               "timestamptz values fingerprint differently (back up with pgproof backup --db instead)");
    const auto& live = session.tables();
    // Row level needs the baseline's rows: an archive has them (a snapshot holds only fingerprints).
    // A snapshot taken with --rows has a digest of every row instead (RowDigests.hpp).
    const bool digestBaseline = baseline.kind == "snapshot";
    const bool rowLevel = o.rowLevel && !o.afterRestore && fingerprints && !baseline.encrypted &&
                          (baseline.kind == "archive" || !baseline.rowsFile.empty());
    if (o.rowLevel && !o.afterRestore && baseline.encrypted)
        report.notes.push_back("the baseline is encrypted (age): tables are compared by count and fingerprint; to name the rows that "
                               "differ, decrypt it to a file (age -d -i KEY -o NAME.sql.zst " + baseline.path.string() + ") and verify against that");
    std::optional<SpillFolder> spillFolder;
    if (rowLevel) {
        std::filesystem::path base = o.tmpdir.empty() ? SpillFolder::defaultBase() : o.tmpdir;
        SpillFolder::removeStale(base);
        spillFolder.emplace(base);
    }
    report.rowLevel = rowLevel;
    std::map<size_t, RowPlan> rowPlans;  // by index into report.tables (of a group: its first leaf)
    std::set<size_t> columnsLeftOut;     // report.tables indices read without some baseline columns
    std::set<QualifiedName> only(o.onlyTables.begin(), o.onlyTables.end());
    auto wanted = [&](const QualifiedName& id) { return only.empty() || only.count(id) > 0; };
    std::map<QualifiedName, const LiveTable*> liveById;
    for (const auto& t : live) liveById[t.id] = &t;

    std::vector<LiveTableRequest> requests;
    // What each request is for: a baseline table's figures, its whole-table count (a filtered
    // extension configuration table), a table not covered by the baseline, or a new table.
    enum class Purpose { Table, WholeCount, NotCovered, New };
    struct RequestTarget {
        Purpose purpose;
        size_t index;  // into report.tables, report.notCovered or report.newTables
    };
    std::vector<RequestTarget> targets;
    std::map<QualifiedName, bool> inBaseline;
    std::vector<const TableEntry*> entryOf;  // the baseline entry of each report.tables[i] (--table leaves some out)
    for (const auto& u : baseline.notCovered) inBaseline[u.id()] = true;
    // Leaves loaded via their root are compared as one row set: sized by all of them, complete only
    // when every leaf the baseline holds is read into it.
    std::map<QualifiedName, uint64_t> groupBytes;
    std::map<QualifiedName, size_t> groupLeaves;
    std::map<QualifiedName, size_t> groupPlans;  // root -> its plan's key in rowPlans
    for (const auto& bt : baseline.tables)
        if (auto root = loadedViaRoot(bt)) {
            auto it = liveById.find(bt.id());
            groupBytes[*root] += std::max<uint64_t>(it == liveById.end() ? 0 : it->second->pages * 8192, bt.rawBytes);
            ++groupLeaves[*root];
        }
    for (const auto& bt : baseline.tables) {
        if (!wanted(bt.id())) {
            inBaseline[bt.id()] = true;
            continue;
        }
        TableVerdict v;
        v.id = bt.id();
        v.baselineRows = bt.rows;
        v.baselineFingerprint = bt.fingerprint;
        v.content = "not checked";
        inBaseline[v.id] = true;
        auto it = liveById.find(v.id);
        if (it == liveById.end()) {
            if (o.plan && o.plan->declaresDroppedTable(v.id)) {
                v.reason = "dropped, as the plan declares (" + withThousands(bt.rows) + " rows in the baseline)";
            } else {
                v.verdict = Verdict::Failed;
                v.reason = "table is missing (data loss: " + withThousands(bt.rows) + " rows in the baseline)";
            }
            entryOf.push_back(&bt);
            report.tables.push_back(v);
            continue;
        }
        const std::optional<QualifiedName> root = loadedViaRoot(bt);
        std::vector<std::string> missing, declaredDropped, declaredChanged;
        // A leaf's columns are declared under its own name or its root's (the table the migration names).
        auto declaresDropped = [&](const std::string& c) {
            return o.plan && (o.plan->declaresDroppedColumn(v.id, c) || (root && o.plan->declaresDroppedColumn(*root, c)));
        };
        auto declaresChanged = [&](const std::string& c) {
            return o.plan && (o.plan->declaresChangedColumn(v.id, c) || (root && o.plan->declaresChangedColumn(*root, c)));
        };
        for (const auto& c : bt.columns) {
            bool found = false;
            for (const auto& lc : it->second->columns) found = found || lc.name == c;
            if (!found && declaresDropped(c)) declaredDropped.push_back(c);
            else if (!found) missing.push_back(c);
            else if (declaresChanged(c)) declaredChanged.push_back(c);
        }
        LiveTableRequest req{v.id, bt.columns, it->second->pages, !fingerprints, it->second->filter};
        // A row digest covers every column: with columns declared changed or dropped only the keys can be
        // compared (present or not), and a table without a key (or whose key changes) only by its count.
        const bool declared = !declaredDropped.empty() || !declaredChanged.empty();
        bool keyIntact = !bt.key.empty();
        for (const auto& k : bt.key)
            keyIntact = keyIntact && std::find(declaredDropped.begin(), declaredDropped.end(), k) == declaredDropped.end() &&
                        std::find(declaredChanged.begin(), declaredChanged.end(), k) == declaredChanged.end();
        const bool digestUsable = !digestBaseline || !declared || keyIntact;
        if (rowLevel && missing.empty() && digestUsable) {
            RowPlan plan;
            plan.id = root ? *root : v.id;
            plan.members = {report.tables.size()};
            plan.entries = {&bt};
            for (const auto& c : bt.columns) {
                bool dropped = std::find(declaredDropped.begin(), declaredDropped.end(), c) != declaredDropped.end();
                bool changed = std::find(declaredChanged.begin(), declaredChanged.end(), c) != declaredChanged.end();
                if (!dropped) plan.liveColumns.push_back(c);
                if (dropped || changed) plan.excluded.push_back(c);
                else if (!(digestBaseline && declared)) plan.compared.push_back(c);
            }
            plan.keysOnly = digestBaseline && declared;
            if (!plan.excluded.empty()) columnsLeftOut.insert(report.tables.size());
            plan.key = bt.key;
            for (const auto& k : bt.key)
                if (std::find(plan.excluded.begin(), plan.excluded.end(), k) != plan.excluded.end()) plan.key.clear();
            plan.bytes = root ? groupBytes[*root] : std::max<uint64_t>(it->second->pages * 8192, bt.rawBytes);
            plan.filter = it->second->filter;
            if (plan.keysOnly)
                v.reason = "compared by key only: " + joinNames(v.id, plan.excluded) +
                           " declared changed or dropped by the plan (the snapshot's row digests cover every column)";
            else if (!plan.excluded.empty())
                v.reason = "content compared except " + joinNames(v.id, plan.excluded) + " (declared changed or dropped by the plan)";
            auto group = root ? groupPlans.find(*root) : groupPlans.end();
            if (group != groupPlans.end()) {
                // Another leaf of a root already planned: its rows go to the same spill, if read alike.
                RowPlan& first = rowPlans.at(group->second);
                if (bt.columns == first.entries.front()->columns && plan.liveColumns == first.liveColumns &&
                    plan.compared == first.compared && plan.key == first.key && plan.keysOnly == first.keysOnly) {
                    first.members.push_back(report.tables.size());
                    first.entries.push_back(&bt);
                    req.columns = first.liveColumns;
                    if (!first.deferred) req.spill = first.live.get();
                } else {
                    first.usable = false;
                    req.columns = plan.liveColumns;
                }
            } else {
                // With a key the live side keeps only keys and hashes; the rows named afterwards are read
                // again by key at the same snapshot (and the baseline's from their archive frames).
                RowLayout liveLayout = RowLayout::of(plan.liveColumns, plan.key, plan.compared);
                liveLayout.keyOnly = liveLayout.keyed();
                // One partitioning for both sides, chosen here from the table's (or group's) size: a side that
                // chose its own from its layout would split a keyless table differently from its digests.
                RowLayout baseLayout = digestBaseline ? RowLayout::digestOf(plan.key.size()) : RowLayout::of(bt.columns, plan.key, plan.compared);
                if (!digestBaseline) baseLayout.keyOnly = baseLayout.located = liveLayout.keyOnly && !root;
                plan.partitions = RowSpill::partitionsFor(plan.bytes, baseLayout, liveLayout);
                plan.live = std::make_unique<RowSpill>(*spillFolder, "t" + std::to_string(report.tables.size()) + ".live",
                                                       std::move(liveLayout), plan.partitions);
                req.columns = plan.liveColumns;
                plan.deferred = plan.excluded.empty();
                if (!plan.deferred) req.spill = plan.live.get();
                if (root) groupPlans[*root] = report.tables.size();
                rowPlans.emplace(report.tables.size(), std::move(plan));
            }
        } else if (!declaredDropped.empty() || !declaredChanged.empty()) {
            // The baseline fingerprint covers these columns: content cannot be compared, rows still are.
            req.countOnly = true;
            std::string cols;
            for (const auto& c : declaredDropped) cols += (cols.empty() ? "" : ", ") + c + " dropped";
            for (const auto& c : declaredChanged) cols += (cols.empty() ? "" : ", ") + c + " changed";
            v.reason = "content not compared: " + cols + " as the plan declares; count only (" +
                       (!rowLevel ? std::string("the baseline holds no rows to compare")
                                  : "the snapshot's row digests cover these columns and the table has no key that they leave alone") +
                       ")";
        }
        if (!missing.empty()) {
            v.verdict = Verdict::Failed;
            v.reason = "column";
            v.reason += missing.size() > 1 ? "s " : " ";
            for (size_t i = 0; i < missing.size(); ++i) v.reason += (i ? ", " : "") + quoteIdent(missing[i]);
            v.reason += missing.size() > 1 ? " are missing" : " is missing";
            v.columnsMissing = true;
            req.countOnly = true;
            req.columns.clear();
        }
        if (bt.rowsTotal && !v.columnsMissing) {
            // The dump holds only the rows the extension's condition selects: count the whole table too.
            targets.push_back({Purpose::WholeCount, report.tables.size()});
            requests.push_back({v.id, {}, it->second->pages, true, ""});
        }
        targets.push_back({Purpose::Table, report.tables.size()});
        entryOf.push_back(&bt);
        report.tables.push_back(v);
        requests.push_back(std::move(req));
    }
    for (const auto& u : baseline.notCovered) {
        if (!wanted(u.id())) continue;
        TableVerdict v;
        v.id = u.id();
        v.baselineRows = u.rows.value_or(0);
        v.content = "not covered";
        v.checks.notCovered = true;
        v.notCoveredBecause = u.reason;
        auto it = liveById.find(v.id);
        if (o.afterRestore) {
            v.reason = "not covered (" + u.reason + "): its rows are not in the archive, so it was restored empty";
        } else if (it == liveById.end()) {
            if (o.plan && o.plan->declaresDroppedTable(v.id)) {
                v.reason = "not covered (" + u.reason + "), dropped as the plan declares";
            } else {
                v.verdict = Verdict::Failed;
                v.reason = "table is missing; not covered by the baseline (" + u.reason + ")" +
                           (u.rows ? ", which counted " + withThousands(*u.rows) + " rows" : std::string());
            }
        } else if (u.rows) {
            targets.push_back({Purpose::NotCovered, report.notCovered.size()});
            requests.push_back({v.id, {}, it->second->pages, true, it->second->filter});
        } else {
            v.reason = "not covered (" + u.reason + "): not compared";
        }
        report.notCovered.push_back(v);
    }
    for (const auto& t : live) {
        if (inBaseline.count(t.id) || !wanted(t.id)) continue;
        targets.push_back({Purpose::New, report.newTables.size()});
        requests.push_back({t.id, {}, t.pages, true, t.filter});
        report.newTables.push_back({t.id, 0});
    }

    std::set<size_t> planned;  // report.tables indices that a row plan holds
    for (const auto& [idx, plan] : rowPlans) planned.insert(plan.members.begin(), plan.members.end());

    // Tables a restore has read already are not read again (VerifyOptions::alreadyRead).
    std::vector<std::optional<LiveTableResult>> given(requests.size());
    std::vector<LiveTableRequest> toRead;
    for (size_t i = 0; i < requests.size(); ++i) {
        const LiveTableRequest& req = requests[i];
        auto it = o.alreadyRead.find(req.id);
        // A Table request that is neither count-only nor spilled reads exactly the baseline's columns.
        if (targets[i].purpose == Purpose::Table && it != o.alreadyRead.end() && !req.countOnly && !req.spill && req.filter.empty() &&
            it->second.fingerprinted == fingerprints)
            given[i] = it->second;
        else
            toRead.push_back(req);
    }
    // Plan items run on the leader, inside the same snapshot, while the workers read the tables.
    WorkProgress::process().startPhase("verifying");
    // The tables read already count as done in this phase, with their rows.
    for (const auto& g : given)
        if (g) {
            WorkProgress::process().addTotals(1, 0);
            WorkProgress::process().addDone();
            WorkProgress::process().addRows(g->fingerprint.rows);
        }
    auto reading = std::async(std::launch::async, [&] {
        auto read = fingerprintLiveTables(session, toRead);
        std::vector<LiveTableResult> all;
        size_t next = 0;
        for (size_t i = 0; i < requests.size(); ++i) all.push_back(given[i] ? *given[i] : read[next++]);
        return all;
    });
    std::exception_ptr planError;
    if (o.plan) {
        report.plan = o.plan;
        try {
            report.planItems = evaluatePlan(*o.plan, session.leader(), baseline.plan);
        } catch (...) {
            planError = std::current_exception();
        }
    }
    auto results = reading.get();
    if (planError) std::rethrow_exception(planError);
    std::map<size_t, uint64_t> wholeCounts;  // report.tables index -> unfiltered rows now
    for (size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        const RequestTarget& target = targets[i];
        if (target.purpose == Purpose::New) {
            report.newTables[target.index].rows = r.fingerprint.rows;
            continue;
        }
        TableVerdict& v = target.purpose == Purpose::NotCovered ? report.notCovered[target.index] : report.tables[target.index];
        if (!r.error.empty()) {
            v.checks.notRead = true;
            if (v.verdict != Verdict::Failed) {
                v.verdict = Verdict::Error;
                v.reason = "could not be read: " + r.error;
            }
            continue;
        }
        if (target.purpose == Purpose::WholeCount) {
            wholeCounts[target.index] = r.fingerprint.rows;
            continue;
        }
        v.seconds = r.seconds;
        if (target.purpose == Purpose::NotCovered) {
            judgeRows(v, o.mode, r.fingerprint.rows, false);
            v.reason = "not covered (" + v.notCoveredBecause + "): row count compared only" +
                       (v.reason.empty() ? "" : "; " + v.reason);
            continue;
        }
        if (r.fingerprinted) v.fingerprint = r.fingerprint.hex();
        std::string earlier = v.reason;
        // With columns left out, the live fingerprint covers other columns than the baseline's.
        const bool fingerprintComparable = r.fingerprinted && !columnsLeftOut.count(target.index);
        judgeRows(v, o.mode, r.fingerprint.rows, fingerprintComparable);
        if (!earlier.empty() && v.reason != earlier)
            v.reason = earlier + (v.reason.empty() ? "" : "; " + v.reason);
        // Tables compared row by row are judged again below; the others keep what the count could say.
        if (!planned.count(target.index)) sayCountOnly(v, fingerprints ? "" : "the baseline holds counts only");
    }
    // A filtered extension configuration table is compared whole as well: a restore that emptied it
    // and loaded only the dumped rows must not pass.
    for (const auto& [idx, now] : wholeCounts) {
        TableVerdict& v = report.tables[idx];
        uint64_t then = *entryOf[idx]->rowsTotal;
        v.checks.wholeTableCounted = true;
        bool lost = now < then, differs = now != then;
        if (v.verdict == Verdict::Error || (!lost && !(differs && o.mode == VerifyMode::Exact))) continue;
        v.verdict = Verdict::Failed;
        std::string what = "the whole table holds " + withThousands(now) + " rows, " + withThousands(then) +
                           " at the baseline (the dump holds only the rows its extension's condition selects; the others come "
                           "from CREATE EXTENSION)";
        v.reason = v.reason.empty() ? what : v.reason + "; " + what;
    }

    // Leaves loaded via their root: judged by their group's count and fingerprint first; the groups those
    // do not prove equal are compared row by row below, as one row set each.
    const std::map<QualifiedName, bool> groupsToJoin = compareViaRootGroups(entryOf, report, o.mode);

    // Row level: tables whose rows or fingerprint differ (or whose comparison leaves columns out) are
    // joined with the archive's rows; the others are equal already and their spill is dropped.
    if (!rowPlans.empty()) {
        std::optional<ArchiveReader> archive;
        auto needsJoin = [&](size_t idx, const RowPlan& plan) {
            if (plan.grouped()) {
                auto judged = groupsToJoin.find(plan.id);
                return plan.usable && plan.members.size() == groupLeaves[plan.id] && judged != groupsToJoin.end() && judged->second;
            }
            const TableVerdict& v = report.tables[idx];
            const bool same = plan.excluded.empty() && v.rows && *v.rows == v.baselineRows && v.fingerprint == v.baselineFingerprint;
            return !(v.verdict == Verdict::Error || same || !v.rows);
        };
        // Against a snapshot, a table is joined only when its file holds the digests of all of its leaves.
        auto digestsCover = [&](const RowPlan& plan) {
            for (const TableEntry* e : plan.entries)
                if (!baseline.rowsIndex.count(e->id())) return false;
            return true;
        };
        // Deferred spills: the tables whose figures differ are read once more, at the same snapshot, into
        // their spills. The second read must find what the first counted and fingerprinted.
        std::map<size_t, std::string> rereadErrors;  // plan -> why its rows could not be read again
        {
            std::vector<LiveTableRequest> again;
            std::vector<std::pair<size_t, size_t>> againOf;  // (plan, member) of each request
            for (auto& [idx, plan] : rowPlans) {
                if (!plan.deferred || !needsJoin(idx, plan) || (digestBaseline && !digestsCover(plan))) continue;
                for (size_t m : plan.members) {
                    const LiveTable& lt = *liveById.at(report.tables[m].id);
                    LiveTableRequest req{lt.id, plan.liveColumns, lt.pages, false, lt.filter};
                    req.spill = plan.live.get();
                    again.push_back(std::move(req));
                    againOf.emplace_back(idx, m);
                }
            }
            if (!again.empty()) {
                WorkProgress::process().startPhase("reading differing tables again");
                const auto reread = fingerprintLiveTables(session, again);
                for (size_t i = 0; i < reread.size(); ++i) {
                    const auto& [idx, m] = againOf[i];
                    const TableVerdict& first = report.tables[m];
                    std::string why;
                    if (!reread[i].error.empty()) why = "could not be read again: " + reread[i].error;
                    else if (reread[i].fingerprint.rows != first.rows.value_or(0) || reread[i].fingerprint.hex() != first.fingerprint)
                        why = "read again at the same snapshot, " + first.id.display() + " held " + withThousands(reread[i].fingerprint.rows) +
                              " rows (fingerprint " + reread[i].fingerprint.hex() + "), not the " + withThousands(first.rows.value_or(0)) +
                              " (" + first.fingerprint + ") of the first read";
                    if (!why.empty() && !rereadErrors.count(idx)) rereadErrors[idx] = why;
                }
            }
        }
        // A snapshot's digests are read once, for every table that needs them, before the joins.
        std::map<size_t, std::unique_ptr<RowSpill>> digestSides;
        std::map<size_t, TableFingerprint> digestSums;  // what each table's digests add up to
        if (digestBaseline) {
            std::map<size_t, RowSpill*> byNumber;
            std::map<size_t, size_t> idxOfNumber;
            for (auto& [idx, plan] : rowPlans) {
                if (!needsJoin(idx, plan) || !digestsCover(plan)) continue;
                std::vector<size_t> numbers;
                for (const TableEntry* e : plan.entries) numbers.push_back(baseline.rowsIndex.at(e->id()));
                RowLayout layout = RowLayout::digestOf(plan.key.size());
                layout.contentIgnored = plan.keysOnly;
                auto spill = std::make_unique<RowSpill>(*spillFolder, "t" + std::to_string(idx) + ".base", std::move(layout), plan.partitions);
                for (size_t number : numbers) {
                    byNumber[number] = spill.get();
                    idxOfNumber[number] = idx;
                }
                digestSides[idx] = std::move(spill);
            }
            if (!byNumber.empty())
                for (const auto& [number, sum] : readRowDigests(baseline.rowsFile, baseline.path, baseline.rowsBinding, byNumber))
                {
                    TableFingerprint& total = digestSums[idxOfNumber.at(number)];  // a group's leaves add up
                    total.rows += sum.rows;
                    total.sum += sum.sum;
                }
        }
        // A phase of its own, for the tables that are joined.
        WorkProgress& progress = WorkProgress::process();
        uint64_t joins = 0;
        for (auto& [idx, plan] : rowPlans) joins += needsJoin(idx, plan) && (!digestBaseline || digestSides.count(idx));
        if (joins) progress.startPhase("comparing rows", "tables", joins);
        for (auto& [idx, plan] : rowPlans) {
            if (!needsJoin(idx, plan) || (digestBaseline && !digestSides.count(idx))) {
                plan.live.reset();
                continue;
            }
            const TableEntry& bt = *plan.entries.front();
            // A group is judged as one table (its counts summed), then its verdict goes to every leaf.
            TableVerdict groupVerdict;
            if (plan.grouped()) {
                groupVerdict.id = plan.id;
                groupVerdict.rows = 0;
                for (size_t m : plan.members) {
                    groupVerdict.baselineRows += report.tables[m].baselineRows;
                    *groupVerdict.rows += report.tables[m].rows.value_or(0);
                }
            }
            TableVerdict& v = plan.grouped() ? groupVerdict : report.tables[idx];
            try {
                using Clock = std::chrono::steady_clock;
                auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
                const auto joinStart = Clock::now();
                if (auto failed = rereadErrors.find(idx); failed != rereadErrors.end()) throw IncompleteError(failed->second);
                // Every side must hold the rows the figures were recorded from before its differences
                // count: the live side the rows counted, the digests the snapshot's count and fingerprint
                // (the archive's frames are checked against the manifest by readArchiveRows).
                if (plan.live->rows() != v.rows.value_or(0))
                    throw IncompleteError("the live rows of " + v.id.display() + " read for the comparison (" + withThousands(plan.live->rows()) +
                                          ") are not the rows counted (" + withThousands(v.rows.value_or(0)) + ")");
                std::unique_ptr<RowSpill> fromArchive;
                if (digestBaseline) {
                    const TableFingerprint& sum = digestSums[idx];
                    TableFingerprint recorded;  // the snapshot's figures of the table, or of the group's leaves
                    bool parsed = true;
                    for (const TableEntry* e : plan.entries) {
                        recorded.rows += e->rows;
                        auto f = TableFingerprint::parseHex(e->fingerprint);
                        if (f) recorded.sum += *f;
                        else parsed = false;
                    }
                    if (sum.rows != recorded.rows || !parsed || sum.hex() != recorded.hex())
                        throw IncompleteError("the row digests of " + v.id.display() + " in " + baseline.rowsFile.string() + " (" +
                                              withThousands(sum.rows) + " rows, fingerprint " + sum.hex() + ") do not add up to the snapshot's (" +
                                              withThousands(recorded.rows) + " rows, " + recorded.hex() +
                                              "): they belong to another snapshot or are damaged; take a new snapshot --rows");
                } else {
                    if (!archive) archive.emplace(baseline.path);
                    // Key-only like the live side: the first differences' rows are read again from their frames.
                    // A group's frames are numbered per leaf: its baseline side keeps whole rows instead.
                    RowLayout baseLayout = RowLayout::of(bt.columns, plan.key, plan.compared);
                    baseLayout.keyOnly = baseLayout.located = plan.live->layout().keyOnly && !plan.grouped();
                    fromArchive = std::make_unique<RowSpill>(*spillFolder, "t" + std::to_string(idx) + ".base", std::move(baseLayout), plan.partitions);
                    for (const TableEntry* e : plan.entries)
                        readArchiveRows(*archive, *e, o.jobs, [&](std::string_view rows, uint32_t frame) { return fromArchive->addRowsAt(rows, frame); });
                    fromArchive->finish();
                }
                const double archiveSeconds = since(joinStart);
                const RowSpill& before = digestBaseline ? *digestSides[idx] : *fromArchive;
                std::function<void(const RowDifference&)> onDifference;
                if (o.onDifference) onDifference = [&](const RowDifference& d) { o.onDifference(v.id, d); };
                // Key-only sides name their rows after the join: a callback (diff, every difference) then
                // gets them once they are complete, in the report's order.
                const bool keyOnly = plan.live->layout().keyOnly;
                RowDiffSummary summary = compareRows(before, bt.columns, *plan.live, plan.liveColumns, plan.key, plan.compared,
                                                     keyOnly && onDifference ? SIZE_MAX : o.rowCap, o.jobs, keyOnly ? nullptr : onDifference);
                summary.excluded = plan.excluded;
                const double compareSeconds = since(joinStart) - archiveSeconds;
                if (keyOnly) {
                    completeKeyOnlyRows(
                        summary, before, bt.columns, *plan.live, plan.liveColumns, plan.key, plan.compared,
                        [&](const std::vector<uint64_t>& at) { return archiveRowsAt(*archive, bt, at, o.jobs); },
                        // plan is captured by name: clang 14 (the fuzz build) cannot capture a structured binding.
                        [&, &plan = plan](const std::vector<std::vector<std::string>>& keys) {
                            std::vector<std::string> rows;
                            for (const TableEntry* e : plan.entries)  // a group's rows are in its leaves (ONLY the root holds none)
                                for (auto& row : fetchRowsByKey(session.leader(), e->id(), plan.liveColumns, plan.key, plan.filter, keys))
                                    rows.push_back(std::move(row));
                            return rows;
                        });
                    if (onDifference)
                        for (const auto& d : summary.rows) onDifference(d);
                    if (summary.rows.size() > o.rowCap) summary.rows.resize(o.rowCap);
                }
                unsigned differing = 0;
                if (spdlog::should_log(spdlog::level::debug))
                    for (unsigned p = 0; p < before.partitions(); ++p) differing += before.samePartition(*plan.live, p) ? 0 : 1;
                spdlog::debug("{}: rows compared in {:.2f} s ({} {:.2f} s, join {:.2f} s: {} of {} partitions differ, named rows "
                              "read back {:.2f} s)",
                              v.id.display(), since(joinStart), digestBaseline ? "snapshot digests" : "archive rows read", archiveSeconds,
                              compareSeconds, differing, before.partitions(), since(joinStart) - archiveSeconds - compareSeconds);
                std::string wholeTable = v.verdict == Verdict::Failed && v.reason.find("whole table") != std::string::npos ? v.reason : "";
                judgeRowDiff(v, o.mode, std::move(summary), plan.keysOnly);
                if (plan.compared.empty() && plan.key.empty()) {  // every row alike: the multiset is the count
                    v.checks.rows = TableChecks::Rows::None;  // every column declared changed, no key: nothing compared
                    sayCountOnly(v, "every column is declared changed and the table has no key");
                }
                if (!wholeTable.empty()) {
                    v.verdict = Verdict::Failed;
                    v.reason = wholeTable + "; " + v.reason;
                }
            } catch (const InterruptedError&) {
                throw;
            } catch (const PgproofError& e) {  // a damaged archive, a full temporary folder: nothing proven here
                if (e.code() == ExitCode::BadInput) throw;
                // A loss the counts proved already stays a failure; otherwise nothing is proven for the table.
                const std::string why = std::string("rows could not be compared: ") + e.what();
                v.rowsNotCompared = true;
                if (v.verdict == Verdict::Failed) {
                    v.reason += "; " + why;
                } else {
                    v.verdict = Verdict::Error;
                    v.reason = why;
                }
            }
            if (plan.grouped()) {
                for (size_t k = 0; k < plan.members.size(); ++k) {
                    TableVerdict& leaf = report.tables[plan.members[k]];
                    leaf.verdict = v.verdict;
                    leaf.content = v.content;
                    leaf.checks.rows = v.checks.rows;
                    leaf.rowsNotCompared = v.rowsNotCompared;
                    leaf.reason = "compared with the other partitions of " + plan.id.display() +
                                  " as one row set (loaded via the partition root, rows may move between them): " +
                                  withThousands(v.baselineRows) + " rows before, " + withThousands(v.rows.value_or(0)) + " now; " + v.reason;
                    // The group's differences once, under its first leaf: a row that moved is in no leaf of its own.
                    if (k == 0) leaf.rowDiff = v.rowDiff;
                }
            }
            plan.live.reset();
            progress.addDone();
        }
    }

    // Only the baseline's sequences: one the role cannot read elsewhere is none of this proof's business.
    std::set<QualifiedName> baselineSeqs;
    for (const auto& bs : baseline.sequences) baselineSeqs.insert(bs.id());
    auto liveSeqs = readLiveSequences(session.leader(), &baselineSeqs);
    std::map<QualifiedName, const LiveSequence*> seqById;
    for (const auto& s : liveSeqs) seqById[s.id] = &s;
    // "Went back" depends on the direction: a descending sequence moves on by going down.
    std::map<QualifiedName, bool> descending;
    auto incr = session.leader().exec(
        "SELECT n.nspname, c.relname, s.seqincrement < 0 FROM pg_catalog.pg_sequence s "
        "JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace",
        "reading sequence increments");
    for (int i = 0; i < incr.rows(); ++i) descending[{incr.value(i, 0), incr.value(i, 1)}] = incr.value(i, 2) == "t";
    for (const auto& bs : baseline.sequences) {
        SequenceVerdict sv;
        sv.id = bs.id();
        sv.baselineValue = bs.lastValue;
        auto it = seqById.find(sv.id);
        if (it == seqById.end()) {
            if (bs.ownedBy && o.plan && o.plan->declaresDroppedTable(*bs.ownedBy)) {
                sv.reason = "dropped with its table " + bs.ownedBy->display() + ", as the plan declares";
                report.sequences.push_back(sv);
                continue;
            }
            sv.verdict = Verdict::Failed;
            sv.reason = "sequence is missing";
        } else {
            const LiveSequence& ls = *it->second;
            sv.value = ls.lastValue;
            const bool down = descending.count(sv.id) && descending[sv.id];
            sv.move = sequenceMove(bs.lastValue, bs.isCalled, ls.lastValue, ls.isCalled, down);
            const bool behind = *sv.move == SequenceMove::Behind;
            if (behind && ls.lastValue != bs.lastValue) {
                sv.verdict = Verdict::Failed;
                sv.reason = "sequence went back from " + std::to_string(bs.lastValue) + " to " + std::to_string(ls.lastValue) +
                            " (new rows could reuse old ids)";
            } else if (behind) {
                sv.verdict = Verdict::Failed;
                sv.reason = "sequence was reset to hand out " + std::to_string(ls.lastValue) +
                            " again (setval with is_called false; new rows could reuse old ids)";
            }
        }
        report.sequences.push_back(sv);
    }
    verifyLargeObjects(baseline, o, session.leader(), report, spillFolder ? &*spillFolder : nullptr);
    session.finish();
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace pgproof
