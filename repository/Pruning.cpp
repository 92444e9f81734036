#include "Pruning.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "Repository.hpp"

namespace pgproof::repository {

namespace fs = std::filesystem;

PruneTotals pruneRepository(RepositoryStore& store, const std::vector<DatabaseArchives>& scan, const RetentionPolicy& policy,
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
            const auto removal = store.removeArchive(d.archive->name);
            if (removal.result == RepositoryStore::Removal::InUse) {
                ++n.kept;
                say("keep    " + file + ": " + removal.why + " (would be removed: " + why + ")");
                continue;
            }
            if (removal.result == RepositoryStore::Removal::Failed) {
                ++n.failed;
                spdlog::error("cannot remove {}: {}", d.archive->path.string(), removal.why);
                continue;
            }
            ++n.removed;
            say(verb + " " + file + ": " + why + (removal.why.empty() ? "" : " (" + removal.why + ")"));
        }
        if (!request.dryRun)
            for (const auto& line : store.removeLeftovers(db.database)) say(line);
    }
    return n;
}

std::string pruneSummary(const std::string& repository, const PruneTotals& n, bool dryRun) {
    return fmt::format("prune {}: {} archive(s) {}, {} kept{}", repository, n.removed,
                       dryRun ? "to remove (--dry-run: nothing was removed)" : "removed", n.kept,
                       n.failed ? fmt::format(", {} could not be removed", n.failed) : "");
}

}  // namespace pgproof::repository
