#include "Manifest.hpp"

#include <stdexcept>

#include "DumpSplitter.hpp"
#include "JsonFields.hpp"

namespace pgproof {



using nlohmann::json;

std::optional<QualifiedName> TableEntry::copyTarget() const {
    if (copyLine.empty()) return id();
    auto target = parseCopyLine(copyLine);
    if (!target) return std::nullopt;
    return target->id;
}

uint64_t Manifest::totalRows() const {
    uint64_t n = 0;
    for (const auto& t : tables) n += t.rows;
    return n;
}

uint64_t Manifest::totalRawBytes() const {
    uint64_t n = 0;
    for (const auto& s : segments)
        for (const auto& f : s.frames) n += f.raw;
    return n;
}

uint64_t Manifest::totalCompressedBytes() const {
    uint64_t n = 0;
    for (const auto& s : segments)
        for (const auto& f : s.frames) n += f.compressed;
    return n;
}

size_t Manifest::frameCount() const {
    size_t n = 0;
    for (const auto& s : segments) n += s.frames.size();
    return n;
}

json tableToJson(const TableEntry& t) {
    json j = {{"schema", t.schema}, {"name", t.name},     {"columns", t.columns},
              {"rows", t.rows},     {"fingerprint", t.fingerprint}};
    if (!t.types.empty()) j["types"] = t.types;
    if (t.rawBytes) j["raw_bytes"] = t.rawBytes;
    if (t.segment >= 0) j["segment"] = t.segment;
    if (!t.copyLine.empty()) j["copy"] = t.copyLine;
    if (t.rowsTotal) j["rows_total"] = *t.rowsTotal;
    if (!t.filter.empty()) j["filter"] = t.filter;
    if (!t.key.empty()) j["key"] = t.key;
    return j;
}

json sequenceToJson(const SequenceEntry& s) {
    json j = {{"schema", s.schema}, {"name", s.name}, {"last_value", s.lastValue}, {"is_called", s.isCalled}};
    if (s.ownedBy) j["owned_by"] = {{"schema", s.ownedBy->schema}, {"name", s.ownedBy->name}};
    return j;
}

SequenceEntry sequenceFromJson(const json& j) {
    SequenceEntry s{j.at("schema").get<std::string>(), j.at("name").get<std::string>(), integerField<int64_t>(j.at("last_value"), "last_value"),
                    j.at("is_called").get<bool>(), std::nullopt};
    if (j.contains("owned_by"))
        s.ownedBy = QualifiedName{j["owned_by"].at("schema").get<std::string>(), j["owned_by"].at("name").get<std::string>()};
    return s;
}

TableEntry tableFromJson(const json& j) {
    TableEntry t;
    t.schema = j.at("schema").get<std::string>();
    t.name = j.at("name").get<std::string>();
    t.columns = j.at("columns").get<std::vector<std::string>>();
    if (j.contains("types")) t.types = j.at("types").get<std::vector<std::string>>();
    t.rows = integerField<uint64_t>(j.at("rows"), "rows");
    t.fingerprint = j.value("fingerprint", std::string());  // absent in --counts-only snapshots
    t.rawBytes = integerField<uint64_t>(j, "raw_bytes", 0);
    t.segment = integerField<int>(j, "segment", -1);
    t.copyLine = j.value("copy", std::string());
    if (j.contains("rows_total")) t.rowsTotal = integerField<uint64_t>(j.at("rows_total"), "rows_total");
    t.filter = j.value("filter", std::string());
    if (j.contains("key")) t.key = j.at("key").get<std::vector<std::string>>();
    return t;
}

json uncoveredToJson(const UncoveredTable& t) {
    json j = {{"schema", t.schema}, {"name", t.name}, {"covered", false}, {"reason", t.reason}};
    j["rows_total"] = t.rows ? json(*t.rows) : json(nullptr);
    return j;
}

UncoveredTable uncoveredFromJson(const json& j) {
    UncoveredTable t{j.at("schema").get<std::string>(), j.at("name").get<std::string>(), std::nullopt,
                     j.value("reason", std::string("not covered"))};
    if (j.contains("rows_total") && !j["rows_total"].is_null()) t.rows = integerField<uint64_t>(j["rows_total"], "rows_total");
    return t;
}

std::string coverageSummary(size_t covered, const std::vector<UncoveredTable>& notCovered, size_t listAtMost) {
    if (notCovered.empty()) return std::to_string(covered) + " tables";
    std::string out = std::to_string(covered) + " of " + std::to_string(covered + notCovered.size()) + " tables; " +
                      std::to_string(notCovered.size()) + " not covered: ";
    for (size_t i = 0; i < notCovered.size() && i < listAtMost; ++i)
        out += (i ? ", " : "") + notCovered[i].id().display() + " (" + notCovered[i].reason + ")";
    if (notCovered.size() > listAtMost) out += ", ...";
    return out;
}

json Manifest::toJson() const {
    json segs = json::array();
    for (const auto& s : segments) {
        json frames = json::array();
        for (const auto& f : s.frames) {
            json fj = {{"offset", f.offset}, {"compressed", f.compressed}, {"raw", f.raw}};
            if (s.kind == SegmentEntry::Kind::Rows) fj["rows"] = f.rows;
            frames.push_back(fj);
        }
        json sj = {{"kind", s.kind == SegmentEntry::Kind::Rows ? "rows" : "sql"}, {"frames", frames}};
        if (s.table >= 0) sj["table"] = s.table;
        segs.push_back(sj);
    }
    json tabs = json::array();
    for (const auto& t : tables) tabs.push_back(tableToJson(t));
    // Tables not covered come last, so the indexes segments and TOC entries use stay those of `tables`.
    for (const auto& t : notCovered) tabs.push_back(uncoveredToJson(t));
    json seqs = json::array();
    for (const auto& s : sequences) seqs.push_back(sequenceToJson(s));
    json j = {
        {"format", "pgproof-archive"},
        {"format_version", formatVersion},
        {"tool_version", toolVersion},
        {"created", created},
        {"source", source},
        {"settings", settings},
        {"compression", {{"codec", "zstd"}, {"level", compressionLevel}, {"checksums", true}}},
        {"fingerprint", {{"version", 1}, {"row_hash", "xxh3-128"}, {"seed", 0}, {"combine", "sum mod 2^128"}}},
        {"segments", segs},
        {"tables", tabs},
        {"sequences", seqs},
        {"large_objects", largeObjects},
        {"toc", tocToJson(toc)},
        {"totals",
         {{"tables", tables.size()},
          {"tables_not_covered", notCovered.size()},
          {"rows", totalRows()},
          {"raw_bytes", totalRawBytes()},
          {"compressed_bytes", totalCompressedBytes()},
          {"frames", frameCount()},
          {"segments", segments.size()}}},
    };
    if (!largeObjectsFingerprint.empty()) j["large_objects_fingerprint"] = largeObjectsFingerprint;
    if (largeObjectsAtSnapshot) j["large_objects_at_snapshot"] = *largeObjectsAtSnapshot;
    if (!plan.is_null()) j["plan"] = plan;
    return j;
}

Manifest Manifest::fromJson(const json& j) {
    if (j.at("format").get<std::string>() != "pgproof-archive") throw std::runtime_error("not a pgproof archive manifest");
    Manifest m;
    m.formatVersion = integerField<uint32_t>(j.at("format_version"), "format_version");
    m.toolVersion = j.value("tool_version", std::string());
    m.created = j.value("created", std::string());
    m.source = j.value("source", json::object());
    m.settings = j.value("settings", json::object());
    m.compressionLevel = j.at("compression").contains("level") ? integerField<int>(j.at("compression").at("level"), "level") : 3;
    for (const auto& sj : j.at("segments")) {
        SegmentEntry s;
        s.kind = sj.at("kind").get<std::string>() == "rows" ? SegmentEntry::Kind::Rows : SegmentEntry::Kind::Sql;
        s.table = sj.contains("table") ? integerField<int>(sj.at("table"), "table") : -1;
        for (const auto& fj : sj.at("frames"))
            s.frames.push_back({integerField<uint64_t>(fj.at("offset"), "offset"), integerField<uint64_t>(fj.at("compressed"), "compressed"),
                                integerField<uint64_t>(fj.at("raw"), "raw"), fj.contains("rows") ? integerField<uint64_t>(fj.at("rows"), "rows") : uint64_t{0}});
        m.segments.push_back(std::move(s));
    }
    for (const auto& tj : j.at("tables")) {
        if (tj.value("covered", true)) m.tables.push_back(tableFromJson(tj));
        else m.notCovered.push_back(uncoveredFromJson(tj));
    }
    if (j.contains("toc")) m.toc = tocFromJson(j.at("toc"));
    m.largeObjectsFingerprint = j.value("large_objects_fingerprint", std::string());
    if (j.contains("large_objects_at_snapshot")) m.largeObjectsAtSnapshot = integerField<uint64_t>(j.at("large_objects_at_snapshot"), "large_objects_at_snapshot");
    for (const auto& sj : j.value("sequences", json::array())) m.sequences.push_back(sequenceFromJson(sj));
    m.largeObjects = integerField<uint64_t>(j, "large_objects", 0);
    if (j.contains("plan")) m.plan = j.at("plan");
    for (const auto& s : m.segments)
        if (s.kind == SegmentEntry::Kind::Rows && (s.table < 0 || static_cast<size_t>(s.table) >= m.tables.size()))
            throw std::runtime_error("manifest names a table that is not listed");
    for (const auto& e : m.toc)
        if (e.table >= 0 && static_cast<size_t>(e.table) >= m.tables.size())
            throw std::runtime_error("the manifest's table of contents names a table that is not listed");
    return m;
}

}  // namespace pgproof
