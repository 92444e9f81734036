// Archives as streams: `backup -o -` and `check -`, `inspect -`, `restore -`, `drill -` through
// `cat`, a FIFO and rclone's local backend (rclone rcat / rclone cat) give the same verdicts and the
// same figures as the file forms; a stream cut short or with a flipped byte fails (exit 1) for every
// reader and is never called proven; -o refuses an existing file unless --force; stale temporary files
// of killed runs are removed; psql's -d / --dbname spell --db.
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct StreamFixture {
    ScratchDatabase db{"strm"};
    TempDir dir;
    fs::path archive;
    StreamFixture() {
        createAwkwardTables(db);
        archive = dir / "a.sql.zst";
        auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
        INFO(r.err);
        REQUIRE(r.exitCode == 0);
    }
};

json readJson(const fs::path& p) { return json::parse(readFile(p)); }

// The parts of a check report that say what was proven (timings differ between runs).
json checkFigures(json j) {
    j.erase("seconds");
    j.erase("archive");
    return j;
}

// The verification figures of a restore report (database names and timings differ).
json restoreFigures(const json& j) {
    json out = json::array();
    for (const auto& t : j.at("tables"))
        // Rows of the hash partitions of an enum (loaded via the root) land by the enum's OIDs, which differ
        // between any two restores: verify proves them as a family; compared here by verdict alone.
        if (t.at("name").get<std::string>().rfind("moods_", 0) == 0) out.push_back({t.at("name"), t.at("verdict")});
        else out.push_back({t.at("schema"), t.at("name"), t.at("rows"), t.at("fingerprint"), t.at("verdict")});
    return out;
}

std::string pgproofBin() { return shellQuote(PGPROOF_BIN); }

// A shell pipeline whose exit code is its first failing command's (bash's pipefail), as users run them.
CommandResult pipeline(const std::string& commands) { return run("bash -o pipefail -c " + shellQuote(commands)); }

}  // namespace

TEST_CASE("backup -o - | cat > F is a complete archive with the same tables and fingerprints as -o F") {
    StreamFixture f;
    fs::path streamed = f.dir / "s.sql.zst";
    auto r = pipeline(pgproofBin() + " backup -o - --db " + shellQuote(f.db.conninfo()) + " | cat > " + q(streamed));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.err, "backup -:"));  // the summary went to stderr, stdout carried the archive alone
    auto check = runPgproof("check " + q(streamed));
    INFO(check.out << check.err);
    CHECK(check.exitCode == 0);
    json a = inspectManifest(f.archive), b = inspectManifest(streamed);
    REQUIRE(a.at("tables").size() == b.at("tables").size());
    for (size_t i = 0; i < a.at("tables").size(); ++i) {
        CHECK(a["tables"][i]["name"] == b["tables"][i]["name"]);
        CHECK(a["tables"][i]["rows"] == b["tables"][i]["rows"]);
        CHECK(a["tables"][i]["fingerprint"] == b["tables"][i]["fingerprint"]);
    }
    CHECK(b.at("large_objects") == 2);
}

TEST_CASE("backup -o - refuses a terminal and a --json - that would share stdout") {
    StreamFixture f;
    auto r = runPgproof("backup -o - --json - --db " + shellQuote(f.db.conninfo()) + " > /dev/null");
    CHECK(r.exitCode == 2);
    CHECK(contains(r.err, "--json"));
}

TEST_CASE("check - through cat, a FIFO and rclone gives the file form's verdict and figures") {
    StreamFixture f;
    REQUIRE(runPgproof("check " + q(f.archive) + " --json " + q(f.dir / "file.json")).exitCode == 0);
    json expected = checkFigures(readJson(f.dir / "file.json"));
    CHECK(expected.at("large_objects").at("count") == 2);

    SECTION("cat") {
        auto r = run("cat " + q(f.archive) + " | " + pgproofBin() + " check - --json " + q(f.dir / "s.json"));
        INFO(r.out << r.err);
        CHECK(r.exitCode == 0);
        CHECK(contains(r.out, "PROVEN: - is intact"));
    }
    SECTION("a FIFO") {
        fs::path fifo = f.dir / "pipe";
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        auto r = run("(cat " + q(f.archive) + " > " + q(fifo) + " &) ; " + pgproofBin() + " check - --json " + q(f.dir / "s.json") +
                     " < " + q(fifo));
        INFO(r.out << r.err);
        CHECK(r.exitCode == 0);
    }
    SECTION("rclone rcat and rclone cat (local backend)") {
        fs::path remote = f.dir / "remote";
        fs::create_directories(remote);
        auto up = pipeline("cat " + q(f.archive) + " | rclone rcat " + q(remote / "a.sql.zst"));
        INFO(up.err);
        REQUIRE(up.exitCode == 0);
        auto r = pipeline("rclone cat " + q(remote / "a.sql.zst") + " | " + pgproofBin() + " check - --json " +
                     q(f.dir / "s.json"));
        INFO(r.out << r.err);
        CHECK(r.exitCode == 0);
    }
    CHECK(checkFigures(readJson(f.dir / "s.json")) == expected);
}

TEST_CASE("inspect - reads the manifest at the stream end, and --json takes FILE or -") {
    StreamFixture f;
    auto file = runPgproof("inspect " + q(f.archive) + " --json -");
    auto stream = run("cat " + q(f.archive) + " | " + pgproofBin() + " inspect - --json " + q(f.dir / "m.json"));
    INFO(stream.err);
    REQUIRE(file.exitCode == 0);
    REQUIRE(stream.exitCode == 0);
    json a = json::parse(file.out), b = readJson(f.dir / "m.json");
    CHECK(a.at("archive").at("size") == b.at("archive").at("size"));
    CHECK(a.at("tables") == b.at("tables"));
    CHECK(a.at("segments") == b.at("segments"));
}

TEST_CASE("a truncated stream and a stream with a flipped byte fail for every reader, never proven") {
    StreamFixture f;
    json m = inspectManifest(f.archive);
    std::string bytes = readFile(f.archive);
    fs::path truncated = f.dir / "truncated.sql.zst";
    writeFile(truncated, bytes.substr(0, bytes.size() * 2 / 3));
    fs::path flipped = damageRowsOf(f.archive, m, "public", "scratch_unlogged");
    for (const auto& [damaged, kind] : {std::pair{truncated, "truncated"}, std::pair{flipped, "flipped byte"}}) {
        INFO(kind);
        auto fileCheck = runPgproof("check " + q(damaged));
        CHECK(fileCheck.exitCode == 1);
        auto check = run("cat " + q(damaged) + " | " + pgproofBin() + " check -");
        INFO(check.out << check.err);
        CHECK(check.exitCode == 1);
        CHECK_FALSE(contains(check.out + check.err, "PROVEN"));
        if (std::string(kind) == "flipped byte") CHECK(contains(check.out, "public.scratch_unlogged"));

        // inspect reads only the manifest, from a file and a stream alike: a stream cut short has none.
        auto inspect = run("cat " + q(damaged) + " | " + pgproofBin() + " inspect -");
        CHECK(inspect.exitCode == runPgproof("inspect " + q(damaged)).exitCode);

        ScratchDatabase target("strm_r");
        auto restore = run("cat " + q(damaged) + " | " + pgproofBin() + " restore - --db " + shellQuote(target.conninfo()));
        INFO(restore.out << restore.err);
        CHECK(restore.exitCode == 1);
        CHECK_FALSE(contains(restore.out + restore.err, "PROVEN"));
        CHECK(contains(restore.err, "incomplete"));

        auto drill = run("cat " + q(damaged) + " | " + pgproofBin() + " drill - --json " + q(f.dir / "drill.json"));
        INFO(drill.out << drill.err);
        CHECK(drill.exitCode == 1);
        json d = readJson(f.dir / "drill.json");
        CHECK(d.at("verdict") == "failed");
        CHECK(d.at("dropped") == true);
    }
    // A truncated stream says so.
    auto r = run("cat " + q(truncated) + " | " + pgproofBin() + " check -");
    CHECK(contains(r.out + r.err, "cut short"));
}

TEST_CASE("restore - and drill - prove what the file forms prove, with the same figures") {
    StreamFixture f;
    ScratchDatabase fromFile("strm_f"), fromStream("strm_s");
    auto a = runPgproof("restore " + q(f.archive) + " --db " + shellQuote(fromFile.conninfo()) + " --json " + q(f.dir / "f.json"));
    INFO(a.err);
    REQUIRE(a.exitCode == 0);
    auto b = run("cat " + q(f.archive) + " | " + pgproofBin() + " restore - -d " + shellQuote(fromStream.conninfo()) + " --jobs 2 --json " +
                 q(f.dir / "s.json"));
    INFO(b.out << b.err);
    REQUIRE(b.exitCode == 0);
    CHECK(restoreFigures(readJson(f.dir / "f.json")) == restoreFigures(readJson(f.dir / "s.json")));
    // Indexes, keys and large objects arrived too.
    CHECK(fromStream.scalar("SELECT count(*) FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog')") ==
          fromFile.scalar("SELECT count(*) FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog')"));
    CHECK(fromStream.scalar("SELECT count(*) FROM pg_largeobject_metadata") == "2");
    for (const auto& [schema, name] : dataTables(f.db)) {
        // Independently of pgproof's own proof: every table holds what the file form restores.
        INFO(schema << "." << name);
        if (name.rfind("moods_", 0) == 0) continue;
        auto live = independentFingerprint(fromFile, schema, name);
        auto restored = independentFingerprint(fromStream, schema, name);
        CHECK(restored.rows == live.rows);
        CHECK(restored.hex == live.hex);
    }

    fs::path fifo = f.dir / "pipe";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto drill = run("(cat " + q(f.archive) + " > " + q(fifo) + " &) ; " + pgproofBin() + " drill - --json " + q(f.dir / "d.json") +
                     " < " + q(fifo));
    INFO(drill.out << drill.err);
    CHECK(drill.exitCode == 0);
    json d = readJson(f.dir / "d.json");
    CHECK(d.at("verdict") == "proven");
    CHECK(d.at("dropped") == true);
}

TEST_CASE("restore - refuses a non-empty target before reading the stream, and stdin that is not an archive") {
    StreamFixture f;
    auto r = run("cat " + q(f.archive) + " | " + pgproofBin() + " restore - --db " + shellQuote(f.db.conninfo()));
    CHECK(r.exitCode == 2);
    CHECK(contains(r.err, "is not empty"));
    ScratchDatabase target("strm_n");
    auto notArchive = run("echo 'SELECT 1;' | " + pgproofBin() + " restore - --db " + shellQuote(target.conninfo()));
    CHECK(notArchive.exitCode == 2);
    CHECK(contains(notArchive.err, "not a pgproof archive"));
    auto empty = run(pgproofBin() + " check - < /dev/null");
    CHECK(empty.exitCode == 2);
}

TEST_CASE("an existing -o file is refused (exit 2, naming it) unless --force, and stale temporaries are removed") {
    StreamFixture f;
    const std::string before = readFile(f.archive);
    auto refused = runPgproof("backup -o " + q(f.archive) + " --db " + shellQuote(f.db.conninfo()));
    CHECK(refused.exitCode == 2);
    CHECK(contains(refused.err, f.archive.string()));
    CHECK(contains(refused.err, "--force"));
    CHECK(readFile(f.archive) == before);

    // A killed run's temporary file (its process is gone) is removed by the next run in the folder.
    fs::path stale = f.dir / ".a.sql.zst.partial-999999999";
    writeFile(stale, "half an archive");
    auto forced = runPgproof("backup -o " + q(f.archive) + " --force --db " + shellQuote(f.db.conninfo()));
    INFO(forced.err);
    CHECK(forced.exitCode == 0);
    CHECK_FALSE(fs::exists(stale));
    CHECK(contains(forced.err, stale.string()));
    CHECK(runPgproof("check " + q(f.archive)).exitCode == 0);
    for (const auto& name : folderEntries(f.dir.path())) CHECK(name.find(".partial-") == std::string::npos);

    fs::path snap = f.dir / "s.json";
    REQUIRE(runPgproof("snapshot -o " + q(snap) + " --counts-only --db " + shellQuote(f.db.conninfo())).exitCode == 0);
    auto again = runPgproof("snapshot -o " + q(snap) + " --counts-only --db " + shellQuote(f.db.conninfo()));
    CHECK(again.exitCode == 2);
    CHECK(contains(again.err, snap.string()));
    CHECK(runPgproof("snapshot -o " + q(snap) + " --counts-only --force --db " + shellQuote(f.db.conninfo())).exitCode == 0);
}

TEST_CASE("psql spellings -d and --dbname are accepted for --db") {
    StreamFixture f;
    CHECK(runPgproof("snapshot -o " + q(f.dir / "1.json") + " --counts-only -d " + shellQuote(f.db.conninfo())).exitCode == 0);
    CHECK(runPgproof("snapshot -o " + q(f.dir / "2.json") + " --counts-only --dbname " + shellQuote(f.db.conninfo())).exitCode == 0);
    CHECK(runPgproof("snapshot -o " + q(f.dir / "3.json") + " --counts-only --dbname=" + shellQuote(f.db.conninfo())).exitCode == 0);
    CHECK(runPgproof("verify --baseline " + q(f.dir / "1.json") + " -d " + shellQuote(f.db.conninfo())).exitCode == 0);
    auto version = runPgproof("--version");
    CHECK(version.exitCode == 0);
    CHECK(contains(version.out, "pgproof "));
}
