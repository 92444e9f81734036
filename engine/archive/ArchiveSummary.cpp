#include "ArchiveSummary.hpp"

#include <fmt/format.h>

#include "ReportOutput.hpp"
#include "UtcTime.hpp"

namespace pgproof {

namespace {
std::string str(const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string("?");
}
}  // namespace

nlohmann::json archiveSummaryJson(const Manifest& m, const std::string& archive, uint64_t size) {
    nlohmann::json j = m.toJson();
    j["archive"] = {{"path", archive}, {"size", size}};
    return j;
}

std::string renderArchiveSummary(const Manifest& m, const std::string& archive, uint64_t size) {
    const auto& s = m.source;
    std::string source = s.value("from_stdin", false)
                             ? "a plain dump read from stdin"
                             : fmt::format("host {} port {} database {} user {}", str(s, "host"), str(s, "port"),
                                           str(s, "database"), str(s, "user"));
    const uint64_t raw = m.totalRawBytes();
    const double age = secondsSince(m.created);
    std::string text =
        fmt::format("archive   {} ({}, format v{}, pgproof {})\n", archive, humanBytes(size), m.formatVersion, m.toolVersion) +
        fmt::format("created   {} ({})\n", m.created, age < 0 ? std::string("unknown age") : describeAge(age) + " ago") +
        fmt::format("source    {}\n", source) +
        fmt::format("versions  server {}, pg_dump {}{}\n", str(s, "server_version"), str(s, "pg_dump_version"),
                    s.contains("pg_dump") && s["pg_dump"].is_object() ? " (" + str(s["pg_dump"], "path") + ")" : "") +
        fmt::format("contents  {}, {} rows, {} sequences, {} large objects{}\n", coverageSummary(m.tables.size(), m.notCovered),
                    withThousands(m.totalRows()), m.sequences.size(), m.largeObjects,
                    m.largeObjectsFingerprint.empty() && m.largeObjectsAtSnapshot.value_or(0) > 0
                        ? fmt::format(" (not covered: {} at the backup)", *m.largeObjectsAtSnapshot) : "") +
        fmt::format("size      {} of SQL in {} frames -> {} compressed (zstd level {}, {:.2f}x)\n", humanBytes(raw), m.frameCount(),
                    humanBytes(m.totalCompressedBytes()), m.compressionLevel,
                    m.totalCompressedBytes() ? static_cast<double>(raw) / static_cast<double>(m.totalCompressedBytes()) : 0.0) +
        "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : m.tables)
        rows.push_back({t.id().display(), std::to_string(t.columns.size()), withThousands(t.rows), humanBytes(t.rawBytes), t.fingerprint});
    for (const auto& u : m.notCovered)
        rows.push_back({u.id().display(), "-", u.rows ? withThousands(*u.rows) : "-", "-", "NOT COVERED (" + u.reason + ")"});
    return text + renderTextTable({"TABLE", "COLUMNS", "ROWS", "RAW", "FINGERPRINT"}, rows);
}

}  // namespace pgproof
