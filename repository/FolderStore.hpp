#pragma once
// A repository in a local folder (Repository.hpp's layout): history appended to NAME.history.jsonl under
// flock, names reserved by creating that file exclusively, readers held by a shared flock on the archive.
#include "RepositoryStore.hpp"

namespace pgproof::repository {

class FolderStore final : public RepositoryStore {
public:
    explicit FolderStore(std::string dir) : RepositoryStore(std::move(dir)) {}
    std::string locate(const std::string& name) const override;
    bool inBucket() const override { return false; }
    void checkRepository() const override;
    void create() override;
    std::vector<std::string> databaseFolders() const override;
    std::vector<Entry> archivesIn(const std::string& database) const override;
    bool exists(const std::string& name) const override;
    std::optional<std::string> read(const std::string& name) const override;
    void write(const std::string& name, const std::string& text) override;
    bool remove(const std::string& name) override;
    std::vector<std::string> topLevelNames(const std::string& prefix) const override;
    void appendHistory(const std::string& archive, const HistoryRecord& record) override;
    ArchiveHistory readHistory(const std::string& archive) const override;
    std::unique_ptr<NameClaim> tryClaim(const std::string& database, const std::string& name, const std::string& suffix) override;
    std::unique_ptr<ArchiveHold> hold(const std::string& archive, const std::string& command) override;
    Removal removeArchive(const std::string& archive) override;
    std::vector<std::string> removeLeftovers(const std::string& database) override;
};

}  // namespace pgproof::repository
