// pgproof backup against a real PostgreSQL: the manifest's counts and fingerprints equal an
// independent computation over COPY, the archive restores with stock zstd and psql into an identical
// database, it is pg_dump's own script byte for byte, and bad input or a failing pg_dump never leaves
// a file behind.
#include <sys/stat.h>

#define CATCH_CONFIG_ENABLE_PAIR_STRINGMAKER
#include <catch2/catch.hpp>
#include <random>

#include "DumpSplitter.hpp"
#include "SqlIdentifier.hpp"
#include "TableFingerprint.hpp"
#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* kPassword = "secretvalue";


// Runs a pipeline under bash with pipefail, so that a failure anywhere in it shows in the exit code.
CommandResult runPipeline(const std::string& pipeline) { return run("bash -o pipefail -c " + shellQuote(pipeline)); }

fs::path backup(const ScratchDatabase& db, const TempDir& dir, const std::string& name = "backup.sql.zst") { return backupTo(db, dir / name); }

std::string display(const json& table) {
    return pgproof::QualifiedName{table.at("schema").get<std::string>(), table.at("name").get<std::string>()}.display();
}

std::set<std::pair<std::string, std::string>> manifestTables(const json& manifest) {
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& t : manifest.at("tables")) out.emplace(t.at("schema").get<std::string>(), t.at("name").get<std::string>());
    return out;
}

// The table a manifest entry's COPY statement loads: the leaf itself, or the partition root when pg_dump
// loads the leaf "via partition root".
std::pair<std::string, std::string> copyTarget(const json& table) {
    auto parsed = pgproof::parseCopyLine(table.at("copy").get<std::string>());
    REQUIRE(parsed);
    return {parsed->id.schema, parsed->id.name};
}

// Every table of the manifest has, in db, the rows and the fingerprint the manifest records;
// and the manifest lists exactly the tables of db whose rows pg_dump writes.
//
// In a restored database, rows loaded via the partition root are routed again by the partition key:
// a hash partition on an enum hashes the enum's OID, which differs between databases, so the rows
// may land in other leaves than they came from (that is why pg_dump loads them via the root).
// For those, the proof holds per root: the leaves' counts and fingerprints (sums) add up.
void requireDatabaseMatchesManifest(const json& manifest, const ScratchDatabase& db, bool restored = false) {
    CHECK(manifestTables(manifest) == dataTables(db));
    struct Sum {
        uint64_t rows = 0;
        pgproof::uint128_t sum = 0;
    };
    std::map<std::pair<std::string, std::string>, std::pair<Sum, Sum>> viaRoot;  // root -> (manifest, database)
    for (const auto& t : manifest.at("tables")) {
        auto schema = t.at("schema").get<std::string>(), name = t.at("name").get<std::string>();
        INFO("table " << display(t) << " in database " << db.name());
        auto fp = independentFingerprint(db, schema, name);
        auto root = copyTarget(t);
        if (restored && root != std::make_pair(schema, name)) {
            auto& [want, got] = viaRoot[root];
            want.rows += t.at("rows").get<uint64_t>();
            want.sum += *pgproof::TableFingerprint::parseHex(t.at("fingerprint").get<std::string>());
            got.rows += fp.rows;
            got.sum += *pgproof::TableFingerprint::parseHex(fp.hex);
            continue;
        }
        CHECK(fp.rows == t.at("rows").get<uint64_t>());
        CHECK(fp.hex == t.at("fingerprint").get<std::string>());
    }
    for (const auto& [root, sums] : viaRoot) {
        INFO("leaves of " << root.first << "." << root.second << " (loaded via the root) in database " << db.name());
        CHECK(sums.second.rows == sums.first.rows);
        CHECK(pgproof::TableFingerprint::toHex(sums.second.sum) == pgproof::TableFingerprint::toHex(sums.first.sum));
    }
}

const json& tableNamed(const json& manifest, const std::string& schema, const std::string& name) {
    for (const auto& t : manifest.at("tables"))
        if (t.at("schema") == schema && t.at("name") == name) return t;
    FAIL("the manifest has no table " << schema << "." << name);
    throw std::logic_error("unreachable");
}

// Each sequence of the manifest holds, in db, the value the manifest records.
void requireSequencesMatch(const json& manifest, const ScratchDatabase& db) {
    for (const auto& s : manifest.at("sequences")) {
        std::string id = pgproof::quoteIdent(s.at("schema").get<std::string>()) + "." +
                         pgproof::quoteIdent(s.at("name").get<std::string>());
        INFO("sequence " << id << " in database " << db.name());
        auto row = db.rows("SELECT last_value, is_called FROM " + id).at(0);
        CHECK(row[0] == std::to_string(s.at("last_value").get<int64_t>()));
        CHECK(row[1] == (s.at("is_called").get<bool>() ? "t" : "f"));
    }
}

std::vector<std::vector<std::string>> largeObjects(const ScratchDatabase& db) {
    return db.rows("SELECT oid::text, encode(lo_get(oid), 'hex') FROM pg_largeobject_metadata ORDER BY oid");
}

void restoreWithPsql(const fs::path& archive, const ScratchDatabase& target) {
    auto r = runPipeline("zstd -dc " + q(archive) + " | psql -X -q -v ON_ERROR_STOP=1 -d " + shellQuote(target.name()));
    INFO("zstd -dc | psql stderr: " << r.err);
    REQUIRE(r.exitCode == 0);
}

// pg_dump 15.18 writes a random key on its \restrict and \unrestrict lines; everything else is deterministic.
std::string maskRestrictKeys(const std::string& script) {
    std::string out;
    size_t pos = 0;
    while (pos < script.size()) {
        size_t nl = script.find('\n', pos);
        size_t end = nl == std::string::npos ? script.size() : nl + 1;
        std::string_view line(script.data() + pos, end - pos);
        if (line.rfind("\\restrict ", 0) == 0) out += "\\restrict KEY\n";
        else if (line.rfind("\\unrestrict ", 0) == 0) out += "\\unrestrict KEY\n";
        else out += line;
        pos = end;
    }
    return out;
}

// The awkward database with the archive of it.
struct AwkwardBackup {
    ScratchDatabase db{"awk"};
    TempDir dir;
    fs::path archive;
    json manifest;
    AwkwardBackup() {
        createAwkwardTables(db);
        archive = backup(db, dir);
        manifest = inspectManifest(archive);
    }
};

}  // namespace

TEST_CASE("awkward tables: the manifest's rows and fingerprints equal an independent COPY of every table") {
    AwkwardBackup b;
    const json& m = b.manifest;

    requireDatabaseMatchesManifest(m, b.db);

    // Partitions are keyed by the leaf named in "-- Data for Name:", also when pg_dump loads them via the root.
    auto tables = manifestTables(m);
    CHECK(tables.count({"public", "moods_0"}) == 1);
    CHECK(tables.count({"public", "moods_1"}) == 1);
    CHECK(tables.count({"public", "moods"}) == 0);
    CHECK(tables.count({"public", "measurements_2025"}) == 1);
    CHECK(tables.count({"public", "measurements"}) == 0);
    CHECK(copyTarget(tableNamed(m, "public", "moods_0")) == std::make_pair(std::string("public"), std::string("moods")));
    CHECK(copyTarget(tableNamed(m, "public", "measurements_2025")) ==
          std::make_pair(std::string("public"), std::string("measurements_2025")));
    CHECK(tableNamed(m, "public", "moods_0").at("rows").get<uint64_t>() +
              tableNamed(m, "public", "moods_1").at("rows").get<uint64_t>() ==
          30);
    // Inheritance: the parent's own rows only, the child's separately.
    CHECK(tableNamed(m, "public", "vehicles").at("rows") == 2);
    CHECK(tableNamed(m, "public", "cars").at("rows") == 2);

    // Odd identifiers come back exactly, not as pg_dump's quoted spelling.
    const json& odd = tableNamed(m, "Ünïcode Schema", "Täble \"quoted\" Name");
    CHECK(odd.at("rows") == 2);
    CHECK(odd.at("columns") == json({"id", "Mixed Case", "ключ"}));

    // Empty and zero-column tables are listed; zero-column rows still count.
    CHECK(tableNamed(m, "public", "empty_table").at("rows") == 0);
    CHECK(tableNamed(m, "public", "zero_columns").at("rows") == 3);
    CHECK(tableNamed(m, "public", "zero_columns").at("columns").empty());
    // Dropped and generated columns are not part of the rows.
    CHECK(tableNamed(m, "public", "dropped_and_generated").at("columns") == json({"id", "keep"}));
    CHECK(tableNamed(m, "public", "scratch_unlogged").at("rows") == 100);
    CHECK(tableNamed(m, "public", "hard_values").at("rows") == 10);

    // Sequences and large objects are recorded.
    std::set<std::string> sequences;
    for (const auto& s : m.at("sequences")) sequences.insert(s.at("name").get<std::string>());
    CHECK(sequences == std::set<std::string>{"identity_rows_id_seq", "standalone_seq", "vehicles_id_seq"});
    requireSequencesMatch(m, b.db);
    CHECK(m.at("large_objects") == 2);
    CHECK(m.at("totals").at("tables") == m.at("tables").size());
}

TEST_CASE("awkward tables: zstd -dc | psql restores every row, sequence and large object the manifest records") {
    AwkwardBackup b;
    ScratchDatabase restored("awk_restored");
    restoreWithPsql(b.archive, restored);

    requireDatabaseMatchesManifest(b.manifest, restored, true);
    requireSequencesMatch(b.manifest, restored);
    CHECK(restored.scalar("SELECT count(*) || ' ' || sum(n) FROM moods") == "30 465");
    // The restored sequences continue where the original ones would.
    CHECK(restored.scalar("SELECT nextval('standalone_seq')") == b.db.scalar("SELECT nextval('standalone_seq')"));
    CHECK(restored.scalar("SELECT count(*) FROM pg_largeobject_metadata") == "2");
    CHECK(largeObjects(restored) == largeObjects(b.db));
    // Values that need escaping survive exactly.
    CHECK(restored.scalar("SELECT t FROM hard_values WHERE id = 4") == "\\N");
    CHECK(restored.scalar("SELECT b = (SELECT string_agg(set_byte('\\x00'::bytea, 0, g), ''::bytea ORDER BY g) "
                          "FROM generate_series(0, 255) g) FROM hard_values WHERE id = 7") == "t");
    CHECK(restored.scalar("SELECT length(t) FROM hard_values WHERE id = 9") == "6400000");
    CHECK(restored.scalar("SELECT relpersistence FROM pg_class WHERE relname = 'scratch_unlogged'") == "u");
}

TEST_CASE("Pagila: manifest equals independent fingerprints, the archive is pg_dump's script and restores identically") {
    ScratchDatabase db("pagila");
    loadPagila(db);
    TempDir dir;
    fs::path archive = backup(db, dir, "pagila.sql.zst");
    json m = inspectManifest(archive);

    CHECK(m.at("tables").size() == 22);
    requireDatabaseMatchesManifest(m, db);
    auto tables = manifestTables(m);
    CHECK(tables.count({"public", "payment_p2007_01"}) == 1);
    CHECK(tables.count({"public", "payment"}) == 0);
    CHECK(m.at("sequences").size() >= 10);
    requireSequencesMatch(m, db);

    // The same bytes pg_dump writes when run separately (but for the random \restrict key).
    auto dumped = run("pg_dump -d " + shellQuote(db.name()));
    REQUIRE(dumped.exitCode == 0);
    auto unpacked = run("zstd -dc " + q(archive));
    REQUIRE(unpacked.exitCode == 0);
    std::string diff = firstDifference(maskRestrictKeys(dumped.out), maskRestrictKeys(unpacked.out));
    INFO(diff);
    CHECK(diff.empty());

    ScratchDatabase restored("pagila_restored");
    restoreWithPsql(archive, restored);
    requireDatabaseMatchesManifest(m, restored, true);
    requireSequencesMatch(m, restored);
}

TEST_CASE("the archive decompresses to exactly the script pg_dump writes (awkward tables, large objects)") {
    AwkwardBackup b;
    auto dumped = run("pg_dump -d " + shellQuote(b.db.name()));
    REQUIRE(dumped.exitCode == 0);
    auto unpacked = run("zstd -dc " + q(b.archive));
    REQUIRE(unpacked.exitCode == 0);
    // The script has its \restrict line (so masking applies); nothing else may differ.
    CHECK(maskRestrictKeys(unpacked.out) != unpacked.out);
    std::string diff = firstDifference(maskRestrictKeys(dumped.out), maskRestrictKeys(unpacked.out));
    INFO(diff);
    CHECK(diff.empty());
    // And the archive's own key pair matches, so psql leaves restricted mode at the end.
    auto keyOf = [&](const std::string& prefix) {
        size_t p = unpacked.out.find("\n" + prefix);
        REQUIRE(p != std::string::npos);
        p += 1 + prefix.size();
        return unpacked.out.substr(p, unpacked.out.find('\n', p) - p);
    };
    CHECK(keyOf("\\restrict ") == keyOf("\\unrestrict "));
}

TEST_CASE("from stdin: pg_dump | pgproof backup records the same tables and fingerprints as a direct backup") {
    AwkwardBackup b;
    fs::path piped = b.dir / "piped.sql.zst", copy = b.dir / "dump.sql";
    // A dump from outside carries no TimeZone; pin the one pgproof pins, as the README tells users to.
    auto r = runPipeline("PGTZ=UTC pg_dump -d " + shellQuote(b.db.name()) + " | tee " + q(copy) + " | " +
                         PGPROOF_BIN + " backup --from-stdin -o " + q(piped));
    INFO("stderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    json m = inspectManifest(piped);

    REQUIRE(m.at("tables").size() == b.manifest.at("tables").size());
    for (size_t i = 0; i < m.at("tables").size(); ++i) {
        const json &got = m.at("tables")[i], &want = b.manifest.at("tables")[i];
        INFO("table " << display(want));
        CHECK(got.at("schema") == want.at("schema"));
        CHECK(got.at("name") == want.at("name"));
        CHECK(got.at("columns") == want.at("columns"));
        CHECK(got.at("rows") == want.at("rows"));
        CHECK(got.at("fingerprint") == want.at("fingerprint"));
    }
    // A dump alone does not say which table owns a sequence: only a direct backup records owned_by.
    json direct = b.manifest.at("sequences");
    for (auto& seq : direct) seq.erase("owned_by");
    CHECK(m.at("sequences") == direct);
    CHECK(m.at("large_objects") == 2);
    CHECK(m.at("source").value("from_stdin", false));
    CHECK(m.at("settings").at("TimeZone").get<std::string>() != "UTC");  // says it does not know

    // The archive holds exactly the bytes that came in.
    auto unpacked = run("zstd -dc " + q(piped));
    REQUIRE(unpacked.exitCode == 0);
    std::string diff = firstDifference(readFile(copy), unpacked.out);
    INFO(diff);
    CHECK(diff.empty());
    CHECK(runPgproof("check " + q(piped)).exitCode == 0);
}

TEST_CASE("backup rejects stdin that is not a plain COPY dump: exit 2, no file left") {
    ScratchDatabase db("badin");
    db.exec("CREATE TABLE t (id int, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 200) g");
    TempDir inputs, out;
    fs::path archive = out / "x.sql.zst";
    std::string name = shellQuote(db.name());

    std::mt19937 rng(42);
    std::string random(100000, '\0');
    for (auto& c : random) c = static_cast<char>(rng());
    random[0] = 'x';  // never a gzip, zstd or PGDMP magic by chance
    writeFile(inputs / "random.bin", random);
    REQUIRE(run("pg_dump -d " + name + " > " + q(inputs / "plain.sql")).exitCode == 0);

    struct Case {
        std::string what, makeInput, messageHas;
        int exitCode = 2;
    };
    std::vector<Case> cases = {
        {"an --inserts dump", "pg_dump --inserts -d " + name, "--inserts"},
        {"a --column-inserts dump", "pg_dump --column-inserts -d " + name, "--inserts"},
        {"a custom-format dump", "pg_dump -Fc -d " + name, "custom-format"},
        {"a tar-format dump", "pg_dump -Ft -d " + name, "plain pg_dump script"},
        {"random bytes", "cat " + q(inputs / "random.bin"), "not a plain pg_dump script"},
        {"a gzip-compressed dump", "gzip -c " + q(inputs / "plain.sql"), "gzip"},
        {"a zstd-compressed dump", "zstd -qc " + q(inputs / "plain.sql"), "zstd"},
        // Nothing at all is what a pg_dump that died upstream leaves: the proof could not be made (3).
        {"empty", "true", "empty", 3},
    };
    for (const auto& c : cases) {
        INFO("stdin is " << c.what);
        fs::path input = inputs / "input";
        REQUIRE(run(c.makeInput + " > " + q(input)).exitCode == 0);
        auto r = runPgproof("backup --from-stdin -o " + q(archive) + " < " + q(input));
        INFO("stderr: " << r.err);
        CHECK(r.exitCode == c.exitCode);
        CHECK(r.err.find(c.messageHas) != std::string::npos);
        CHECK(folderEntries(out.path()).empty());
    }
}

TEST_CASE("backup rejects pg_dump arguments and flags that would break the archive: exit 2, no file left") {
    ScratchDatabase db("badargs");
    db.exec("CREATE TABLE t (id int)");
    TempDir out;
    fs::path archive = out / "x.sql.zst";
    std::string base = "backup -o " + q(archive) + " --db " + shellQuote(db.conninfo());
    struct Case {
        std::string args, messageHas;
    };
    std::vector<Case> cases = {
        {" -- --inserts", "--inserts"},
        {" -- --column-inserts", "--column-inserts"},
        {" -- --rows-per-insert=10", "--rows-per-insert"},
        {" -- -Fc", "-Fc"},
        {" -- --format=custom", "--format=custom"},
        {" -- -F d", "-F"},
        {" -- --format tar", "--format"},
        {" -- -f /tmp/elsewhere.sql", "-f"},
        {" --bogus-flag", "bogus-flag"},
        {" --level 0", "--level"},
        {" --jobs 0", "--jobs"},
        {" --from-stdin", "--from-stdin"},  // with --db: the two exclude each other
    };
    for (const auto& c : cases) {
        INFO("pgproof " << base << c.args);
        auto r = runPgproof(base + c.args + " < /dev/null");
        INFO("stderr: " << r.err);
        CHECK(r.exitCode == 2);
        CHECK(r.err.find(c.messageHas) != std::string::npos);
        CHECK(folderEntries(out.path()).empty());
    }
    CHECK(runPgproof("backup --db " + shellQuote(db.conninfo())).exitCode == 2);  // no -o
    CHECK(runPgproof("no-such-command").exitCode == 2);
}

TEST_CASE("a failing pg_dump exits 3 and leaves no file") {
    ScratchDatabase db("dumpfail");
    db.exec("CREATE TABLE t (id int, v text); INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
    TempDir out, tools;
    fs::path archive = out / "x.sql.zst";

    SECTION("the database does not exist") {
        auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote("dbname=" + db.name() + "_missing"));
        INFO("stderr: " << r.err);
        CHECK(r.exitCode == 3);
        CHECK(r.err.find("does not exist") != std::string::npos);
    }
    SECTION("pg_dump rejects an argument") {
        auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()) + " -- --no-such-option");
        INFO("stderr: " << r.err);
        CHECK(r.exitCode == 3);
        CHECK(r.err.find("pg_dump failed") != std::string::npos);
    }
    SECTION("pg_dump dies in the middle of the data") {
        writeFile(tools / "pg_dump", "#!/bin/sh\npg_dump \"$@\" | head -c 300000\nexit 1\n");
        fs::permissions(tools / "pg_dump", fs::perms::owner_all);
        auto r = run("PGPROOF_PG_DUMP=" + q(tools / "pg_dump") + " " + PGPROOF_BIN + " backup -o " + q(archive) +
                     " --db " + shellQuote(db.conninfo()));
        INFO("stderr: " << r.err);
        CHECK(r.exitCode == 3);
        CHECK(r.err.find("pg_dump failed") != std::string::npos);
    }
    SECTION("pg_dump writes a whole script but exits non-zero") {
        writeFile(tools / "pg_dump", "#!/bin/sh\npg_dump \"$@\"\nexit 1\n");
        fs::permissions(tools / "pg_dump", fs::perms::owner_all);
        auto r = run("PGPROOF_PG_DUMP=" + q(tools / "pg_dump") + " " + PGPROOF_BIN + " backup -o " + q(archive) +
                     " --db " + shellQuote(db.conninfo()));
        INFO("stderr: " << r.err);
        CHECK(r.exitCode == 3);
        CHECK(r.err.find("pg_dump failed") != std::string::npos);
    }
    CHECK(folderEntries(out.path()).empty());
}

TEST_CASE("a truncated plain dump on stdin exits 3 and leaves no file") {
    AwkwardBackup b;
    fs::path full = b.dir / "full.sql";
    REQUIRE(run("pg_dump -d " + shellQuote(b.db.name()) + " > " + q(full)).exitCode == 0);
    std::string dump = readFile(full);
    size_t copyStart = dump.find("COPY public.measurements_2025 ");
    REQUIRE(copyStart != std::string::npos);
    size_t firstRowEnd = dump.find('\n', dump.find('\n', copyStart) + 1) + 1;  // after the COPY line and one row
    size_t complete = dump.find("-- PostgreSQL database dump complete");
    REQUIRE(complete != std::string::npos);

    std::vector<std::pair<std::string, size_t>> cuts = {
        {"half of it (inside a 6 MB row)", dump.size() / 2},
        {"inside the rows of a table, at a row boundary", firstRowEnd},
        {"inside the rows of a table, mid-row", firstRowEnd + 3},
        {"at a line boundary before 'dump complete'", complete},
        {"mid-line in the SQL", complete + 10},
        {"the last 100 bytes dropped", dump.size() - 100},
    };
    TempDir out, cutDir;
    fs::path archive = out / "x.sql.zst";
    for (const auto& [what, size] : cuts) {
        INFO("dump cut: " << what << " (" << size << " of " << dump.size() << " bytes)");
        writeFile(cutDir / "cut.sql", dump.substr(0, size));
        auto r = runPgproof("backup --from-stdin -o " + q(archive) + " < " + q(cutDir / "cut.sql"));
        INFO("stderr: " << r.err);
        CHECK(r.exitCode == 3);
        CHECK(r.err.find("truncated") != std::string::npos);
        CHECK(folderEntries(out.path()).empty());
    }
}

TEST_CASE("the archive file is private (mode 0600) even with umask 000") {
    ScratchDatabase db("mode");
    db.exec("CREATE TABLE t (id int); INSERT INTO t VALUES (1)");
    TempDir dir;
    fs::path archive = dir / "private.sql.zst";
    auto r = run("umask 000; " + std::string(PGPROOF_BIN) + " backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
    INFO("stderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    struct stat st {};
    REQUIRE(::stat(archive.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(folderEntries(dir.path()) == std::vector<std::string>{"private.sql.zst"});  // no partial file left over
}

TEST_CASE("a password in --db never reaches pg_dump's command line, the archive, or any output") {
    ScratchDatabase db("secret");
    db.exec("CREATE TABLE t (id int, v text); INSERT INTO t VALUES (1, 'a')");
    TempDir dir;
    // A pg_dump stand-in that records its command line and environment, then runs the real one.
    fs::path recorder = dir / "pg_dump";
    writeFile(recorder, "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + q(dir / "argv") + "\nenv > " + q(dir / "env") +
                            "\nexec pg_dump \"$@\"\n");
    fs::permissions(recorder, fs::perms::owner_all);
    std::string env = "PGPROOF_PG_DUMP=" + q(recorder) + " ";

    const char* pgHost = std::getenv("PGHOST");
    std::vector<std::string> targets = {db.conninfo() + " password=" + kPassword};
    if (pgHost && pgHost[0] == '/')
        targets.push_back("postgresql://" + std::string(std::getenv("PGUSER") ? std::getenv("PGUSER") : "postgres") + ":" +
                          kPassword + "@/" + db.name() + "?host=" + pgHost);
    for (const auto& target : targets) {
        INFO("--db " << target);
        fs::path archive = dir / "secret.sql.zst";
        fs::remove(archive);
        auto r = run(env + PGPROOF_BIN + " backup -v -o " + q(archive) + " --db " + shellQuote(target));
        INFO("stderr: " << r.err);
        REQUIRE(r.exitCode == 0);
        std::string argv = readFile(dir / "argv");
        CHECK(argv.find(kPassword) == std::string::npos);
        CHECK(argv.find("--dbname=") != std::string::npos);
        // It reaches pg_dump through the environment instead, where other users cannot read it.
        CHECK(readFile(dir / "env").find(std::string("PGPASSWORD=") + kPassword) != std::string::npos);
        CHECK((r.out + r.err).find(kPassword) == std::string::npos);

        auto inspect = runPgproof("inspect " + q(archive));
        auto inspectJson = runPgproof("inspect " + q(archive) + " --json -");
        auto check = runPgproof("check " + q(archive) + " --json -");
        auto unpacked = run("zstd -dc " + q(archive));
        REQUIRE(inspect.exitCode == 0);
        REQUIRE(inspectJson.exitCode == 0);
        REQUIRE(check.exitCode == 0);
        CHECK(inspect.out.find(kPassword) == std::string::npos);
        CHECK(inspectJson.out.find(kPassword) == std::string::npos);
        CHECK(check.out.find(kPassword) == std::string::npos);
        CHECK(unpacked.out.find(kPassword) == std::string::npos);
        CHECK(readFile(archive).find(kPassword) == std::string::npos);  // nor in the manifest's raw bytes
        CHECK(json::parse(inspectJson.out).at("source").at("database") == db.name());
    }

    // Nor in the message when the connection fails.
    auto failed = runPgproof("backup -o " + q(dir / "no.sql.zst") + " --db " +
                             shellQuote("dbname=" + db.name() + "_missing password=" + kPassword));
    CHECK(failed.exitCode == 3);
    CHECK((failed.out + failed.err).find(kPassword) == std::string::npos);
}
