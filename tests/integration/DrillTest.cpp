// pgproof drill against a real PostgreSQL: a drill restores the archive into a scratch database,
// proves it, writes markdown/JSON/JUnit reports with timings and drops the database (pass or fail)
// unless --keep; a damaged or truncated archive fails with exit 1, creates nothing and is named in
// the report; an unreachable server exits 3; a drill (or restore) that fails because of its target (a
// missing role, an extension at another version) is recorded as target_failed and never marks the
// archive damaged, so prune --remove-damaged keeps it.
#include <catch2/catch.hpp>

#include <fstream>

#include "SqlIdentifier.hpp"
#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {




std::set<std::string> drillDatabases() {
    auto r = admin().exec("SELECT datname FROM pg_database WHERE datname LIKE 'pgproof\\_drill\\_%'");
    std::set<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.insert(r.value(i, 0));
    return out;
}

// Scratch databases in `after` but not in `before` that the pgproof process `pid` created (names end in
// _PID): other drills may run at the same time (ctest -j) and must not make this check flaky.
std::vector<std::string> leftBehind(const std::set<std::string>& before, const std::set<std::string>& after, const std::string& pid) {
    std::vector<std::string> out;
    REQUIRE_FALSE(pid.empty());
    for (const auto& name : after)
        if (!before.count(name) && name.size() > pid.size() + 1 && name.compare(name.size() - pid.size() - 1, std::string::npos, "_" + pid) == 0)
            out.push_back(name);
    return out;
}

bool databaseExists(const std::string& name) {
    return admin().execParams("SELECT 1 FROM pg_database WHERE datname = $1", {name}).rows() == 1;
}


// The awkward tables and an archive of them.
struct AwkwardArchive {
    ScratchDatabase db{"dr_src"};
    TempDir dir;
    fs::path archive;
    json manifest;
    AwkwardArchive() {
        createAwkwardTables(db);
        archive = dir / "awkward.sql.zst";
        auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
        INFO("pgproof backup stderr: " << r.err);
        REQUIRE(r.exitCode == 0);
        manifest = inspectManifest(archive);
    }
    fs::path damagedRowsOf(const std::string& schema, const std::string& name) const {
        return damageRowsOf(archive, manifest, schema, name);
    }
};

struct Drill {
    std::string pid;     // of the pgproof process: the suffix of any scratch database it creates
    CommandResult result;
    std::string report;  // markdown
    json summary;        // --json
    XmlElement junit;
};

Drill drill(const fs::path& archive, const TempDir& dir, const std::string& extra = "") {
    fs::path md = dir / "drill.md", js = dir / "drill.json", xml = dir / "drill.xml";
    for (const auto& p : {md, js, xml}) fs::remove(p);
    Drill d;
    // sh -c 'echo $$; exec pgproof ...': pgproof runs with the pid the shell wrote down.
    fs::path pidFile = dir / "drill.pid";
    std::string command = "echo $$ > " + q(pidFile) + "; exec " + std::string(PGPROOF_BIN) + " drill " + q(archive) +
                          " --jobs 2 --report " + q(md) + " --json " + q(js) + " --junit " + q(xml) + " " + extra;
    d.result = run("sh -c " + shellQuote(command));
    d.pid = readFile(pidFile);
    while (!d.pid.empty() && d.pid.back() == '\n') d.pid.pop_back();
    INFO("drill stdout: " << d.result.out << "\nstderr: " << d.result.err);
    REQUIRE(fs::exists(md));
    REQUIRE(fs::exists(js));
    REQUIRE(fs::exists(xml));
    d.report = readFile(md);
    d.summary = json::parse(readFile(js));
    d.junit = parseXml(readFile(xml));
    return d;
}

size_t junitFailures(const XmlElement& junit) {
    size_t n = 0;
    for (const auto* tc : junit.descendants("testcase")) n += tc->descendants("failure").size() + tc->descendants("error").size();
    return n;
}

}  // namespace

TEST_CASE("a drill restores and proves the archive, reports PASSED with timings, and leaves no database behind") {
    AwkwardArchive a;
    auto before = drillDatabases();
    auto d = drill(a.archive, a.dir);
    INFO("drill stdout: " << d.result.out << "\nstderr: " << d.result.err << "\nreport:\n" << d.report);
    CHECK(d.result.exitCode == 0);
    CHECK(contains(d.result.out, "PASSED"));

    // The scratch database existed (the drill says which) and is gone.
    std::string scratch = d.summary.at("scratch_database");
    CHECK(scratch.rfind("pgproof_drill_", 0) == 0);
    CHECK(scratch.size() > d.pid.size());
    CHECK(scratch.substr(scratch.size() - d.pid.size()) == d.pid);
    CHECK(contains(d.result.err, "creating scratch database " + scratch));
    CHECK_FALSE(databaseExists(scratch));
    CHECK(leftBehind(before, drillDatabases(), d.pid).empty());
    CHECK(d.summary.at("dropped") == true);
    CHECK(d.summary.at("kept") == false);

    // The report: verdict, timings (the recovery time), every table.
    CHECK(contains(d.report, "PASSED"));
    CHECK(contains(d.report, "## Timings"));
    CHECK(contains(d.report, "recovery time"));
    CHECK(contains(d.report, "dropped"));
    CHECK(contains(d.report, "public.hard_values"));
    CHECK(contains(d.report, "\"Ünïcode Schema\".\"Täble \"\"quoted\"\" Name\""));
    CHECK(d.summary.at("verdict") == "proven");
    CHECK(d.summary.at("exit_code") == 0);
    CHECK(d.summary.at("tables_restored") == a.manifest.at("tables").size());
    const auto& t = d.summary.at("timings");
    for (const char* step : {"archive_check", "schema", "data", "post_data", "verify", "recovery_total", "drill_total"}) {
        INFO("timing " << step);
        REQUIRE(t.contains(step));
        CHECK(t.at(step).get<double>() >= 0);
    }
    CHECK(t.at("recovery_total").get<double>() > 0);
    CHECK(t.at("recovery_total").get<double>() >= t.at("data").get<double>());

    // JUnit: one case per table (plus the archive check and the cleanup), none failing.
    auto cases = d.junit.descendants("testcase");
    CHECK(cases.size() >= a.manifest.at("tables").size() + 2);
    CHECK(junitFailures(d.junit) == 0);
}

TEST_CASE("drill --keep leaves the proven scratch database for inspection") {
    AwkwardArchive a;
    auto d = drill(a.archive, a.dir, "--keep");
    DropDatabaseAtEnd cleanup{d.summary.value("scratch_database", "")};
    INFO("drill stdout: " << d.result.out << "\nstderr: " << d.result.err);
    CHECK(d.result.exitCode == 0);
    REQUIRE_FALSE(cleanup.name.empty());
    REQUIRE(databaseExists(cleanup.name));
    CHECK(d.summary.at("kept") == true);
    CHECK(contains(d.report, "kept"));
    auto conn = pgproof::PgConnection::connect(pgproof::ConnectionTarget("dbname=" + cleanup.name), "pgproof tests");
    CHECK(conn.exec("SELECT count(*) FROM public.measurements").value(0, 0) == "400");
    CHECK(conn.exec("SELECT count(*) FROM pg_largeobject_metadata").value(0, 0) == "2");
}

TEST_CASE("a drill of an archive with a damaged rows frame fails with exit 1, creates nothing and names the table") {
    AwkwardArchive a;
    auto damaged = a.damagedRowsOf("public", "measurements_2026");
    auto before = drillDatabases();
    auto d = drill(damaged, a.dir);
    INFO("drill stdout: " << d.result.out << "\nstderr: " << d.result.err << "\nreport:\n" << d.report);
    CHECK(d.result.exitCode == 1);
    CHECK_FALSE(contains(d.result.out, "PASSED"));
    CHECK_FALSE(contains(d.result.err, "creating scratch database"));
    CHECK(d.summary.at("scratch_database") == "");
    CHECK(leftBehind(before, drillDatabases(), d.pid).empty());

    CHECK(contains(d.report, "FAILED"));
    CHECK(contains(d.report, "public.measurements_2026"));
    CHECK(d.summary.at("verdict") == "failed");
    CHECK(d.summary.at("exit_code") == 1);
    CHECK(contains(d.summary.at("archive_problems").dump(), "measurements_2026"));
    CHECK(junitFailures(d.junit) >= 1);
    CHECK(contains(readFile(a.dir / "drill.xml"), "measurements_2026"));
}

TEST_CASE("a drill of a truncated archive fails with exit 1, creates nothing and still writes its report") {
    AwkwardArchive a;
    std::string bytes = readFile(a.archive);
    fs::path truncated = a.dir / "truncated.sql.zst";
    writeFile(truncated, bytes.substr(0, bytes.size() * 2 / 3));
    auto before = drillDatabases();
    auto d = drill(truncated, a.dir);
    INFO("drill stdout: " << d.result.out << "\nstderr: " << d.result.err << "\nreport:\n" << d.report);
    CHECK(d.result.exitCode == 1);
    CHECK_FALSE(contains(d.result.err, "creating scratch database"));
    CHECK(leftBehind(before, drillDatabases(), d.pid).empty());
    CHECK(contains(d.report, "FAILED"));
    CHECK(contains(d.report, "trailer"));
    CHECK(d.summary.at("verdict") == "failed");
    CHECK(junitFailures(d.junit) >= 1);
}

TEST_CASE("a drill against an unreachable server exits 3") {
    AwkwardArchive a;
    auto r = runPgproof("drill " + q(a.archive) + " --server " + shellQuote("host=/nonexistent-pgproof-socket-dir port=5432 dbname=postgres") +
                        " --report " + q(a.dir / "drill.md"));
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exitCode == 3);
    CHECK(contains(r.err, "nonexistent-pgproof-socket-dir"));
    CHECK_FALSE(contains(r.out, "PASSED"));
}

TEST_CASE("a drill names the unused scratch databases earlier drills left behind, and leaves them alone") {
    AwkwardArchive a;
    // As a drill SIGKILLed mid-restore leaves it (named prefix_time_pid; nobody connected).
    const std::string leftover = "pgproof_drill_20200101_000000_1";
    admin().exec("DROP DATABASE IF EXISTS " + leftover);
    admin().exec("CREATE DATABASE " + leftover);
    DropDatabaseAtEnd cleanup{leftover};
    auto d = drill(a.archive, a.dir);
    INFO("drill stdout: " << d.result.out << "\nstderr: " << d.result.err);
    CHECK(d.result.exitCode == 0);
    CHECK(contains(d.result.err, "scratch database(s) of earlier drills are still on the server"));
    CHECK(contains(d.result.err, leftover));
    CHECK(databaseExists(leftover));  // named, not dropped: it may be someone's --keep copy
}

TEST_CASE("a drill of a pg_dump -C archive stays in its scratch database: the dump's CREATE DATABASE, connect and ALTER DATABASE never run") {
    ScratchDatabase src("dr_create");
    std::string db = pgproof::quoteIdent(src.name());
    src.exec("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b');");
    admin().exec("COMMENT ON DATABASE " + db + " IS 'at backup'");
    admin().exec("ALTER DATABASE " + db + " SET work_mem = '3MB'");
    TempDir dir;
    fs::path archive = backupTo(src, dir / "created.sql.zst", "-C");
    std::string sql = run("zstd -dcq " + q(archive)).out;
    REQUIRE(contains(sql, "CREATE DATABASE " + src.name()));
    REQUIRE(contains(sql, "\\connect " + src.name()));
    REQUIRE(contains(sql, "ALTER DATABASE " + src.name() + " SET work_mem"));
    // The source database moves on: a drill that ran the dump's database entries would put them back.
    admin().exec("COMMENT ON DATABASE " + db + " IS 'now'");
    admin().exec("ALTER DATABASE " + db + " SET work_mem = '5MB'");
    for (const std::string& how : {"drill " + q(archive), "drill - < " + q(archive)}) {
        INFO(how);
        auto r = runPgproof(how + " --json -");
        INFO("stderr: " << r.err);
        CHECK(r.exitCode == 0);
        json report = json::parse(r.out);
        CHECK(report.at("verdict") == "proven");
        CHECK(report.at("tables_restored") == 1);
        CHECK(report.at("dropped") == true);
        CHECK_FALSE(databaseExists(report.at("scratch_database").get<std::string>()));
    }
    auto oid = admin().execParams("SELECT oid FROM pg_database WHERE datname = $1", {src.name()}).value(0, 0);
    CHECK(admin().exec("SELECT shobj_description(" + oid + ", 'pg_database')").value(0, 0) == "now");
    CHECK(admin().exec("SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting WHERE setrole = 0 AND setdatabase = " + oid).value(0, 0) ==
          "work_mem=5MB");
}

namespace {

// A repository holding backups of one database, each read back (backup --check).
struct DrillRepo {
    TempDir dir;
    fs::path root = dir / "repo";
    fs::path backup(const ScratchDatabase& db) const {
        auto before = archives(db);
        auto r = runPgproof("backup --check --repo " + q(root) + " --db " + shellQuote(db.conninfo()));
        INFO(r.out << r.err);
        REQUIRE(r.exitCode == 0);
        for (const auto& a : archives(db))
            if (std::find(before.begin(), before.end(), a) == before.end()) return a;
        FAIL("backup --repo wrote no new archive");
        return {};
    }
    std::vector<fs::path> archives(const ScratchDatabase& db) const {
        std::vector<fs::path> out;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(root / db.name(), ec))
            if (e.path().extension() == ".zst" && e.path().filename().string()[0] != '.') out.push_back(e.path());
        std::sort(out.begin(), out.end());
        return out;
    }
    std::vector<json> history(const fs::path& archive) const {
        std::string name = archive.filename().string();
        std::ifstream in(archive.parent_path() / (name.substr(0, name.size() - 8) + ".history.jsonl"));
        std::vector<json> out;
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) out.push_back(json::parse(line));
        return out;
    }
    // prune --keep-last 2 --remove-damaged: a damaged archive would not count toward the two and would go.
    void requireKeptByPrune(const ScratchDatabase& db, const fs::path& older) const {
        auto p = runPgproof("prune " + q(root) + " --keep-last 2 --remove-damaged");
        INFO(p.out << p.err);
        CHECK(p.exitCode == 0);
        CHECK(contains(p.out, "keep    " + db.name() + "/" + older.filename().string() + ": last 2 (#2)"));
        CHECK(contains(p.out, "0 archive(s) removed, 2 kept"));
        CHECK(archives(db).size() == 2);
    }
};

// Drops a role at the end of the test, with what it owns in one database.
struct RoleAtEnd {
    std::string name;
    const ScratchDatabase& db;
    ~RoleAtEnd() {
        try {
            db.exec("REASSIGN OWNED BY " + name + " TO CURRENT_USER");
        } catch (const std::exception&) {
        }
        try {
            admin().exec("DROP ROLE IF EXISTS " + name);
        } catch (const std::exception&) {
        }
    }
};

}  // namespace

TEST_CASE("a drill on a target without the archive's role records target_failed, and the archive stays proven") {
    ScratchDatabase src("dr_role");
    RoleAtEnd role{uniqueName("pgproof_owner"), src};
    admin().exec("CREATE ROLE " + role.name);
    src.exec("CREATE TABLE owned (id int PRIMARY KEY); INSERT INTO owned SELECT generate_series(1, 10); ALTER TABLE owned OWNER TO " +
             role.name);
    DrillRepo repo;
    fs::path archive = repo.backup(src);
    // The staging server does not have production's role.
    src.exec("REASSIGN OWNED BY " + role.name + " TO CURRENT_USER");
    admin().exec("DROP ROLE " + role.name);

    auto d = runPgproof("drill " + q(archive) + " --jobs 2");
    INFO(d.out << d.err);
    CHECK(d.exitCode == 3);
    CHECK_FALSE(contains(d.out, "PASSED"));
    CHECK(contains(d.out, "problem: the target refused the restore: role " + role.name + " named in the archive (as owner or grantee) does not exist on the target"));
    CHECK(contains(d.out, "Create it (or back up with --globals"));
    CHECK(contains(d.out, "or restore with --no-owner and --no-privileges"));
    CHECK(contains(d.out, "the archive is not marked damaged: fix the target and drill again"));
    auto records = repo.history(archive);
    REQUIRE(records.size() == 3);  // check (backup --check), backup, drill
    CHECK(records[2]["command"] == "drill");
    CHECK(records[2]["verdict"] == "target_failed");
    CHECK(records[2]["exit_code"] == 3);
    CHECK_FALSE(records[2].contains("damaged"));
    CHECK(contains(records[2]["error"].get<std::string>(), "does not exist on the target"));

    auto l = runPgproof("list " + q(repo.root) + " --json -");
    json entry = json::parse(l.out)["databases"][0]["archives"][0];
    CHECK(entry["damaged"] == false);
    CHECK(entry["state"] == "proven");
    CHECK(entry["last_drill"]["verdict"] == "target_failed");
    CHECK(contains(runPgproof("list " + q(repo.root)).out, "TARGET FAILED"));

    fs::path newer = repo.backup(src);
    (void)newer;
    repo.requireKeptByPrune(src, archive);

    // Read as a stream, the archive meets the same refusal (RestoreRefusals: one rule for both forms).
    auto streamed = run("cat " + q(archive) + " | " + shellQuote(PGPROOF_BIN) + " drill - --jobs 2");
    INFO(streamed.out << streamed.err);
    CHECK(streamed.exitCode == 3);
    CHECK(contains(streamed.out, "role " + role.name + " owns objects in the archive but does not exist on the target"));
    CHECK(contains(streamed.out, "the archive is not marked damaged"));

    // Without the ownership the target cannot give, the same archive drills fine.
    auto ok = runPgproof("drill " + q(archive) + " --jobs 2 --no-owner");
    INFO(ok.out << ok.err);
    CHECK(ok.exitCode == 0);
}

TEST_CASE("a drill or restore that fails because the target's extension is at another version never marks the archive damaged") {
    ScratchDatabase src("dr_extv");
    // Created at 1.1 (1,500 built-in configuration rows); a target's CREATE EXTENSION installs the default 1.0 (1,000).
    src.exec("CREATE EXTENSION pgproof_testext VERSION '1.1'");
    src.exec("INSERT INTO testext_config VALUES (5001, 'mine', false), (5002, 'also mine', false)");
    DrillRepo repo;
    fs::path archive = repo.backup(src);

    auto d = runPgproof("drill " + q(archive) + " --jobs 2");
    INFO(d.out << d.err);
    CHECK(d.exitCode == 1);
    CHECK(contains(d.out, "FAILED"));
    CHECK(contains(d.out, "problem: the archive checked intact, but the restored database does not match it (first: public.testext_config:"));
    CHECK(contains(d.out, "compare its extensions (versions), roles and settings with the source's, fix them and drill again"));
    auto records = repo.history(archive);
    REQUIRE(records.size() == 3);
    CHECK(records[2]["command"] == "drill");
    CHECK(records[2]["verdict"] == "target_failed");
    CHECK(records[2]["exit_code"] == 1);
    CHECK_FALSE(records[2].contains("damaged"));

    // restore into a target of the same server: the same difference, the same verdict in the history.
    ScratchDatabase target("dr_extv_t");
    auto r = runPgproof("restore " + q(archive) + " --db " + shellQuote(target.conninfo()) + " --jobs 2");
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);
    CHECK(contains(r.out, "testext_config"));
    CHECK(contains(r.out, "the target differs from the source; compare its extensions (versions), roles and settings with the source's, fix them and restore again"));
    records = repo.history(archive);
    REQUIRE(records.size() == 4);
    CHECK(records[3]["command"] == "restore");
    CHECK(records[3]["verdict"] == "target_failed");
    CHECK_FALSE(records[3].contains("damaged"));

    // Still proven by its check; status counts it; prune --remove-damaged keeps it.
    auto l = runPgproof("list " + q(repo.root) + " --json -");
    json entry = json::parse(l.out)["databases"][0]["archives"][0];
    CHECK(entry["damaged"] == false);
    CHECK(entry["proven"] == true);
    CHECK(runPgproof("status " + q(repo.root) + " --max-drill-age off").exitCode == 0);
    fs::path newer = repo.backup(src);
    (void)newer;
    repo.requireKeptByPrune(src, archive);

    // A check that finds the archive damaged does mark it, and --remove-damaged then removes it.
    json manifest = inspectManifest(archive);
    fs::path flipped = damageRowsOf(archive, manifest, "public", "testext_config");
    fs::rename(flipped, archive);
    auto c = runPgproof("check " + q(archive));
    CHECK(c.exitCode == 1);
    records = repo.history(archive);
    CHECK(records.back()["verdict"] == "failed");
    CHECK(records.back()["damaged"] == true);
    auto p = runPgproof("prune " + q(repo.root) + " --keep-last 2 --remove-damaged");
    INFO(p.out);
    CHECK(p.exitCode == 0);
    CHECK(contains(p.out, "removed " + src.name() + "/" + archive.filename().string() + ": damaged (DAMAGED: check found it damaged"));
    CHECK(repo.archives(src).size() == 1);
}
