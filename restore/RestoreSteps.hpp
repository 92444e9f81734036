#pragma once
// The steps a restore is made of, shared by the random-access form (ParallelRestore: frames by offset,
// tables in parallel, largest first) and the stream form (StreamRestore: the script in order as it
// arrives). The refusals before anything changes are RestoreRefusals.
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ArchiveReader.hpp"
#include "ArchiveStream.hpp"
#include "DumpScript.hpp"
#include "FirstFailure.hpp"
#include "Interrupt.hpp"
#include "Manifest.hpp"
#include "ParallelRestore.hpp"
#include "ProofReads.hpp"
#include "RestoreScheduler.hpp"
#include "PgConnection.hpp"
#include "UncreatedConstraints.hpp"

namespace pgproof {

// Runs one entry's SQL; an entry on a connection of its own first gets the session state pg_dump had set.
void runEntry(const PgConnection& conn, const ScriptEntry& e, bool ownConnection = false);
// Every restore connection runs the dump's preamble, and with --role works as that role.
void setUpRestoreConnection(const PgConnection& c, const std::string& preamble, const std::optional<std::string>& role);
std::vector<std::unique_ptr<PgConnection>> openWorkers(const ConnectionTarget& target, int n, const std::string& preamble,
                                                       const std::optional<std::string>& role);
// Post-data, the proof reads (unless --no-verify) and --analyze as jobs, after each manifest table's
// `rowsLoaded` milestone and `allRows` (every row, sequence and large object). Returns the proof reads.
std::unique_ptr<ProofReads> addPostDataAndProof(RestoreScheduler& scheduler, const RestoreOptions& o, const Manifest& m,
                                                const std::vector<ScriptEntry>& entries, const std::vector<size_t>& rowsLoaded,
                                                size_t allRows, const PgConnection& leader, UncreatedConstraints& uncreated,
                                                const std::set<size_t>& skip = {});
// The scheduler's spans into the timings.
void recordSpans(const RestoreScheduler& scheduler, RestoreTimings& timings);
// The final proof (verify --mode exact against the manifest, with the tables `reads` read already) and,
// once proven, --swap-into. `t0`: when the restore started (for the verification's span).
void proveAndSwap(const RestoreOptions& o, const Manifest& m, RestoreResult& result, const ProofReads* reads,
                  std::chrono::steady_clock::time_point t0);

// The two forms of runRestore: frames by offset (ParallelRestore.cpp) and the stream read once, in
// order (StreamRestore.cpp).
RestoreResult restoreByOffset(const RestoreOptions& o, const ArchiveReader& archive);
RestoreResult runStreamRestore(const RestoreOptions& o, ArchiveStream& stream);

}  // namespace pgproof
