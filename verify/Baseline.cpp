#include "Baseline.hpp"

#include <fstream>
#include <sstream>

#include "ArchiveFormat.hpp"
#include "ArchiveReader.hpp"
#include "OpenedArchive.hpp"
#include "Errors.hpp"
#include "JsonFields.hpp"
#include "OutputEncoding.hpp"
#include "S3ObjectSource.hpp"
#include "S3Url.hpp"

namespace pgproof {

Baseline Baseline::fromManifest(const std::filesystem::path& path, const Manifest& m) {
    Baseline b;
    b.kind = "archive";
    b.path = path;
    b.created = m.created;
    b.source = m.source;
    b.settings = m.settings;
    b.tables = m.tables;
    b.sequences = m.sequences;
    b.notCovered = m.notCovered;
    b.largeObjectsFingerprint = m.largeObjectsFingerprint;
    b.largeObjects = m.largeObjects;
    b.largeObjectsAtSnapshot = m.largeObjectsAtSnapshot;
    b.plan = m.plan;
    return b;
}

Baseline Baseline::load(const std::filesystem::path& path) {
    const std::string p = path.string();
    // An object is read by ranged GETs: the archive's end (trailer and manifest) is all a baseline needs.
    if (S3Url::is(p)) {
        auto source = openArchiveObject(p);
        unsigned char head[4] = {};
        if (source->size() >= 4) source->readAt(head, 4, 0);
        if (source->size() < 4 || archive::getLE32(head) != archive::kZstdFrameMagic)
            throw BadInputError("baseline " + p + " is not a pgproof archive: a snapshot file is read from disk (aws s3 cp " + p + " .)");
        return fromManifest(path, ArchiveReader(std::move(source)).manifest());
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw BadInputError("cannot open baseline " + p + ": no such file or not readable");
    unsigned char magic[4] = {};
    in.read(reinterpret_cast<char*>(magic), 4);
    Baseline b;
    b.path = path;
    // An archive, plain or age-encrypted: the one opener tells them apart (an encrypted one comes back as a
    // stream through age, read once to its manifest at the end; age authenticates every byte on the way).
    // (A snapshot may come from a pipe, which no archive source reads: only a regular file is asked.)
    std::error_code ec;
    auto source = std::filesystem::is_regular_file(path, ec) ? openArchiveSource(p) : nullptr;
    if (source && (!source->randomAccess() || (in.gcount() == 4 && archive::getLE32(magic) == archive::kZstdFrameMagic))) {
        OpenedArchive archive(std::move(source));
        archive.readToManifest();
        Baseline fromArchive = fromManifest(path, archive.manifest());
        fromArchive.encrypted = archive.source().encrypted();
        return fromArchive;
    }
    in.clear();
    in.seekg(0);
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(ss.str());
    } catch (const std::exception&) {
        throw BadInputError("baseline " + p + " is neither a pgproof archive nor a pgproof snapshot (JSON)");
    }
    if (!j.is_object() || j.value("format", nlohmann::json()) != "pgproof-snapshot")  // as JSON: any type compares
        throw BadInputError("baseline " + p + " is JSON but not a pgproof snapshot (\"format\": \"pgproof-snapshot\" missing)");
    if (j.value("format_version", nlohmann::json()) != 1)
        throw BadInputError("baseline " + p + " is a snapshot of format version " + j.value("format_version", nlohmann::json()).dump() +
                            "; this pgproof reads version 1");
    try {
        // The file is UTF-8; names go back to the encoding the snapshot records (settings.client_encoding).
        TextEncoding encoding = TextEncoding::ofSettings(j.value("settings", nlohmann::json::object()));
        j = encoding.documentFromUtf8(j);
        OutputEncoding::setData(encoding);
        b.kind = "snapshot";
        b.created = j.value("created", "");
        b.source = j.value("source", nlohmann::json::object());
        b.settings = j.value("settings", nlohmann::json::object());
        b.hasFingerprints = !j.value("counts_only", false);
        size_t index = 0;
        for (const auto& t : j.at("tables")) {
            if (t.value("covered", true)) {
                b.tables.push_back(tableFromJson(t));
                b.rowsIndex[b.tables.back().id()] = index;
            } else {
                b.notCovered.push_back(uncoveredFromJson(t));
            }
            ++index;
        }
        if (j.contains("rows_file")) {
            std::filesystem::path name = j.at("rows_file").get<std::string>();
            if (name.has_parent_path() || name.empty()) throw std::runtime_error("rows_file must be a file name beside the snapshot");
            b.rowsFile = path.parent_path() / name;
            if (j.contains("rows_file_id") || j.contains("rows_file_bytes") || j.contains("rows_file_checksum")) {
                RowDigestBinding binding{j.at("rows_file_id").get<std::string>(), integerField<uint64_t>(j.at("rows_file_bytes"), "rows_file_bytes"),
                                         j.at("rows_file_checksum").get<std::string>()};
                if (!TableFingerprint::parseHex(binding.id) || !TableFingerprint::parseHex(binding.checksum))
                    throw std::runtime_error("rows_file_id and rows_file_checksum must be 32 hex digits");
                b.rowsBinding = binding;
            }
        }
        b.largeObjectsFingerprint = j.value("large_objects_fingerprint", std::string());
        b.largeObjects = integerField<uint64_t>(j, "large_objects", 0);
        if (j.contains("large_objects_at_snapshot")) b.largeObjectsAtSnapshot = integerField<uint64_t>(j.at("large_objects_at_snapshot"), "large_objects_at_snapshot");
        for (const auto& s : j.value("sequences", nlohmann::json::array())) b.sequences.push_back(sequenceFromJson(s));
        if (j.contains("plan")) b.plan = j.at("plan");
    } catch (const std::exception& e) {
        throw BadInputError("baseline " + p + " is a malformed snapshot: " + e.what());
    }
    return b;
}

}  // namespace pgproof
