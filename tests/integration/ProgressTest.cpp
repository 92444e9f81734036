// The progress line of the long commands (check, snapshot, verify, diff, restore, drill, backup): with
// --progress into a pipe, every phase ends with one plain line of its figures (the tables done of the
// total and the rows, which must be the database's); without --progress a pipe gets none, and --quiet
// silences it; on a terminal (a pseudo-terminal from script(1)) the line is redrawn in place and erased.
#include <catch2/catch.hpp>

#include <regex>

#include "TestSupport.hpp"

using namespace pgproof::test;
namespace fs = std::filesystem;

namespace {

struct ProgressFixture {
    ScratchDatabase db{"prog"};
    TempDir dir;
    fs::path archive = dir / "p.sql.zst";
    ProgressFixture() {
        db.exec("CREATE TABLE accounts (id int PRIMARY KEY, name text);"
                "INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 1200) g;"
                "CREATE TABLE events (id bigint PRIMARY KEY, account int REFERENCES accounts, at timestamptz);"
                "INSERT INTO events SELECT g, 1 + g % 1200, '2026-01-01'::timestamptz + g * interval '1 minute' FROM generate_series(1, 300) g;"
                "CREATE INDEX events_at ON events (at)");
        auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
        INFO(r.err);
        REQUIRE(r.exitCode == 0);
    }
};

// The progress lines of a run's stderr, without the log lines.
std::vector<std::string> progressLines(const std::string& err) {
    std::vector<std::string> out;
    std::regex line("^[a-z][a-z ]+: [0-9,/]+ (tables|entries).*$");
    size_t start = 0;
    while (start < err.size()) {
        size_t end = err.find('\n', start);
        if (end == std::string::npos) end = err.size();
        std::string l = err.substr(start, end - start);
        if (std::regex_match(l, line)) out.push_back(l);
        start = end + 1;
    }
    return out;
}

bool hasLine(const std::vector<std::string>& lines, const std::string& prefix) {
    for (const auto& l : lines)
        if (l.rfind(prefix, 0) == 0) return true;
    return false;
}

}  // namespace

TEST_CASE("into a pipe with --progress, each phase of check, snapshot, verify, restore and drill ends with its figures") {
    ProgressFixture f;
    const std::string db = " --db " + shellQuote(f.db.conninfo());

    auto check = runPgproof("check " + q(f.archive) + " --progress");
    REQUIRE(check.exitCode == 0);
    auto lines = progressLines(check.err);
    INFO(check.err);
    REQUIRE(lines.size() == 1);
    CHECK(std::regex_match(lines[0], std::regex("checking: 2/2 tables, 1,500 rows, [0-9.]+ KiB.*, [0-9.]+ s")));
    CHECK(check.err.find('\r') == std::string::npos);  // plain lines for a log, no terminal control
    CHECK(check.err.find("\033[") == std::string::npos);

    // A stream's totals are at its end: tables counted as they arrive.
    auto stream = run("cat " + q(f.archive) + " | " + shellQuote(PGPROOF_BIN) + " check - --progress");
    REQUIRE(stream.exitCode == 0);
    CHECK(hasLine(progressLines(stream.err), "checking: 2 tables, 1,500 rows"));

    auto snapshot = runPgproof("snapshot -o " + q(f.dir / "s.json") + db + " --progress");
    REQUIRE(snapshot.exitCode == 0);
    INFO(snapshot.err);
    CHECK(hasLine(progressLines(snapshot.err), "fingerprinting: 2/2 tables, 1,500 rows"));
    auto counts = runPgproof("snapshot -o " + q(f.dir / "c.json") + db + " --counts-only --progress");
    REQUIRE(counts.exitCode == 0);
    CHECK(hasLine(progressLines(counts.err), "counting rows: 2/2 tables, 1,500 rows"));

    auto verify = runPgproof("verify --baseline " + q(f.archive) + db + " --progress");
    REQUIRE(verify.exitCode == 0);
    INFO(verify.err);
    CHECK(hasLine(progressLines(verify.err), "verifying: 2/2 tables, 1,500 rows"));

    ScratchDatabase target("progr");
    auto restore = runPgproof("restore " + q(f.archive) + " --db " + shellQuote(target.conninfo()) + " --progress");
    REQUIRE(restore.exitCode == 0);
    INFO(restore.err);
    lines = progressLines(restore.err);
    CHECK(hasLine(lines, "restoring schema: "));
    // Rows, post-data and the proof reads run as one set of jobs (the scheduler): one phase, counted in
    // jobs; its rows are those loaded and those read back (1,500 each).
    CHECK(std::regex_search(restore.err, std::regex("restoring \\(rows loaded and read back, indexes, keys\\): ([0-9]+)/\\1 jobs, 3,000 rows")));

    ScratchDatabase streamTarget("progs");
    auto streamRestore = run("cat " + q(f.archive) + " | " + shellQuote(PGPROOF_BIN) + " restore - --db " +
                             shellQuote(streamTarget.conninfo()) + " --progress");
    REQUIRE(streamRestore.exitCode == 0);
    INFO(streamRestore.err);
    lines = progressLines(streamRestore.err);
    CHECK(std::regex_search(streamRestore.err, std::regex("restoring from the stream: [0-9]+ entries, 1,500 rows")));
    // Post-data and the proof reads run as scheduler jobs once the stream has arrived.
    CHECK(std::regex_search(streamRestore.err, std::regex("restoring \\(rows loaded and read back, indexes, keys\\): ([0-9]+)/\\1 jobs")));

    auto drill = runPgproof("drill " + q(f.archive) + " --server " + shellQuote(f.db.conninfo()) + " --progress");
    REQUIRE(drill.exitCode == 0);
    INFO(drill.err);
    lines = progressLines(drill.err);
    CHECK(hasLine(lines, "checking: 2/2 tables, 1,500 rows"));
    CHECK(std::regex_search(drill.err, std::regex("restoring \\(rows loaded and read back, indexes, keys\\): ([0-9]+)/\\1 jobs")));

    auto backup = runPgproof("backup -o " + q(f.dir / "b.sql.zst") + db + " --progress");
    REQUIRE(backup.exitCode == 0);
    CHECK(hasLine(progressLines(backup.err), "backing up: 2 tables, 1,500 rows"));

    // A changed row: the row comparison is a phase of its own.
    f.db.exec("UPDATE accounts SET name = 'changed' WHERE id = 7");
    auto changed = runPgproof("verify --baseline " + q(f.archive) + db + " --progress");
    CHECK(changed.exitCode == 1);
    INFO(changed.err);
    CHECK(std::regex_search(changed.err, std::regex("\ncomparing rows: ([0-9]+)/\\1 tables")));
    auto diff = runPgproof("diff " + q(f.archive) + db + " --progress");
    CHECK(diff.exitCode == 1);
    INFO(diff.err);
    CHECK(hasLine(progressLines(diff.err), "verifying: 2/2 tables, 1,500 rows"));
    CHECK(std::regex_search(diff.err, std::regex("\ncomparing rows: 1/1 tables")));
}

TEST_CASE("without --progress a pipe gets no progress line, and --quiet silences it even when asked") {
    ProgressFixture f;
    const std::string db = " --db " + shellQuote(f.db.conninfo());
    ScratchDatabase target("progq");
    for (const std::string& args : {"check " + q(f.archive), "snapshot -o " + q(f.dir / "s.json") + db,
                                    "verify --baseline " + q(f.archive) + db,
                                    "restore " + q(f.archive) + " --db " + shellQuote(target.conninfo()),
                                    "drill " + q(f.archive) + " --server " + shellQuote(f.db.conninfo()),
                                    "backup -o " + q(f.dir / "b.sql.zst") + db}) {
        auto r = runPgproof(args);
        INFO(args << "\n" << r.err);
        REQUIRE(r.exitCode == 0);
        CHECK(progressLines(r.err).empty());
        CHECK(r.err.find(" tables, ") == std::string::npos);
        CHECK(r.err.find('\r') == std::string::npos);
    }
    auto quiet = runPgproof("check " + q(f.archive) + " --progress --quiet");
    REQUIRE(quiet.exitCode == 0);
    CHECK(quiet.err.empty());
}

TEST_CASE("on a terminal the progress line is redrawn in place and erased before the results") {
    // A restore whose rows load slowly (a CHECK that sleeps 0.2 s a row): the line is drawn several times.
    ScratchDatabase db("progt");
    db.exec("CREATE FUNCTION slow_ok(int) RETURNS boolean LANGUAGE sql AS 'SELECT pg_catalog.pg_sleep(0.2) IS NOT NULL';"
            "CREATE TABLE slow (id int CHECK (public.slow_ok(id)));"
            "INSERT INTO slow SELECT generate_series(1, 6)");
    TempDir dir;
    auto archive = dir / "slow.sql.zst";
    REQUIRE(runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo())).exitCode == 0);

    ScratchDatabase target("progu");
    // script(1) runs the command on a pseudo-terminal (stdout and stderr both) and copies what it wrote.
    auto restoreOnTerminal = [&](const std::string& extra) {
        std::string command = shellQuote(PGPROOF_BIN) + " restore " + q(archive) + " --db " + shellQuote(target.conninfo()) + extra;
        return run("script -q -e -c " + shellQuote(command) + " /dev/null");
    };
    auto r = restoreOnTerminal("");
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(contains(r.out, "\rrestoring (rows loaded and read back, indexes, keys): "));
    CHECK(std::regex_search(r.out, std::regex("\rrestoring \\(rows loaded and read back, indexes, keys\\): [0-9]+/[0-9]+ jobs, [0-9]+ rows")));
    CHECK(contains(r.out, "\033[K"));
    // Erased (a bare carriage return and clear) before the results table is printed.
    auto results = r.out.find("TABLE");
    REQUIRE(results != std::string::npos);
    CHECK(r.out.rfind("\r\033[K", results) != std::string::npos);
    CHECK(r.out.find("\rloading rows: ", results) == std::string::npos);

    target.exec("DROP TABLE slow; DROP FUNCTION slow_ok(int)");
    auto quiet = restoreOnTerminal(" --quiet");
    INFO(quiet.out);
    REQUIRE(quiet.exitCode == 0);
    CHECK(!contains(quiet.out, "loading rows"));
    CHECK(!contains(quiet.out, "\033[K"));
}

TEST_CASE("the repository commands (list, status, prune) show their scan of the archives as a phase") {
    ProgressFixture f;
    fs::path repo = f.dir / "repo";
    for (int i = 0; i < 2; ++i) {
        auto b = runPgproof("backup --check --repo " + q(repo) + " --name app --db " + shellQuote(f.db.conninfo()));
        INFO(b.err);
        REQUIRE(b.exitCode == 0);
    }
    for (const std::string cmd : {"list " + q(repo), "status " + q(repo) + " --max-drill-age off", "prune " + q(repo) + " --keep-last 5 --dry-run"}) {
        auto r = runPgproof(cmd + " --progress");
        INFO(cmd << "\n" << r.out << r.err);
        CHECK(r.exitCode == 0);
        CHECK(std::regex_search(r.err, std::regex("reading the repository: 2/2 archives, 3,000 rows")));
        auto quiet = runPgproof(cmd);  // a pipe without --progress: no line
        CHECK(!contains(quiet.err, "reading the repository"));
    }
}
