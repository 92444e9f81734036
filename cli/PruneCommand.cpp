// pgproof prune: remove the archives of a repository that the retention policy does not keep.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>

#include "ProgressLine.hpp"
#include "ArchiveLock.hpp"
#include "CommandLine.hpp"
#include "Errors.hpp"
#include "FileDescriptor.hpp"
#include "OutputFile.hpp"
#include "Repository.hpp"
#include "RepositoryCommands.hpp"
#include "ReportOutput.hpp"
#include "UtcTime.hpp"

namespace pgproof::cli {

namespace fs = std::filesystem;

namespace {

// History files whose archive is gone: left by a backup that was killed before its archive was complete.
// A running backup holds its reserved history file (shared flock), so a held one is left alone.
std::vector<fs::path> leftoverHistories(const fs::path& folder) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
        std::string name = e.path().filename().string();
        const std::string suffix = ".history.jsonl";
        if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
        const std::string base = name.substr(0, name.size() - suffix.size());
        if (fs::exists(folder / (base + repository::kArchiveSuffix), ec) || fs::exists(folder / (base + repository::kEncryptedSuffix), ec) ||
            fs::file_size(e.path(), ec) != 0)
            continue;
        FileDescriptor fd(::open(e.path().c_str(), O_RDONLY | O_CLOEXEC));
        if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) out.push_back(e.path());
    }
    return out;
}

}  // namespace

int runPrune(const std::vector<std::string>& args) {
    CommonFlags flags;
    RetentionFlags retention;
    std::string repo;
    bool dryRun = false;
    std::vector<std::string> databases;
    po::options_description desc("Options");
    desc.add_options()("repo", po::value(&repo)->value_name("DIR")->required(), "the repository")(
        "dry-run,n", po::bool_switch(&dryRun), "print what would be removed, remove nothing")(
        "database", po::value(&databases)->value_name("NAME")->composing(), "prune only this database's folder (repeatable)");
    addRetentionFlags(desc, retention);
    addCommonFlags(desc, flags, false);
    po::positional_options_description pos;
    pos.add("repo", 1);
    auto vm = parseOptions("prune", "pgproof prune DIR --keep-last N [--keep-days D] [--keep-daily D] [--keep-weekly W] [--keep-monthly M] [--remove-damaged] [--dry-run] [--database NAME]...",
                           "Removes the archives (and their history) that the retention policy does not keep, printing each\n"
                           "archive and why it is kept or removed. Never removed: a pinned archive (pgproof pin), the newest\n"
                           "proven full backup and the archive of the newest passed drill of each database, an archive a\n"
                           "running pgproof command holds. The rules count full backups; partial archives (table data left\n"
                           "out) are kept only in addition, when newer than the newest full one. Damaged archives are listed\n"
                           "and removed only with --remove-damaged.\n"
                           "Exit 0 done; 2 bad usage; 3 an archive could not be removed or the repository cannot be read.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    auto policy = retentionPolicy(*vm, retention);
    if (!policy) throw BadInputError("prune needs a policy: --keep-last N at least (see pgproof prune --help)");
    fs::path dir = repo;
    ProgressLine progress(progressWanted(flags));
    auto scan = repository::scanRepository(dir);
    progress.finish();
    std::time_t now = std::time(nullptr);
    const std::string verb = dryRun ? "would remove" : "removed";
    size_t removed = 0, kept = 0, failed = 0;
    for (const auto& db : scan) {
        if (!databases.empty() && std::find(databases.begin(), databases.end(), db.database) == databases.end()) continue;
        for (const auto& d : repository::decideRetention(db, *policy, now)) {
            std::string file = db.database + "/" + d.archive->path.filename().string();
            std::string why;
            for (const auto& r : d.reasons) why += (why.empty() ? "" : ", ") + r;
            if (!d.remove) {
                ++kept;
                if (!flags.quiet) std::cout << "keep    " << file << ": " << why << "\n";
                continue;
            }
            if (dryRun) {
                ++removed;
                std::cout << verb << " " << file << ": " << why << "\n";
                continue;
            }
            auto hold = repository::ArchiveLock::tryExclusive(d.archive->path);
            if (!hold) {
                ++kept;
                std::cout << "keep    " << file << ": in use by a running pgproof command (would be removed: " << why << ")\n";
                continue;
            }
            // The archive first: a history without its archive is a leftover that the next prune removes.
            if (::unlink(d.archive->path.c_str()) != 0) {
                ++failed;
                spdlog::error("cannot remove {}: {}", d.archive->path.string(), std::strerror(errno));
                continue;
            }
            std::error_code ec;
            fs::remove(repository::historyPathFor(d.archive->path), ec);
            ++removed;
            std::cout << verb << " " << file << ": " << why << "\n";
        }
        if (!dryRun) {
            for (const auto& stale : removeStalePartials(dir / db.database)) std::cout << "removed " << stale << ": temporary file of a killed run\n";
            for (const auto& h : leftoverHistories(dir / db.database)) {
                std::error_code ec;
                if (fs::remove(h, ec)) std::cout << "removed " << h.string() << ": empty history of a backup that never completed\n";
            }
        }
    }
    if (!flags.quiet)
        std::cout << fmt::format("prune {}: {} archive(s) {}, {} kept{}\n", repo, removed,
                                 dryRun ? "to remove (--dry-run: nothing was removed)" : "removed", kept,
                                 failed ? fmt::format(", {} could not be removed", failed) : "");
    if (failed) throw IncompleteError(std::to_string(failed) + " archive(s) could not be removed (see above)");
    return 0;
}

}  // namespace pgproof::cli
