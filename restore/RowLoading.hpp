#pragma once
// The archive's table rows as scheduler jobs: one COPY per table, or per stretch of about 64 MiB of a big
// table's frames (so that all connections stay busy), largest table first. Every frame is decompressed,
// checksum-verified, line-checked and fingerprinted on the way; once the last stretch of a table is
// committed its archive-side rows and fingerprint are matched against the manifest (a mismatch is a
// damaged archive: ProofFailedError), and the table's milestone "rows loaded" finishes.
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "ArchiveReader.hpp"
#include "RestoreScheduler.hpp"

namespace pgproof {

class RowLoading {
public:
    explicit RowLoading(const ArchiveReader& archive);
    ~RowLoading();
    // Adds the COPY jobs (after `after`) and returns the milestone of each manifest table. Tables in `skip`
    // (manifest indexes: an excluded extension's configuration tables) get no job; their milestone is `after`.
    std::vector<size_t> addJobs(RestoreScheduler& scheduler, const std::vector<size_t>& after, const std::set<size_t>& skip = {});

private:
    struct Table;
    const ArchiveReader& archive_;
    std::vector<std::unique_ptr<Table>> tables_;
};

}  // namespace pgproof
