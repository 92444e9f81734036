// pgproof restore against a real PostgreSQL: archives of the awkward tables, of Pagila and of a table
// of many frames restore (on several connections) into databases equal to their sources in rows,
// fingerprints, schema, large objects and sequences; a non-empty target is refused untouched; a
// damaged or truncated archive is never reported as restored; --no-verify says nothing is proven;
// --swap-into swaps only a proven database and only when nobody uses the live one; Ctrl-C stops a
// restore with exit 3.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fcntl.h>
#include <regex>
#include <thread>

#include "DumpSplitter.hpp"
#include "SqlIdentifier.hpp"
#include "TableFingerprint.hpp"
#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {



fs::path backup(const ScratchDatabase& db, const TempDir& dir, const std::string& name = "backup.sql.zst") { return backupTo(db, dir / name); }

CommandResult restore(const fs::path& archive, const std::string& targetDb, const std::string& extra = "") {
    return runPgproof("restore " + q(archive) + " --db " + shellQuote("dbname=" + targetDb) + " " + extra);
}

pgproof::PgConnection connectTo(const std::string& database) {
    return pgproof::PgConnection::connect(pgproof::ConnectionTarget("dbname=" + database), "pgproof tests");
}

std::vector<std::string> databasesLike(const std::string& likePattern) {
    auto r = connectTo("postgres").execParams("SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1", {likePattern});
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.value(i, 0));
    return out;
}

bool databaseExists(const std::string& name) {
    return connectTo("postgres").execParams("SELECT 1 FROM pg_database WHERE datname = $1", {name}).rows() == 1;
}

// Drops databases by exact name at the end of a test (those a swap renamed, which ScratchDatabase cannot know).
struct DropDatabasesAtEnd {
    std::vector<std::string> names;
    ~DropDatabasesAtEnd() {
        for (const auto& n : names) {
            try {
                connectTo("postgres").exec("DROP DATABASE IF EXISTS " + pgproof::quoteIdent(n) + " WITH (FORCE)");
            } catch (...) {
            }
        }
    }
};

// pg_dump --schema-only without the lines that differ on every run (\restrict keys, "-- Dumped by/from").
std::string schemaOf(const std::string& database) {
    auto r = run("pg_dump --schema-only -d " + shellQuote(database));
    INFO("pg_dump stderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    static const std::regex unstable(R"(^(\\restrict|\\unrestrict|-- Dumped) .*\n)", std::regex::multiline);
    return std::regex_replace(r.out, unstable, "");
}

std::vector<std::vector<std::string>> largeObjects(const ScratchDatabase& db) {
    return db.rows("SELECT oid::text, md5(lo_get(oid)), length(lo_get(oid))::text FROM pg_largeobject_metadata ORDER BY oid");
}
std::vector<std::vector<std::string>> sequences(const ScratchDatabase& db) {
    return db.rows("SELECT schemaname, sequencename, coalesce(last_value::text, 'not called') FROM pg_sequences ORDER BY 1, 2");
}

// Everything a user would compare after a restore: the tables, every table's rows and content
// (independently recomputed), the schema, the large objects' bytes and the sequences.
//
// Leaves that pg_dump loads via their partition root (hash partitions on an enum) are routed again
// by the restored server, whose enum OIDs differ: for those the rows and fingerprint sums of all
// leaves of one root must be equal, not each leaf's. Returns how many such roots there were.
size_t requireSameDatabase(const ScratchDatabase& source, const ScratchDatabase& target, const json& manifest) {
    REQUIRE(dataTables(target) == dataTables(source));
    std::map<pgproof::QualifiedName, std::pair<pgproof::TableFingerprint, pgproof::TableFingerprint>> viaRoot;
    for (const auto& [schema, name] : dataTables(source)) {
        pgproof::QualifiedName id{schema, name};
        INFO("table " << id.display());
        auto want = independentFingerprint(source, schema, name);
        auto got = independentFingerprint(target, schema, name);
        std::optional<pgproof::QualifiedName> root;
        for (const auto& t : manifest.at("tables"))
            if (t.at("schema") == schema && t.at("name") == name) {
                auto copy = pgproof::parseCopyLine(t.at("copy").get<std::string>());
                REQUIRE(copy);
                if (!(copy->id == id)) root = copy->id;
            }
        if (root) {
            auto& [w, g] = viaRoot[*root];
            w.add({want.rows, *pgproof::TableFingerprint::parseHex(want.hex)});
            g.add({got.rows, *pgproof::TableFingerprint::parseHex(got.hex)});
            continue;
        }
        CHECK(got.rows == want.rows);
        CHECK(got.hex == want.hex);
    }
    for (const auto& [root, sums] : viaRoot) {
        INFO("leaves of " << root.display() << " (loaded via the partition root)");
        CHECK(sums.second.rows == sums.first.rows);
        CHECK(sums.second.hex() == sums.first.hex());
    }
    std::string a = schemaOf(source.name()), b = schemaOf(target.name());
    INFO("schema difference: " << firstDifference(a, b));
    CHECK(a == b);
    CHECK(largeObjects(target) == largeObjects(source));
    CHECK(sequences(target) == sequences(source));
    return viaRoot.size();
}

uint64_t rowsOf(const json& manifest, const std::string& schema, const std::string& name) {
    for (const auto& t : manifest.at("tables"))
        if (t.at("schema") == schema && t.at("name") == name) return t.at("rows").get<uint64_t>();
    FAIL("no table " << schema << "." << name << " in the manifest");
    return 0;
}


// A table of `rows` rows of about `width` bytes each, with a primary key.
void createWideTable(const ScratchDatabase& db, int rows, int width) {
    db.exec("CREATE TABLE wide (id bigint PRIMARY KEY, payload text, n numeric);"
            "INSERT INTO wide SELECT g, left(repeat(md5(g::text), " + std::to_string(width / 32 + 1) + "), " +
            std::to_string(width) + "), g * 1.25 FROM generate_series(1, " + std::to_string(rows) + ") g");
}

}  // namespace

TEST_CASE("restore --jobs 2 of the awkward tables equals the source: rows, fingerprints, schema, large objects, sequences") {
    ScratchDatabase source("rt_src");
    createAwkwardTables(source);
    TempDir dir;
    auto archive = backup(source, dir);
    auto manifest = inspectManifest(archive);

    ScratchDatabase target("rt_dst");
    auto r = restore(archive, target.name(), "--jobs 2 --json " + q(dir / "restore.json"));
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.out, "PROVEN"));
    auto report = json::parse(readFile(dir / "restore.json"));
    CHECK(report.at("restored_database") == target.name());

    // The hash partitions on an enum are the one case of rows loaded via the root: it must be covered.
    CHECK(requireSameDatabase(source, target, manifest) == 1);
    CHECK(largeObjects(target).size() == 2);
    CHECK(target.scalar("SELECT last_value FROM standalone_seq") == "101");
}

TEST_CASE("restore --jobs 2 of Pagila equals the source: rows, fingerprints, schema, large objects, sequences") {
    ScratchDatabase source("rt_pagila");
    loadPagila(source);
    TempDir dir;
    auto archive = backup(source, dir);
    auto manifest = inspectManifest(archive);

    ScratchDatabase target("rt_pagila_dst");
    auto r = restore(archive, target.name(), "--jobs 2");
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.out, "PROVEN"));
    requireSameDatabase(source, target, manifest);
    CHECK(target.scalar("SELECT count(*) FROM public.rental") == source.scalar("SELECT count(*) FROM public.rental"));
    // Foreign keys were rebuilt, not skipped.
    CHECK(target.scalar("SELECT count(*) FROM pg_constraint WHERE contype = 'f'") ==
          source.scalar("SELECT count(*) FROM pg_constraint WHERE contype = 'f'"));
}

TEST_CASE("a table of more than 64 MiB is split by frame ranges and restores equal with --jobs 2 and --jobs 3") {
    ScratchDatabase source("rt_wide");
    createWideTable(source, 230000, 300);  // about 70 MB of COPY text: 17+ frames of 4 MiB, two copy items
    // A small table of a costly type: a connection loads it rather than queue behind the other on wide.
    source.exec("CREATE TABLE doc (id int PRIMARY KEY, body jsonb); "
                "INSERT INTO doc SELECT g, jsonb_build_object('n', g, 'tags', jsonb_build_array(g, g + 1)) FROM generate_series(1, 2000) g");
    TempDir dir;
    auto archive = backup(source, dir);
    auto manifest = inspectManifest(archive);
    uint64_t raw = 0;
    size_t frames = 0;
    for (const auto& t : manifest.at("tables"))
        if (t.at("name") == "wide") {
            raw = t.at("raw_bytes").get<uint64_t>();
            frames = manifest.at("segments").at(t.at("segment").get<size_t>()).at("frames").size();
        }
    INFO("table wide: " << raw << " raw bytes in " << frames << " frames");
    REQUIRE(raw > (64u << 20));
    REQUIRE(frames > 16);
    auto want = independentFingerprint(source, "public", "wide");
    REQUIRE(want.rows == 230000);

    for (int jobs : {2, 3}) {
        ScratchDatabase target("rt_wide_dst");
        auto r = restore(archive, target.name(), "--jobs " + std::to_string(jobs) + " --verbose");
        INFO("--jobs " << jobs << "\nstdout: " << r.out << "\nstderr: " << r.err);
        REQUIRE(r.exitCode == 0);
        CHECK(contains(r.out, "PROVEN"));
        // Two COPY stretches of about equal size, one per connection.
        size_t stretches = 0;
        for (size_t p = r.err.find("started: rows of public.wide"); p != std::string::npos; p = r.err.find("started: rows of public.wide", p + 1))
            ++stretches;
        CHECK(stretches == 2);
        // With two connections, the second took the other table before it joined the first on wide. (With
        // three, doc and the second stretch start at the same moment on two connections, and their log
        // lines come in either order: a CI run saw the second stretch's first.)
        size_t firstWide = r.err.find("started: rows of public.wide");
        size_t secondWide = r.err.find("started: rows of public.wide", firstWide + 1);
        size_t doc = r.err.find("started: rows of public.doc");
        CHECK(doc != std::string::npos);
        if (jobs == 2) CHECK(doc < secondWide);
        CHECK(target.scalar("SELECT count(*) FROM public.doc") == "2000");
        auto got = independentFingerprint(target, "public", "wide");
        CHECK(got.rows == want.rows);
        CHECK(got.hex == want.hex);
        CHECK(target.scalar("SELECT count(*) FROM pg_index WHERE indrelid = 'public.wide'::regclass AND indisprimary") == "1");
    }
}

TEST_CASE("a non-empty target database is refused with exit 2 and left unchanged") {
    ScratchDatabase source("rt_src");
    createAwkwardTables(source);
    TempDir dir;
    auto archive = backup(source, dir);

    ScratchDatabase target("rt_busy");
    target.exec("CREATE TABLE precious (id int, note text); INSERT INTO precious VALUES (1, 'keep me')");
    const std::string relations = "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_class c "
                                  "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', "
                                  "'information_schema', 'pg_toast')";
    auto before = target.scalar(relations);
    const std::string schemas = "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace";
    auto schemasBefore = target.scalar(schemas);

    auto r = restore(archive, target.name(), "--jobs 2");
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exitCode == 2);
    CHECK(contains(r.err, "not empty"));
    CHECK(contains(r.err, "precious"));
    CHECK_FALSE(contains(r.out, "PROVEN"));
    CHECK(target.scalar(relations) == before);
    CHECK(target.scalar(schemas) == schemasBefore);
    CHECK(target.rows("SELECT id::text, note FROM precious") == std::vector<std::vector<std::string>>{{"1", "keep me"}});
    CHECK(target.scalar("SELECT count(*) FROM pg_largeobject_metadata") == "0");
}

TEST_CASE("a damaged or truncated archive is never reported as restored: exit 1, naming the damaged table") {
    ScratchDatabase source("rt_src");
    createAwkwardTables(source);
    TempDir dir;
    auto archive = backup(source, dir);
    auto manifest = inspectManifest(archive);

    struct Victim {
        std::string schema, name, shown;
    };
    for (const auto& v : {Victim{"public", "measurements_2025", "public.measurements_2025"},
                          Victim{"public", "scratch_unlogged", "public.scratch_unlogged"},
                          Victim{"Ünïcode Schema", "Täble \"quoted\" Name", "\"Ünïcode Schema\".\"Täble \"\"quoted\"\" Name\""}}) {
        REQUIRE(rowsOf(manifest, v.schema, v.name) > 0);
        auto damaged = damageRowsOf(archive, manifest, v.schema, v.name);
        ScratchDatabase target("rt_dmg");
        auto r = restore(damaged, target.name(), "--jobs 2 --json " + q(dir / "damaged.json"));
        INFO("damaged table " << v.shown << "\nstdout: " << r.out << "\nstderr: " << r.err);
        CHECK(r.exitCode == 1);
        CHECK(contains(r.err, v.shown));
        CHECK(contains(r.err, "damaged"));
        CHECK_FALSE(contains(r.out, "PROVEN"));
        // A report that exists must not claim a proof either.
        if (fs::exists(dir / "damaged.json")) CHECK(json::parse(readFile(dir / "damaged.json")).value("exit_code", 1) != 0);
    }

    {  // truncated: the trailer is missing
        std::string bytes = readFile(archive);
        fs::path truncated = dir / "truncated.sql.zst";
        writeFile(truncated, bytes.substr(0, bytes.size() - 48));
        ScratchDatabase target("rt_trunc");
        auto r = restore(truncated, target.name(), "--jobs 2");
        INFO("stdout: " << r.out << "\nstderr: " << r.err);
        CHECK(r.exitCode == 1);
        CHECK(contains(r.err, "trailer"));
        CHECK_FALSE(contains(r.out, "PROVEN"));
        CHECK(dataTables(target).empty());
    }
}

TEST_CASE("restore --no-verify restores the rows but says that nothing was proven") {
    ScratchDatabase source("rt_src");
    createAwkwardTables(source);
    TempDir dir;
    auto archive = backup(source, dir);

    ScratchDatabase target("rt_nover");
    auto r = restore(archive, target.name(), "--jobs 2 --no-verify");
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exitCode == 0);
    CHECK(contains(r.out, "NOT VERIFIED"));
    CHECK_FALSE(contains(r.out, "PROVEN"));
    CHECK(target.scalar("SELECT count(*) FROM public.dropped_and_generated") == "50");
    auto fp = independentFingerprint(target, "public", "hard_values");
    CHECK(fp.hex == independentFingerprint(source, "public", "hard_values").hex);
}

TEST_CASE("restore --swap-into puts the proven database in place of the live one and keeps the old one") {
    ScratchDatabase source("rt_src");
    source.exec("CREATE TABLE accounts (id int PRIMARY KEY, owner text); INSERT INTO accounts SELECT g, 'o' || g FROM generate_series(1, 500) g");
    TempDir dir;
    auto archive = backup(source, dir);

    ScratchDatabase live("rt_live");
    live.exec("CREATE TABLE old_app (x int); INSERT INTO old_app VALUES (42)");
    ScratchDatabase fresh("rt_new");
    DropDatabasesAtEnd cleanup;

    auto r = restore(archive, fresh.name(), "--jobs 2 --swap-into " + shellQuote(live.name()) + " --json " + q(dir / "swap.json"));
    auto kept = databasesLike(live.name() + "_before_restore_%");
    cleanup.names = kept;
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.out, "PROVEN"));
    REQUIRE(kept.size() == 1);
    CHECK(contains(r.out, kept[0]));
    auto report = json::parse(readFile(dir / "swap.json"));
    CHECK(report.at("swap").at("swapped") == true);
    CHECK(report.at("swap").at("kept_old_database") == kept[0]);

    // LIVE now holds the restored data, and nothing of the old one.
    CHECK_FALSE(databaseExists(fresh.name()));
    CHECK(live.scalar("SELECT count(*) FROM accounts") == "500");
    CHECK(independentFingerprint(live, "public", "accounts").hex == independentFingerprint(source, "public", "accounts").hex);
    CHECK(live.scalar("SELECT to_regclass('public.old_app') IS NULL") == "t");
    // The old LIVE is kept, with its data.
    auto old = connectTo(kept[0]);
    CHECK(old.exec("SELECT x FROM old_app").value(0, 0) == "42");
    CHECK(old.exec("SELECT to_regclass('public.accounts') IS NULL").value(0, 0) == "t");
}

TEST_CASE("restore --swap-into a long database name reports the kept old database by its real name") {
    ScratchDatabase source("rt_src");
    source.exec("CREATE TABLE accounts (id int PRIMARY KEY, owner text); INSERT INTO accounts VALUES (1, 'one')");
    TempDir dir;
    auto archive = backup(source, dir);

    // NAME_before_restore_DATE would be longer than PostgreSQL's 63 bytes, which cuts names silently.
    ScratchDatabase live("rt_live_with_a_deliberately_long_name_x");
    REQUIRE(live.name().size() > 63 - 31);
    live.exec("CREATE TABLE old_app (x int); INSERT INTO old_app VALUES (42)");
    ScratchDatabase fresh("rt_new");
    DropDatabasesAtEnd cleanup;
    auto r = restore(archive, fresh.name(), "--jobs 2 --swap-into " + shellQuote(live.name()) + " --json " + q(dir / "swap.json"));
    cleanup.names = databasesLike("rt_live_with_a_deliberately_long%before_restore%");
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    std::string kept = json::parse(readFile(dir / "swap.json")).at("swap").at("kept_old_database");
    INFO("kept as " << kept);
    CHECK(kept.size() <= 63);
    CHECK(contains(kept, "_before_restore_"));
    CHECK(contains(r.out, kept));
    REQUIRE(databaseExists(kept));
    CHECK(connectTo(kept).exec("SELECT x FROM old_app").value(0, 0) == "42");
    CHECK(live.scalar("SELECT owner FROM accounts") == "one");
}

TEST_CASE("restore --swap-into refuses with exit 3 and renames nothing while a session uses the live database") {
    ScratchDatabase source("rt_src");
    source.exec("CREATE TABLE accounts (id int PRIMARY KEY, owner text); INSERT INTO accounts SELECT g, 'o' || g FROM generate_series(1, 500) g");
    TempDir dir;
    auto archive = backup(source, dir);

    ScratchDatabase live("rt_live");
    live.exec("CREATE TABLE old_app (x int); INSERT INTO old_app VALUES (42)");
    ScratchDatabase fresh("rt_new");
    DropDatabasesAtEnd cleanup;
    {
        auto application = live.connect();  // the application is still connected
        auto r = restore(archive, fresh.name(), "--jobs 2 --swap-into " + shellQuote(live.name()));
        cleanup.names = databasesLike(live.name() + "_before_restore_%");
        INFO("stdout: " << r.out << "\nstderr: " << r.err);
        CHECK(r.exitCode == 3);
        CHECK(contains(r.err, "other session"));
        CHECK(contains(r.out, "NOT swapped"));
        CHECK(cleanup.names.empty());
        REQUIRE(application.ok());
        CHECK(application.exec("SELECT current_database()").value(0, 0) == live.name());
    }
    CHECK(live.scalar("SELECT x FROM old_app") == "42");
    CHECK(live.scalar("SELECT to_regclass('public.accounts') IS NULL") == "t");
    // The restored database stays under its own name, complete.
    CHECK(fresh.scalar("SELECT count(*) FROM accounts") == "500");
}

TEST_CASE("Ctrl-C during a restore stops it with exit 3 and proves nothing") {
    ScratchDatabase source("rt_int");
    createWideTable(source, 100000, 300);  // about 30 MB: a restore of a few seconds
    TempDir dir;
    auto archive = backup(source, dir);
    ScratchDatabase target("rt_int_dst");

    fs::path out = dir / "out", err = dir / "err";
    writeFile(out, "");  // exist before the child runs, so that polling them never fails
    writeFile(err, "");
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int o = ::open(out.c_str(), O_WRONLY | O_TRUNC), e = ::open(err.c_str(), O_WRONLY | O_TRUNC);
        dup2(o, 1);
        dup2(e, 2);
        std::string db = "dbname=" + target.name();
        execl(PGPROOF_BIN, PGPROOF_BIN, "restore", archive.c_str(), "--db", db.c_str(), "--jobs", "2", static_cast<char*>(nullptr));
        _exit(127);
    }
    // Interrupt once the rows are being copied (at least 0.3 s in), the longest and most parallel step.
    auto start = std::chrono::steady_clock::now();
    int status = 0;
    bool exitedEarly = false;
    while (true) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (waitpid(pid, &status, WNOHANG) == pid) {
            exitedEarly = true;
            break;
        }
        bool copying = contains(readFile(err), "restoring rows");
        if ((copying && std::chrono::steady_clock::now() - start > std::chrono::milliseconds(300)) ||
            std::chrono::steady_clock::now() - start > std::chrono::seconds(30))
            break;
    }
    INFO("stdout: " << readFile(out) << "\nstderr: " << readFile(err));
    REQUIRE_FALSE(exitedEarly);  // the archive is too small to interrupt: make it bigger
    REQUIRE(kill(pid, SIGINT) == 0);
    auto signalled = std::chrono::steady_clock::now();
    bool exited = false;
    while (std::chrono::steady_clock::now() - signalled < std::chrono::seconds(30)) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            exited = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    std::string stdoutText = readFile(out), stderrText = readFile(err);
    INFO("after SIGINT\nstdout: " << stdoutText << "\nstderr: " << stderrText);
    REQUIRE(exited);  // within 30 s of Ctrl-C
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 3);
    CHECK(contains(stderrText, "interrupted"));
    CHECK_FALSE(contains(stdoutText, "PROVEN"));
}
