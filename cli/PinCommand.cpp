// pgproof pin / unpin: keep an archive of a repository from prune, or let it go again.
#include <iostream>

#include "ArchiveCatalog.hpp"
#include "CommandLine.hpp"
#include "Errors.hpp"
#include "Repository.hpp"
#include "RepositoryStore.hpp"
#include "S3Url.hpp"

namespace pgproof::cli {

namespace {
// The archive's repository (a folder's or a bucket's) and its name there.
repository::RepositoryStore::Located repositoryArchive(const std::string& file, const std::string& command) {
    std::error_code ec;
    if (S3Url::is(file)) {
        S3Url::parseObject(file);  // a malformed URL is bad input
    } else if (!std::filesystem::is_regular_file(file, ec)) {
        throw BadInputError(command + " " + file + ": no such archive");
    }
    auto located = repository::RepositoryStore::ofArchive(file);
    if (!located)
        throw BadInputError(command + " " + file + ": not an archive of a repository (DIR/DATABASE/NAME.sql.zst with DIR/" +
                            repository::kMarkerFile + ", or the same under s3://BUCKET/PREFIX); only prune removes archives, and only in repositories");
    if (!located->store->exists(located->archive)) throw BadInputError(command + " " + file + ": no such archive");
    return *located;
}
}  // namespace

int runPin(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string file, reason;
    po::options_description desc("Options");
    desc.add_options()("file", po::value(&file)->value_name("FILE")->required(), "the archive")(
        "reason", po::value(&reason)->value_name("TEXT"), "why it is kept (shown by list and prune)");
    addCommonFlags(desc, flags, false);
    po::positional_options_description pos;
    pos.add("file", 1);
    auto vm = parseOptions("pin", "pgproof pin FILE|s3://BUCKET/PREFIX/DATABASE/NAME.sql.zst [--reason TEXT]",
                           "Pins an archive of a repository: prune never removes it (NAME.pin.json beside it records when,\n"
                           "by whom and why). Pinning again replaces the reason. Exit 0; 2 not an archive of a repository.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    auto archive = repositoryArchive(file, "pin");
    repository::writePin(*archive.store, archive.archive, reason);
    if (!flags.quiet) std::cout << "pinned " << file << (reason.empty() ? "" : ": " + reason) << "\n";
    return 0;
}

int runUnpin(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string file;
    po::options_description desc("Options");
    desc.add_options()("file", po::value(&file)->value_name("FILE")->required(), "the archive");
    addCommonFlags(desc, flags, false);
    po::positional_options_description pos;
    pos.add("file", 1);
    auto vm = parseOptions("unpin", "pgproof unpin FILE|s3://BUCKET/PREFIX/DATABASE/NAME.sql.zst",
                           "Removes an archive's pin: prune may remove it again when the policy does not keep it.\n"
                           "Exit 0 (also when it was not pinned); 2 not an archive of a repository.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    auto archive = repositoryArchive(file, "unpin");
    bool was = repository::removePin(*archive.store, archive.archive);
    if (!flags.quiet) std::cout << (was ? "unpinned " : "was not pinned: ") << file << "\n";
    return 0;
}

}  // namespace pgproof::cli
