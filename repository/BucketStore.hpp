#pragma once
// A repository under a bucket prefix, s3://BUCKET/PREFIX (docs/REPOSITORY.md "On a bucket"). Objects are
// never appended to or rewritten in place:
//   PREFIX/pgproof-repository.json                         the marker
//   PREFIX/<db>/<NAME>.sql.zst[.age]                       an archive (a multipart upload, published whole)
//   PREFIX/<db>/<NAME>.history/<time>-<host>-<pid>-<rand>.json   one object per history record, read by listing
//   PREFIX/<db>/<NAME>.history/claim-<time>-<host>-<pid>-<rand>.json   a backup's claim on the name, while it runs
//   PREFIX/<db>/<NAME>.leases/<time>-<host>-<pid>-<rand>.json    a reader's lease (check, verify, restore, drill)
//   PREFIX/<db>/<NAME>.pin.json, PREFIX/<db>/<NAME>.globals.sql.zst, PREFIX/pgproof-server-<server>.json
// <time> is the writing host's UTC clock, 20261207T142233.123456Z, so keys sort by time.
// Name claims: list-and-verify (a backup writes its claim, then lists the name: it wins only when its claim
// is the only object there; under S3's read-after-write consistency at most one of two racing backups sees
// itself alone). Leases and claims older than leaseStaleSeconds() are those of killed runs: ignored and
// removed by prune.
#include <memory>

#include "RepositoryStore.hpp"
#include "S3Client.hpp"
#include "S3Url.hpp"

namespace pgproof::repository {

class BucketStore final : public RepositoryStore {
public:
    explicit BucketStore(const S3Url& prefix);
    std::string locate(const std::string& name) const override;
    bool inBucket() const override { return true; }
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

    S3Client& client() const;
    S3Url url(const std::string& name) const { return {bucket_, prefix_ + name}; }

private:
    // Every object under PREFIX/<name>..., keys relative to the repository.
    std::vector<S3Client::ListedObject> listUnder(const std::string& name) const;
    std::string bucket_, prefix_;  // prefix_: "" or "P/" (with its slash)
    mutable std::shared_ptr<S3Client> client_;
};

}  // namespace pgproof::repository
