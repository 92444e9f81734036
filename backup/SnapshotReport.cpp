#include "SnapshotReport.hpp"

#include <fmt/format.h>

namespace pgproof {

nlohmann::json snapshotJson(const LiveSnapshotResult& r, const SnapshotRequest& q, const SettledOutcome& s) {
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& t : r.tables) {
        nlohmann::json tj = {{"schema", t.id.schema}, {"name", t.id.name}, {"rows", t.fingerprint.rows}};
        if (t.fingerprinted) tj["fingerprint"] = t.fingerprint.hex();
        tables.push_back(tj);
    }
    nlohmann::json j = {{"report", "pgproof-snapshot"}, {"report_version", 1}, {"verdict", outcomeName(s.outcome)}, {"exit_code", s.exitCode()},
                        {"output", q.output}, {"counts_only", q.countsOnly},
                        {"rows_file", q.rowsFile.empty() ? nlohmann::json(nullptr) : nlohmann::json(q.rowsFile)}, {"tables", tables},
                        {"seconds", r.seconds}};
    if (!s.error().empty()) j["error"] = s.error();
    return j;
}

std::string snapshotJUnit(const LiveSnapshotResult& r, const SnapshotRequest& q, const SettledOutcome& s) {
    std::vector<JUnitCase> cases;
    appendOutcomeCase(cases, s, "pgproof.snapshot");
    for (const auto& t : r.tables) cases.push_back({"pgproof.snapshot.tables", t.id.display(), false, false, "", "", t.seconds});
    return renderJUnit("pgproof snapshot " + q.output, cases, r.seconds);
}

std::string renderSnapshotText(const LiveSnapshotResult& r, const SnapshotRequest& q, const SettledOutcome& s, TextDetail detail) {
    std::string text;
    if (s.outcome != Outcome::Proven) text += s.headline() + ": " + s.error() + "\n";
    if (detail.quiet || q.output == "-") return text;
    if (detail.verbose) {
        std::vector<std::vector<std::string>> table;
        for (const auto& t : r.tables)
            table.push_back({t.id.display(), withThousands(t.fingerprint.rows), t.fingerprinted ? t.fingerprint.hex() : "-"});
        text += renderTextTable({"TABLE", "ROWS", "FINGERPRINT"}, table);
    }
    uint64_t totalRows = 0;
    for (const auto& t : r.tables) totalRows += t.fingerprint.rows;
    text += fmt::format("snapshot {}: {} tables, {} rows{} in {:.2f} s on {} connections\n", q.output, r.tables.size(),
                        withThousands(totalRows), q.countsOnly ? " (counts only)" : ", fingerprinted", r.seconds, q.connections);
    if (!q.rowsFile.empty())
        text += fmt::format("row digests {}: {} ({:.1f} bytes per row): verify and diff can name lost, added and changed rows\n",
                            q.rowsFile, humanBytes(r.rowsFileBytes),
                            totalRows ? static_cast<double>(r.rowsFileBytes) / static_cast<double>(totalRows) : 0.0);
    else
        text += "counts and fingerprints only: verify proves them; to name rows that differ, use an archive or snapshot --rows\n";
    return text;
}

}  // namespace pgproof
