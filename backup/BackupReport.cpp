#include "BackupReport.hpp"

#include <fmt/format.h>

namespace pgproof {

namespace {

bool withRolePasswords(const GlobalsResult& g) { return g.manifest.source.value("role_passwords", true); }

}  // namespace

nlohmann::json backupJson(const BackupResult& r, const std::string& archive, const SettledOutcome& s, const GlobalsResult* globals) {
    const Manifest& m = r.manifest;
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& t : m.tables) tables.push_back({{"schema", t.schema}, {"name", t.name}, {"rows", t.rows}, {"fingerprint", t.fingerprint}});
    nlohmann::json j = {{"report", "pgproof-backup"}, {"report_version", 1}, {"verdict", outcomeName(s.outcome)}, {"exit_code", s.exitCode()},
                        {"archive", {{"path", archive}, {"bytes", r.archiveBytes}, {"raw_bytes", m.totalRawBytes()}, {"frames", m.frameCount()}}},
                        {"tables", tables}, {"sequences", m.sequences.size()}, {"large_objects", m.largeObjects}, {"seconds", r.seconds}};
    j["globals"] = globals ? nlohmann::json{{"path", globals->path.string()}, {"bytes", globals->bytes}, {"roles", globals->roles},
                                            {"role_passwords", withRolePasswords(*globals)}}
                           : nlohmann::json();
    if (!s.error().empty()) j["error"] = s.error();
    return j;
}

std::string backupJUnit(const BackupResult& r, const std::string& archive, const SettledOutcome& s) {
    std::vector<JUnitCase> cases;
    appendOutcomeCase(cases, s, "pgproof.backup");
    for (const auto& t : r.manifest.tables) cases.push_back({"pgproof.backup.tables", t.id().display(), false, false, "", "", 0});
    return renderJUnit("pgproof backup " + archive, cases, r.seconds);
}

std::string renderBackupText(const BackupResult& r, const std::string& archive, const SettledOutcome& s, TextDetail detail,
                             const GlobalsResult* globals) {
    const Manifest& m = r.manifest;
    std::string text;
    if (detail.quiet && s.outcome == Outcome::Proven) return text;
    if (s.outcome != Outcome::Proven) text += s.headline() + ": " + s.error() + "\n";
    if (detail.quiet) return text;
    const uint64_t raw = m.totalRawBytes();
    text += "backup " + archive + ": " + coverageSummary(m.tables.size(), m.notCovered) + ", " + withThousands(m.totalRows()) + " rows, " +
            std::to_string(m.sequences.size()) + " sequences, " + std::to_string(m.largeObjects) + " large objects\n";
    if (globals)
        text += "globals " + globals->path.string() + ": " + std::to_string(globals->roles.size()) + " roles" +
                (withRolePasswords(*globals) ? "" : " (without passwords)") + "\n";
    text += fmt::format("  {} of SQL -> {} ({:.2f}x) in {:.2f} s, {} frames\n", humanBytes(raw), humanBytes(r.archiveBytes),
                        r.archiveBytes ? static_cast<double>(raw) / static_cast<double>(r.archiveBytes) : 0.0, r.seconds, m.frameCount());
    if (detail.verbose) {
        std::vector<std::vector<std::string>> rows;
        for (const auto& t : m.tables) rows.push_back({t.id().display(), withThousands(t.rows), t.fingerprint});
        text += renderTextTable({"TABLE", "ROWS", "FINGERPRINT"}, rows);
    }
    return text;
}

std::optional<std::string> uncoveredCounts(const Manifest& m) {
    std::optional<std::string> partial;
    if (!m.notCovered.empty()) partial = fmt::format("{} of {} tables not covered", m.notCovered.size(), m.tables.size());
    if (m.largeObjectsAtSnapshot && *m.largeObjectsAtSnapshot > m.largeObjects)
        partial = partial.value_or("") + (partial ? "; " : "") +
                  fmt::format("{} of {} large objects not covered", *m.largeObjectsAtSnapshot - m.largeObjects, *m.largeObjectsAtSnapshot);
    return partial;
}

}  // namespace pgproof
