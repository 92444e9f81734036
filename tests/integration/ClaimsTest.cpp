// The claims test (the proof ledger issue): every proving command, in every mode and baseline kind, on a
// database with a partitioned table loaded via its root, a keyless table over 5 MB, a sequence and a large
// object; one of each is changed in its own copy. For each run the exit code, the text verdict, the JSON
// report and the JUnit report must agree with one another and with what was changed: a run never claims
// "every baseline row is still present" for a table whose rows it only counted.
#include <catch2/catch.hpp>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Fixture {
    ScratchDatabase db{"claims"};
    TempDir dir;
    fs::path archive, snapshot, rowsSnapshot;
    Fixture() {
        db.exec(
            "CREATE TABLE events (id int NOT NULL, region text NOT NULL, payload text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);"
            "CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');"
            "CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us');"
            "INSERT INTO events SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END, 'event ' || g FROM generate_series(1, 2000) g;"
            // Keyless, over 5 MB: rows are compared as a multiset.
            "CREATE TABLE audit_log (line text, n int);"
            "INSERT INTO audit_log SELECT repeat(md5(g::text), 3), g FROM generate_series(1, 60000) g;"
            "CREATE SEQUENCE ticket_seq; SELECT setval('ticket_seq', 500);"
            "SELECT lo_from_bytea(424242, 'large object payload'::bytea);");
        REQUIRE(std::stoll(db.scalar("SELECT pg_relation_size('audit_log')")) > 5 * 1024 * 1024);
        archive = backupTo(db, dir / "claims.sql.zst", "--load-via-partition-root");
        snapshot = dir / "claims.snapshot.json";
        rowsSnapshot = dir / "claims.rows.json";
        auto s = runPgproof("snapshot -o " + q(snapshot) + " --db " + shellQuote(db.conninfo()));
        REQUIRE(s.exitCode == 0);
        auto r = runPgproof("snapshot --rows -o " + q(rowsSnapshot) + " --db " + shellQuote(db.conninfo()));
        REQUIRE(r.exitCode == 0);
    }
};

struct Run {
    int exitCode = -1;
    std::string out, err;
    json report;
    size_t junitFailures = 0, junitErrors = 0;
    std::string junitText;
};

Run verify(const Fixture& f, const fs::path& baseline, const std::string& db, const std::string& mode, bool stream) {
    fs::path j = f.dir / "v.json", x = f.dir / "v.xml";
    fs::remove(j);
    fs::remove(x);
    std::string base = stream ? "- < " + q(baseline) : q(baseline);
    CommandResult r = runPgproof("verify --baseline " + base + " --db " + shellQuote("dbname=" + db) + " --mode " + mode + " --json " + q(j) +
                                 " --junit " + q(x));
    Run out{r.exitCode, r.out, r.err, {}, 0, 0, ""};
    if (fs::exists(j)) out.report = json::parse(readFile(j));
    if (fs::exists(x)) {
        out.junitText = readFile(x);
        XmlElement doc = parseXml(out.junitText);
        out.junitFailures = doc.descendants("failure").size();
        out.junitErrors = doc.descendants("error").size();
    }
    return out;
}

const char* headlineFor(int code) { return code == 0 ? "PROVEN (" : code == 1 ? "FAILED (" : "INCOMPLETE ("; }
const char* verdictFor(int code) { return code == 0 ? "proven" : code == 1 ? "failed" : code == 2 ? "bad_input" : "incomplete"; }

// The four faces of one run agree with one another.
void requireAgreement(const Run& r, const std::string& mode) {
    INFO(r.out << r.err);
    REQUIRE(r.report.is_object());
    CHECK(r.report["exit_code"] == r.exitCode);
    CHECK(r.report["verdict"] == verdictFor(r.exitCode));
    CHECK(contains(r.out, headlineFor(r.exitCode)));
    CHECK((r.junitFailures > 0) == (r.exitCode == 1));
    CHECK((r.junitErrors > 0) == (r.exitCode == 3));
    const bool allRows = r.report["summary"]["rows_proven"].get<bool>();
    if (mode == "no-loss" && r.exitCode == 0) {
        CHECK(contains(r.out, "every baseline row is still present") == allRows);
        if (!allRows) CHECK(contains(r.out, "count only"));
    }
    if (r.exitCode == 0) CHECK(allRows == (r.report["summary"]["coverage"]["count_only"].get<size_t>() == 0));
    for (const auto& t : r.report["tables"]) {
        if (t["rows_proven"].get<bool>()) CHECK(t["verdict"] == "ok");
        if (t["compared_by"] == "count only" && t["verdict"] == "ok") CHECK_FALSE(t["rows_proven"].get<bool>());
    }
}

const json* tableNamed(const json& report, const std::string& name) {
    for (const auto& t : report["tables"])
        if (t["name"] == name) return &t;
    return nullptr;
}

}  // namespace

TEST_CASE("claims: verify in every mode and baseline kind agrees with itself and with what changed") {
    Fixture f;
    // One change of each kind, each in its own copy (a template copy keeps large object oids).
    struct Change {
        std::string name, sql, table;  // table: the one whose verdict names the change ("" for a sequence)
    };
    const std::vector<Change> changes = {
        {"partition", "DELETE FROM events WHERE id = 2 AND region = 'eu'; INSERT INTO events VALUES (4002, 'eu', 'new event')", "events_eu"},
        {"keyless", "DELETE FROM audit_log WHERE n = 7; INSERT INTO audit_log VALUES ('a replacement line', -7)", "audit_log"},
        {"sequence", "SELECT setval('ticket_seq', 100)", ""},
        {"large object", "SELECT lo_unlink(424242); SELECT lo_from_bytea(424243, 'another payload'::bytea)", ""},
    };
    for (const auto& change : changes) {
        DYNAMIC_SECTION(change.name) {
            std::string copy = uniqueName("claims_copy");
            DropDatabaseAtEnd drop{copy};
            admin().exec("CREATE DATABASE " + copy + " TEMPLATE " + f.db.name(), "copy");
            REQUIRE(run("psql -X -q -v ON_ERROR_STOP=1 -d " + shellQuote(copy) + " -c " + shellQuote(change.sql)).exitCode == 0);
            struct Kind {
                std::string name;
                fs::path baseline;
                bool rowsKnown;  // the baseline can name rows (archive, snapshot --rows)
            };
            for (const Kind& kind : {Kind{"archive", f.archive, true}, Kind{"snapshot", f.snapshot, false}, Kind{"snapshot --rows", f.rowsSnapshot, true}})
                for (const std::string mode : {"exact", "no-loss"})
                    {
                        INFO(change.name << " / " << kind.name << " / " << mode);
                        Run r = verify(f, kind.baseline, copy, mode, false);
                        requireAgreement(r, mode);
                        if (change.name == "sequence") {
                            CHECK(r.exitCode == 1);
                            CHECK(contains(r.out, "ticket_seq"));
                            continue;
                        }
                        if (mode == "exact") {
                            // Every change alters a fingerprint: exact fails, naming the table.
                            CHECK(r.exitCode == 1);
                            if (!change.table.empty()) CHECK(contains(r.out, change.table));
                            continue;
                        }
                        // no-loss: a row is gone. Where the rows could be compared, that is a failure naming it;
                        // where only counts could, the run may pass, but then it says the table was counted only.
                        if (change.name == "large object") {
                            CHECK(r.exitCode != 3);
                            if (r.exitCode == 0) CHECK_FALSE(r.report["summary"]["rows_proven"].get<bool>());
                            continue;
                        }
                        const json* t = tableNamed(r.report, change.table);
                        REQUIRE(t);
                        if (kind.rowsKnown) {
                            CHECK(r.exitCode == 1);
                            CHECK((*t)["verdict"] == "failed");
                            CHECK(contains(r.out, "lost"));
                            // Against the archive the lost keyless row is named by its content (md5(7) repeated); a
                            // snapshot names it by its digest.
                            if (change.name == "keyless" && kind.name == "archive") CHECK(contains(r.out, "8f14e45f"));
                        } else {
                            CHECK(r.exitCode == 0);
                            CHECK_FALSE((*t)["rows_proven"].get<bool>());
                            CHECK_FALSE(contains(r.out, "every baseline row is still present"));
                            CHECK(contains(r.out, change.table));
                        }
                    }
        }
    }
}

TEST_CASE("claims: an unchanged copy is proven with every row proven, in every mode and baseline kind") {
    Fixture f;
    for (const auto& baseline : {f.archive, f.snapshot, f.rowsSnapshot})
        for (const std::string mode : {"exact", "no-loss"}) {
            INFO(baseline << " " << mode);
            Run r = verify(f, baseline, f.db.name(), mode, false);
            requireAgreement(r, mode);
            CHECK(r.exitCode == 0);
            CHECK(r.report["summary"]["rows_proven"] == true);
            CHECK(r.report["summary"]["content_proven"] == true);
            if (mode == "no-loss") CHECK(contains(r.out, "every baseline row is still present"));
        }
}

TEST_CASE("claims: a --junit that cannot be written turns a proven verify into exit 2, and the JSON says so") {
    Fixture f;
    fs::path j = f.dir / "v.json";
    auto r = runPgproof("verify --baseline " + q(f.archive) + " --db " + shellQuote(f.db.conninfo()) + " --json " + q(j) +
                        " --junit " + q(f.dir / "no-such-folder" / "v.xml"));
    INFO(r.out << r.err);
    CHECK(r.exitCode == 2);
    json report = json::parse(readFile(j));
    CHECK(report["verdict"] == "bad_input");
    CHECK(report["exit_code"] == 2);
    CHECK(contains(report["error"].get<std::string>(), "--junit"));
    CHECK_FALSE(contains(r.out, "\nPROVEN ("));
    CHECK(contains(r.out, "BAD INPUT (PROVEN, but --junit"));
    for (const auto& name : folderEntries(f.dir.path())) CHECK_FALSE(contains(name, ".partial-"));  // nothing left half-written
}
