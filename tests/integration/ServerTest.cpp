// A whole server into one repository (issue 25): backup --all-databases writes one archive per database
// at one time stamp, a database that fails (a table locked past --lock-wait-timeout) is named with its
// exit code while the others are proven; status answers per database and for the whole server; list
// and prune treat each database on its own; metrics carry database and server labels.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <sstream>
#include <regex>
#include <set>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Archive file names of one database folder.
std::vector<std::string> archivesOf(const fs::path& repo, const std::string& db) {
    std::vector<std::string> out;
    for (const auto& name : folderEntries(repo / db))
        if (name.size() > 8 && name.substr(name.size() - 8) == ".sql.zst" && !contains(name, ".globals.")) out.push_back(name);
    return out;
}

// "NAME-20261207T045300Z.sql.zst" -> "20261207T045300Z"
std::string stampOf(const std::string& archive) {
    std::smatch m;
    REQUIRE(std::regex_search(archive, m, std::regex("-(\\d{8}T\\d{6}Z)")));
    return m[1];
}

}  // namespace

TEST_CASE("backup --all-databases: one archive per database at one time stamp, a failed database named, status for the server") {
    const std::string prefix = uniqueName("srv");
    ScratchDatabase a(prefix + "_a"), b(prefix + "_b"), c(prefix + "_c"), locked(prefix + "_d");
    ScratchDatabase excluded(prefix + "_x"), closed(prefix + "_y");
    for (const ScratchDatabase* d : {&a, &b, &c, &locked})
        d->exec("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 50) g");
    admin().exec("ALTER DATABASE " + closed.name() + " ALLOW_CONNECTIONS false");
    TempDir dir;
    fs::path repo = dir / "repo", metrics = dir / "backup.prom";
    const std::string patterns = "--include-database " + shellQuote(prefix + "_*") + " --exclude-database " + shellQuote(prefix + "_x*");

    // A session holds an exclusive lock on the fourth database's table: its backup cannot take its locks.
    auto holder = locked.connect();
    holder.exec("BEGIN");
    holder.exec("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
    auto first = runPgproof("backup --all-databases --repo " + q(repo) + " " + patterns +
                            " --check --lock-wait-timeout 1s --metrics " + q(metrics) + " --json " + q(dir / "run.json"));
    INFO(first.out << first.err);
    CHECK(first.exitCode == 3);
    CHECK(contains(first.out, "backup of " + locked.name() + " failed (exit 3)"));
    CHECK(contains(first.out, "3 of 4 databases backed up"));
    CHECK(contains(first.err, closed.name() + " does not allow connections"));
    auto report = json::parse(readFile(dir / "run.json"));
    CHECK(report["report"] == "pgproof-backup-server");
    CHECK(report["exit_code"] == 3);
    CHECK(report["failed"] == json::array({locked.name()}));
    auto left = report["excluded"].get<std::vector<std::string>>();  // the patterns left out every other database of the cluster too
    CHECK(std::count(left.begin(), left.end(), excluded.name()) == 1);
    CHECK(std::count(left.begin(), left.end(), a.name()) == 0);
    CHECK(report["no_connections"] == json::array({closed.name()}));
    std::set<std::string> stamps;
    for (const ScratchDatabase* d : {&a, &b, &c}) {
        auto archives = archivesOf(repo, d->name());
        REQUIRE(archives.size() == 1);
        stamps.insert(stampOf(archives[0]));
        // Each archive is proven on its own: its history holds the backup and its check.
        auto check = runPgproof("check " + q(repo / d->name() / archives[0]));
        CHECK(check.exitCode == 0);
    }
    CHECK(stamps.size() == 1);  // one time stamp per run
    CHECK(archivesOf(repo, locked.name()).empty());
    CHECK_FALSE(fs::exists(repo / excluded.name()));
    CHECK_FALSE(fs::exists(repo / closed.name()));
    std::string prom = readFile(metrics);
    CHECK(contains(prom, "pgproof_backup_success{database=\"" + a.name() + "\",server=\""));
    CHECK(std::regex_search(prom, std::regex("pgproof_backup_exit_code\\{database=\"" + locked.name() + "\",server=\"[^\"]+\"\\} 3")));
    CHECK(contains(prom, "pgproof_server_backup_failed_databases{server="));

    // status: per database, and the server's one answer naming the database without a backup.
    auto stale = runPgproof("status " + q(repo) + " --max-drill-age off --json " + q(dir / "status.json"));
    INFO(stale.out);
    CHECK(stale.exitCode == 1);
    CHECK(std::regex_search(stale.out, std::regex("server [^ ]+: 1 of 4 databases without a fresh proven backup: " + locked.name() +
                                                  " \\(no backup at all")));
    auto st = json::parse(readFile(dir / "status.json"));
    REQUIRE(st["servers"].size() == 1);
    CHECK(st["servers"][0]["ok"] == false);
    int okDatabases = 0;
    for (const auto& d : st["databases"]) okDatabases += d["ok"].get<bool>() ? 1 : 0;
    CHECK(okDatabases == 3);
    auto one = runPgproof("status " + q(repo) + " --max-drill-age off --database " + a.name());
    CHECK(one.exitCode == 0);

    // The lock released, the next run proves all four and the server is fresh.
    holder.exec("ROLLBACK");
    auto second = runPgproof("backup --all-databases --repo " + q(repo) + " " + patterns + " --check");
    INFO(second.out << second.err);
    CHECK(second.exitCode == 0);
    auto fresh = runPgproof("status " + q(repo) + " --max-drill-age off");
    INFO(fresh.out);
    CHECK(fresh.exitCode == 0);
    CHECK(std::regex_search(fresh.out, std::regex("server [^ ]+: every database \\(4\\) has a fresh proven backup")));

    // list and prune: each database on its own (two archives for three of them, one for the fourth).
    auto list = runPgproof("list " + q(repo) + " --json -");
    REQUIRE(list.exitCode == 0);
    auto listed = json::parse(list.out);
    std::map<std::string, int> perDatabase;
    for (const auto& d : listed["databases"]) perDatabase[d["database"]] = static_cast<int>(d["archives"].size());
    CHECK(perDatabase[a.name()] == 2);
    CHECK(perDatabase[locked.name()] == 1);
    auto prune = runPgproof("prune " + q(repo) + " --keep-last 1");
    INFO(prune.out << prune.err);
    CHECK(prune.exitCode == 0);
    for (const ScratchDatabase* d : {&a, &b, &c, &locked}) CHECK(archivesOf(repo, d->name()).size() == 1);
}

namespace {

// Metric names declared (# TYPE) in a Prometheus textfile, with the label names of their samples.
void collectMetrics(const std::string& text, std::map<std::string, std::set<std::string>>& out) {
    std::istringstream in(text);
    std::string line;
    std::regex sample("^(pgproof_[a-z0-9_]+)(\\{([^}]*)\\})? ");
    std::regex label("([a-z_]+)=\"");
    while (std::getline(in, line)) {
        std::smatch m;
        if (!std::regex_search(line, m, sample)) continue;
        auto& labels = out[m[1].str()];
        std::string body = m[3];
        for (std::sregex_iterator it(body.begin(), body.end(), label), end; it != end; ++it) labels.insert((*it)[1].str());
    }
}

}  // namespace

TEST_CASE("every query of the Grafana dashboard names a metric, and labels, that pgproof really writes") {
    ScratchDatabase db("dash");
    db.exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 20)");
    TempDir dir;
    fs::path repo = dir / "repo";
    auto backup = runPgproof("backup --all-databases --globals --repo " + q(repo) + " --include-database " + shellQuote(db.name()) +
                             " --check --metrics " + q(dir / "backup.prom"));
    INFO(backup.out << backup.err);
    REQUIRE(backup.exitCode == 0);
    std::string archive = archivesOf(repo, db.name()).at(0);
    // --globals: the server's roles beside each database's archive, as for a single database.
    std::string globals = archive.substr(0, archive.size() - 8) + ".globals.sql.zst";
    CHECK(fs::exists(repo / db.name() / globals));
    auto drill = runPgproof("drill " + q(repo / db.name() / archive) + " --metrics " + q(dir / "drill.prom"));
    INFO(drill.out << drill.err);
    REQUIRE(drill.exitCode == 0);
    auto status = runPgproof("status " + q(repo) + " --metrics " + q(dir / "status.prom"));
    INFO(status.out);
    REQUIRE(status.exitCode == 0);
    std::map<std::string, std::set<std::string>> emitted;
    for (const char* f : {"backup.prom", "drill.prom", "status.prom"}) collectMetrics(readFile(dir / f), emitted);

    auto dashboard = json::parse(readFile(fs::path(PGPROOF_SOURCE_DIR) / "docs/grafana/pgproof-dashboard.json"));
    std::vector<std::string> queries;
    for (const auto& panel : dashboard["panels"])
        for (const auto& target : panel["targets"]) queries.push_back(target["expr"]);
    for (const auto& variable : dashboard["templating"]["list"])
        if (variable["type"] == "query") queries.push_back(variable["definition"]);
    REQUIRE(queries.size() >= 10);
    std::regex selector("(pgproof_[a-z0-9_]+)(\\{([^}]*)\\})?");
    std::regex matcher("([a-z_]+)\\s*(=~|!~|!=|=)");
    std::set<std::string> used;
    for (const auto& query : queries) {
        INFO(query);
        size_t inQuery = 0;
        for (std::sregex_iterator it(query.begin(), query.end(), selector), end; it != end; ++it, ++inQuery) {
            std::string name = (*it)[1];
            used.insert(name);
            INFO(name);
            REQUIRE(emitted.count(name) == 1);
            std::string body = (*it)[3];
            for (std::sregex_iterator l(body.begin(), body.end(), matcher), lend; l != lend; ++l) CHECK(emitted[name].count((*l)[1].str()) == 1);
        }
        CHECK(inQuery > 0);
    }
    // The fleet's labels are on every per-database metric the dashboard shows.
    for (const auto& name : used)
        if (name != "pgproof_repository_up" && name.rfind("pgproof_server_", 0) != 0 && name != "pgproof_repository_server_ok") {
            INFO(name);
            CHECK(emitted[name].count("database") == 1);
            CHECK(emitted[name].count("server") == 1);
        }
}

TEST_CASE("pgproof report: one self-contained page, stale databases first, 200 archives of 5 databases, as Chromium shows it") {
    ScratchDatabase db("page");
    db.exec("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, repeat('x', g) FROM generate_series(1, 40) g");
    TempDir dir;
    fs::path repo = dir / "repo", dump = dir / "dump.sql";
    REQUIRE(run("pg_dump -d " + shellQuote(db.name()) + " -f " + q(dump)).exitCode == 0);
    // 40 days of nightly backups of five databases, written by pgproof itself with its clock moved back
    // (faketime): db1-db3 proven every night, db4's last three nights missing, db5 never checked.
    std::string script = "set -e\nfor day in $(seq 40 -1 1); do for n in 1 2 3 4 5; do\n"
                         "  if [ $n = 4 ] && [ $day -le 3 ]; then continue; fi\n"
                         "  check=--check; if [ $n = 5 ]; then check=; fi\n"
                         "  faketime -f \"-${day}d\" " + std::string(PGPROOF_BIN) + " backup --from-stdin --name db$n --repo " + q(repo) +
                         " $check -q < " + q(dump) + "\ndone; done\n";
    writeFile(dir / "fill.sh", script);
    auto fill = run("bash " + q(dir / "fill.sh"));
    INFO(fill.err);
    REQUIRE(fill.exitCode == 0);
    size_t archives = 0;
    for (int n = 1; n <= 5; ++n) archives += archivesOf(repo, "db" + std::to_string(n)).size();
    REQUIRE(archives == 197);
    // Three more for db1 today, then a drill of its newest with a report, so the page links it.
    for (int i = 0; i < 3; ++i) REQUIRE(run(std::string(PGPROOF_BIN) + " backup --from-stdin --name db1 --repo " + q(repo) + " --check -q < " + q(dump)).exitCode == 0);
    auto newest = archivesOf(repo, "db1");
    std::sort(newest.begin(), newest.end());
    fs::path drillReport = dir / "drills" / "db1-drill.md";
    fs::create_directories(drillReport.parent_path());
    auto drill = runPgproof("drill " + q(repo / "db1" / newest.back()) + " --report " + q(drillReport));
    INFO(drill.out << drill.err);
    REQUIRE(drill.exitCode == 0);

    fs::path page = dir / "report.html";
    auto r = runPgproof("report " + q(repo) + " -o " + q(page) + " --max-age 36h --max-drill-age off");
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(runPgproof("report " + q(repo) + " -o " + q(page)).exitCode == 2);  // never a silent overwrite
    std::string html = readFile(page);
    // Self-contained: nothing to fetch, no script.
    for (const char* outside : {"http://", "https://", "<script", "<link", " src="}) {
        INFO(outside);
        CHECK_FALSE(contains(html, outside));
    }

    auto shown = run("chromium --headless --no-sandbox --disable-gpu --user-data-dir=" + q(dir / "chromium") + " --dump-dom " +
                     shellQuote("file://" + page.string()) + " 2>/dev/null");
    REQUIRE(shown.exitCode == 0);
    const std::string& dom = shown.out;
    REQUIRE(contains(dom, "<section class=\"database\""));
    auto count = [&](const std::string& pattern) {
        std::regex re(pattern);
        return std::distance(std::sregex_iterator(dom.begin(), dom.end(), re), std::sregex_iterator());
    };
    CHECK(count("<section class=\"database\"") == 5);
    // The top says what is stale, naming db4 (its backups stopped) and db5 (never proven), and nothing else.
    std::string attention = dom.substr(dom.find("id=\"attention\""), dom.find("id=\"overview\"") - dom.find("id=\"attention\""));
    CHECK(contains(attention, "class=\"stale\""));
    CHECK(count("<li class=\"problem\" data-database=\"db4\">") == 1);
    CHECK(count("<li class=\"problem\" data-database=\"db5\">") == 1);
    CHECK(contains(attention, "no proven backup"));
    for (const char* fresh : {"db1", "db2", "db3"}) CHECK_FALSE(contains(attention, std::string("class=\"problem\" data-database=\"") + fresh + "\""));
    // Every archive is in a table and on the size chart; every check and the drill in the proofs tables.
    CHECK(count("<table class=\"archives\">") == 5);
    size_t archiveRows = 0, sizePoints = 0;
    const std::regex row("<tr>"), sizeChart("data-points=\"(\\d+)\"[^>]*aria-label=\"Archive size\"");
    for (size_t at = dom.find("<table class=\"archives\">"); at != std::string::npos; at = dom.find("<table class=\"archives\">", at + 1)) {
        std::string table = dom.substr(at, dom.find("</table>", at) - at);
        archiveRows += static_cast<size_t>(std::distance(std::sregex_iterator(table.begin(), table.end(), row), std::sregex_iterator())) - 1;  // the header row
    }
    for (std::sregex_iterator it(dom.begin(), dom.end(), sizeChart), end; it != end; ++it) sizePoints += std::stoul((*it)[1]);
    CHECK(archiveRows == 200);
    CHECK(sizePoints == 200);
    CHECK(count("<tr data-command=\"check\">") == 160);  // db1-db3 every night, db4's 37 nights, db1's three today
    CHECK(count("<tr data-command=\"drill\">") == 1);
    CHECK(count("class=\"drill-report\" href=\"drills/db1-drill\\.md\"") == 1);
    // A picture, too: the page renders.
    auto png = run("chromium --headless --no-sandbox --disable-gpu --user-data-dir=" + q(dir / "chromium") + " --window-size=1200,3000 --screenshot=" +
                   q(dir / "page.png") + " " + shellQuote("file://" + page.string()) + " 2>/dev/null");
    CHECK(png.exitCode == 0);
    CHECK(fs::file_size(dir / "page.png") > 10000);
    if (const char* keep = std::getenv("PGPROOF_KEEP_REPORT")) fs::copy_file(dir / "page.png", keep, fs::copy_options::overwrite_existing);
}
