#include "Pruning.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ArchiveLock.hpp"
#include "FileDescriptor.hpp"
#include "OutputFile.hpp"
#include "Repository.hpp"

namespace pgproof::repository {

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
        if (fs::exists(folder / (base + kArchiveSuffix), ec) || fs::exists(folder / (base + kEncryptedSuffix), ec) ||
            fs::file_size(e.path(), ec) != 0)
            continue;
        FileDescriptor fd(::open(e.path().c_str(), O_RDONLY | O_CLOEXEC));
        if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) out.push_back(e.path());
    }
    return out;
}

}  // namespace

PruneTotals pruneRepository(const fs::path& dir, const std::vector<DatabaseArchives>& scan, const RetentionPolicy& policy,
                            const PruneRequest& request, std::time_t now, const std::function<void(const std::string&)>& say) {
    const std::string verb = request.dryRun ? "would remove" : "removed";
    PruneTotals n;
    for (const auto& db : scan) {
        if (!request.databases.empty() && std::find(request.databases.begin(), request.databases.end(), db.database) == request.databases.end())
            continue;
        for (const auto& d : decideRetention(db, policy, now)) {
            std::string file = db.database + "/" + d.archive->path.filename().string();
            std::string why;
            for (const auto& r : d.reasons) why += (why.empty() ? "" : ", ") + r;
            if (!d.remove) {
                ++n.kept;
                if (request.sayKept) say("keep    " + file + ": " + why);
                continue;
            }
            if (request.dryRun) {
                ++n.removed;
                say(verb + " " + file + ": " + why);
                continue;
            }
            auto hold = ArchiveLock::tryExclusive(d.archive->path);
            if (!hold) {
                ++n.kept;
                say("keep    " + file + ": in use by a running pgproof command (would be removed: " + why + ")");
                continue;
            }
            // The archive first: a history without its archive is a leftover that the next prune removes.
            if (::unlink(d.archive->path.c_str()) != 0) {
                ++n.failed;
                spdlog::error("cannot remove {}: {}", d.archive->path.string(), std::strerror(errno));
                continue;
            }
            std::error_code ec;
            fs::remove(historyPathFor(d.archive->path), ec);
            fs::remove(globalsPathFor(d.archive->path), ec);  // backup --globals wrote it with the archive
            ++n.removed;
            say(verb + " " + file + ": " + why);
        }
        if (!request.dryRun) {
            for (const auto& stale : removeStalePartials(dir / db.database)) say("removed " + stale + ": temporary file of a killed run");
            for (const auto& h : leftoverHistories(dir / db.database)) {
                std::error_code ec;
                if (fs::remove(h, ec)) say("removed " + h.string() + ": empty history of a backup that never completed");
            }
        }
    }
    return n;
}

std::string pruneSummary(const std::string& repository, const PruneTotals& n, bool dryRun) {
    return fmt::format("prune {}: {} archive(s) {}, {} kept{}", repository, n.removed,
                       dryRun ? "to remove (--dry-run: nothing was removed)" : "removed", n.kept,
                       n.failed ? fmt::format(", {} could not be removed", n.failed) : "");
}

}  // namespace pgproof::repository
