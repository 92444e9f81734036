// Under load: backup (also a parallel dump, --jobs 3), snapshot, verify and diff while pgbench (tpcb-like, 4 clients)
// writes at full speed.
// What is asserted is what a user relies on when running pgproof next to a busy database:
//  - the archive taken under load is one consistent point in time: restored, it is proven against its
//    own manifest, and pgbench's invariant holds in the copy (sum of account balances = sum of teller
//    balances = sum of branch balances = sum of history deltas); a dump that read the tables at
//    different moments breaks the invariant;
//  - a snapshot taken under load is the same: its per-table figures come from one exported snapshot,
//    so once the load has stopped, verify against it in no-loss mode passes (nothing was lost; rows
//    changed and added since), and the history rows it counted are the ones the copy restored from
//    a backup taken after it can only exceed;
//  - verify --mode no-loss against a pre-load archive passes under load (pgbench changes balances and
//    appends history: nothing is lost), exact mode fails (exit 1), diff names changed accounts (exit 1);
//  - nothing hangs: pgproof's ACCESS SHARE locks and pgbench's row locks do not block each other, and
//    pgbench keeps committing while pgproof reads.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string pgbenchBinary() {
    auto r = run("ls -d /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1");
    std::string path = r.out.substr(0, r.out.find('\n'));
    if (path.empty()) path = "pgbench";
    return path;
}

// pgbench running in the background on `db` until stopped (at most 10 minutes).
class PgbenchLoad {
public:
    PgbenchLoad(const ScratchDatabase& db, const TempDir& dir) : db_(db) {
        log_ = dir / "pgbench.log";
        auto r = run("nohup " + shellQuote(pgbenchBinary()) + " -n -c 4 -j 2 -T 600 " + shellQuote(db.name()) + " </dev/null >" +
                     q(log_) + " 2>&1 & echo $!");
        pid_ = std::stoi(r.out);
        // Started once transactions commit.
        for (int i = 0; i < 200 && history() == 0; ++i) std::this_thread::sleep_for(50ms);
        REQUIRE(history() > 0);
    }
    ~PgbenchLoad() { stop(); }
    long history() const { return std::stol(db_.scalar("SELECT count(*) FROM pgbench_history")); }
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        for (int i = 0; i < 200 && ::kill(pid_, 0) == 0; ++i) std::this_thread::sleep_for(50ms);
        ::kill(pid_, SIGKILL);
        pid_ = -1;
        // Sessions of the killed clients end on their own; wait so that the test reads a still table.
        for (int i = 0; i < 200 && std::stoi(db_.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                                          "AND application_name = 'pgbench'")) > 0;
             ++i)
            std::this_thread::sleep_for(50ms);
    }

private:
    const ScratchDatabase& db_;
    fs::path log_;
    int pid_ = -1;
};

void requireInvariant(const ScratchDatabase& db) {
    auto sums = db.rows(
        "SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(tbalance) FROM pgbench_tellers), "
        "(SELECT sum(bbalance) FROM pgbench_branches), (SELECT coalesce(sum(delta), 0) FROM pgbench_history), "
        "(SELECT count(*) FROM pgbench_history)");
    REQUIRE(sums.size() == 1);
    INFO("accounts " << sums[0][0] << ", tellers " << sums[0][1] << ", branches " << sums[0][2] << ", history " << sums[0][3]
                     << " (" << sums[0][4] << " history rows)");
    CHECK(std::stol(sums[0][4]) > 0);
    CHECK(sums[0][0] == sums[0][1]);
    CHECK(sums[0][1] == sums[0][2]);
    CHECK(sums[0][2] == sums[0][3]);
}

std::string db(const ScratchDatabase& d) { return " --db " + shellQuote(d.conninfo()); }

}  // namespace

TEST_CASE("load: backup and snapshot under pgbench are one point in time, verify and diff under pgbench tell the truth") {
    ScratchDatabase source("load");
    auto init = run(shellQuote(pgbenchBinary()) + " -q -i -s 2 " + shellQuote(source.name()) + " 2>&1");
    INFO(init.out);
    REQUIRE(init.exitCode == 0);
    TempDir dir;
    auto before = backupTo(source, dir / "before.sql.zst");

    PgbenchLoad load(source, dir);
    // Under load: backup, snapshot, verify (no-loss passes, exact fails), diff.
    auto b = runPgproof("backup -q -o " + q(dir / "under.sql.zst") + db(source));
    INFO("backup: " << b.err);
    REQUIRE(b.exitCode == 0);
    // A parallel dump under load: three connections, pgbench_accounts read in 256 KiB ctid ranges, one snapshot.
    auto p = run("PGPROOF_DUMP_RANGE_BYTES=262144 " + std::string(PGPROOF_BIN) + " backup -q --jobs 3 -o " + q(dir / "parallel.sql.zst") +
                 db(source));
    INFO("backup --jobs 3: " << p.err);
    REQUIRE(p.exitCode == 0);
    auto s = runPgproof("snapshot -q --rows -o " + q(dir / "under.json") + db(source));
    INFO("snapshot: " << s.err);
    REQUIRE(s.exitCode == 0);
    long historyDuring = load.history();

    auto v = runPgproof("verify --mode no-loss --jobs 2 --baseline " + q(before) + db(source));
    INFO("verify no-loss under load: " << v.out << v.err);
    CHECK(v.exitCode == 0);
    CHECK(contains(v.out, "pgbench_accounts"));

    auto x = runPgproof("verify --mode exact --jobs 2 --baseline " + q(before) + db(source));
    INFO("verify exact under load: " << x.out << x.err);
    CHECK(x.exitCode == 1);
    CHECK_FALSE(contains(x.out, "PROVEN"));

    auto d = runPgproof("diff --format csv --table public.pgbench_accounts " + q(before) + db(source));
    INFO("diff under load: " << d.out.substr(0, 2000) << d.err);
    CHECK(d.exitCode == 1);
    CHECK(contains(d.out, "changed"));
    CHECK(contains(d.out, "abalance"));
    CHECK_FALSE(contains(d.out, "lost"));

    // pgbench kept committing while pgproof read (no lock waits between them).
    CHECK(load.history() > historyDuring);
    load.stop();

    // The snapshot taken under load is a baseline nothing has been lost from since.
    auto vs = runPgproof("verify --mode no-loss --baseline " + q(dir / "under.json") + db(source));
    INFO("verify against the snapshot taken under load: " << vs.out << vs.err);
    CHECK(vs.exitCode == 0);

    // The archive taken under load, restored: proven, and pgbench's invariant holds in the copy.
    ScratchDatabase copy("load_copy");
    auto r = runPgproof("restore " + q(dir / "under.sql.zst") + " --jobs 2" + db(copy));
    INFO("restore: " << r.out << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.out, "PROVEN"));
    requireInvariant(copy);
    // The snapshot came after the backup: it cannot count fewer history rows than the archive holds.
    auto snap = json::parse(readFile(dir / "under.json"));
    long snapHistory = -1;
    for (const auto& t : snap.at("tables"))
        if (t.value("name", "") == "pgbench_history") snapHistory = t.value("rows", -1L);
    INFO(snap.dump().substr(0, 1500));
    CHECK(snapHistory >= std::stol(copy.scalar("SELECT count(*) FROM pgbench_history")));
    // The parallel dump taken under load, restored with stock tools: its tables (and the ranges of the big
    // one) were read at one snapshot, so pgbench's invariant holds there too.
    ScratchDatabase parallelCopy("load_par");
    auto psql = run("zstd -dc " + q(dir / "parallel.sql.zst") + " | psql -q -X -v ON_ERROR_STOP=1 -d " + shellQuote(parallelCopy.conninfo()) +
                    " >/dev/null");
    INFO("zstd -dc | psql: " << psql.err);
    REQUIRE(psql.exitCode == 0);
    requireInvariant(parallelCopy);
    // And the source, still after the load, keeps the invariant too (the test's own check is sound).
    requireInvariant(source);
}
