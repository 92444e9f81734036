// Fault injection against a real PostgreSQL (issue 14, part 2): pgproof's connection terminated in each
// phase of each command, pg_dump or pgproof itself killed, full file systems for the archive, the row
// spill files and the repository history, an archive changed while it is checked. Each: the documented
// exit code, no file at a final path (not even a partial one), never "PROVEN" for what was not proven,
// scratch databases dropped, and the next run works (docs/RELIABILITY.md "Fault injection").
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <optional>
#include <thread>

#include "SqlIdentifier.hpp"
#include "TestSupport.hpp"

using namespace pgproof;
using namespace pgproof::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A backend of a database whose name matches `datnameLike`, running a statement that matches `queryLike`;
// with `onLock`, only one waiting for a lock (a statement of pgproof's that the test's lock holds up).
struct Backend {
    std::string pid, query;
};
std::optional<Backend> findBackend(const std::string& datnameLike, const std::string& queryLike, bool onLock) {
    auto r = admin().execParams(
        "SELECT pid, query FROM pg_stat_activity WHERE state = 'active' AND datname LIKE $1 AND query LIKE $2 "
        "AND pid <> pg_backend_pid() AND ($3 = 'f' OR wait_event_type = 'Lock') ORDER BY backend_start LIMIT 1",
        {datnameLike, queryLike, onLock ? "t" : "f"});
    if (r.rows() == 0) return std::nullopt;
    return Backend{r.value(0, 0), r.value(0, 1)};
}

// Waits (generously: the machine is shared) for such a backend while `alive` holds.
std::optional<Backend> waitForBackend(const std::string& datnameLike, const std::string& queryLike, bool onLock,
                                      const std::function<bool()>& alive, std::chrono::milliseconds timeout = 120s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (auto b = findBackend(datnameLike, queryLike, onLock)) return b;
        if (alive && !alive()) return std::nullopt;
        std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
}

void terminateBackend(const Backend& b) {
    auto r = admin().exec("SELECT pg_terminate_backend(" + b.pid + ")");
    REQUIRE(r.value(0, 0) == "t");
}

// Waits until no backend is connected to databases matching `datnameLike` (a killed client's backends end
// once they notice), up to `timeout`; true when none is left.
bool waitNoBackends(const std::string& datnameLike, std::chrono::milliseconds timeout = 60s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto r = admin().execParams("SELECT count(*) FROM pg_stat_activity WHERE datname LIKE $1 AND pid <> pg_backend_pid()",
                                    {datnameLike});
        if (r.value(0, 0) == "0") return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

// Databases whose name matches `like` (a drill's or rehearsal's scratch database: PREFIX_DATE_TIME_PID).
std::vector<std::string> databasesLike(const std::string& like) {
    auto r = admin().execParams("SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1", {like});
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.value(i, 0));
    return out;
}

// ACCESS EXCLUSIVE on a table in an open transaction of the test's own: pgproof's statements on it wait.
class HeldLock {
public:
    HeldLock(const ScratchDatabase& db, const std::string& table) : conn_(db.connect()) {
        conn_.exec("BEGIN");
        conn_.exec("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
    }
    ~HeldLock() {
        try {
            release();
        } catch (...) {
        }
    }
    void release() {
        if (held_) conn_.exec("ROLLBACK");
        held_ = false;
    }

private:
    PgConnection conn_;
    bool held_ = true;
};

// A role used as a gate: while it exists, public.fault_wait(name) waits (see GatedDatabase).
struct Gate {
    std::string name = uniqueName("fault_gate");
    bool closed = false;
    void close() {
        admin().exec("CREATE ROLE " + quoteIdent(name));
        closed = true;
    }
    void open() {
        if (closed) admin().exec("DROP ROLE IF EXISTS " + quoteIdent(name));
        closed = false;
    }
    ~Gate() {
        try {
            open();
        } catch (...) {
        }
    }
};

// A source database whose table public.t (id, body; `rows` rows) makes every COPY into a restored copy
// wait at row 1 while copyGate is closed: the id column's domain checks public.fault_wait(gate), which
// loops while a role of that name exists (pg_roles is shared, so the gate works in any database of the
// cluster, the scratch databases of drill and rehearse included). Closed only after the source is filled.
struct GatedDatabase {
    ScratchDatabase db{"fault_src"};
    Gate copyGate;
    // Without `primaryKey` the table has no post-data at all: after its rows only its proof read touches it.
    explicit GatedDatabase(int rows, bool primaryKey = true) {
        db.exec("CREATE FUNCTION public.fault_wait(gate text) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN "
                "WHILE EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = gate) LOOP PERFORM pg_catalog.pg_sleep(0.02); "
                "END LOOP; RETURN true; END $$");
        db.exec("CREATE DOMAIN public.gated_id AS integer CHECK (VALUE <> 1 OR public.fault_wait(" + quoteLiteral(copyGate.name) + "))");
        db.exec(std::string("CREATE TABLE public.t (id public.gated_id") + (primaryKey ? " PRIMARY KEY" : "") + ", body text); "
                "INSERT INTO public.t SELECT g, md5(g::text) FROM generate_series(1, " + std::to_string(rows) + ") g");
    }
};

// A small tmpfs mounted at `dir` (mount(2) needs root): `mounted` says whether it is there.
struct SmallTmpfs {
    fs::path dir;
    bool mounted = false;
    SmallTmpfs(fs::path d, const std::string& size) : dir(std::move(d)) {
        fs::create_directories(dir);
        mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    }
    ~SmallTmpfs() {
        if (mounted) ::umount2(dir.c_str(), MNT_DETACH);
    }
};

// Fills the file system holding `file` to the last byte (writes until ENOSPC).
void fillUp(const fs::path& file) {
    std::FILE* f = std::fopen(file.c_str(), "wb");
    REQUIRE(f);
    std::string chunk(4096, 'x');
    while (std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size() && std::fflush(f) == 0) {
    }
    std::fclose(f);
    // Whatever is left below a page: a single byte at a time.
    f = std::fopen(file.c_str(), "ab");
    while (f && std::fputc('x', f) != EOF && std::fflush(f) == 0) {
    }
    if (f) std::fclose(f);
}

uint64_t bytesRead(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/io");
    std::string key;
    uint64_t value = 0;
    while (in >> key >> value)
        if (key == "rchar:") return value;
    return 0;
}

// A table big enough (some 50 MB of rows) that reading it lasts long enough to be seen in pg_stat_activity.
void createBigTable(ScratchDatabase& db) {
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); "
            "INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 400000) g");
}

struct Outcome {
    int exitCode;
    std::string out, err;
};

// Runs pgproof with `args`, terminates its connection once it reads rows (COPY (SELECT ...)), waits for it.
Outcome terminatedMidCopy(const ScratchDatabase& db, const std::vector<std::string>& args) {
    BackgroundPgproof p(args);
    auto reading = waitForBackend(db.name(), "COPY (SELECT %", false, [&] { return p.running(); });
    REQUIRE(reading);
    terminateBackend(*reading);
    REQUIRE(p.waitExit(60s));
    return {p.exitCode(), p.out(), p.err()};
}

}  // namespace

TEST_CASE("backup whose pg_dump connection is terminated mid-COPY: exit 3, no archive, the rerun works") {
    ScratchDatabase db("fault_term");
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 300000) g");
    TempDir dir;
    fs::path out = dir / "out";
    fs::create_directory(out);
    fs::path archive = out / "b.sql.zst";
    BackgroundPgproof p({"backup", "-o", archive.string(), "--db", db.conninfo(), "--level", "19"});
    REQUIRE(waitForActiveQuery(db.name(), "COPY public.big%", 120s, [&] { return p.running(); }));
    admin().exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name() +
                 "' AND query LIKE 'COPY public.big%'");
    REQUIRE(p.waitExit(60s));
    INFO("stdout: " << p.out() << "\nstderr: " << p.err());
    CHECK(p.exitCode() == 3);
    CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
    CHECK(folderEntries(out).empty());
    auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
    INFO(r.err);
    CHECK(r.exitCode == 0);
    CHECK(fs::exists(archive));
}

TEST_CASE("backup whose pg_dump is SIGKILLed mid-COPY: exit 3, no archive") {
    ScratchDatabase db("fault_kill");
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big SELECT g, repeat(md5(g::text), 20) FROM generate_series(1, 300000) g");
    TempDir dir;
    fs::path out = dir / "out";
    fs::create_directory(out);
    BackgroundPgproof p({"backup", "-o", (out / "b.sql.zst").string(), "--db", db.conninfo(), "--level", "19"});
    REQUIRE(waitForActiveQuery(db.name(), "COPY public.big%", 120s, [&] { return p.running(); }));
    auto kill = run("pkill -KILL -P " + std::to_string(p.pid()) + " -x pg_dump");
    REQUIRE(kill.exitCode == 0);  // pg_dump was a child of pgproof and was killed
    REQUIRE(p.waitExit(60s));
    INFO("stdout: " << p.out() << "\nstderr: " << p.err());
    CHECK(p.exitCode() == 3);
    CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
    CHECK(contains(p.err(), "killed by signal 9"));
    CHECK(folderEntries(out).empty());
}

TEST_CASE("backup whose leader connection (the exported snapshot's) is terminated while pg_dump copies: exit 3, no archive") {
    ScratchDatabase db("fault_lead");
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big SELECT g, repeat(md5(g::text), 10) FROM generate_series(1, 200000) g");
    TempDir dir;
    fs::path out = dir / "out";
    fs::create_directory(out);
    fs::path archive = out / "b.sql.zst";
    {
        BackgroundPgproof p({"backup", "-o", archive.string(), "--db", db.conninfo(), "--level", "19"});
        REQUIRE(waitForActiveQuery(db.name(), "COPY public.big%", 120s, [&] { return p.running(); }));
        auto r = admin().execParams("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 "
                                    "AND application_name = 'pgproof backup'", {db.name()});
        REQUIRE(r.value(0, 0) == "1");
        REQUIRE(p.waitExit(120s));
        INFO("stdout: " << p.out() << "\nstderr: " << p.err());
        CHECK(p.exitCode() == 3);
        CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
        CHECK(folderEntries(out).empty());
    }
    auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
    INFO(r.err);
    CHECK(r.exitCode == 0);
}

TEST_CASE("backup into a full file system (256k tmpfs): exit 3 naming the file, no partial file") {
    ScratchDatabase db("fault_full");
    // Big enough (64 MB of SQL) that pg_dump is still writing when the disk fills up.
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big SELECT g, repeat(md5(g::text), 10) FROM generate_series(1, 200000) g");
    TempDir dir;
    fs::path small = dir / "small";
    fs::create_directory(small);
    if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=256k") != 0) {
        WARN("cannot mount a small tmpfs here (not root?): the disk-full case was not run");
        return;
    }
    struct Unmount {
        fs::path p;
        ~Unmount() { ::umount(p.c_str()); }
    } unmount{small};
    fs::path archive = small / "b.sql.zst";
    auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 3);
    CHECK(contains(r.err, "b.sql.zst"));
    // The cause is named: the full disk, not pg_dump, which pgproof stopped once it could not write.
    CHECK(contains(r.err, "No space left on device"));
    CHECK_FALSE(contains(r.err, "terminated by user"));
    CHECK_FALSE(contains(r.out + r.err, "PROVEN"));
    CHECK(folderEntries(small).empty());
    // The next run, with room, works.
    auto ok = runPgproof("backup -o " + q(dir / "b.sql.zst") + " --db " + shellQuote(db.conninfo()));
    INFO(ok.err);
    CHECK(ok.exitCode == 0);
}

// --- a. pgproof's own connection terminated (pg_terminate_backend) in each phase ----------------------
// The test holds ACCESS EXCLUSIVE on the table (or closes a gate that a restored COPY waits on), so that
// pgproof's statement waits where the test wants it; it terminates that backend, then lets go.

TEST_CASE("snapshot whose connection is terminated while it locks the tables: exit 3, no snapshot file, the rerun works") {
    ScratchDatabase db("fault_snap");
    db.exec("CREATE TABLE t (id int PRIMARY KEY, body text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
    TempDir dir;
    fs::path out = dir / "out";
    fs::create_directory(out);
    fs::path file = out / "s.json";
    {
        HeldLock lock(db, "public.t");
        BackgroundPgproof p({"snapshot", "-o", file.string(), "--db", db.conninfo()});
        auto blocked = waitForBackend(db.name(), "%", true, [&] { return p.running(); });
        REQUIRE(blocked);
        INFO("pgproof's statement held up by the lock: " << blocked->query);
        terminateBackend(*blocked);
        lock.release();
        REQUIRE(p.waitExit(60s));
        INFO("stdout: " << p.out() << "\nstderr: " << p.err());
        CHECK(p.exitCode() == 3);
        CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
        CHECK(folderEntries(out).empty());
    }
    auto r = runPgproof("snapshot -o " + q(file) + " --db " + shellQuote(db.conninfo()));
    INFO(r.err);
    CHECK(r.exitCode == 0);
    CHECK(fs::exists(file));
}

TEST_CASE("verify whose connection is terminated while it locks the tables: exit 3, no spill files left, the rerun works") {
    ScratchDatabase db("fault_verify");
    db.exec("CREATE TABLE t (id int PRIMARY KEY, body text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
    TempDir dir;
    fs::path archive = backupTo(db, dir / "b.sql.zst");
    fs::path spill = dir / "spill";
    fs::create_directory(spill);
    {
        HeldLock lock(db, "public.t");
        BackgroundPgproof p({"verify", "--baseline", archive.string(), "--db", db.conninfo(), "--tmpdir", spill.string()});
        auto blocked = waitForBackend(db.name(), "%", true, [&] { return p.running(); });
        REQUIRE(blocked);
        INFO("pgproof's statement held up by the lock: " << blocked->query);
        terminateBackend(*blocked);
        lock.release();
        REQUIRE(p.waitExit(60s));
        INFO("stdout: " << p.out() << "\nstderr: " << p.err());
        CHECK(p.exitCode() == 3);
        CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
        CHECK(folderEntries(spill).empty());
    }
    auto r = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --tmpdir " + q(spill));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(contains(r.out, "PROVEN"));
    CHECK(folderEntries(spill).empty());
}

TEST_CASE("verify whose reading connection is terminated mid-COPY: exit 3, no spill files left, the rerun works") {
    ScratchDatabase db("fault_vread");
    createBigTable(db);
    TempDir dir;
    fs::path archive = backupTo(db, dir / "b.sql.zst");
    fs::path spill = dir / "spill";
    fs::create_directory(spill);
    {
        auto p = terminatedMidCopy(db, {"verify", "--baseline", archive.string(), "--db", db.conninfo(), "--tmpdir", spill.string()});
        INFO("stdout: " << p.out << "\nstderr: " << p.err);
        CHECK(p.exitCode == 3);
        CHECK_FALSE(contains(p.out + p.err, "PROVEN"));
        CHECK(folderEntries(spill).empty());
    }
    auto r = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --tmpdir " + q(spill));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(folderEntries(spill).empty());
}

TEST_CASE("diff --db whose connection is terminated while it locks the table: exit 3, the rerun works") {
    ScratchDatabase db("fault_diff");
    db.exec("CREATE TABLE t (id int PRIMARY KEY, body text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g");
    TempDir dir;
    fs::path archive = backupTo(db, dir / "b.sql.zst");
    db.exec("UPDATE t SET body = 'changed' WHERE id = 7");
    fs::path spill = dir / "spill";
    fs::create_directory(spill);
    {
        HeldLock lock(db, "public.t");
        BackgroundPgproof p({"diff", archive.string(), "--db", db.conninfo(), "--tmpdir", spill.string()});
        auto blocked = waitForBackend(db.name(), "%", true, [&] { return p.running(); });
        REQUIRE(blocked);
        INFO("pgproof's statement held up by the lock: " << blocked->query);
        terminateBackend(*blocked);
        lock.release();
        REQUIRE(p.waitExit(60s));
        INFO("stdout: " << p.out() << "\nstderr: " << p.err());
        CHECK(p.exitCode() == 3);
        CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
        CHECK_FALSE(contains(p.out(), "changed key"));
        CHECK(folderEntries(spill).empty());
    }
    auto r = runPgproof("diff " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --tmpdir " + q(spill));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);  // the one difference, found
    CHECK(contains(r.out, "changed key id=7"));
}

TEST_CASE("diff --db whose reading connection is terminated mid-COPY: exit 3, never 'no difference', no spill files left") {
    ScratchDatabase db("fault_dread");
    createBigTable(db);
    TempDir dir;
    fs::path archive = backupTo(db, dir / "b.sql.zst");
    db.exec("UPDATE big SET body = 'changed' WHERE id = 399999");
    fs::path spill = dir / "spill";
    fs::create_directory(spill);
    {
        auto p = terminatedMidCopy(db, {"diff", archive.string(), "--db", db.conninfo(), "--tmpdir", spill.string()});
        INFO("stdout: " << p.out << "\nstderr: " << p.err);
        CHECK(p.exitCode == 3);
        CHECK_FALSE(contains(p.out, "no difference"));
        CHECK(folderEntries(spill).empty());
    }
    auto r = runPgproof("diff " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --tmpdir " + q(spill));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);
    CHECK(contains(r.out, "changed key id=399999"));
    CHECK(folderEntries(spill).empty());
}

TEST_CASE("snapshot --rows whose reading connection is terminated mid-COPY: exit 3, neither snapshot file is left") {
    ScratchDatabase db("fault_srows");
    createBigTable(db);
    TempDir dir;
    fs::path out = dir / "pre.json";
    {
        auto p = terminatedMidCopy(db, {"snapshot", "--rows", "-o", out.string(), "--db", db.conninfo()});
        INFO("stdout: " << p.out << "\nstderr: " << p.err);
        CHECK(p.exitCode == 3);
        CHECK(folderEntries(dir.path()).empty());  // no pre.json, no pre.rows.zst, no temporary file
    }
    auto r = runPgproof("snapshot --rows -o " + q(out) + " --db " + shellQuote(db.conninfo()));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(fs::exists(out));
    CHECK(fs::exists(dir / "pre.rows.zst"));
}

TEST_CASE("restore whose connection is terminated during COPY: exit 3, the target is incomplete, a restore into a fresh target works") {
    GatedDatabase src(20000);
    TempDir dir;
    fs::path archive = backupTo(src.db, dir / "b.sql.zst");
    ScratchDatabase target("fault_rt");
    src.copyGate.close();
    {
        BackgroundPgproof p({"restore", archive.string(), "--db", target.conninfo()});
        auto copy = waitForBackend(target.name(), "COPY public.t %", false, [&] { return p.running(); });
        REQUIRE(copy);
        terminateBackend(*copy);
        REQUIRE(p.waitExit(60s));
        INFO("stdout: " << p.out() << "\nstderr: " << p.err());
        CHECK(p.exitCode() == 3);
        CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
        CHECK(contains(p.err(), "incomplete"));
    }
    src.copyGate.open();
    // What the killed COPY leaves: the schema, and none of its rows (the COPY's transaction rolled back).
    CHECK(target.scalar("SELECT count(*) FROM public.t") == "0");
    ScratchDatabase fresh("fault_rt2");
    auto r = runPgproof("restore " + q(archive) + " --db " + shellQuote(fresh.conninfo()));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(fresh.scalar("SELECT count(*) FROM public.t") == "20000");
}

TEST_CASE("restore whose connection is terminated during the proof read: exit 3, no PROVEN, a fresh restore works") {
    GatedDatabase src(20000, false);
    TempDir dir;
    fs::path archive = backupTo(src.db, dir / "b.sql.zst");
    ScratchDatabase target("fault_rp");
    src.copyGate.close();
    {
        BackgroundPgproof p({"restore", archive.string(), "--db", target.conninfo()});
        REQUIRE(waitForBackend(target.name(), "COPY public.t %", false, [&] { return p.running(); }));
        // Queue ACCESS EXCLUSIVE behind the COPY, then let the COPY finish: the lock is granted before the
        // proof read's ACCESS SHARE, which then waits for it.
        PgConnection locker = target.connect();
        locker.exec("BEGIN");
        REQUIRE(PQsendQuery(locker.get(), "LOCK TABLE public.t IN ACCESS EXCLUSIVE MODE") == 1);
        REQUIRE(waitForBackend(target.name(), "LOCK TABLE public.t%", true, {}, 60s));
        src.copyGate.open();
        while (PGresult* res = PQgetResult(locker.get())) {
            CHECK(PQresultStatus(res) == PGRES_COMMAND_OK);
            PQclear(res);
        }
        auto proof = waitForBackend(target.name(), "COPY (SELECT %", true, [&] { return p.running(); });
        REQUIRE(proof);
        INFO("proof read: " << proof->query);
        terminateBackend(*proof);
        locker.exec("ROLLBACK");
        REQUIRE(p.waitExit(60s));
        INFO("stdout: " << p.out() << "\nstderr: " << p.err());
        CHECK(p.exitCode() == 3);
        CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
    }
    CHECK(target.scalar("SELECT count(*) FROM public.t") == "20000");  // loaded, never proven
    ScratchDatabase fresh("fault_rp2");
    auto r = runPgproof("restore " + q(archive) + " --db " + shellQuote(fresh.conninfo()));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(contains(r.out + r.err, "PROVEN"));
}

TEST_CASE("drill whose restore connection is terminated during COPY: exit 3, scratch database dropped, the rerun passes") {
    GatedDatabase src(20000);
    TempDir dir;
    fs::path archive = backupTo(src.db, dir / "b.sql.zst");
    src.copyGate.close();
    std::string scratch;
    {
        BackgroundPgproof p({"drill", archive.string(), "--report", (dir / "drill.md").string()});
        scratch = "pgproof_drill_%_" + std::to_string(p.pid());
        auto copy = waitForBackend(scratch, "COPY public.t %", false, [&] { return p.running(); });
        REQUIRE(copy);
        terminateBackend(*copy);
        REQUIRE(p.waitExit(60s));
        INFO("stdout: " << p.out() << "\nstderr: " << p.err());
        CHECK(p.exitCode() == 3);
        CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
        CHECK(databasesLike(scratch).empty());
        std::string report = readFile(dir / "drill.md");
        CHECK(contains(report, "# Restore drill: INCOMPLETE"));  // nothing proven; not a difference found
        CHECK_FALSE(contains(report, "PASSED"));
        CHECK(contains(report, "dropped"));
    }
    src.copyGate.open();
    auto r = runPgproof("drill " + q(archive));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
}

TEST_CASE("rehearse whose migration connection is terminated: exit 3, scratch database dropped, the rerun passes") {
    GatedDatabase src(5000);
    TempDir dir;
    fs::path archive = backupTo(src.db, dir / "b.sql.zst");
    Gate migrationGate;
    fs::path migration = dir / "m.sql";
    writeFile(migration, "SELECT public.fault_wait(" + quoteLiteral(migrationGate.name) + ");\nALTER TABLE public.t ADD COLUMN note text;\n");
    migrationGate.close();
    {
        BackgroundPgproof p({"rehearse", archive.string(), "--migration", migration.string()});
        std::string scratch = "pgproof_rehearse_%_" + std::to_string(p.pid());
        auto running = waitForBackend(scratch, "SELECT public.fault_wait(%", false, [&] { return p.running(); });
        REQUIRE(running);
        terminateBackend(*running);
        REQUIRE(p.waitExit(60s));
        INFO("stdout: " << p.out() << "\nstderr: " << p.err());
        CHECK(p.exitCode() == 3);
        CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
        CHECK(databasesLike(scratch).empty());
    }
    migrationGate.open();
    auto r = runPgproof("rehearse " + q(archive) + " --migration " + q(migration));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
}

// --- b. pgproof itself SIGKILLed ---------------------------------------------------------------------

TEST_CASE("backup SIGKILLed mid-COPY leaves only its hidden temporary file, which the next run removes, says so, and works") {
    ScratchDatabase db("fault_bkill");
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big SELECT g, repeat(md5(g::text), 10) FROM generate_series(1, 200000) g");
    TempDir dir;
    fs::path out = dir / "out";
    fs::create_directory(out);
    fs::path archive = out / "b.sql.zst";
    std::string partial;
    {
        BackgroundPgproof p({"backup", "-o", archive.string(), "--db", db.conninfo(), "--level", "19"});
        partial = ".b.sql.zst.partial-" + std::to_string(p.pid());
        REQUIRE(waitForActiveQuery(db.name(), "COPY public.big%", 120s, [&] { return p.running(); }));
        p.signal(SIGKILL);
        REQUIRE(p.waitExit(30s));  // reaped: its pid is gone, as after a real crash
        CHECK(p.exitCode() == -1);
    }
    // pg_dump loses its reader and its connection; the server's backends go.
    CHECK(waitNoBackends(db.name()));
    auto left = folderEntries(out);
    INFO("left in the folder: " << left.size() << " entries");
    REQUIRE(left == std::vector<std::string>{partial});
    CHECK_FALSE(fs::exists(archive));
    auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
    INFO(r.err);
    CHECK(r.exitCode == 0);
    CHECK(contains(r.err, partial));
    CHECK(contains(r.err, "killed"));
    CHECK(folderEntries(out) == std::vector<std::string>{"b.sql.zst"});
    CHECK(runPgproof("check " + q(archive)).exitCode == 0);
}

TEST_CASE("restore SIGKILLed mid-COPY: the killed target is left unproven and is refused again, a fresh target restores") {
    GatedDatabase src(20000);
    TempDir dir;
    fs::path archive = backupTo(src.db, dir / "b.sql.zst");
    ScratchDatabase target("fault_rkill");
    src.copyGate.close();
    {
        BackgroundPgproof p({"restore", archive.string(), "--db", target.conninfo()});
        REQUIRE(waitForBackend(target.name(), "COPY public.t %", false, [&] { return p.running(); }));
        p.signal(SIGKILL);
        REQUIRE(p.waitExit(30s));
    }
    src.copyGate.open();  // the waiting COPY reads on, finds its client gone and rolls back
    CHECK(waitNoBackends(target.name()));
    // A COPY is all or nothing: none of the table's rows, or (when pgproof had sent them all, end of data
    // included, before it died: the server finishes the statement once the gate opens) every one; never
    // part. Either way nothing was proven, and post-data never ran.
    std::string rows = target.scalar("SELECT count(*) FROM public.t");
    WARN("rows of public.t left in the killed restore's target: " << rows);
    CHECK((rows == "0" || rows == "20000"));
    CHECK(target.scalar("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = 'public' AND c.relname = 't_pkey'") == "0");  // post-data never ran
    // Restoring into the half-restored target again is refused (not empty), never merged into.
    auto again = runPgproof("restore " + q(archive) + " --db " + shellQuote(target.conninfo()));
    INFO(again.out << again.err);
    CHECK(again.exitCode == 2);
    ScratchDatabase fresh("fault_rkill2");
    auto r = runPgproof("restore " + q(archive) + " --db " + shellQuote(fresh.conninfo()));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 0);
    CHECK(fresh.scalar("SELECT count(*) FROM public.t") == "20000");
}

// --- c. full file systems: row spill files, the repository history -----------------------------------

TEST_CASE("verify whose --tmpdir fills up (256k tmpfs): exit 3 naming the full folder, nothing left in it, the rerun works") {
    ScratchDatabase db("fault_vfull");
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 100000) g");
    TempDir dir;
    fs::path archive = backupTo(db, dir / "b.sql.zst");
    // Same count, other content: no-loss mode needs the rows compared one by one to say whether any was lost.
    db.exec("UPDATE big SET body = 'changed' WHERE id = 3");
    SmallTmpfs small(dir / "small", "256k");
    if (!small.mounted) {
        WARN("cannot mount a small tmpfs here (not root?): the full --tmpdir case was not run");
        return;
    }
    const std::string verify = "verify --mode no-loss --baseline " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --tmpdir ";
    auto r = runPgproof(verify + q(small.dir));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 3);
    CHECK(contains(r.out + r.err, "No space left on device"));
    CHECK_FALSE(contains(r.out + r.err, "PROVEN"));
    CHECK(folderEntries(small.dir).empty());
    auto ok = runPgproof(verify + q(dir.path()));
    INFO(ok.out << ok.err);
    CHECK(ok.exitCode == 0);
    CHECK(contains(ok.out, "PROVEN"));
    // A table whose figures are equal is proven without spilling its rows: the full folder is never touched.
    db.exec("UPDATE big SET body = md5('3') WHERE id = 3");
    auto equal = runPgproof(verify + q(small.dir));
    INFO(equal.out << equal.err);
    CHECK(equal.exitCode == 0);
    CHECK(folderEntries(small.dir).empty());
}

TEST_CASE("diff whose --tmpdir fills up (256k tmpfs): exit 3, nothing left in it, the rerun lists the difference") {
    ScratchDatabase db("fault_dfull");
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 100000) g");
    TempDir dir;
    fs::path archive = backupTo(db, dir / "b.sql.zst");
    db.exec("UPDATE big SET body = 'changed' WHERE id = 3");
    SmallTmpfs small(dir / "small", "256k");
    if (!small.mounted) {
        WARN("cannot mount a small tmpfs here (not root?): the full --tmpdir case was not run");
        return;
    }
    auto r = runPgproof("diff " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --tmpdir " + q(small.dir));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 3);
    CHECK(contains(r.out + r.err, "No space left on device"));
    CHECK_FALSE(contains(r.out, "changed key"));
    CHECK_FALSE(contains(r.out, "no difference"));  // one table was not compared: nothing is known about it
    CHECK(folderEntries(small.dir).empty());
    auto ok = runPgproof("diff " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --tmpdir " + q(dir.path()));
    INFO(ok.out << ok.err);
    CHECK(ok.exitCode == 1);
    CHECK(contains(ok.out, "changed key id=3"));
}

TEST_CASE("repository on a full disk: a check whose history record cannot be written exits 3 and the history stays intact") {
    ScratchDatabase db("fault_hist");
    db.exec("CREATE TABLE t (id int PRIMARY KEY, body text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 1000) g");
    TempDir dir;
    SmallTmpfs disk(dir / "disk", "2m");
    if (!disk.mounted) {
        WARN("cannot mount a small tmpfs here (not root?): the full repository case was not run");
        return;
    }
    fs::path repo = disk.dir / "repo";
    auto b = runPgproof("backup --repo " + q(repo) + " --db " + shellQuote(db.conninfo()));
    INFO(b.err);
    REQUIRE(b.exitCode == 0);
    fs::path folder = repo / db.name();
    fs::path archive, history;
    for (const auto& e : fs::directory_iterator(folder)) {
        std::string n = e.path().filename().string();
        if (n.size() > 8 && n.substr(n.size() - 8) == ".sql.zst") archive = e.path();
        if (contains(n, ".history.jsonl")) history = e.path();
    }
    REQUIRE(!archive.empty());
    REQUIRE(!history.empty());
    // Blank lines (which readers skip) up to 40 bytes short of a page boundary: on the full disk the next
    // record's first 40 bytes still fit (a short write), the rest does not (ENOSPC): a torn record unless
    // the writer cuts it off again.
    {
        uint64_t size = fs::file_size(history);
        uint64_t target = (size / 4096 + 1) * 4096 - 40;
        if (target < size) target += 4096;
        std::ofstream h(history, std::ios::app | std::ios::binary);
        h << std::string(target - size, '\n');
    }
    std::string before = readFile(history);
    fs::path filler = disk.dir / "filler";
    fillUp(filler);

    auto c = runPgproof("check " + q(archive));
    INFO(c.out << c.err);
    CHECK(c.exitCode == 3);
    CHECK(contains(c.err, history.filename().string()));
    CHECK(contains(c.err, "No space left on device"));
    CHECK(contains(c.out, "could not be recorded"));
    CHECK_FALSE(contains(c.out + c.err, "PROVEN"));
    CHECK(readFile(history) == before);  // no torn record, nothing claimed
    CHECK(runPgproof("list " + q(repo)).exitCode == 0);

    // A verify against that archive proves the database but cannot record it: exit 3, and its JSON
    // report (written elsewhere) says incomplete, not proven.
    fs::path report = dir / "verify.json";
    auto v = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo()) + " --json " + q(report));
    INFO(v.out << v.err);
    CHECK(v.exitCode == 3);
    CHECK(contains(v.err, "not recorded"));
    auto vj = nlohmann::json::parse(readFile(report));
    CHECK(vj["verdict"] == "incomplete");
    CHECK(vj["exit_code"] == 3);
    CHECK(contains(vj.value("error", ""), "could not be recorded"));
    auto vt = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo()));
    INFO(vt.out << vt.err);
    CHECK(vt.exitCode == 3);
    CHECK(contains(vt.out, "INCOMPLETE (PROVEN, but the outcome could not be recorded)"));
    CHECK_FALSE(contains(vt.out, "\nPROVEN"));
    CHECK(readFile(history) == before);

    // A drill of it passes but cannot be recorded: exit 3, and neither its text, its Markdown report
    // nor its JSON says PASSED or proven.
    fs::path drillMd = dir / "drill.md", drillJson = dir / "drill.json";
    auto d = runPgproof("drill " + q(archive) + " --report " + q(drillMd) + " --json " + q(drillJson));
    INFO(d.out << d.err);
    CHECK(d.exitCode == 3);
    CHECK(contains(d.out, ": INCOMPLETE - "));
    CHECK_FALSE(contains(d.out, "PASSED"));
    std::string md = readFile(drillMd);
    CHECK(contains(md, "# Restore drill: INCOMPLETE"));
    CHECK(contains(md, "could not be recorded"));
    CHECK_FALSE(contains(md, "PASSED"));
    auto dj = nlohmann::json::parse(readFile(drillJson));
    CHECK(dj["verdict"] == "incomplete");
    CHECK(dj["exit_code"] == 3);
    CHECK(readFile(history) == before);

    // A backup into the full repository: exit 3, no archive, no temporary file.
    auto full = runPgproof("backup --repo " + q(repo) + " --db " + shellQuote(db.conninfo()));
    INFO(full.err);
    CHECK(full.exitCode == 3);
    CHECK(contains(full.err, "No space left on device"));
    CHECK_FALSE(contains(full.err, "terminated by user"));
    int archives = 0;
    for (const auto& e : fs::directory_iterator(folder)) {
        std::string n = e.path().filename().string();
        CHECK_FALSE(contains(n, ".partial-"));
        if (n.size() > 8 && n.substr(n.size() - 8) == ".sql.zst") ++archives;
    }
    CHECK(archives == 1);

    // With room again, the check is recorded.
    fs::remove(filler);
    auto ok = runPgproof("check " + q(archive));
    INFO(ok.out << ok.err);
    CHECK(ok.exitCode == 0);
    CHECK(contains(readFile(history), "\"command\":\"check\""));
    auto st = runPgproof("list " + q(repo));
    INFO(st.out << st.err);
    CHECK(st.exitCode == 0);
}

// --- d. an archive changed while `check` reads it ----------------------------------------------------
// The check is stopped (SIGSTOP) once it has read the manifest and some frames, the file is changed
// under it, and it goes on (SIGCONT). If it was already past the place to damage, the round is repeated.

namespace {

enum class Change { FlipLastFrame, Truncate };

void checkWhileChanged(Change change) {
    ScratchDatabase db("fault_chk");
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); "
            "INSERT INTO big SELECT g, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) FROM generate_series(1, 400000) g");
    TempDir dir;
    fs::path pristine = backupTo(db, dir / "pristine.sql.zst");
    auto m = inspectManifest(pristine);
    uint64_t lastOffset = 0, lastSize = 0;
    for (const auto& seg : m.at("segments"))  // the last frame of rows (the SQL after them is small)
        if (seg.at("kind") == "rows")
            for (const auto& f : seg.at("frames"))
            if (f.at("offset").get<uint64_t>() > lastOffset) {
                lastOffset = f.at("offset").get<uint64_t>();
                lastSize = f.at("compressed").get<uint64_t>();
            }
    uint64_t size = fs::file_size(pristine);
    REQUIRE(lastOffset > (8u << 20));
    bool done = false;
    for (int round = 0; round < 5 && !done; ++round) {
        fs::path archive = dir / "a.sql.zst";
        fs::copy_file(pristine, archive, fs::copy_options::overwrite_existing);
        BackgroundPgproof p({"check", archive.string(), "--jobs", "1"});
        // Past the trailer, the manifest and a MiB of frames, before the last frame.
        while (p.running() && bytesRead(p.pid()) < (1u << 20)) std::this_thread::sleep_for(200us);
        p.signal(SIGSTOP);
        uint64_t at = bytesRead(p.pid());
        if (!p.running() || at + (1u << 20) > lastOffset) {
            p.signal(SIGCONT);
            p.waitExit(60s);
            WARN("round " << round << ": the check was already at byte " << at << " of " << size << ": again");
            continue;
        }
        if (change == Change::FlipLastFrame) {
            std::fstream f(archive, std::ios::in | std::ios::out | std::ios::binary);
            f.seekg(static_cast<std::streamoff>(lastOffset + lastSize / 2));
            std::string bytes(64, '\0');
            f.read(bytes.data(), 64);
            for (char& ch : bytes) ch = static_cast<char>(~ch);
            f.seekp(static_cast<std::streamoff>(lastOffset + lastSize / 2));
            f.write(bytes.data(), 64);
        } else {
            fs::resize_file(archive, size / 2 > at + (1u << 20) ? size / 2 : at + (1u << 20));
        }
        p.signal(SIGCONT);
        REQUIRE(p.waitExit(120s));
        INFO("stopped at byte " << at << " of " << size << "; stdout: " << p.out() << "\nstderr: " << p.err());
        CHECK(p.exitCode() == 1);
        CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
        CHECK(contains(p.out() + p.err(), "FAILED"));
        CHECK(contains(p.out(), "public.big"));
        CHECK(contains(p.out(), "DAMAGED"));
        done = true;
    }
    REQUIRE(done);
    // The untouched copy still checks.
    CHECK(runPgproof("check " + q(pristine)).exitCode == 0);
}

}  // namespace

TEST_CASE("an archive whose last frame is overwritten while check reads it: exit 1, never PROVEN") {
    checkWhileChanged(Change::FlipLastFrame);
}

TEST_CASE("an archive truncated while check reads it: exit 1, never PROVEN") { checkWhileChanged(Change::Truncate); }

// --- e. the server restarted (pg_ctl restart -m immediate) mid-backup, on a cluster of the test's own ---

namespace {

// A throwaway cluster from scripts/pg-cluster.sh, stopped and removed at the end of the test.
struct OwnCluster {
    std::string dir, port;
    bool started = false;
    OwnCluster() {
        auto r = run(std::string(PGPROOF_SOURCE_DIR) + "/scripts/pg-cluster.sh start");
        if (r.exitCode != 0) return;
        auto field = [&](const std::string& key) {
            size_t p = r.out.find(key + "='");
            if (p == std::string::npos) return std::string();
            p += key.size() + 2;
            return r.out.substr(p, r.out.find('\'', p) - p);
        };
        dir = field("PGPROOF_CLUSTER_DIR");
        port = field("PGPORT");
        started = !dir.empty() && !port.empty();
    }
    ~OwnCluster() {
        if (!dir.empty()) run(std::string(PGPROOF_SOURCE_DIR) + "/scripts/pg-cluster.sh stop " + shellQuote(dir));
    }
    std::string conninfo() const { return "host=" + dir + " port=" + port + " dbname=postgres user=postgres"; }
    PgConnection connect() const { return PgConnection::connect(ConnectionTarget(conninfo()), "pgproof tests"); }
    CommandResult restartImmediately() const {
        std::string pgctl = "/usr/lib/postgresql/15/bin/pg_ctl -D " + dir + "/data -l " + dir + "/server.log -m immediate -w -t 60 restart";
        return run(::geteuid() == 0 ? "su postgres -s /bin/bash -c " + shellQuote(pgctl) : pgctl);
    }
};

}  // namespace

TEST_CASE("backup while the server restarts (pg_ctl restart -m immediate): exit 3, no archive, the rerun works") {
    OwnCluster cluster;
    if (!cluster.started) {
        WARN("scripts/pg-cluster.sh could not start a cluster of the test's own: the restart case was not run");
        return;
    }
    cluster.connect().exec("CREATE TABLE big (id int PRIMARY KEY, body text); "
                           "INSERT INTO big SELECT g, repeat(md5(g::text), 10) FROM generate_series(1, 200000) g");
    TempDir dir;
    fs::path out = dir / "out";
    fs::create_directory(out);
    fs::path archive = out / "b.sql.zst";
    {
        BackgroundPgproof p({"backup", "-o", archive.string(), "--db", cluster.conninfo(), "--level", "19"});
        bool copying = false;
        auto deadline = std::chrono::steady_clock::now() + 120s;
        while (!copying && p.running() && std::chrono::steady_clock::now() < deadline) {
            auto r = cluster.connect().exec("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'COPY public.big%'");
            copying = r.value(0, 0) != "0";
            if (!copying) std::this_thread::sleep_for(20ms);
        }
        REQUIRE(copying);
        auto restart = cluster.restartImmediately();
        INFO(restart.out << restart.err);
        REQUIRE(restart.exitCode == 0);
        REQUIRE(p.waitExit(60s));
        INFO("stdout: " << p.out() << "\nstderr: " << p.err());
        CHECK(p.exitCode() == 3);
        CHECK_FALSE(contains(p.out() + p.err(), "PROVEN"));
        CHECK(folderEntries(out).empty());
    }
    auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(cluster.conninfo()));
    INFO(r.err);
    CHECK(r.exitCode == 0);
    CHECK(runPgproof("check " + q(archive)).exitCode == 0);
}
