// `pgproof verify` against a real PostgreSQL: it proves an unchanged or additively
// migrated database (exit 0), names exactly the table that lost or changed data
// (exit 1) in the text, JSON and JUnit reports, and keeps its exit-code contract
// for bad input (2) and unreachable databases (3).
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "TestSupport.hpp"

using namespace pgproof::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

using TableKey = std::pair<std::string, std::string>;  // (schema, name)
const TableKey kUnicodeTable{"Ünïcode Schema", "Täble \"quoted\" Name"};

std::string readWholeFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeWholeFile(const fs::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary);
    out << bytes;
    REQUIRE(out.good());
}


std::string dbFlag(const ScratchDatabase& db) { return "--db " + shellQuote(db.conninfo()); }

// The awkward tables with a backup archive and a snapshot file taken before any change.
struct Baselined {
    ScratchDatabase db{"verify"};
    TempDir dir;
    fs::path archive = dir / "before.sql.zst";
    fs::path snapshot = dir / "before.json";

    Baselined() {
        createAwkwardTables(db);
        auto b = runPgproof("backup -o " + shellQuote(archive.string()) + " " + dbFlag(db));
        INFO("backup stderr: " << b.err);
        REQUIRE(b.exitCode == 0);
        auto s = runPgproof("snapshot -o " + shellQuote(snapshot.string()) + " " + dbFlag(db));
        INFO("snapshot stderr: " << s.err);
        REQUIRE(s.exitCode == 0);
    }
    std::vector<fs::path> baselines() const { return {archive, snapshot}; }
};

// One verify run read as a user does: the text on stdout, and the same run's `--json -` report.
struct Outcome {
    CommandResult text;
    CommandResult jsonRun;
    json report;

    std::set<TableKey> tablesWith(const std::string& verdict) const {
        std::set<TableKey> out;
        for (const auto& t : report.at("tables"))
            if (t.at("verdict") == verdict) out.insert({t.at("schema").get<std::string>(), t.at("name").get<std::string>()});
        return out;
    }
    const json& table(const TableKey& k) const {
        for (const auto& t : report.at("tables"))
            if (t.at("schema") == k.first && t.at("name") == k.second) return t;
        FAIL("table " << k.first << "." << k.second << " is not in the JSON report");
        throw std::logic_error("unreachable");
    }
    const json& sequence(const std::string& name) const {
        for (const auto& s : report.at("sequences"))
            if (s.at("name") == name) return s;
        FAIL("sequence " << name << " is not in the JSON report");
        throw std::logic_error("unreachable");
    }
};

Outcome verify(const ScratchDatabase& db, const fs::path& baseline, const std::string& flags = "") {
    const std::string args = "verify --baseline " + shellQuote(baseline.string()) + " " + dbFlag(db) + " " + flags;
    Outcome o;
    o.text = runPgproof(args);
    o.jsonRun = runPgproof(args + " --json -");
    INFO("pgproof " << args << "\nstdout: " << o.text.out << "\nstderr: " << o.text.err << "\njson stderr: " << o.jsonRun.err);
    REQUIRE_NOTHROW(o.report = json::parse(o.jsonRun.out));
    REQUIRE(o.report.at("report") == "pgproof-verify");
    CHECK(o.jsonRun.exitCode == o.text.exitCode);
    CHECK(o.report.at("exit_code") == o.jsonRun.exitCode);
    return o;
}

// The JSON run's tables that are not ok, with their reasons (what a failing check below needs to show).
std::string notOk(const Outcome& o) {
    std::string out;
    for (const auto& t : o.report.at("tables"))
        if (t.at("verdict") != "ok") out += t.at("schema").get<std::string>() + "." + t.at("name").get<std::string>() + ": " + t.value("verdict", "") + ": " + t.value("reason", "") + "\n";
    return out + "json stderr: " + o.jsonRun.err;
}

// Every table is ok and the text says PROVEN.
void requireProven(const Outcome& o) {
    INFO("stdout: " << o.text.out << "\nstderr: " << o.text.err << "\nnot ok in the JSON run:\n" << notOk(o));
    REQUIRE(o.text.exitCode == 0);
    CHECK(contains(o.text.out, "PROVEN"));
    CHECK_FALSE(contains(o.text.out, "FAIL"));
    CHECK(o.report.at("verdict") == "proven");
    CHECK(o.tablesWith("failed").empty());
    CHECK(o.tablesWith("error").empty());
}

// Exit 1, and exactly `table` failed: named in the text and in the JSON report; every other table ok.
void requireOnlyFailure(const Outcome& o, const TableKey& table, const std::string& shownAs) {
    INFO("stdout: " << o.text.out << "\nstderr: " << o.text.err << "\nnot ok in the JSON run:\n" << notOk(o));
    REQUIRE(o.text.exitCode == 1);
    CHECK(contains(o.text.out, "FAILED"));
    CHECK_FALSE(contains(o.text.out, "PROVEN"));
    CHECK(contains(o.text.out, shownAs));
    CHECK(o.report.at("verdict") == "failed");
    CHECK(o.tablesWith("failed") == std::set<TableKey>{table});
    CHECK(o.tablesWith("error").empty());
    CHECK(o.tablesWith("ok").size() + 1 == o.report.at("tables").size());
}

std::string percentEncode(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
        else out += std::string("%") + hex[c >> 4] + hex[c & 15];
    }
    return out;
}

size_t nonEmptyLines(const std::string& s) {
    size_t n = 0, start = 0;
    while (start < s.size()) {
        size_t end = s.find('\n', start);
        if (end == std::string::npos) end = s.size();
        if (end > start) ++n;
        start = end + 1;
    }
    return n;
}

// The <testcase> elements of a JUnit report: attributes and whether a <failure>/<error> is inside.
struct JUnitTestCase {
    std::map<std::string, std::string> attributes;
    std::string body;  // between <testcase ...> and </testcase>; empty for <testcase .../>
};

std::string decodeXmlEntities(const std::string& s) {
    static const std::vector<std::pair<std::string, std::string>> entities = {
        {"&quot;", "\""}, {"&apos;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
    std::string out;
    for (size_t i = 0; i < s.size();) {
        bool replaced = false;
        for (const auto& [e, c] : entities)
            if (s.compare(i, e.size(), e) == 0) {
                out += c;
                i += e.size();
                replaced = true;
                break;
            }
        if (!replaced) out += s[i++];
    }
    return out;
}

std::vector<JUnitTestCase> junitTestCases(const std::string& xml) {
    std::vector<JUnitTestCase> out;
    static const std::regex attribute(R"re(([A-Za-z_:][-A-Za-z0-9_:.]*)="([^"]*)")re");
    size_t pos = 0;
    while ((pos = xml.find("<testcase", pos)) != std::string::npos) {
        size_t tagEnd = xml.find('>', pos);
        REQUIRE(tagEnd != std::string::npos);
        std::string tag = xml.substr(pos, tagEnd - pos);
        JUnitTestCase tc;
        for (std::sregex_iterator it(tag.begin(), tag.end(), attribute), end; it != end; ++it)
            tc.attributes[(*it)[1]] = decodeXmlEntities((*it)[2]);
        if (xml[tagEnd - 1] == '/') {
            pos = tagEnd + 1;
        } else {
            size_t close = xml.find("</testcase>", tagEnd);
            REQUIRE(close != std::string::npos);
            tc.body = xml.substr(tagEnd + 1, close - tagEnd - 1);
            pos = close;
        }
        out.push_back(tc);
    }
    return out;
}

}  // namespace

TEST_CASE("verify proves an unchanged database, with an archive and with a snapshot baseline") {
    Baselined b;
    for (const auto& baseline : b.baselines()) {
        for (const std::string jobs : {"--jobs 1", "--jobs 4"}) {
            INFO("baseline " << baseline << " " << jobs);
            Outcome o = verify(b.db, baseline, jobs);
            requireProven(o);
            CHECK(o.report.at("tables").size() == 14);
            for (const auto& t : o.report.at("tables")) {
                INFO("table " << t.at("schema") << "." << t.at("name"));
                CHECK(t.at("content") == "equal");
                CHECK(t.at("rows") == t.at("baseline_rows"));
            }
            CHECK(o.table({"public", "zero_columns"}).at("rows") == 3);
            CHECK(o.report.at("sequences").size() == 3);
            CHECK(o.report.at("new_tables").empty());
        }
    }
}

TEST_CASE("verify proves a database after a purely additive migration") {
    Baselined b;
    b.db.exec(
        "ALTER TABLE hard_values ADD COLUMN note text;"                                         // new nullable column
        "ALTER TABLE dropped_and_generated ADD COLUMN status text NOT NULL DEFAULT 'active';"  // new column with a default
        "ALTER TABLE no_key_duplicates ADD COLUMN added_at timestamptz DEFAULT clock_timestamp();"  // volatile: table rewritten
        "ALTER TABLE measurements ADD COLUMN unit text DEFAULT 'kg';"                          // reaches every partition
        "ALTER TABLE vehicles ADD COLUMN wheels int;"                                           // and inheritance children
        "ALTER TABLE \"Ünïcode Schema\".\"Täble \"\"quoted\"\" Name\" ADD COLUMN \"Новая колонка\" int DEFAULT 7;"
        "CREATE TABLE audit_log (id bigserial PRIMARY KEY, what text);"                         // new table
        "INSERT INTO audit_log (what) VALUES ('migrated'), ('again');"
        "CREATE INDEX scratch_payload_idx ON scratch_unlogged (payload);"                       // new indexes
        "CREATE INDEX measurements_value_idx ON measurements (value);");
    for (const auto& baseline : b.baselines()) {
        INFO("baseline " << baseline);
        Outcome o = verify(b.db, baseline, "--jobs 2");
        requireProven(o);
        for (const auto& t : o.report.at("tables")) {
            INFO("table " << t.at("schema") << "." << t.at("name"));
            CHECK(t.at("content") == "equal");
        }
        REQUIRE(o.report.at("new_tables").size() == 1);
        CHECK(o.report.at("new_tables")[0].at("name") == "audit_log");
        CHECK(o.report.at("new_tables")[0].at("rows") == 2);
        CHECK(contains(o.text.out, "audit_log"));
    }
}

TEST_CASE("verify fails and names the table when one row was deleted") {
    Baselined b;
    b.db.exec("DELETE FROM hard_values WHERE id = 3");
    for (const auto& baseline : b.baselines()) {
        INFO("baseline " << baseline);
        Outcome o = verify(b.db, baseline);
        requireOnlyFailure(o, {"public", "hard_values"}, "public.hard_values");
        const json& t = o.table({"public", "hard_values"});
        CHECK(t.at("baseline_rows") == 10);
        CHECK(t.at("rows") == 9);
        CHECK(t.at("delta") == -1);
        CHECK(contains(t.at("reason").get<std::string>(), "lost"));
    }
}

TEST_CASE("verify fails and names the table when one value was changed") {
    Baselined b;
    b.db.exec("UPDATE dropped_and_generated SET keep = 'k7 ' WHERE id = 7");  // one trailing space
    for (const auto& baseline : b.baselines()) {
        INFO("baseline " << baseline);
        Outcome o = verify(b.db, baseline);
        requireOnlyFailure(o, {"public", "dropped_and_generated"}, "public.dropped_and_generated");
        const json& t = o.table({"public", "dropped_and_generated"});
        CHECK(t.at("rows") == t.at("baseline_rows"));
        CHECK(t.at("content") == "changed");
        CHECK(t.at("fingerprint") != t.at("baseline_fingerprint"));
    }
}

TEST_CASE("verify fails when one of two identical rows is removed from a table without a key") {
    Baselined b;
    REQUIRE(b.db.scalar("SELECT count(*) FROM no_key_duplicates WHERE a = 1 AND b = 'same'") == "2");
    b.db.exec("DELETE FROM no_key_duplicates WHERE ctid = (SELECT min(ctid) FROM no_key_duplicates WHERE a = 1)");
    REQUIRE(b.db.scalar("SELECT count(*) FROM no_key_duplicates WHERE a = 1 AND b = 'same'") == "1");
    for (const auto& baseline : b.baselines()) {
        INFO("baseline " << baseline);
        Outcome o = verify(b.db, baseline);
        requireOnlyFailure(o, {"public", "no_key_duplicates"}, "public.no_key_duplicates");
        CHECK(o.table({"public", "no_key_duplicates"}).at("rows") == 2);
    }
}

TEST_CASE("verify fails and names the column when a column was dropped") {
    Baselined b;
    b.db.exec("ALTER TABLE scratch_unlogged DROP COLUMN payload");
    for (const auto& baseline : b.baselines()) {
        INFO("baseline " << baseline);
        Outcome o = verify(b.db, baseline);
        requireOnlyFailure(o, {"public", "scratch_unlogged"}, "public.scratch_unlogged");
        CHECK(contains(o.text.out, "payload"));
        CHECK(contains(o.table({"public", "scratch_unlogged"}).at("reason").get<std::string>(), "payload"));
        CHECK(o.table({"public", "scratch_unlogged"}).at("rows") == 100);  // rows still counted
    }
}

TEST_CASE("verify names a dropped column with an awkward name in an awkward table") {
    Baselined b;
    b.db.exec("ALTER TABLE \"Ünïcode Schema\".\"Täble \"\"quoted\"\" Name\" DROP COLUMN \"ключ\"");
    Outcome o = verify(b.db, b.archive);
    requireOnlyFailure(o, kUnicodeTable, "\"Ünïcode Schema\".\"Täble \"\"quoted\"\" Name\"");
    CHECK(contains(o.text.out, "ключ"));
    CHECK(contains(o.table(kUnicodeTable).at("reason").get<std::string>(), "ключ"));
}

TEST_CASE("verify fails and names the table when a table was dropped") {
    Baselined b;
    b.db.exec("DROP TABLE cars");
    for (const auto& baseline : b.baselines()) {
        INFO("baseline " << baseline);
        Outcome o = verify(b.db, baseline);
        requireOnlyFailure(o, {"public", "cars"}, "public.cars");
        CHECK(contains(o.table({"public", "cars"}).at("reason").get<std::string>(), "missing"));
    }
}

TEST_CASE("verify fails and names the table when a table was truncated") {
    Baselined b;
    b.db.exec("TRUNCATE measurements_2026");
    for (const auto& baseline : b.baselines()) {
        INFO("baseline " << baseline);
        Outcome o = verify(b.db, baseline, "--jobs 3");
        requireOnlyFailure(o, {"public", "measurements_2026"}, "public.measurements_2026");
        CHECK(o.table({"public", "measurements_2026"}).at("rows") == 0);
        CHECK(o.table({"public", "measurements_2026"}).at("baseline_rows") == 187);
    }
}

TEST_CASE("verify --mode no-loss passes when rows were added and reports the content change") {
    Baselined b;
    b.db.exec("INSERT INTO hard_values (id, t) VALUES (100, 'added'), (101, 'added too');"
              "INSERT INTO measurements VALUES (9999, DATE '2026-06-01', 1);"
              "INSERT INTO zero_columns DEFAULT VALUES;");
    for (const auto& baseline : b.baselines()) {
        INFO("baseline " << baseline);
        Outcome o = verify(b.db, baseline, "--mode no-loss");
        requireProven(o);
        CHECK(contains(o.text.out, "no-loss"));
        CHECK(contains(o.text.out, "CHANGED"));
        CHECK(o.report.at("mode") == "no-loss");
        for (const TableKey& k : std::vector<TableKey>{{"public", "hard_values"}, {"public", "measurements_2026"}, {"public", "zero_columns"}}) {
            INFO("table " << k.second);
            CHECK(o.table(k).at("verdict") == "ok");
            CHECK(o.table(k).at("content") == "changed");
            CHECK(o.table(k).at("delta").get<int64_t>() > 0);
        }
        CHECK(o.table({"public", "hard_values"}).at("delta") == 2);
        CHECK(o.table({"public", "cars"}).at("content") == "equal");

        // The same database is not an exact match.
        Outcome exact = verify(b.db, baseline, "--mode exact");
        CHECK(exact.text.exitCode == 1);
        CHECK(exact.tablesWith("failed") ==
              std::set<TableKey>{{"public", "hard_values"}, {"public", "measurements_2026"}, {"public", "zero_columns"}});
    }
}

TEST_CASE("verify --mode no-loss fails when any table lost rows, even if others grew") {
    Baselined b;
    b.db.exec("INSERT INTO hard_values (id, t) VALUES (100, 'added');"
              "INSERT INTO moods SELECT 'ok', g FROM generate_series(100, 150) g;"
              "DELETE FROM identity_rows WHERE id = 4;");
    for (const auto& baseline : b.baselines()) {
        INFO("baseline " << baseline);
        Outcome o = verify(b.db, baseline, "--mode no-loss");
        requireOnlyFailure(o, {"public", "identity_rows"}, "public.identity_rows");
        CHECK(o.table({"public", "identity_rows"}).at("delta") == -1);
        CHECK(o.table({"public", "hard_values"}).at("content") == "changed");
    }
}

TEST_CASE("counts only: snapshot --counts-only and verify --counts-only compare exact counts and catch a deleted row") {
    Baselined b;
    const fs::path counts = b.dir / "counts.json";
    auto s = runPgproof("snapshot --counts-only -o " + shellQuote(counts.string()) + " " + dbFlag(b.db));
    INFO("snapshot stderr: " << s.err);
    REQUIRE(s.exitCode == 0);
    json countsDoc = json::parse(readWholeFile(counts));
    REQUIRE(countsDoc.at("counts_only") == true);

    // Unchanged: counts equal, from a counts-only snapshot and with --counts-only against full baselines.
    std::vector<std::pair<fs::path, std::string>> runs = {{counts, ""}, {b.archive, "--counts-only"}, {b.snapshot, "--counts-only"}};
    for (const auto& [baseline, flags] : runs) {
        INFO("baseline " << baseline << " " << flags);
        Outcome o = verify(b.db, baseline, flags);
        requireProven(o);
        CHECK(o.report.at("counts_only") == true);
        CHECK(contains(o.text.out, "row counts"));
        for (const auto& t : o.report.at("tables")) {
            INFO("table " << t.at("name"));
            CHECK(t.at("rows") == t.at("baseline_rows"));
            CHECK(t.at("content") == "not checked");
        }
        CHECK(o.table({"public", "measurements_2025"}).at("rows") == 213);
    }

    b.db.exec("DELETE FROM vehicles WHERE name = 'cart'");
    for (const auto& [baseline, flags] : runs) {
        INFO("baseline " << baseline << " " << flags);
        Outcome o = verify(b.db, baseline, flags);
        requireOnlyFailure(o, {"public", "vehicles"}, "public.vehicles");
        CHECK(o.table({"public", "vehicles"}).at("rows") == 1);
    }
}

TEST_CASE("verify fails when a sequence was reset lower") {
    Baselined b;
    b.db.exec("SELECT setval('standalone_seq', 50)");
    for (const auto& baseline : b.baselines()) {
        INFO("baseline " << baseline);
        Outcome o = verify(b.db, baseline);
        INFO("stdout: " << o.text.out);
        REQUIRE(o.text.exitCode == 1);
        CHECK(contains(o.text.out, "standalone_seq"));
        const std::string verdictLine = o.text.out.substr(o.text.out.rfind("FAILED"));
        CHECK(contains(verdictLine, "standalone_seq"));  // the one-line verdict says what failed
        CHECK(o.sequence("standalone_seq").at("verdict") == "failed");
        CHECK(o.sequence("standalone_seq").at("baseline_last_value") == 101);
        CHECK(o.sequence("standalone_seq").at("last_value") == 50);
        CHECK(o.sequence("vehicles_id_seq").at("verdict") == "ok");
        CHECK(o.tablesWith("failed").empty());  // the tables themselves are intact
        CHECK(o.report.at("verdict") == "failed");
    }
}

TEST_CASE("sequences: moving on is fine in either direction, handing out an issued value again is not") {
    ScratchDatabase db("verifyseq");
    db.exec("CREATE SEQUENCE up; SELECT nextval('up'), nextval('up');"
            "CREATE SEQUENCE down INCREMENT -1; SELECT nextval('down'), nextval('down');"
            "CREATE SEQUENCE unused START 10;");
    TempDir dir;
    auto s = runPgproof("snapshot -o " + shellQuote((dir / "seq.json").string()) + " " + dbFlag(db));
    REQUIRE(s.exitCode == 0);

    SECTION("both advanced") {
        db.exec("SELECT nextval('up'); SELECT nextval('down'); SELECT nextval('unused')");
        requireProven(verify(db, dir / "seq.json"));
    }
    SECTION("the descending sequence went back up") {
        db.exec("SELECT setval('down', -1)");
        Outcome o = verify(db, dir / "seq.json");
        CHECK(o.text.exitCode == 1);
        CHECK(contains(o.text.out, "public.down"));
        CHECK(o.sequence("down").at("verdict") == "failed");
        CHECK(o.sequence("up").at("verdict") == "ok");
    }
    SECTION("same last value, but no longer called: nextval would hand out 2 again") {
        db.exec("SELECT setval('up', 2, false)");
        Outcome o = verify(db, dir / "seq.json");
        CHECK(o.text.exitCode == 1);
        CHECK(contains(o.text.out, "public.up"));
        CHECK(o.sequence("up").at("verdict") == "failed");
        CHECK(o.sequence("down").at("verdict") == "ok");
    }
}

TEST_CASE("verify --junit writes one test case per table and a failure for the failing one") {
    Baselined b;
    b.db.exec("DELETE FROM no_key_duplicates WHERE ctid = (SELECT min(ctid) FROM no_key_duplicates WHERE a = 1)");
    const fs::path junit = b.dir / "verify.xml";
    auto r = runPgproof("verify --baseline " + shellQuote(b.archive.string()) + " " + dbFlag(b.db) + " --junit " +
                        shellQuote(junit.string()));
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exitCode == 1);
    const std::string xml = readWholeFile(junit);
    INFO("junit: " << xml);
    CHECK(xml.rfind("<?xml", 0) == 0);
    CHECK(contains(xml, "</testsuites>"));

    auto cases = junitTestCases(xml);
    std::map<std::string, const JUnitTestCase*> tables;
    for (const auto& c : cases)
        if (c.attributes.at("classname") == "pgproof.verify.tables") tables[c.attributes.at("name")] = &c;
    CHECK(tables.size() == 14);  // one per baseline table, each once
    for (const auto& [name, c] : tables) {
        INFO("test case " << name);
        CHECK(contains(c->body, "<failure") == (name == "public.no_key_duplicates"));
        CHECK_FALSE(contains(c->body, "<error"));
    }
    REQUIRE(tables.count("public.no_key_duplicates") == 1);
    CHECK(contains(tables.at("public.no_key_duplicates")->body, "lost"));
    CHECK(tables.count("\"Ünïcode Schema\".\"Täble \"\"quoted\"\" Name\"") == 1);  // escaped in XML, intact after parsing
    size_t failures = 0;
    for (size_t p = 0; (p = xml.find("<failure", p)) != std::string::npos; ++p) ++failures;
    CHECK(failures == 1);
}

TEST_CASE("verify of an unreachable database exits 3 with one line naming the target, never the password") {
    Baselined b;
    struct Target {
        std::string conninfo, host;
    };
    for (const Target& t : {Target{"host=/nonexistent port=1 dbname=x password=s3cret", "/nonexistent"},
                            Target{"host=127.0.0.1 port=1 dbname=x user=someone password=s3cret connect_timeout=5", "127.0.0.1"},
                            Target{"postgresql://someone:s3cret@127.0.0.1:1/x?connect_timeout=5", "127.0.0.1"}}) {
        for (const std::string& report : {std::string(), std::string("--json -"), "--junit " + shellQuote((b.dir / "j.xml").string())}) {
            INFO("--db " << t.conninfo << " " << report);
            auto r = runPgproof("verify --baseline " + shellQuote(b.archive.string()) + " --db " + shellQuote(t.conninfo) + " " + report);
            INFO("stdout: " << r.out << "\nstderr: " << r.err);
            CHECK(r.exitCode == 3);
            CHECK(nonEmptyLines(r.err) == 1);
            CHECK(contains(r.err, "host " + t.host));
            CHECK(contains(r.err, "port 1"));
            CHECK(contains(r.err, "database x"));
            CHECK_FALSE(contains(r.out, "PROVEN"));
            CHECK_FALSE(contains(r.out, "s3cret"));
            CHECK_FALSE(contains(r.err, "s3cret"));
        }
    }
    // Reports are written on every outcome (docs/REPORTS.md §9): the JUnit file says why, without the password.
    REQUIRE(fs::exists(b.dir / "j.xml"));
    CHECK(contains(readFile(b.dir / "j.xml"), "cannot connect"));
    CHECK_FALSE(contains(readFile(b.dir / "j.xml"), "s3cret"));

    // A server that answers but has no such database cannot complete the proof either.
    auto r = runPgproof("verify --baseline " + shellQuote(b.archive.string()) + " --db " +
                        shellQuote("dbname=no_such_database_here password=s3cret"));
    INFO("stderr: " << r.err);
    CHECK(r.exitCode == 3);
    CHECK(contains(r.err, "no_such_database_here"));
    CHECK_FALSE(contains(r.err + r.out, "s3cret"));
}

TEST_CASE("a password given with --db appears in no output, snapshot file or report") {
    Baselined b;  // the test cluster trusts local connections, so any password is accepted and ignored
    const char* host = std::getenv("PGHOST");
    const char* port = std::getenv("PGPORT");
    REQUIRE(host);
    REQUIRE(port);
    const std::string conninfo = b.db.conninfo() + " password=s3cret";
    const std::string uri = "postgresql://postgres:s3cret@/" + b.db.name() + "?host=" + percentEncode(host) + "&port=" + port;
    const fs::path snap = b.dir / "pw.json", report = b.dir / "pw-report.json", junit = b.dir / "pw.xml";
    auto s = runPgproof("snapshot --verbose -o " + shellQuote(snap.string()) + " --db " + shellQuote(conninfo));
    INFO("snapshot stderr: " << s.err);
    REQUIRE(s.exitCode == 0);
    b.db.exec("DELETE FROM hard_values WHERE id = 1");  // a failing run prints the most
    auto v = runPgproof("verify --verbose --baseline " + shellQuote(snap.string()) + " --db " + shellQuote(uri) + " --json " +
                        shellQuote(report.string()) + " --junit " + shellQuote(junit.string()));
    INFO("verify stdout: " << v.out << "\nstderr: " << v.err);
    REQUIRE(v.exitCode == 1);
    CHECK(contains(v.out, "public.hard_values"));
    for (const std::string& text : {s.out, s.err, v.out, v.err, readWholeFile(snap), readWholeFile(report), readWholeFile(junit)})
        CHECK_FALSE(contains(text, "s3cret"));
}

TEST_CASE("verify exits 2 for a baseline that is not an archive or a snapshot, a missing file, and bad flags") {
    Baselined b;
    writeWholeFile(b.dir / "notes.txt", "just some text\n");
    writeWholeFile(b.dir / "other.json", "{\"tables\": []}\n");
    writeWholeFile(b.dir / "empty", "");
    for (const std::string name : {"notes.txt", "other.json", "empty", "does-not-exist.json"}) {
        INFO("baseline " << name);
        auto r = runPgproof("verify --baseline " + shellQuote((b.dir / name).string()) + " " + dbFlag(b.db));
        INFO("stdout: " << r.out << "\nstderr: " << r.err);
        CHECK(r.exitCode == 2);
        CHECK(contains(r.err, name));
        CHECK_FALSE(contains(r.out, "PROVEN"));
    }
    auto mode = runPgproof("verify --baseline " + shellQuote(b.archive.string()) + " " + dbFlag(b.db) + " --mode bogus");
    INFO("stderr: " << mode.err);
    CHECK(mode.exitCode == 2);
    CHECK(contains(mode.err, "bogus"));
    auto flag = runPgproof("verify --baseline " + shellQuote(b.archive.string()) + " " + dbFlag(b.db) + " --no-such-flag");
    CHECK(flag.exitCode == 2);
    auto noBaseline = runPgproof("verify " + dbFlag(b.db));
    CHECK(noBaseline.exitCode == 2);
    // Precedence: a bad baseline is bad input even when the database is unreachable too.
    auto both = runPgproof("verify --baseline " + shellQuote((b.dir / "notes.txt").string()) + " --db 'host=/nonexistent port=1 dbname=x'");
    CHECK(both.exitCode == 2);
}

TEST_CASE("verify uses DATABASE_URL when --db is absent, and --db wins over it") {
    Baselined b;
    const char* host = std::getenv("PGHOST");
    const char* port = std::getenv("PGPORT");
    REQUIRE(host);
    REQUIRE(port);
    const std::string uri = "postgresql:///" + b.db.name() + "?host=" + percentEncode(host) + "&port=" + port;
    const std::string conninfo = std::string("host=") + host + " port=" + port + " dbname=" + b.db.name();
    const std::string verifyArgs = std::string(PGPROOF_BIN) + " verify --baseline " + shellQuote(b.archive.string()) + " --json -";
    // PGDATABASE points at a database without these tables: only DATABASE_URL leads to them.
    for (const std::string& url : {uri, conninfo}) {
        INFO("DATABASE_URL=" << url);
        auto r = run("env PGDATABASE=postgres DATABASE_URL=" + shellQuote(url) + " " + verifyArgs);
        INFO("stdout: " << r.out << "\nstderr: " << r.err);
        REQUIRE(r.exitCode == 0);
        json report = json::parse(r.out);
        CHECK(report.at("verdict") == "proven");
        CHECK(report.at("database").at("database") == b.db.name());
    }
    // Without DATABASE_URL, libpq's PGDATABASE is used: a database that lacks every table fails the proof.
    auto fallback = run("env -u DATABASE_URL PGDATABASE=postgres " + verifyArgs);
    CHECK(fallback.exitCode == 1);

    auto wins = run("env DATABASE_URL=" + shellQuote("host=/nonexistent port=1 dbname=x") + " " + verifyArgs + " " + dbFlag(b.db));
    INFO("stderr: " << wins.err);
    CHECK(wins.exitCode == 0);
}
