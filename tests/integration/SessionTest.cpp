// pgproof's database sessions against a real PostgreSQL: locking like pg_dump (a table truncated and
// reloaded during the snapshot is never read empty; --lock-wait-timeout gives up naming the table; no more
// locks than pg_dump takes, and a full lock table said with PostgreSQL's hint),
// server-side timeouts that do not end pgproof's sessions, pinned settings that hold against role- and
// database-level SET and options= in the connection string, the choice of pg_dump, and verify reading
// only the baseline's sequences.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <thread>
#include <vector>

#include "ConnectionTarget.hpp"
#include "SqlIdentifier.hpp"
#include "TestSupport.hpp"

using namespace pgproof;
using namespace pgproof::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {



// A login role for one test, dropped at the end. Declare it before the ScratchDatabase whose objects
// it is granted, so that the database (and the grants in it) is gone when the role is dropped.
class ScratchRole {
public:
    explicit ScratchRole(const std::string& attributes) : name_(uniqueName("role")) {
        admin().exec("CREATE ROLE " + quoteIdent(name_) + " LOGIN " + attributes);
    }
    ~ScratchRole() {
        try {
            admin().exec("DROP ROLE IF EXISTS " + quoteIdent(name_));
        } catch (...) {
        }
    }
    ScratchRole(const ScratchRole&) = delete;
    ScratchRole& operator=(const ScratchRole&) = delete;
    const std::string& name() const { return name_; }

private:
    std::string name_;
};

// Sessions of this database's pgproof processes that wait for a lock.
int pgproofLockWaits(const ScratchDatabase& db) {
    return std::stoi(db.scalar("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                               "WHERE NOT l.granted AND a.datname = current_database() AND a.application_name LIKE 'pgproof%'"));
}

bool waitForLockWait(const ScratchDatabase& db) {
    for (int i = 0; i < 600; ++i) {
        if (pgproofLockWaits(db) > 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

json tableEntry(const json& doc, const std::string& name) {
    for (const auto& t : doc.at("tables"))
        if (t.at("schema") == "public" && t.at("name") == name) return t;
    FAIL("table public." << name << " is not listed");
    return {};
}

// 1,000 rows in t, reloaded with the same rows by a concurrent TRUNCATE + INSERT.
void createReloadedTable(const ScratchDatabase& db) {
    db.exec("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 1000) g;"
            "CREATE TABLE other (id int); INSERT INTO other SELECT generate_series(1, 10)");
}
const char* kReload = "BEGIN; TRUNCATE t; INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 1000) g";

}  // namespace

TEST_CASE("a table truncated and reloaded during the snapshot is read after the reload, never empty") {
    ScratchDatabase db("reload");
    createReloadedTable(db);
    const auto expected = independentFingerprint(db, "public", "t");
    TempDir dir;
    fs::path baseline = dir / "baseline.json";
    REQUIRE(runPgproof("snapshot -o " + q(baseline) + " --db " + shellQuote(db.conninfo())).exitCode == 0);

    // The reload holds ACCESS EXCLUSIVE on t, uncommitted, while pgproof exports its snapshot; it commits once
    // pgproof's leader waits for its lock. A reader at that snapshot would open the new, reloaded heap and see 0 rows.
    auto reloadWhile = [&](const std::string& args) {
        PgConnection reload = db.connect();
        reload.exec(kReload);
        auto pending = std::async(std::launch::async, [&] { return runPgproof(args); });
        bool waited = waitForLockWait(db);
        reload.exec("COMMIT");
        auto r = pending.get();
        INFO("pgproof " << args << "\nstdout: " << r.out << "\nstderr: " << r.err);
        CHECK(waited);
        CHECK(contains(r.err, "table public.t was rewritten"));  // detected, and a new snapshot taken
        return r;
    };
    SECTION("snapshot") {
        fs::path file = dir / "after.json";
        auto r = reloadWhile("snapshot -o " + q(file) + " --jobs 2 --db " + shellQuote(db.conninfo()));
        REQUIRE(r.exitCode == 0);
        json t = tableEntry(json::parse(readFile(file)), "t");
        CHECK(t.at("rows") == 1000);
        CHECK(t.at("fingerprint") == expected.hex);
    }
    SECTION("verify") {
        auto r = reloadWhile("verify --baseline " + q(baseline) + " --jobs 2 --json - --db " + shellQuote(db.conninfo()));
        CHECK(r.exitCode == 0);
        json report = json::parse(r.out);
        bool found = false;
        for (const auto& t : report.at("tables"))
            if (t.at("name") == "t") {
                found = true;
                CHECK(t.at("rows") == 1000);
            }
        CHECK(found);
    }
    SECTION("backup") {
        fs::path archive = dir / "a.sql.zst";
        auto r = reloadWhile("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
        REQUIRE(r.exitCode == 0);
        json t = tableEntry(inspectManifest(archive), "t");
        CHECK(t.at("rows") == 1000);
        CHECK(t.at("fingerprint") == expected.hex);
        CHECK(runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo())).exitCode == 0);
    }
}

TEST_CASE("a table rewritten under every snapshot: exit 3 naming it, after a few new snapshots") {
    ScratchDatabase db("rewrites");
    createReloadedTable(db);
    TempDir dir;
    std::atomic<bool> done{false};
    auto pending = std::async(std::launch::async, [&] {
        auto r = runPgproof("snapshot -o " + q(dir / "s.json") + " --db " + shellQuote(db.conninfo()));
        done = true;
        return r;
    });
    PgConnection truncator = db.connect();
    truncator.exec("BEGIN; TRUNCATE t");
    // Each time pgproof waits for t, commit the TRUNCATE (a rewrite after its snapshot) and queue the next one,
    // which gets t as soon as pgproof lets go and holds it against pgproof's next snapshot.
    int rewrites = 0;
    while (!done && rewrites < 20) {
        if (pgproofLockWaits(db) > 0) {
            truncator.exec("COMMIT");
            ++rewrites;
            truncator.exec("BEGIN; TRUNCATE t");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    truncator.exec("ROLLBACK");
    auto r = pending.get();
    INFO("stderr: " << r.err);
    CHECK(r.exitCode == 3);
    CHECK(contains(r.err, "table public.t was rewritten"));
    // Either every snapshot saw a rewrite, or a snapshot held and the next TRUNCATE, queued behind the
    // leader's lock, would have made a worker wait forever: the worker's NOWAIT lock gives up, naming t.
    if (contains(r.err, "times in a row")) CHECK(rewrites == 5);
    else CHECK(contains(r.err, "waiting for an exclusive lock on public.t"));
    CHECK_FALSE(fs::exists(dir / "s.json"));
}

TEST_CASE("a lock not granted within the lock wait timeout is exit 3 naming the table") {
    ScratchDatabase db("locktimeout");
    createReloadedTable(db);
    TempDir dir;
    fs::path baseline = dir / "baseline.json";
    REQUIRE(runPgproof("snapshot -o " + q(baseline) + " --db " + shellQuote(db.conninfo())).exitCode == 0);
    PgConnection holder = db.connect();
    holder.exec("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
    const std::string target = " --db " + shellQuote(db.conninfo()) + " --lock-wait-timeout 1s";
    for (const std::string& args : {"snapshot -o " + q(dir / "s.json") + target, "verify --baseline " + q(baseline) + target,
                                    "backup -o " + q(dir / "a.sql.zst") + target}) {
        INFO("pgproof " << args);
        auto start = std::chrono::steady_clock::now();
        auto r = runPgproof(args);
        double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        INFO("stderr: " << r.err);
        CHECK(r.exitCode == 3);
        CHECK(contains(r.err, "could not lock table public.t within --lock-wait-timeout 1s"));
        CHECK(secs < 20);
    }
    holder.exec("ROLLBACK");
    CHECK_FALSE(fs::exists(dir / "s.json"));
    CHECK_FALSE(fs::exists(dir / "a.sql.zst"));

    auto bad = runPgproof("snapshot -o " + q(dir / "s.json") + " --db " + shellQuote(db.conninfo()) + " --lock-wait-timeout soon");
    CHECK(bad.exitCode == 2);
    CHECK(contains(bad.err, "--lock-wait-timeout 'soon'"));
}

TEST_CASE("server-side timeouts on the database do not end pgproof's sessions") {
    ScratchDatabase db("timeouts");
    db.exec("CREATE TABLE t (id int, v text); INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g;"
            "CREATE TABLE slow (id int); INSERT INTO slow VALUES (1)");
    db.exec("ALTER DATABASE " + quoteIdent(db.name()) + " SET idle_in_transaction_session_timeout = '1s';"
            "ALTER DATABASE " + quoteIdent(db.name()) + " SET statement_timeout = '1s'");
    // The settings are in force: a plain session is cancelled after 1 s.
    auto plain = run("psql -X -d " + shellQuote(db.name()) + " -c 'SELECT pg_sleep(1.5)'");
    REQUIRE(plain.exitCode != 0);
    REQUIRE(contains(plain.err, "statement timeout"));

    TempDir dir;
    // The leader runs a 1.5 s statement (the plan's count) while the workers idle in their transactions,
    // and idles itself while pg_dump (which starts 2 s late here) or the workers run.
    writeFile(dir / "plan.yaml", "counts:\n  - {table: slow, where: 'pg_sleep(1.5) IS NOT NULL'}\n");
    writeFile(dir / "pg_dump", "#!/bin/sh\n[ \"$1\" = --version ] || sleep 2\nexec pg_dump \"$@\"\n");
    fs::permissions(dir / "pg_dump", fs::perms::owner_all);
    const std::string target = " --db " + shellQuote(db.conninfo()) + " --plan " + q(dir / "plan.yaml");

    auto backup = runPgproof("backup -o " + q(dir / "a.sql.zst") + " --pg-dump " + q(dir / "pg_dump") + target);
    INFO("backup stderr: " << backup.err);
    CHECK(backup.exitCode == 0);
    auto snapshot = runPgproof("snapshot -o " + q(dir / "s.json") + " --jobs 2" + target);
    INFO("snapshot stderr: " << snapshot.err);
    CHECK(snapshot.exitCode == 0);
    for (const auto& baseline : {dir / "a.sql.zst", dir / "s.json"}) {
        auto verify = runPgproof("verify --baseline " + q(baseline) + " --jobs 2" + target);
        INFO("verify --baseline " << baseline << "\nstdout: " << verify.out << "\nstderr: " << verify.err);
        CHECK(verify.exitCode == 0);
    }
}

TEST_CASE("the pinned settings hold against role and database SET and options= in the connection string") {
    ScratchRole role("SUPERUSER");
    ScratchDatabase db("pins");
    db.exec("CREATE TABLE t (id int, ts timestamptz, d date, i interval, b bytea, f float8);"
            "INSERT INTO t VALUES (1, '2024-01-02 03:04:05+00', '2024-01-02', '1 day 2 hours', '\\x0102', 1/3.0)");
    const std::vector<std::string> settings = {"TimeZone = 'America/New_York'", "DateStyle = 'SQL, DMY'",
                                               "IntervalStyle = 'sql_standard'", "bytea_output = 'escape'",
                                               "extra_float_digits = 0"};
    auto setAll = [&](const std::string& alter) {
        for (const auto& one : settings) admin().exec(alter + " SET " + one);
    };
    const std::string options = "-c TimeZone=America/New_York -c DateStyle=SQL,DMY -c IntervalStyle=sql_standard "
                                "-c bytea_output=escape -c extra_float_digits=0";
    std::string target;
    SECTION("database-level SET") {
        setAll("ALTER DATABASE " + quoteIdent(db.name()));
        target = db.conninfo();
    }
    SECTION("role-level SET") {
        setAll("ALTER ROLE " + quoteIdent(role.name()));
        target = db.conninfo() + " user=" + role.name();
    }
    SECTION("options= in the keyword form") {
        target = db.conninfo() + " options='" + options + "'";
    }
    SECTION("options= in a URI") {
        std::string encoded;
        for (char c : options) encoded += c == ' ' ? "%20" : c == '=' ? "%3D" : c == '/' ? "%2F" : c == ',' ? "%2C" : std::string(1, c);
        target = "postgresql:///" + db.name() + "?options=" + encoded;
    }
    INFO("--db " << target);
    // The settings reach a plain session: without the pins, values would be written differently.
    auto plain = run("psql -X -At -d " + shellQuote(target) + " -c 'SELECT ts FROM t'");
    REQUIRE(plain.exitCode == 0);
    REQUIRE(contains(plain.out, "EST"));

    TempDir dir;
    fs::path archive = dir / "a.sql.zst";
    auto backup = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(target));
    INFO("backup stderr: " << backup.err);
    REQUIRE(backup.exitCode == 0);
    auto sql = run("zstd -dc " + q(archive));
    REQUIRE(sql.exitCode == 0);
    // The archive's row as the pins write it: UTC, ISO dates, postgres intervals, hex bytea, shortest-exact floats.
    CHECK(contains(sql.out, "\n1\t2024-01-02 03:04:05+00\t2024-01-02\t1 day 02:00:00\t\\\\x0102\t0.3333333333333333\n"));
    auto verify = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(target));
    INFO("verify stdout: " << verify.out << "\nstderr: " << verify.err);
    CHECK(verify.exitCode == 0);
    // And the same figures from a session without any of those settings.
    CHECK(runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(db.conninfo())).exitCode == 0);
}

TEST_CASE("pg_dump's options: the pins come after the user's own, which stay") {
    CHECK(ConnectionTarget("dbname=app options='-c work_mem=64MB'").withoutPassword("-c TimeZone=UTC") ==
          "dbname='app' options='-c work_mem=64MB -c TimeZone=UTC'");
    std::string uri = ConnectionTarget("postgresql://u:secret@db1/app?options=endpoint%3Dep-1").withoutPassword("-c TimeZone=UTC");
    CHECK(contains(uri, " options='endpoint=ep-1 -c TimeZone=UTC'"));
    CHECK(contains(uri, "host='db1'"));
    CHECK_FALSE(contains(uri, "secret"));
}

TEST_CASE("backup runs a pg_dump not older than the server and records which") {
    ScratchDatabase db("pgdump");
    db.exec("CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
    const int major = std::stoi(db.scalar("SHOW server_version_num")) / 10000;
    TempDir dir;
    fs::path archive = dir / "a.sql.zst";
    const std::string target = " --db " + shellQuote(db.conninfo());

    SECTION("by default the server's own version, under /usr/lib/postgresql/N/bin") {
        REQUIRE(runPgproof("backup -o " + q(archive) + target).exitCode == 0);
        json pgDump = inspectManifest(archive).at("source").at("pg_dump");
        fs::path debian = "/usr/lib/postgresql/" + std::to_string(major) + "/bin/pg_dump";
        if (fs::exists(debian)) CHECK(pgDump.at("path") == debian.string());
        CHECK(pgDump.at("version").get<std::string>().rfind(std::to_string(major) + ".", 0) == 0);
        auto inspect = runPgproof("inspect " + q(archive));
        CHECK(contains(inspect.out, "(" + pgDump.at("path").get<std::string>() + ")"));
    }
    SECTION("--pg-dump PATH, and PGPROOF_PG_DUMP, are used as given") {
        REQUIRE(runPgproof("backup -o " + q(archive) + " --pg-dump /usr/bin/pg_dump" + target).exitCode == 0);
        CHECK(inspectManifest(archive).at("source").at("pg_dump").at("path") == "/usr/bin/pg_dump");
        fs::remove(archive);
        REQUIRE(run("PGPROOF_PG_DUMP=/usr/bin/pg_dump " + std::string(PGPROOF_BIN) + " backup -o " + q(archive) + target).exitCode == 0);
        CHECK(inspectManifest(archive).at("source").at("pg_dump").at("path") == "/usr/bin/pg_dump");
    }
    SECTION("a pg_dump older than the server is refused, naming both versions") {
        writeFile(dir / "pg_dump", "#!/bin/sh\necho 'pg_dump (PostgreSQL) 11.22'\n");
        fs::permissions(dir / "pg_dump", fs::perms::owner_all);
        auto r = runPgproof("backup -o " + q(archive) + " --pg-dump " + q(dir / "pg_dump") + target);
        INFO("stderr: " << r.err);
        CHECK(r.exitCode == 2);
        CHECK(contains(r.err, "is version 11.22, older than the server (PostgreSQL " + std::to_string(major) + "."));
        CHECK_FALSE(fs::exists(archive));
    }
    SECTION("a --pg-dump that does not exist is bad input naming the option") {
        auto r = runPgproof("backup -o " + q(archive) + " --pg-dump " + q(dir / "nope") + target);
        CHECK(r.exitCode == 2);
        CHECK(contains(r.err, "--pg-dump " + (dir / "nope").string()));
        CHECK_FALSE(fs::exists(archive));
    }
}

TEST_CASE("verify reads only the baseline's sequences: one the role cannot read elsewhere does not fail it") {
    ScratchRole reader("");
    ScratchDatabase db("seqs");
    db.exec("CREATE TABLE t (id serial PRIMARY KEY, v text); INSERT INTO t (v) SELECT 'x' FROM generate_series(1, 50);"
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + quoteIdent(reader.name()) + ";"
            "GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO " + quoteIdent(reader.name()));
    TempDir dir;
    fs::path archive = dir / "a.sql.zst";
    REQUIRE(runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo())).exitCode == 0);
    db.exec("CREATE SEQUENCE later_seq; SELECT nextval('later_seq')");
    const std::string asReader = db.conninfo() + " user=" + reader.name();
    // The role really cannot read it.
    auto denied = run("psql -X -d " + shellQuote(asReader) + " -c 'SELECT last_value FROM later_seq'");
    REQUIRE(denied.exitCode != 0);
    REQUIRE(contains(denied.err, "permission denied"));

    auto r = runPgproof("verify --baseline " + q(archive) + " --db " + shellQuote(asReader));
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exitCode == 0);
}

TEST_CASE("DDL queued behind the snapshot's lock makes a worker give up with exit 3 naming the table, never hang") {
    ScratchDatabase db("sess_queue");
    db.exec("CREATE TABLE big (id int, v text); INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 1500000) g;"
            "CREATE TABLE small (id int); INSERT INTO small VALUES (1);");
    TempDir dir;
    // One worker reads big (the largest first) while an ALTER TABLE on small queues behind the leader's lock.
    auto pending = std::async(std::launch::async, [&] {
        return runPgproof("snapshot --jobs 1 -o " + q(dir / "s.json") + " --db " + shellQuote(db.conninfo()));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    auto ddl = std::async(std::launch::async, [&] {
        PgConnection c = db.connect();
        c.exec("SET lock_timeout = '60s'; ALTER TABLE small ADD COLUMN w int");
    });
    auto r = pending.get();
    INFO("stderr: " << r.err);
    CHECK(r.exitCode == 3);
    CHECK(contains(r.err, "public.small"));
    ddl.get();
}

namespace {

// Tables t<from>..t<to>, each with a primary key (a planned read locks its index too) and one row;
// committed every 50 tables, since creating a table takes locks of its own.
void createTables(const ThrowawayCluster& cluster, const std::string& db, int from, int to) {
    cluster.connect(db).exec("DO $$ BEGIN FOR i IN " + std::to_string(from) + ".." + std::to_string(to) +
                             " LOOP EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, v text)', i); "
                             "EXECUTE format('INSERT INTO t%s VALUES (1, ''one'')', i); "
                             "IF i % 50 = 0 THEN COMMIT; END IF; END LOOP; END $$");
}

}  // namespace

// The server's lock table is shared by all sessions (max_locks_per_transaction * (max_connections +
// max_prepared_transactions) entries, plus some slack). On a server where it holds about 330 table locks,
// pg_dump of 250 tables works: so must backup, snapshot and verify, which take no more locks than pg_dump.
// (They took two or three per table: backup's leader beside pg_dump, snapshot's and verify's workers
// holding every table and its index beside the leader.) Past what pg_dump can lock, the one-line error says
// the lock table is full and passes on PostgreSQL's hint.
TEST_CASE("as many tables as pg_dump can lock: backup, snapshot and verify work, and more end in exit 3 naming max_locks_per_transaction") {
    ThrowawayCluster cluster("-c max_locks_per_transaction=10 -c max_connections=10");
    cluster.connect("postgres").exec("CREATE DATABASE many");
    createTables(cluster, "many", 1, 250);
    TempDir dir;
    const std::string db = " --db " + shellQuote(cluster.conninfo("many"));
    const std::string pgDump = "pg_dump -d " + shellQuote(cluster.conninfo("many")) + " >/dev/null";
    {
        auto dump = run(pgDump);
        INFO("pg_dump: " << dump.err);
        REQUIRE(dump.exitCode == 0);  // the premise: pg_dump fits
    }
    fs::path archive = dir / "a.sql.zst", snapshot = dir / "s.json";
    for (const std::string& args : {"backup -o " + q(archive) + db, "snapshot --jobs 2 -o " + q(snapshot) + db,
                                    "snapshot --jobs 2 --rows -o " + q(dir / "r.json") + db,
                                    "verify --jobs 2 --baseline " + q(archive) + db,
                                    "verify --jobs 2 --baseline " + q(snapshot) + db}) {
        auto r = runPgproof(args);
        INFO("pgproof " << args << "\nstdout: " << r.out << "\nstderr: " << r.err);
        CHECK(r.exitCode == 0);
    }
    CHECK(inspectManifest(archive).at("tables").size() == 250);
    CHECK(json::parse(readFile(snapshot)).at("tables").size() == 250);

    // Twice as many tables as the lock table holds: pg_dump fails too, and pgproof says why.
    createTables(cluster, "many", 251, 700);
    {
        auto dump = run(pgDump);
        INFO("pg_dump: " << dump.err);
        REQUIRE(dump.exitCode != 0);
        REQUIRE(contains(dump.err, "max_locks_per_transaction"));
    }
    for (const std::string& args : {"backup -o " + q(dir / "b.sql.zst") + db, "snapshot --jobs 2 -o " + q(dir / "t.json") + db,
                                    "verify --jobs 2 --baseline " + q(archive) + db}) {
        auto r = runPgproof(args);
        INFO("pgproof " << args << "\nstdout: " << r.out << "\nstderr: " << r.err);
        CHECK(r.exitCode == 3);
        CHECK(contains(r.err, "the server's lock table is full"));
        CHECK(contains(r.err, "(HINT: You might need to increase max_locks_per_transaction.)"));
    }
    CHECK_FALSE(fs::exists(dir / "b.sql.zst"));
    CHECK_FALSE(fs::exists(dir / "t.json"));
}

// A backup's leader locks nothing while pg_dump runs, so a table pg_dump does not dump (-T) is not held by
// pgproof either: truncating it during the backup neither waits nor fails the backup. Its count at the
// snapshot can no longer be read, and the manifest says so (rows_total null) instead of counting a new heap.
TEST_CASE("a table left out of the dump and truncated during the backup: backup works, its row count is left unknown") {
    ScratchDatabase db("sess_excluded");
    db.exec("CREATE TABLE big (id int PRIMARY KEY, body text); INSERT INTO big SELECT g, repeat(md5(g::text), 10) FROM generate_series(1, 200000) g;"
            "CREATE TABLE queue (id int); INSERT INTO queue SELECT generate_series(1, 10)");
    TempDir dir;
    fs::path archive = dir / "a.sql.zst";
    BackgroundPgproof p({"backup", "-o", archive.string(), "--db", db.conninfo(), "--level", "19", "--", "-T", "queue"});
    REQUIRE(waitForActiveQuery(db.name(), "COPY public.big%", std::chrono::seconds(120), [&] { return p.running(); }));
    PgConnection c = db.connect();
    c.exec("SET lock_timeout = '5s'; TRUNCATE queue");  // pgproof holds no lock on it: no wait
    REQUIRE(p.waitExit(std::chrono::seconds(120)));
    INFO("stderr: " << p.err());
    REQUIRE(p.exitCode() == 0);
    CHECK(contains(p.err(), "table public.queue was rewritten"));
    json queue = tableEntry(inspectManifest(archive), "queue");
    CHECK(queue.at("covered") == false);
    CHECK(queue.at("rows_total").is_null());
    CHECK(tableEntry(inspectManifest(archive), "big").at("rows") == 200000);
}
