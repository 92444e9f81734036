// pgproof inspect: the manifest as a readable summary or as JSON.
#include <unistd.h>

#include <iostream>
#include <optional>

#include "ArchiveReader.hpp"
#include "ArchiveStream.hpp"
#include "ArchiveSummary.hpp"
#include "CommandLine.hpp"
#include "ReportOutput.hpp"

namespace pgproof::cli {

int runInspect(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string file;
    po::options_description desc("Options");
    desc.add_options()("file", po::value(&file)->value_name("FILE|-")->required(), "the archive, or - to read it from stdin")(
        "json", po::value(&flags.json)->value_name("FILE|-")->implicit_value("-"),
        "write the manifest as JSON (docs/ARCHIVE.md) to FILE, or - (the default when the option ends the line) for stdout");
    addCommonFlags(desc, flags, false);
    po::positional_options_description pos;
    pos.add("file", 1);
    auto vm = parseOptions("inspect", "pgproof inspect FILE|- [--json FILE|-]",
                           "Shows what an archive holds: source, creation time and age, sizes, and every table's rows and\n"
                           "fingerprint. Reads only the trailer and the manifest (fast); use 'pgproof check' to prove the data.\n"
                           "With -, the archive is read from stdin to its end (frames are skipped, not decompressed): the\n"
                           "manifest comes last.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    std::optional<ArchiveReader> reader;
    std::optional<ArchiveStream> stream;
    uint64_t size = 0;
    if (file == "-") {
        stream.emplace(STDIN_FILENO, "the archive on standard input");
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
        writeReportDocument(flags.json, archiveSummaryJson(m, file, size));  // UTF-8, names converted from the archive's encoding
        if (flags.json == "-" || flags.quiet) return 0;
    }
    std::cout << renderArchiveSummary(m, file, size);
    return 0;
}

}  // namespace pgproof::cli
