#include "LiveSnapshot.hpp"

#include <chrono>

#include "Backup.hpp"
#include "DatabaseLocale.hpp"
#include "Errors.hpp"
#include "LiveCatalog.hpp"
#include "LiveLargeObjects.hpp"
#include "Manifest.hpp"
#include "RowDigests.hpp"
#include "WorkProgress.hpp"

namespace pgproof {

nlohmann::json describeSource(const PgConnection& conn) {
    auto info = conn.exec("SELECT pg_catalog.current_database(), current_user, pg_catalog.current_setting('server_version')",
                          "reading the server version");
    nlohmann::json source = {{"host", PQhost(conn.get()) ? PQhost(conn.get()) : ""},
                              {"port", PQport(conn.get()) ? PQport(conn.get()) : ""},
                              {"database", info.value(0, 0)},
                              {"user", info.value(0, 1)},
                              {"server_version", info.value(0, 2)}};
    DatabaseLocale::read(conn).addTo(source);
    return source;
}

LiveSnapshotResult takeLiveSnapshot(const LiveSnapshotOptions& o) {
    auto start = std::chrono::steady_clock::now();
    SnapshotSession session(ConnectionTarget::resolve(o.db), o.jobs, "pgproof snapshot", SnapshotSessionOptions{.lockWaitTimeout = o.lockWaitTimeout});
    const auto& live = session.tables();
    auto sequences = readLiveSequences(session.leader());
    nlohmann::json plan;
    if (o.atSnapshot) plan = o.atSnapshot(session.leader());
    std::vector<LiveTableRequest> requests;
    std::optional<RowDigestFile> digests;
    std::vector<std::unique_ptr<RowSink>> digestSinks;
    if (!o.rowsFile.empty()) digests.emplace(o.rowsFile);
    for (const auto& t : live) {
        LiveTableRequest r{t.id, {}, t.pages, o.countsOnly, t.filter};
        for (const auto& c : t.columns) r.columns.push_back(c.name);
        if (digests) {
            digestSinks.push_back(digests->table(requests.size(), r.columns, t.key));
            r.spill = digestSinks.back().get();
        }
        requests.push_back(std::move(r));
    }
    LiveSnapshotResult result;
    WorkProgress::process().startPhase(o.countsOnly ? "counting rows" : "fingerprinting");
    result.tables = fingerprintLiveTables(session, requests);
    for (const auto& t : result.tables)
        if (!t.error.empty()) throw IncompleteError("table " + t.id.display() + " could not be read: " + t.error);
    if (digests) {
        digests->commit();
        result.rowsFileBytes = digests->bytes();
    }
    nlohmann::json doc = {
        {"format", "pgproof-snapshot"},
        {"format_version", 1},
        {"tool_version", PGPROOF_VERSION},
        {"created", utcNow()},
        {"source", describeSource(session.leader())},
        {"settings", pinnedSettingsJson(session.settings().clientEncoding, session.settings().lcMonetary, true)},
        {"counts_only", o.countsOnly},
    };
    doc["source"]["snapshot"] = session.snapshotId();
    // The row digests live beside the snapshot, named relative to it; without them verify and diff can
    // prove counts and fingerprints but cannot name rows.
    // The file is bound to this snapshot by its id, size and checksum: a .rows.zst found beside the
    // snapshot later (another snapshot's, emptied, cut short) is refused, never trusted.
    if (digests) {
        const RowDigestBinding binding = digests->binding();
        doc["rows_file"] = o.rowsFile.filename().string();
        doc["rows_file_id"] = binding.id;
        doc["rows_file_bytes"] = binding.bytes;
        doc["rows_file_checksum"] = binding.checksum;
    }
    nlohmann::json tables = nlohmann::json::array();
    for (size_t i = 0; i < live.size(); ++i) {
        const auto& r = result.tables[i];
        nlohmann::json t = {{"schema", live[i].id.schema}, {"name", live[i].id.name}, {"columns", requests[i].columns}};
        nlohmann::json types = nlohmann::json::array();
        for (const auto& c : live[i].columns) types.push_back(c.type);
        t["types"] = types;
        t["rows"] = r.fingerprint.rows;
        if (!live[i].key.empty()) t["key"] = live[i].key;
        if (r.fingerprinted) t["fingerprint"] = r.fingerprint.hex();
        tables.push_back(t);
    }
    doc["tables"] = tables;
    nlohmann::json seqs = nlohmann::json::array();
    for (const auto& s : sequences) seqs.push_back(sequenceToJson({s.id.schema, s.id.name, s.lastValue, s.isCalled, s.ownedBy}));
    doc["sequences"] = seqs;
    // Large objects (oid and data) at the same snapshot; a count alone with --counts-only.
    if (o.countsOnly) {
        doc["large_objects"] = countLiveLargeObjects(session.leader());
    } else {
        TableFingerprint lo = fingerprintLiveLargeObjects(session.leader());
        doc["large_objects"] = lo.rows;
        doc["large_objects_fingerprint"] = lo.hex();
    }
    doc["large_objects_at_snapshot"] = doc["large_objects"];
    if (!plan.is_null()) doc["plan"] = plan;
    session.finish();
    result.document = std::move(doc);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

}  // namespace pgproof
