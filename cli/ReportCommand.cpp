// pgproof report: the repository as one self-contained HTML page (repository/HtmlReport).
#include <spdlog/spdlog.h>

#include <ctime>
#include <iostream>

#include "AtomicFile.hpp"
#include "CommandLine.hpp"
#include "Errors.hpp"
#include "HtmlReport.hpp"
#include "ProgressLine.hpp"
#include "RepositoryStatus.hpp"
#include "RepositoryStore.hpp"
#include "ServerRun.hpp"
#include "UtcTime.hpp"

namespace pgproof::cli {

int runReport(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string dir, output, maxAge = "24h", maxDrillAge = "92d";
    po::options_description desc("Options");
    desc.add_options()("repo", po::value(&dir)->value_name("DIR|s3://BUCKET/PREFIX")->required(), "the repository: a folder or a bucket prefix")(
        "output,o", po::value(&output)->value_name("FILE")->required(), "the HTML page to write (an existing FILE is refused unless --force)")(
        "max-age", po::value(&maxAge)->value_name("DURATION"), "as status: a proven backup older than this is stale (default 24h)")(
        "max-drill-age", po::value(&maxDrillAge)->value_name("DURATION|off"), "as status: a drill older than this is stale (default 92d)");
    addCommonFlags(desc, flags, false);
    addOutputFlags(desc, flags);
    po::positional_options_description pos;
    pos.add("repo", 1);
    auto vm = parseOptions("report", "pgproof report DIR|s3://BUCKET/PREFIX -o report.html [--force] [--max-age 24h] [--max-drill-age 92d|off]",
                           "Writes one self-contained HTML page about the repository (inline CSS and SVG, no script, nothing\n"
                           "fetched): what is stale, unproven or damaged first (status's judgement), then per database the\n"
                           "archives' sizes and backup durations over time and every check, restore and drill with its\n"
                           "recovery time, as charts and tables, drill reports linked.\n"
                           "Exit 0 when the page is written, whatever it shows; 2 bad usage or not a repository; 3 the\n"
                           "repository cannot be read or the page cannot be written.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    repository::StatusPolicy policy;
    policy.maxAgeSeconds = parseDuration(maxAge, "--max-age");
    if (maxDrillAge == "off") policy.maxDrillAgeSeconds.reset();
    else policy.maxDrillAgeSeconds = parseDuration(maxDrillAge, "--max-drill-age");
    if (output == "-") throw BadInputError("report -o needs a file: the page is written atomically under its name");
    prepareOutputFile(output, flags);
    ProgressLine progress(progressWanted(flags));
    auto store = repository::RepositoryStore::open(dir);
    auto scan = repository::scanRepository(*store);
    progress.finish();
    std::vector<std::string> problems;
    auto servers = repository::readServerRuns(*store, problems);
    for (const auto& p : problems) spdlog::warn("{}", p);
    auto status = repository::evaluateStatus(store->location(), scan, policy, std::time(nullptr), servers);
    std::filesystem::path folder = std::filesystem::absolute(output).parent_path();
    AtomicFile::writeWhole(output, repository::renderHtmlReport(status, scan, folder),
                           {.label = "report " + output, .refuseExisting = !flags.force, .unwritable = ExitCode::Incomplete});
    if (!flags.quiet)
        std::cout << "report " << output << ": " << status.databases.size() << " database(s), "
                  << (status.ok() ? "every one fresh" : "some stale (named at the top)") << "\n";
    return 0;
}

}  // namespace pgproof::cli
