// pgproof list: the archives of a repository, with their proofs, pins and what retention would do.
#include <ctime>
#include <iostream>

#include "ArchiveCatalog.hpp"
#include "CommandLine.hpp"
#include "ProgressLine.hpp"
#include "ReportOutput.hpp"
#include "RepositoryCommands.hpp"
#include "RepositoryListing.hpp"
#include "RepositoryStore.hpp"

namespace pgproof::cli {

int runList(const std::vector<std::string>& args) {
    CommonFlags flags;
    RetentionFlags retention;
    std::string dir;
    po::options_description desc("Options");
    desc.add_options()("repo", po::value(&dir)->value_name("DIR|s3://BUCKET/PREFIX")->required(), "the repository: a folder or a bucket prefix")(
        "json", po::value(&flags.json)->value_name("FILE|-"), "write the list as JSON (docs/REPOSITORY.md) to FILE, or - for stdout");
    addRetentionFlags(desc, retention);
    addCommonFlags(desc, flags, false);
    po::positional_options_description pos;
    pos.add("repo", 1);
    auto vm = parseOptions("list", "pgproof list DIR|s3://BUCKET/PREFIX [--json FILE|-] [--keep-last N [--keep-days D] [--keep-daily D] [--keep-weekly W] [--keep-monthly M]]",
                           "Lists every archive of the repository DIR (or bucket prefix), newest first per database: created and age, size,\n"
                           "tables, rows, state (proven, unproven, partial, DAMAGED), last check and last drill (verdict, when,\n"
                           "recovery time), pin; with retention flags, what prune would do with each and why.\n"
                           "Exit 0; 2 not a repository; 3 the repository cannot be read.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    auto policy = retentionPolicy(*vm, retention);
    ProgressLine progress(progressWanted(flags));
    auto store = repository::RepositoryStore::open(dir);
    auto scan = repository::scanRepository(*store);
    progress.finish();
    const repository::RepositoryListing listing(store->location(), std::move(scan), policy, std::time(nullptr));
    if (!flags.json.empty()) writeReportDocument(flags.json, listing.toJson());
    if (flags.json != "-" && !flags.quiet) std::cout << listing.text();
    return 0;
}

}  // namespace pgproof::cli
