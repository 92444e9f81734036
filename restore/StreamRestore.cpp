// `pgproof restore -`: an archive that arrives once, in order, with its manifest (and the table of
// contents in it) last. The restore runs the script as it arrives, the way `zstd -dc | psql` does,
// and decides the proof only after the manifest has been read and matched:
//   - frames are decompressed (content checksums verified) and fingerprinted several at once, handed
//     on in stream order, with a bounded number in flight;
//   - each pre-data entry runs on the leader as soon as it is complete (the next entry began);
//   - each table's COPY rows go to one of N connections (a new connection every 4 MiB of a big
//     table, so that they all stay busy), while the stream goes on to the next table;
//   - sequences and large objects run on the leader as they come;
//   - post-data entries (indexes, keys, triggers) are held, SQL only, until the stream has ended:
//     then every frame's size, checksum, rows and fingerprint is judged against the manifest exactly
//     as `check` judges it, and only a matching archive gets its indexes, its proof reads (every table
//     read back while the indexes build, on the same scheduler as the file form) and the verification.
// A stream cut short, a damaged frame or a mismatch stops the restore with exit 1 (or 3 for a lost
// connection), naming the database as incomplete; it is never reported proven.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <set>
#include <thread>
#include <unistd.h>

#include "ArchiveChecker.hpp"
#include "ArchiveStream.hpp"
#include "RestoreRefusals.hpp"
#include "DatabaseLocale.hpp"
#include "Errors.hpp"
#include "RestoreSteps.hpp"
#include "RoleProvisioning.hpp"
#include "ScriptFollower.hpp"
#include "SqlIdentifier.hpp"
#include "TextEncoding.hpp"
#include "WorkProgress.hpp"

namespace pgproof {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Rows of one table sent to one connection before the next one takes over: small enough that a stream
// which arrives faster than one connection loads keeps all of them busy (a full queue blocks the reader).
constexpr uint64_t kItemBytes = 4u << 20;
constexpr uint64_t kQueueBytes = 8u << 20;   // rows waiting for one connection (bounds memory)

// One restore connection fed COPY work from a bounded queue, on a thread of its own.
class CopyWorker {
public:
    CopyWorker(PgConnection& conn, FirstFailure& failure) : conn_(conn), failure_(failure), thread_([this] { loop(); }) {}
    ~CopyWorker() {
        push({Job::Quit, {}, {}});
        thread_.join();
    }
    void start(const std::string& copyLine, const std::string& table) { push({Job::Start, copyLine, table}); }
    void rows(std::string raw) { push({Job::Rows, std::move(raw), {}}); }
    void end() { push({Job::End, {}, {}}); }
    void abort() { push({Job::Abort, {}, {}}); }
    uint64_t queued() {
        std::lock_guard lock(mutex_);
        return bytes_;
    }
    // Waits until everything queued so far has been sent and its results read.
    void drain() {
        std::unique_lock lock(mutex_);
        idle_.wait(lock, [&] { return (jobs_.empty() && !busy_) || failure_.stopped(); });
    }

private:
    struct Job {
        enum Kind { Start, Rows, End, Abort, Quit } kind;
        std::string text;
        std::string table;
    };
    void push(Job job) {
        std::unique_lock lock(mutex_);
        if (job.kind == Job::Rows)
            room_.wait(lock, [&] { return bytes_ < kQueueBytes || failure_.stopped(); });
        bytes_ += job.text.size();
        jobs_.push_back(std::move(job));
        ready_.notify_one();
    }
    void loop() {
        for (;;) {
            Job job;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [&] { return !jobs_.empty(); });
                job = std::move(jobs_.front());
                jobs_.pop_front();
                bytes_ -= job.text.size();
                busy_ = true;
                room_.notify_all();
            }
            if (job.kind == Job::Quit) return;
            try {
                if (!broken_) run(job);
            } catch (...) {
                broken_ = true;
                failure_.record(std::current_exception());
                if (inCopy_) {
                    PQputCopyEnd(conn_.get(), "restore stopped");
                    while (PGresult* r = PQgetResult(conn_.get())) PQclear(r);
                    inCopy_ = false;
                }
            }
            std::lock_guard lock(mutex_);
            busy_ = false;
            idle_.notify_all();
            room_.notify_all();
        }
    }
    void run(const Job& job) {
        switch (job.kind) {
        case Job::Start: {
            table_ = job.table;
            PgResult start(PQexec(conn_.get(), job.text.c_str()));
            if (PQresultStatus(start.get()) != PGRES_COPY_IN)
                throw IncompleteError("restoring rows of " + table_ + " failed: " + firstLine(PQresultErrorMessage(start.get())));
            inCopy_ = true;
            break;
        }
        case Job::Rows:
            if (PQputCopyData(conn_.get(), job.text.data(), static_cast<int>(job.text.size())) != 1)
                throw IncompleteError("sending rows of " + table_ + " failed: " + firstLine(PQerrorMessage(conn_.get())));
            break;
        case Job::End: {
            inCopy_ = false;
            if (PQputCopyEnd(conn_.get(), nullptr) != 1)
                throw IncompleteError("finishing rows of " + table_ + " failed: " + firstLine(PQerrorMessage(conn_.get())));
            PgResult end(PQgetResult(conn_.get()));
            std::string why = PQresultStatus(end.get()) == PGRES_COMMAND_OK ? "" : firstLine(PQresultErrorMessage(end.get()));
            while (PGresult* r = PQgetResult(conn_.get())) PQclear(r);
            if (!why.empty()) throw IncompleteError("restoring rows of " + table_ + " failed: " + why);
            break;
        }
        case Job::Abort:
            if (inCopy_) {
                PQputCopyEnd(conn_.get(), "damaged archive stream");
                while (PGresult* r = PQgetResult(conn_.get())) PQclear(r);
                inCopy_ = false;
            }
            break;
        case Job::Quit: break;
        }
    }

    PgConnection& conn_;
    FirstFailure& failure_;
    std::mutex mutex_;
    std::condition_variable ready_, room_, idle_;
    std::deque<Job> jobs_;
    uint64_t bytes_ = 0;
    bool busy_ = false;
    bool broken_ = false;  // worker thread only
    bool inCopy_ = false;  // worker thread only
    std::string table_;    // worker thread only
    std::thread thread_;   // last: starts once the rest is constructed
};

// The client encoding pg_dump set in the preamble ("SET client_encoding = 'UTF8';"), "" if none.
std::string preambleEncoding(const std::string& preamble) {
    const std::string key = "SET client_encoding = '";
    size_t p = preamble.find(key);
    if (p == std::string::npos) return "";
    size_t e = preamble.find('\'', p + key.size());
    if (e == std::string::npos) return "";
    std::string name = preamble.substr(p + key.size(), e - p - key.size());
    auto enc = TextEncoding::find(name);
    return enc ? enc->name() : name;
}

bool sameEntry(const TocEntry& a, const TocEntry& b) {
    return a.type == b.type && a.schema == b.schema && a.name == b.name && a.offset == b.offset && a.length == b.length;
}

}  // namespace

RestoreResult runStreamRestore(const RestoreOptions& o, ArchiveStream& stream) {
    auto t0 = Clock::now();
    auto log = [&](const std::string& s) {
        if (o.log) o.log(s);
    };
    RestoreResult result;
    const std::string& streamName = stream.name();

    // Without a target hook, the target is known now: refuse a non-empty one before reading a byte.
    std::optional<PgConnection> leader;
    auto connectLeader = [&](const ConnectionTarget& target) {
        leader.emplace(connectEmptyTarget(o, target));
        result.database = leader->database();
    };
    ConnectionTarget target = o.target;
    if (!o.prepareTarget) connectLeader(target);

    std::optional<TargetRoles> roles;
    // --globals FILE: read and proven before the stream, since the manifest that names it comes last.
    std::optional<GlobalsScript> globals;
    std::string globalsChecksum;
    if (!o.globals.empty()) globals = readGlobals(o.globals, globalsChecksum);
    std::vector<std::unique_ptr<PgConnection>> connections;
    std::vector<std::unique_ptr<CopyWorker>> workers;
    FirstFailure failure;
    std::vector<ScriptEntry> postData;
    StreamFrameLog frames;
    ScriptFollower script(true);
    bool started = false, sawPreData = false, sawSchema = false;
    std::string preamble;
    CopyWorker* loading = nullptr;  // the connection receiving the current table's rows
    uint64_t itemBytes = 0;
    size_t nextWorker = 0;
    auto tPre = Clock::now();
    std::optional<Clock::time_point> tData;

    // Once the preamble is known: the target (created by a drill in the archive's encoding), its checks,
    // the session set-up on every connection.
    auto start = [&] {
        if (started) return;
        started = true;
        preamble = runnablePreamble(script.preamble().value_or(""));
        std::string encoding = preambleEncoding(preamble);
        if (o.prepareTarget) {
            target = o.prepareTarget(encoding);
            connectLeader(target);
        }
        requireArchiveEncoding(encoding, *leader, streamName);
        roles.emplace(*leader);
        setUpRestoreConnection(*leader, preamble, o.role);
        connections = openWorkers(target, o.jobs, preamble, o.role);
        for (auto& c : connections) workers.push_back(std::make_unique<CopyWorker>(*c, failure));
        log("restoring from the stream as it arrives: schema first, rows on " + std::to_string(o.jobs) +
            " connections; indexes and the proof once the manifest at its end has matched");
    };
    auto finishLoad = [&] {
        if (loading) loading->end();
        loading = nullptr;
        itemBytes = 0;
    };
    auto pickWorker = [&] {
        // The least loaded connection, in turn among equals.
        size_t best = nextWorker % workers.size();
        for (size_t k = 0; k < workers.size(); ++k) {
            size_t i = (nextWorker + k) % workers.size();
            if (workers[i]->queued() < workers[best]->queued()) best = i;
        }
        nextWorker = best + 1;
        return workers[best].get();
    };
    auto onEntry = [&](const TocEntry& e, std::string_view sql) {
        start();
        failure.rethrow();
        if (isDatabaseEntry(e)) return;  // pg_dump -C's CREATE DATABASE, \connect, ALTER DATABASE: not the target's
        ScriptEntry se = makeScriptEntry(e, sql);
        if (o.noPrivileges && isPrivilegeEntry(se)) {
            ++result.skippedPrivileges;
            return;
        }
        if (o.noOwner) {
            result.skippedOwnerChanges += dropOwnerStatement(se) ? 1 : 0;
        }
        if (globals) {
            // --globals FILE: the roles this entry names (owner, grantees) that the target lacks, created first.
            auto missing = roles->lacking(rolesNamedBy({se}));
            if (!missing.empty()) {
                createMissingRoles(*leader, *globals, missing, [&](const std::string& role) {
                    roles->add(role);
                    result.createdRoles.push_back(role);
                    if (o.roleCreated) o.roleCreated(role);
                    log("created role " + role + " from the globals " + o.globals);
                });
            }
        }
        if (!o.noOwner && !se.owner.empty() && hasOwnerStatement(se)) {
            roles->requireOwners({se.owner}, !sawPreData);
        }
        if (se.section == ScriptEntry::Section::PreData) {
            sawPreData = true;
            sawSchema = sawSchema || definesSchema(e);
            throwIfInterrupted("restoring the schema");
            runEntry(*leader, se);
            WorkProgress::process().addDone();
        } else if (se.section == ScriptEntry::Section::Data) {
            if (se.type == "TABLE DATA") {
                requireSchema(sawSchema);
                return;
            }
            runEntry(*leader, se);
            WorkProgress::process().addDone();
        } else {
            postData.push_back(std::move(se));
        }
    };

    std::unique_ptr<ProofReads> reads;
    UncreatedConstraints uncreated;  // outlives the scheduler's jobs
    try {
        // Schema entries and rows as they arrive; the totals are in the manifest, at the stream's end.
        WorkProgress& progress = WorkProgress::process();
        progress.startPhase("restoring from the stream", "entries");
        auto damaged = [&](const StreamedFrame& f, const std::string& why) {
            std::string what = "the frame at offset " + std::to_string(f.offset);
            if (loading && script.copyEntry()) what += " (rows of table " + script.copyEntry()->id().display() + ")";
            throw ProofFailedError(streamName + ": " + what + " is damaged: " + why);
        };
        // Rows arrive: onto the connection loading this table's rows, or the least loaded one for a new
        // statement (a COPY of about kItemBytes; a huge row's pieces all go into one).
        auto rowsArrive = [&] {
            start();
            requireSchema(sawSchema);
            if (!tData) {
                tData = Clock::now();
                result.timings.preData = since(tPre);
            }
            if (loading && itemBytes >= kItemBytes) finishLoad();
            if (!loading) {
                loading = pickWorker();
                const TocEntry* entry = script.copyEntry();
                loading->start(script.copyLine(), entry ? entry->id().display() : script.copyLine());
            }
        };
        auto rowsLoaded = [&](const StreamedFrame& f) {
            itemBytes += f.rawBytes;
            progress.addRows(f.rows.rows);
            script.rowsFrame(f.rawBytes);
        };
        // A huge row's frame: each decoded piece is sent as it comes (PQputCopyData takes any chunk), the
        // connection's queue bounding what is held.
        const StreamedFrame* huge = nullptr;
        bool firstPiece = false;
        StreamPieces pieces{.begin = [&](const StreamedFrame& f) {
                                huge = &f;
                                firstPiece = true;
                            },
                            .piece = [&](std::string_view piece) {
                                if (firstPiece) {
                                    firstPiece = false;
                                    failure.rethrow();
                                    if (!script.isRows(piece)) damaged(*huge, "it is a frame of one long row where the script holds no table's rows");
                                    rowsArrive();
                                }
                                loading->rows(std::string(piece));
                            },
                            .end = [&](StreamedFrame& f) {
                                frames.record(f);
                                progress.addBytes(f.rawBytes);
                                if (!f.damage.empty()) damaged(f, f.damage);
                                rowsLoaded(f);
                            }};
        decodeArchiveStream(
            stream, std::max(2, static_cast<int>(std::thread::hardware_concurrency())),
            [&](StreamedFrame& f) {
                frames.record(f);
                progress.addBytes(f.rawBytes);
                if (!f.damage.empty()) damaged(f, f.damage);
                failure.rethrow();
                if (script.isRows(f.raw)) {
                    rowsArrive();
                    rowsLoaded(f);
                    loading->rows(std::move(f.raw));
                } else {
                    finishLoad();
                    script.sqlFrame(f.raw, onEntry);
                }
            },
            &pieces);
        finishLoad();
        std::vector<TocEntry> toc = script.finish(onEntry);
        start();
        for (auto& w : workers) w->drain();
        failure.rethrow();
        if (!tData) tData = Clock::now();
        result.timings.data = since(*tData);
        result.timings.schemaSpan = {0, std::chrono::duration<double>(*tData - t0).count()};
        result.timings.dataSpan = {std::chrono::duration<double>(*tData - t0).count(), since(t0)};

        // The manifest has arrived: nothing loaded so far counts until every frame matches it.
        auto tCheck = Clock::now();
        const Manifest& m = stream.manifest();
        if (globals) {
            auto recorded = recordedGlobals(m);
            if (recorded && recorded->manifestChecksum != globalsChecksum)
                log("warning: the globals " + o.globals + " are not the ones " + streamName +
                    " was written with (their manifest checksum differs from the one it records); roles were created from them as given");
        }
        std::optional<TableFingerprint> lo;
        std::string loProblem;
        try {
            lo = script.largeObjects();
        } catch (const std::exception& e) {
            loProblem = e.what();
        }
        CheckReport check = frames.judge(m, stream.manifestOffset(), lo, loProblem);
        if (!check.ok()) {
            std::string first = check.problems.empty() ? "" : check.problems.front();
            for (const auto& tc : check.tables)
                if (first.empty() && !tc.ok()) first = tc.table->id().display() + ": " + tc.problems.front();
            throw ProofFailedError(streamName + " does not match its manifest (" + std::to_string(check.failures()) +
                                   " problem(s)); first: " + first);
        }
        if (!m.toc.empty()) {
            bool same = toc.size() == m.toc.size();
            for (size_t i = 0; same && i < toc.size(); ++i) same = sameEntry(toc[i], m.toc[i]);
            if (!same)
                throw ProofFailedError(streamName + ": the script's entries do not match the manifest's table of contents: the archive is damaged");
        }
        result.timings.archiveCheck = since(tCheck);

        log(std::string("the stream matched its manifest; building indexes and constraints (post-data)") +
            (o.verify ? " while reading every table back" : "") + (o.analyze ? ", with ANALYZE" : ""));
        workers.clear();
        RestoreScheduler scheduler(t0);
        size_t allRows = scheduler.milestone("all rows, sequences and large objects", {});
        reads = addPostDataAndProof(scheduler, o, m, postData, std::vector<size_t>(m.tables.size(), allRows), allRows, *leader, uncreated);
        scheduler.run(connections);
        result.uncreatedConstraints = uncreated.counted(*leader);
        recordSpans(scheduler, result.timings);
        connections.clear();
    } catch (const PgproofError& e) {
        for (auto& w : workers) w->abort();
        workers.clear();
        if (!started || result.database.empty()) throw;
        std::string incomplete = "; the restore was stopped and database " + result.database + " is incomplete: drop it, do not use it";
        if (e.code() == ExitCode::ProofFailed) throw ProofFailedError(std::string(e.what()) + incomplete);
        if (e.code() == ExitCode::BadInput) throw BadInputError(std::string(e.what()) + incomplete);
        if (dynamic_cast<const InterruptedError*>(&e)) throw InterruptedError(std::string(e.what()) + incomplete);
        throw IncompleteError(std::string(e.what()) + incomplete);
    }
    leader.reset();
    const Manifest& m = stream.manifest();
    result.tables = m.tables.size();
    result.rows = m.totalRows();
    result.rawBytes = m.totalRawBytes();
    result.streamManifest = std::make_shared<Manifest>(m);
    result.archiveBytes = stream.bytesRead();
    RestoreOptions proven = o;
    proven.target = target;  // a drill's scratch database, created once the preamble arrived
    proveAndSwap(proven, *result.streamManifest, result, reads.get(), t0);
    result.timings.total = since(t0);
    return result;
}

}  // namespace pgproof
