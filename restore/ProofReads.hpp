#pragma once
// The restore's proof reads: every table the manifest covers is read back from the restored database
// (COPY of exactly its manifest columns, with the pinned settings, in a REPEATABLE READ READ ONLY
// transaction of its own, as the connecting user even under --role) as soon as its rows are committed,
// on whichever restore connection is free; big tables in ctid page ranges, several at once. Nothing is
// judged here: the results go to the final verification (VerifyOptions::alreadyRead), which compares
// them with the manifest exactly as `verify --mode exact` compares what it reads itself.
//
// Reading a table before post-data is done is sound because post-data never writes rows: indexes,
// constraints, triggers, rules and comments only change the schema (see restore/PostDataJobs.cpp for
// the entries that might, which make the reads wait for all of post-data).
#include <map>
#include <mutex>
#include <vector>

#include "LiveFingerprinter.hpp"
#include "Manifest.hpp"
#include "RestoreScheduler.hpp"

namespace pgproof {

class ProofReads {
public:
    // `settings`: the target's pinned settings (PgConnection::settingsToPin); `asConnectingUser`: reset
    // a --role for the read; `ranges`: the server has TID range scans (14+), so big tables are split.
    ProofReads(const Manifest& manifest, PinnedSettings settings, bool asConnectingUser, bool ranges);

    // Whether this table is read here; the others (leaves loaded via their partition root, whose rows the
    // server routes among siblings; filtered extension configuration tables) are left to the final
    // verification, which reads them itself.
    bool covers(size_t table) const;
    // Adds the jobs that read table `table` once all of `after` are done; returns their ids.
    std::vector<size_t> addJobs(RestoreScheduler& scheduler, size_t table, const std::vector<size_t>& after);
    // Every table read so far, by name (a read that failed carries its error: the verification reports it).
    std::map<QualifiedName, LiveTableResult> results() const;

private:
    struct Reading {
        std::mutex mutex;
        LiveTableResult result;
    };
    void read(PgConnection& conn, size_t table, const TidRange& range);

    const Manifest& manifest_;
    PinnedSettings settings_;
    bool asConnectingUser_;
    bool ranges_;
    std::vector<std::unique_ptr<Reading>> readings_;  // by manifest table; null: not read here
};

}  // namespace pgproof
