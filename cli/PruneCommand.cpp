// pgproof prune: remove the archives of a repository that the retention policy does not keep.
#include <ctime>
#include <iostream>

#include "ArchiveCatalog.hpp"
#include "CommandLine.hpp"
#include "Errors.hpp"
#include "ProgressLine.hpp"
#include "Pruning.hpp"
#include "RepositoryStore.hpp"
#include "RepositoryCommands.hpp"

namespace pgproof::cli {

int runPrune(const std::vector<std::string>& args) {
    CommonFlags flags;
    RetentionFlags retention;
    std::string repo;
    bool dryRun = false;
    std::vector<std::string> databases;
    po::options_description desc("Options");
    desc.add_options()("repo", po::value(&repo)->value_name("DIR|s3://BUCKET/PREFIX")->required(), "the repository: a folder or a bucket prefix")(
        "dry-run,n", po::bool_switch(&dryRun), "print what would be removed, remove nothing")(
        "database", po::value(&databases)->value_name("NAME")->composing(), "prune only this database's folder (repeatable)");
    addRetentionFlags(desc, retention);
    addCommonFlags(desc, flags, false);
    po::positional_options_description pos;
    pos.add("repo", 1);
    auto vm = parseOptions("prune", "pgproof prune DIR|s3://BUCKET/PREFIX --keep-last N [--keep-days D] [--keep-daily D] [--keep-weekly W] [--keep-monthly M] [--remove-damaged] [--dry-run] [--database NAME]...",
                           "Removes the archives (and their history) that the retention policy does not keep, printing each\n"
                           "archive and why it is kept or removed. Never removed: a pinned archive (pgproof pin), the newest\n"
                           "proven full backup and the archive of the newest passed drill of each database, an archive a\n"
                           "running pgproof command holds (in a bucket: a lease younger than 48 h, docs/REPOSITORY.md). The rules count full backups; partial archives (table data left\n"
                           "out) are kept only in addition, when newer than the newest full one. Damaged archives are listed\n"
                           "and removed only with --remove-damaged.\n"
                           "Exit 0 done; 2 bad usage; 3 an archive could not be removed or the repository cannot be read.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    auto policy = retentionPolicy(*vm, retention);
    if (!policy) throw BadInputError("prune needs a policy: --keep-last N at least (see pgproof prune --help)");
    ProgressLine progress(progressWanted(flags));
    auto store = repository::RepositoryStore::open(repo);
    auto scan = repository::scanRepository(*store);
    progress.finish();
    const auto totals = repository::pruneRepository(*store, scan, *policy, {databases, dryRun, !flags.quiet}, std::time(nullptr),
                                                    [](const std::string& line) { std::cout << line << "\n"; });
    if (!flags.quiet) std::cout << repository::pruneSummary(store->location(), totals, dryRun) << "\n";
    if (totals.failed) throw IncompleteError(std::to_string(totals.failed) + " archive(s) could not be removed (see above)");
    return 0;
}

}  // namespace pgproof::cli
