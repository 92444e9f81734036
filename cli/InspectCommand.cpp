// pgproof inspect: the manifest as a readable summary or as JSON.
#include <iostream>

#include "ArchiveSummary.hpp"
#include "OpenedArchive.hpp"
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
    OpenedArchive archive(file);
    archive.readToManifest();  // a stream: to its end, frames skipped (the manifest comes last)
    const uint64_t size = archive.size();
    const Manifest& m = archive.manifest();
    if (!flags.json.empty()) {
        writeReportDocument(flags.json, archiveSummaryJson(m, file, size));  // UTF-8, names converted from the archive's encoding
        if (flags.json == "-" || flags.quiet) return 0;
    }
    std::cout << renderArchiveSummary(m, file, size);
    return 0;
}

}  // namespace pgproof::cli
