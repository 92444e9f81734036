#pragma once
// The steps a restore is made of, shared by the file form (ParallelRestore: frames by offset, tables
// in parallel, largest first) and the stream form (StreamRestore: the script in order as it arrives).
#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "DumpScript.hpp"
#include "Interrupt.hpp"
#include "Manifest.hpp"
#include "ParallelRestore.hpp"
#include "PgConnection.hpp"

namespace pgproof {

// Remembers the first failure of parallel workers and tells the others to stop.
class FirstFailure {
public:
    void record(std::exception_ptr e) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = e;
        stop_ = true;
    }
    bool stopped() const { return stop_.load() || interrupted(); }
    void rethrow() {
        throwIfInterrupted("restoring");
        std::lock_guard lock(mutex_);
        if (error_) std::rethrow_exception(error_);
    }

private:
    std::mutex mutex_;
    std::exception_ptr error_;
    std::atomic<bool> stop_{false};
};

// Throws BadInputError naming the tables when the target holds any (nothing is changed).
void requireEmptyTarget(const PgConnection& leader);
// Runs one entry's SQL; an entry on a connection of its own first gets the session state pg_dump had set.
void runEntry(const PgConnection& conn, const ScriptEntry& e, bool ownConnection = false);
// Every restore connection runs the dump's preamble, and with --role works as that role.
void setUpRestoreConnection(const PgConnection& c, const std::string& preamble, const std::optional<std::string>& role);
std::vector<std::unique_ptr<PgConnection>> openWorkers(const ConnectionTarget& target, int n, const std::string& preamble,
                                                       const std::optional<std::string>& role);
// Runs entries on all workers at once, never two that lock the same table at the same time.
void runInParallel(const std::vector<const ScriptEntry*>& entries, std::vector<std::unique_ptr<PgConnection>>& workers);
// Post-data: indexes and keys in parallel, then foreign keys, then the rest in order on the leader.
void runPostData(const std::vector<ScriptEntry>& entries, const PgConnection& leader,
                 std::vector<std::unique_ptr<PgConnection>>& workers);
// The final proof (verify --mode exact against the manifest) and, once proven, --swap-into.
void proveAndSwap(const RestoreOptions& o, const Manifest& m, RestoreResult& result);

// `pgproof restore -`: see StreamRestore.cpp.
RestoreResult runStreamRestore(const RestoreOptions& o);

}  // namespace pgproof
