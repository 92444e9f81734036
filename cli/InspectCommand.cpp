// pgproof inspect: the manifest as a readable summary or as JSON.
#include <fmt/format.h>

#include <ctime>
#include <iostream>

#include <unistd.h>

#include <optional>

#include "ArchiveReader.hpp"
#include "ArchiveStream.hpp"
#include "UtcTime.hpp"
#include "CommandLine.hpp"
#include "ReportOutput.hpp"

namespace pgproof::cli {

namespace {
std::string str(const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string("?");
}
}  // namespace

int runInspect(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string file;
    po::options_description desc("Options");
    desc.add_options()("file", po::value(&file)->value_name("FILE|-")->required(), "the archive, or - to read it from stdin")(
        "json", po::value(&flags.json)->value_name("FILE|-")->implicit_value("-"),
        "write the manifest as JSON (docs/ARCHIVE.md) to FILE, or - (the default when the option ends the line) for stdout");
    addCommonFlags(desc, flags, false);
    addIdentityFlag(desc);
    po::positional_options_description pos;
    pos.add("file", 1);
    auto vm = parseOptions("inspect", "pgproof inspect FILE|- [--identity FILE] [--json FILE|-]",
                           "Shows what an archive holds: source, creation time and age, sizes, and every table's rows and\n"
                           "fingerprint. Reads only the trailer and the manifest (fast); use 'pgproof check' to prove the data.\n"
                           "With -, the archive is read from stdin to its end (frames are skipped, not decompressed): the\n"
                           "manifest comes last.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    std::optional<ArchiveReader> reader;
    std::unique_ptr<ArchiveStream> stream;
    uint64_t size = 0;
    if (ArchiveStream::readsAsStream(file)) {  // stdin, or an encrypted archive through age
        stream = ArchiveStream::open(file);
        std::string frame;
        uint64_t offset = 0;
        while (stream->next(frame, offset)) {
        }
        size = stream->bytesRead();
    } else {
        reader.emplace(file);
        size = reader->fileSize();
    }
    const Manifest& m = reader ? reader->manifest() : stream->manifest();
    if (!flags.json.empty()) {
        nlohmann::json j = m.toJson();
        j["archive"] = {{"path", file}, {"size", size}};
        writeReportDocument(flags.json, j);  // UTF-8, names converted from the archive's encoding
        if (flags.json == "-" || flags.quiet) return 0;
    }
    const auto& s = m.source;
    std::string source = s.value("from_stdin", false)
                             ? "a plain dump read from stdin"
                             : fmt::format("host {} port {} database {} user {}", str(s, "host"), str(s, "port"),
                                           str(s, "database"), str(s, "user"));
    uint64_t raw = m.totalRawBytes();
    std::cout << fmt::format("archive   {} ({}, format v{}, pgproof {})\n", file, humanBytes(size),
                             m.formatVersion, m.toolVersion)
              << fmt::format("created   {} ({})\n", m.created, secondsSince(m.created) < 0 ? std::string("unknown age") : describeAge(secondsSince(m.created)) + " ago")
              << fmt::format("source    {}\n", source)
              << fmt::format("versions  server {}, pg_dump {}{}\n", str(s, "server_version"), str(s, "pg_dump_version"),
                             s.contains("pg_dump") && s["pg_dump"].is_object() ? " (" + str(s["pg_dump"], "path") + ")" : "")
              << fmt::format("contents  {}, {} rows, {} sequences, {} large objects{}\n", coverageSummary(m.tables.size(), m.notCovered),
                             withThousands(m.totalRows()), m.sequences.size(), m.largeObjects,
                             m.largeObjectsFingerprint.empty() && m.largeObjectsAtSnapshot.value_or(0) > 0
                                 ? fmt::format(" (not covered: {} at the backup)", *m.largeObjectsAtSnapshot) : "")
              << fmt::format("size      {} of SQL in {} frames -> {} compressed (zstd level {}, {:.2f}x)\n",
                             humanBytes(raw), m.frameCount(), humanBytes(m.totalCompressedBytes()), m.compressionLevel,
                             m.totalCompressedBytes() ? static_cast<double>(raw) / static_cast<double>(m.totalCompressedBytes()) : 0.0)
              << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : m.tables)
        rows.push_back({t.id().display(), std::to_string(t.columns.size()), withThousands(t.rows), humanBytes(t.rawBytes),
                        t.fingerprint});
    for (const auto& u : m.notCovered)
        rows.push_back({u.id().display(), "-", u.rows ? withThousands(*u.rows) : "-", "-", "NOT COVERED (" + u.reason + ")"});
    std::cout << renderTextTable({"TABLE", "COLUMNS", "ROWS", "RAW", "FINGERPRINT"}, rows);
    return 0;
}

}  // namespace pgproof::cli
