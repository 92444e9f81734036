// Reports on every outcome, against a real PostgreSQL: --json, --junit and drill --report are written
// when the proof fails (exit 1) and when it cannot be completed (exit 3: a database that cannot be
// reached, an unreadable baseline), saying the verdict, the error and what was not checked.
#include <catch2/catch.hpp>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {



// No server listens on port 1 of a folder that does not exist.
const std::string kUnreachable = "host=/nonexistent/pgproof port=1 dbname=nowhere";

struct Source {
    ScratchDatabase db{"rp_src"};
    TempDir dir;
    fs::path archive = dir / "src.sql.zst";
    Source() {
        db.exec("CREATE TABLE fruit (id serial PRIMARY KEY, name text); INSERT INTO fruit (name) VALUES ('apple'), ('pear');"
                "CREATE TABLE empty_box (id int)");
        auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
        INFO(r.err);
        REQUIRE(r.exitCode == 0);
    }
};

json readJson(const fs::path& file) {
    INFO("report " << file);
    REQUIRE(fs::exists(file));
    return json::parse(readFile(file));
}

std::set<std::string> names(const json& notChecked) {
    std::set<std::string> out;
    for (const auto& x : notChecked) out.insert(x.at("kind").get<std::string>() + " " + x.at("name").get<std::string>());
    return out;
}

// testcase name -> "ok", "failure" or "error"
std::map<std::string, std::string> junitCases(const fs::path& file) {
    REQUIRE(fs::exists(file));
    XmlElement x = parseXml(readFile(file));
    std::map<std::string, std::string> out;
    for (const auto* c : x.descendants("testcase")) {
        std::string kind = "ok";
        if (!c->descendants("error").empty()) kind = "error";
        else if (!c->descendants("failure").empty()) kind = "failure";
        out[c->attributes.at("name")] = kind;
    }
    return out;
}

}  // namespace

TEST_CASE("verify against an unreachable database writes JSON and JUnit reports saying incomplete, with the error") {
    Source s;
    fs::path report = s.dir / "verify.json", junit = s.dir / "verify.xml";
    auto r = runPgproof("verify --baseline " + q(s.archive) + " --db " + shellQuote(kUnreachable) + " --json " + q(report) +
                        " --junit " + q(junit));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 3);
    CHECK(contains(r.err, "cannot connect"));
    json j = readJson(report);
    CHECK(j["report"] == "pgproof-verify");
    CHECK(j["report_version"] == 1);
    CHECK(j["verdict"] == "incomplete");
    CHECK(j["exit_code"] == 3);
    CHECK(contains(j["error"].get<std::string>(), "cannot connect"));
    CHECK(j["baseline"]["path"] == s.archive.string());
    CHECK(names(j["not_checked"]) ==
          std::set<std::string>{"table public.fruit", "table public.empty_box", "sequence public.fruit_id_seq"});
    CHECK(j["summary"]["not_checked"] == 3);
    auto cases = junitCases(junit);
    CHECK(cases.size() == 4);
    CHECK(cases["verify " + s.archive.string()] == "error");
    CHECK(cases["public.fruit"] == "error");
    CHECK(cases["public.fruit_id_seq"] == "error");
}

TEST_CASE("verify that fails (exit 1) writes its full reports") {
    Source s;
    s.db.exec("DELETE FROM fruit WHERE name = 'pear'");
    fs::path report = s.dir / "verify.json", junit = s.dir / "verify.xml";
    auto r = runPgproof("verify --baseline " + q(s.archive) + " --db " + shellQuote(s.db.conninfo()) + " --json " + q(report) +
                        " --junit " + q(junit));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);
    json j = readJson(report);
    CHECK(j["verdict"] == "failed");
    CHECK(j["exit_code"] == 1);
    CHECK_FALSE(j.contains("error"));
    auto cases = junitCases(junit);
    CHECK(cases["public.fruit"] == "failure");
    CHECK(cases["public.empty_box"] == "ok");
}

TEST_CASE("verify with a baseline that is not a baseline (exit 2) still writes the reports") {
    TempDir dir;
    fs::path bogus = dir / "bogus.json", report = dir / "verify.json", junit = dir / "verify.xml";
    writeFile(bogus, "{\"hello\": 1}");
    auto r = runPgproof("verify --baseline " + q(bogus) + " --json " + q(report) + " --junit " + q(junit));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 2);
    json j = readJson(report);
    CHECK(j["verdict"] == "bad_input");
    CHECK(j["exit_code"] == 2);
    CHECK(j["not_checked"].empty());
    CHECK(junitCases(junit).size() == 1);
}

TEST_CASE("drill on an unreachable server writes --report, --json and --junit saying incomplete") {
    Source s;
    fs::path md = s.dir / "drill.md", report = s.dir / "drill.json", junit = s.dir / "drill.xml";
    auto r = runPgproof("drill " + q(s.archive) + " --server " + shellQuote(kUnreachable) + " --report " + q(md) + " --json " +
                        q(report) + " --junit " + q(junit));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 3);
    std::string text = readFile(md);
    CHECK(contains(text, "# Restore drill: INCOMPLETE"));
    CHECK(contains(text, "incomplete (exit code 3)"));
    CHECK(contains(text, "cannot connect"));
    json j = readJson(report);
    CHECK(j["report"] == "pgproof-drill");
    CHECK(j["verdict"] == "incomplete");
    CHECK(contains(j["error"].get<std::string>(), "cannot connect"));
    CHECK(names(j["not_checked"]) == std::set<std::string>{"table public.fruit", "table public.empty_box"});
    auto cases = junitCases(junit);
    CHECK(cases["public.fruit"] == "error");
}

TEST_CASE("a drill whose restored copy does not match writes its full markdown report (exit 1)") {
    Source s;
    // A damaged archive: the drill finds it in its archive check and reports it, creating nothing.
    fs::path damaged = damageRowsOf(s.archive, inspectManifest(s.archive), "public", "fruit");
    fs::path md = s.dir / "drill.md", report = s.dir / "drill.json";
    auto r = runPgproof("drill " + q(damaged) + " --report " + q(md) + " --json " + q(report));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);
    CHECK(contains(readFile(md), "failed (exit code 1)"));
    CHECK(readJson(report)["verdict"] == "failed");
}

TEST_CASE("restore into an unreachable database writes its reports") {
    Source s;
    fs::path report = s.dir / "restore.json", junit = s.dir / "restore.xml";
    auto r = runPgproof("restore " + q(s.archive) + " --db " + shellQuote(kUnreachable) + " --json " + q(report) + " --junit " +
                        q(junit));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 3);
    json j = readJson(report);
    CHECK(j["report"] == "pgproof-restore");
    CHECK(j["verdict"] == "incomplete");
    CHECK(names(j["not_checked"]) == std::set<std::string>{"table public.fruit", "table public.empty_box"});
    CHECK(junitCases(junit)["public.empty_box"] == "error");
}

TEST_CASE("check of a file that is not an archive (exit 2) writes its reports") {
    TempDir dir;
    fs::path bogus = dir / "bogus.sql.zst", report = dir / "check.json";
    writeFile(bogus, "not an archive at all\n");
    auto r = runPgproof("check " + q(bogus) + " --json " + q(report));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 2);
    json j = readJson(report);
    CHECK(j["report"] == "pgproof-check");
    CHECK(j["exit_code"] == 2);
    CHECK_FALSE(j["error"].get<std::string>().empty());
}

TEST_CASE("backup and snapshot write JSON and JUnit reports, proven or not") {
    Source s;
    fs::path archive = s.dir / "again.sql.zst", snap = s.dir / "snap.json";
    fs::path bj = s.dir / "backup.json", bx = s.dir / "backup.xml", sj = s.dir / "snapshot.json", sx = s.dir / "snapshot.xml";
    auto b = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(s.db.conninfo()) + " --json " + q(bj) + " --junit " + q(bx));
    INFO(b.out << b.err);
    REQUIRE(b.exitCode == 0);
    json j = readJson(bj);
    CHECK(j["report"] == "pgproof-backup");
    CHECK(j["verdict"] == "proven");
    CHECK(j["tables"].size() == 2);
    CHECK(junitCases(bx)["public.fruit"] == "ok");
    auto sn = runPgproof("snapshot -o " + q(snap) + " --db " + shellQuote(s.db.conninfo()) + " --json " + q(sj) + " --junit " + q(sx));
    INFO(sn.out << sn.err);
    REQUIRE(sn.exitCode == 0);
    CHECK(readJson(sj)["verdict"] == "proven");
    CHECK(junitCases(sx).size() == 2);

    fs::remove(bj);
    fs::remove(sj);
    fs::path out = s.dir / "out";
    fs::create_directory(out);
    b = runPgproof("backup -o " + q(out / "x.sql.zst") + " --db " + shellQuote(kUnreachable) + " --json " + q(bj));
    CHECK(b.exitCode == 3);
    CHECK(readJson(bj)["verdict"] == "incomplete");
    CHECK(contains(readJson(bj)["error"].get<std::string>(), "cannot connect"));
    sn = runPgproof("snapshot -o " + q(out / "x.json") + " --db " + shellQuote(kUnreachable) + " --json " + q(sj));
    CHECK(sn.exitCode == 3);
    CHECK(readJson(sj)["exit_code"] == 3);
    CHECK(folderEntries(out).empty());
}
