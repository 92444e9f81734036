// Backup repositories against a real PostgreSQL and real archives: backup --repo names archives by
// database and UTC time; check, verify, restore and drill record their outcome in the history beside
// the archive; status judges freshness of proven backups and drills (ages moved with faketime), never
// counting a partial or damaged archive; prune keeps exactly what the policy, pins, proofs and running
// commands protect, and never a partial archive in a full one's place; history records bind to the
// archive's manifest (a replaced file inherits nothing); ages use the repository's clock as well as the
// archive's; metrics files parse as Prometheus text and are replaced atomically.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <csignal>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <yaml-cpp/yaml.h>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// The server label of the test cluster's metrics: host and port as libpq connects to them.
std::string clusterServer() { return std::string(std::getenv("PGHOST")) + ":" + std::getenv("PGPORT"); }

// A small database and a repository folder.
struct Repo {
    ScratchDatabase db{"repo"};
    TempDir dir;
    fs::path root;
    Repo() {
        root = dir / "repo";
        db.exec("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g;"
                "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('a'), ('b');");
    }
    // backup --repo, optionally with the clock moved by faketime ("-3d"); returns the archive's path.
    fs::path backup(const std::string& clockOffset = "", const std::string& extra = "") const {
        std::string cmd = std::string(clockOffset.empty() ? "" : "faketime -f " + shellQuote(clockOffset) + " ") + PGPROOF_BIN +
                          " backup --repo " + q(root) + " --db " + shellQuote(db.conninfo()) + " " + extra;
        auto before = archives("", true);
        auto r = run(cmd);
        INFO(cmd << "\n" << r.out << r.err);
        REQUIRE(r.exitCode == 0);
        auto after = archives("", true);
        for (const auto& a : after)
            if (std::find(before.begin(), before.end(), a) == before.end()) return a;
        FAIL("backup --repo wrote no new archive");
        return {};
    }
    // The archives of one database folder (default: the test database's), or of every folder (all).
    std::vector<fs::path> archives(const std::string& database = "", bool all = false) const {
        std::vector<fs::path> out;
        if (!fs::exists(root)) return out;
        for (const auto& folder : fs::directory_iterator(root)) {
            if (!folder.is_directory() || (!database.empty() && folder.path().filename() != database)) continue;
            if (database.empty() && folder.path().filename() != db.name() && !all) continue;
            for (const auto& e : fs::directory_iterator(folder.path()))
                if (e.path().extension() == ".zst" && e.path().filename().string()[0] != '.') out.push_back(e.path());
        }
        std::sort(out.begin(), out.end());
        return out;
    }
    CommandResult pgproof(const std::string& args, const std::string& clockOffset = "") const {
        if (clockOffset.empty()) return runPgproof(args);
        return run("faketime -f " + shellQuote(clockOffset) + " " + PGPROOF_BIN + " " + args);
    }
    CommandResult status(const std::string& args = "", const std::string& clockOffset = "") const {
        return pgproof("status " + q(root) + " " + args, clockOffset);
    }
};

fs::path historyOf(const fs::path& archive) {
    std::string name = archive.filename().string();
    return archive.parent_path() / (name.substr(0, name.size() - 8) + ".history.jsonl");
}

std::vector<json> historyRecords(const fs::path& archive) {
    std::vector<json> out;
    std::ifstream in(historyOf(archive));
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(json::parse(line));
    return out;
}

// A parser of Prometheus' text exposition format 0.0.4: HELP and TYPE comments, samples with optional
// labels (escaped values) and a float value. Throws on anything else; returns name{labels} -> value.
std::map<std::string, double> parsePrometheus(const std::string& text) {
    std::map<std::string, double> samples;
    std::map<std::string, std::string> types;
    static const std::regex name("[a-zA-Z_:][a-zA-Z0-9_:]*");
    std::istringstream in(text);
    std::string line;
    size_t lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        auto bad = [&](const std::string& why) { return std::runtime_error("line " + std::to_string(lineNo) + ": " + why + ": " + line); };
        if (line.empty()) continue;
        if (line[0] == '#') {
            std::istringstream c(line);
            std::string hash, kind, metric;
            c >> hash >> kind >> metric;
            if (kind != "HELP" && kind != "TYPE") continue;
            if (!std::regex_match(metric, name)) throw bad("bad metric name");
            if (kind == "TYPE") {
                std::string type;
                c >> type;
                if (type != "gauge" && type != "counter" && type != "untyped" && type != "summary" && type != "histogram") throw bad("bad type");
                if (types.count(metric)) throw bad("second TYPE");
                types[metric] = type;
            }
            continue;
        }
        size_t i = 0;
        while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_' || line[i] == ':')) ++i;
        std::string metric = line.substr(0, i);
        if (!std::regex_match(metric, name)) throw bad("bad sample name");
        std::string key = metric;
        if (i < line.size() && line[i] == '{') {
            key += "{";
            ++i;
            bool first = true;
            while (i < line.size() && line[i] != '}') {
                size_t s = i;
                while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_')) ++i;
                std::string label = line.substr(s, i - s);
                if (label.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') throw bad("bad label");
                i += 2;
                std::string value;
                while (i < line.size() && line[i] != '"') {
                    if (line[i] == '\\') {
                        if (++i >= line.size()) throw bad("bad escape");
                        value += line[i] == 'n' ? '\n' : line[i];
                    } else {
                        value += line[i];
                    }
                    ++i;
                }
                if (i >= line.size()) throw bad("unterminated label value");
                ++i;
                key += (first ? "" : ",") + label + "=\"" + value + "\"";
                first = false;
                if (i < line.size() && line[i] == ',') ++i;
            }
            if (i >= line.size()) throw bad("unterminated labels");
            ++i;
            key += "}";
        }
        if (i >= line.size() || line[i] != ' ') throw bad("no value");
        std::string value = line.substr(i + 1);
        size_t sp = value.find(' ');
        if (sp != std::string::npos) value = value.substr(0, sp);  // an optional timestamp follows
        double v = 0;
        if (value == "NaN") v = std::nan("");
        else if (value == "+Inf") v = INFINITY;
        else if (value == "-Inf") v = -INFINITY;
        else {
            size_t used = 0;
            v = std::stod(value, &used);
            if (used != value.size()) throw bad("bad value");
        }
        if (!types.count(metric)) throw bad("sample before its TYPE");
        if (samples.count(key)) throw bad("duplicate sample");
        samples[key] = v;
    }
    return samples;
}

}  // namespace

TEST_CASE("backup --repo names the archive by database and UTC time, status is fresh only once the archive is proven") {
    Repo r;
    fs::path archive = r.backup();
    REQUIRE(fs::exists(r.root / "pgproof-repository.json"));
    CHECK(archive.parent_path() == r.root / r.db.name());
    CHECK(std::regex_match(archive.filename().string(), std::regex(r.db.name() + "-20[0-9]{6}T[0-9]{6}Z\\.sql\\.zst")));
    auto records = historyRecords(archive);
    REQUIRE(records.size() == 1);
    CHECK(records[0]["command"] == "backup");
    CHECK(records[0]["verdict"] == "proven");
    CHECK(records[0]["tables"] == 2);
    CHECK(records[0]["rows"] == 502);

    // Written, but never read back: not proven, so not a backup status relies on.
    auto s = r.status("--max-drill-age off");
    CHECK(s.exitCode == 1);
    CHECK(s.out.rfind("PGPROOF WARNING - " + r.db.name() + ": no proven backup", 0) == 0);

    auto c = runPgproof("check " + q(archive));
    REQUIRE(c.exitCode == 0);
    records = historyRecords(archive);
    REQUIRE(records.size() == 2);
    CHECK(records[1]["command"] == "check");
    CHECK(records[1]["exit_code"] == 0);
    CHECK(records[1]["verdict"] == "proven");
    CHECK(records[1]["tables"] == 2);
    CHECK(records[1]["rows"] == 502);
    CHECK(records[1]["seconds"].get<double>() >= 0);

    s = r.status("--max-drill-age off");
    INFO(s.out << s.err);
    CHECK(s.exitCode == 0);
    CHECK(s.out.rfind("PGPROOF OK - " + r.db.name() + ": backup ", 0) == 0);

    // Two days later the same archive is stale for --max-age 24h, fresh for 3d.
    s = r.status("--max-drill-age off", "+2d");
    CHECK(s.exitCode == 1);
    CHECK(contains(s.out, r.db.name() + ": newest proven backup is 2.0 days old (max 24.0 h)"));
    CHECK(r.status("--max-drill-age off --max-age 3d", "+2d").exitCode == 0);

    // No drill yet: the default --max-drill-age 92d fails it, naming the drill.
    s = r.status();
    CHECK(s.exitCode == 1);
    CHECK(contains(s.out, "no passed drill"));

    // --min-backups and --database name what is missing.
    s = r.status("--max-drill-age off --min-backups 2");
    CHECK(s.exitCode == 1);
    CHECK(contains(s.out, "1 full backup(s), fewer than --min-backups 2"));
    s = r.status("--max-drill-age off --database " + r.db.name() + " --database billing");
    CHECK(s.exitCode == 1);
    CHECK(contains(s.out, "billing: no backup at all"));

    // JSON is the documented report.
    auto j = r.pgproof("status " + q(r.root) + " --max-drill-age off --json -");
    CHECK(j.exitCode == 0);
    json st = json::parse(j.out);
    CHECK(st["report"] == "pgproof-status");
    CHECK(st["report_version"] == 1);
    CHECK(st["verdict"] == "fresh");
    REQUIRE(st["databases"].size() == 1);
    CHECK(st["databases"][0]["database"] == r.db.name());
    CHECK(st["databases"][0]["newest_proven"]["path"] == archive.string());
    CHECK(st["databases"][0]["backups"] == 1);

    // --name overrides the folder; -o and --repo exclude each other.
    fs::path named = r.backup("", "--name billing");
    CHECK(named.parent_path() == r.root / "billing");
    CHECK(named.filename().string().rfind("billing-", 0) == 0);
    auto both = runPgproof("backup --repo " + q(r.root) + " -o " + q(r.dir / "x.sql.zst") + " --db " + shellQuote(r.db.conninfo()));
    CHECK(both.exitCode == 2);
    CHECK(contains(both.err, "exactly one of -o FILE|- and --repo DIR"));
    CHECK(runPgproof("backup -o " + q(r.dir / "x.sql.zst") + " --name x --db " + shellQuote(r.db.conninfo())).exitCode == 2);
    CHECK_FALSE(fs::exists(r.dir / "x.sql.zst"));

    // Not a repository, a missing repository.
    auto notRepo = runPgproof("status " + q(r.dir.path()));
    CHECK(notRepo.exitCode == 2);
    CHECK(contains(notRepo.err, "is not a pgproof repository"));
    auto missing = runPgproof("status " + q(r.dir / "gone"));
    CHECK(missing.exitCode == 3);
    CHECK(contains(missing.out, "PGPROOF UNKNOWN"));
}

TEST_CASE("backup --check reads the archive back and proves it: fresh at once") {
    Repo r;
    fs::path archive = r.backup("", "--check");
    auto records = historyRecords(archive);
    REQUIRE(records.size() == 2);
    CHECK(records[0]["command"] == "check");
    CHECK(records[0]["verdict"] == "proven");
    CHECK(records[0]["tables"] == 2);
    CHECK(records[1]["command"] == "backup");
    auto s = r.status("--max-drill-age off");
    INFO(s.out);
    CHECK(s.exitCode == 0);
    auto stream = runPgproof("backup -o - --check --db " + shellQuote(r.db.conninfo()) + " > /dev/null");
    CHECK(stream.exitCode == 2);
    CHECK(contains(stream.err, "--check reads the archive back from its file"));
}

TEST_CASE("a partial or damaged archive never counts as a backup") {
    Repo r;
    fs::path older = r.backup("-1h");
    REQUIRE(runPgproof("check " + q(older)).exitCode == 0);
    fs::path newer = r.backup();
    REQUIRE(runPgproof("check " + q(newer)).exitCode == 0);
    REQUIRE(r.status("--max-drill-age off --max-age 30m").exitCode == 0);

    // The newest archive truncated (a copy cut short, a disk that lost its tail): status falls back to the
    // older one, which is too old for 30m, and names the damaged newer one.
    std::string bytes = readFile(newer);
    writeFile(newer, bytes.substr(0, bytes.size() / 2));
    auto s = r.status("--max-drill-age off --max-age 30m");
    INFO(s.out);
    CHECK(s.exitCode == 1);
    CHECK(contains(s.out, "newest proven backup is"));
    CHECK(contains(s.out, "note: " + newer.filename().string() + ": DAMAGED"));
    CHECK(r.status("--max-drill-age off --max-age 2h").exitCode == 0);
    CHECK(contains(r.status("--max-drill-age off --max-age 2h").out, "1 damaged"  ) == false);

    // The older one with a flipped byte in a rows frame: the trailer is intact, but the next check fails,
    // and from then on it is damaged too. Only damaged archives: no backup at all.
    json manifest = inspectManifest(older);
    fs::path flipped = damageRowsOf(older, manifest, "public", "items");
    fs::rename(flipped, older);
    CHECK(runPgproof("check " + q(older)).exitCode == 1);
    auto records = historyRecords(older);
    REQUIRE(records.size() == 3);
    CHECK(records[2]["verdict"] == "failed");
    CHECK(records[2]["exit_code"] == 1);
    s = r.status("--max-drill-age off --max-age 10d");
    CHECK(s.exitCode == 1);
    CHECK(contains(s.out, "no complete backup: every archive is damaged or partial"));

    auto list = r.pgproof("list " + q(r.root) + " --json -");
    REQUIRE(list.exitCode == 0);
    json l = json::parse(list.out);
    CHECK(l["report"] == "pgproof-list");
    REQUIRE(l["databases"][0]["archives"].size() == 2);
    for (const auto& a : l["databases"][0]["archives"]) {
        CHECK(a["damaged"] == true);
        CHECK(a["proven"] == false);
    }
    CHECK(l["databases"][0]["archives"][0]["complete"] == false);  // the truncated one, newest first
    CHECK(l["databases"][0]["archives"][1]["complete"] == true);
    CHECK(l["databases"][0]["archives"][1]["last_check"]["verdict"] == "failed");
}

TEST_CASE("archives that leave out table data are partial: status, list and prune never count them as full backups") {
    Repo r;
    // The scheduled job backed up everything, then started leaving data out: one table's data, then the
    // schema only, then a whole table. Every archive is checked (proven intact).
    fs::path f1 = r.backup("-3h", "--check"), f2 = r.backup("-2h", "--check");
    fs::path p1 = r.backup("-90m", "--check -- --exclude-table-data=public.items");
    fs::path p2 = r.backup("-1h", "--check -- -s");
    fs::path p3 = r.backup("-30m", "--check -- -T public.notes");
    const std::string db = r.db.name();

    // status: the newest full proven backup (f2) is 2 h old, too old for 90m; the three newer partial ones are named.
    auto s = r.status("--max-drill-age off --max-age 90m");
    INFO(s.out << s.err);
    CHECK(s.exitCode == 1);
    CHECK(contains(s.out, db + ": newest proven backup is 2.0 h old (max 90 min)"));
    CHECK(contains(s.out, db + ": note: " + p1.filename().string() + ": proven, partial (1 of 2 tables; 1 not covered: public.items (schema only)): not a full backup, not counted"));
    CHECK(contains(s.out, db + ": note: " + p2.filename().string() + ": proven, partial (0 of 2 tables;"));
    CHECK(contains(s.out, db + ": note: " + p3.filename().string() + ": proven, partial (1 of 2 tables; 1 not covered: public.notes (excluded))"));
    CHECK(r.status("--max-drill-age off --max-age 3h").exitCode == 0);
    auto js = r.pgproof("status " + q(r.root) + " --max-drill-age off --max-age 90m --json -");
    json st = json::parse(js.out);
    CHECK(js.exitCode == 1);
    CHECK(st["databases"][0]["newest_proven"]["path"] == f2.string());
    CHECK(st["databases"][0]["newest_backup"]["path"] == f2.string());
    CHECK(st["databases"][0]["backups"] == 2);
    CHECK(st["databases"][0]["partial"] == 3);
    CHECK(st["databases"][0]["damaged"] == 0);
    // --min-backups counts full backups only.
    s = r.status("--max-drill-age off --max-age 3h --min-backups 3");
    CHECK(s.exitCode == 1);
    CHECK(contains(s.out, "2 full backup(s), fewer than --min-backups 3"));

    // list: partial in the state, the header and the JSON, with what is not covered.
    auto l = r.pgproof("list " + q(r.root));
    INFO(l.out);
    CHECK(l.exitCode == 0);
    CHECK(contains(l.out, db + ": 2 full backup(s), 3 partial, 0 damaged"));
    CHECK(contains(l.out, "note: " + p1.filename().string() + " is partial (1 of 2 tables; 1 not covered: public.items (schema only)): never counted as a full backup"));
    l = r.pgproof("list " + q(r.root) + " --json -");
    json list = json::parse(l.out);
    std::map<std::string, json> byPath;
    for (const auto& a : list["databases"][0]["archives"]) byPath[a["path"]] = a;
    for (const auto& f : {f1, f2}) {
        CHECK(byPath[f.string()]["partial"] == false);
        CHECK(byPath[f.string()]["full"] == true);
        CHECK(byPath[f.string()]["state"] == "proven");
    }
    for (const auto& p : {p1, p2, p3}) {
        INFO(p);
        CHECK(byPath[p.string()]["partial"] == true);
        CHECK(byPath[p.string()]["full"] == false);
        CHECK(byPath[p.string()]["proven"] == true);
        CHECK(byPath[p.string()]["state"] == "proven, partial");
    }
    CHECK(contains(byPath[p2.string()]["not_covered"].get<std::string>(), "public.items (schema only)"));

    // prune --keep-last 2: the two full backups fill the rule; partial archives only in addition (the two
    // newest of those newer than the newest full backup). p1 goes, nothing full does.
    auto p = r.pgproof("prune " + q(r.root) + " --keep-last 2");
    INFO(p.out << p.err);
    CHECK(p.exitCode == 0);
    CHECK(contains(p.out, "keep    " + db + "/" + f2.filename().string() + ": newest proven backup, last 2 (#1)"));
    CHECK(contains(p.out, "keep    " + db + "/" + f1.filename().string() + ": last 2 (#2)"));
    CHECK(contains(p.out, "keep    " + db + "/" + p3.filename().string() + ": last 2 partial, newer than the newest full backup (#1)"));
    CHECK(contains(p.out, "removed " + db + "/" + p1.filename().string() + ": outside the policy (partial: 1 of 2 tables;"));
    auto left = r.archives();
    CHECK(left.size() == 4);
    for (const auto& f : {f1, f2, p2, p3}) CHECK(std::find(left.begin(), left.end(), f) != left.end());
    // Even --keep-last 0 keeps the newest proven full backup.
    p = r.pgproof("prune " + q(r.root) + " --keep-last 0");
    CHECK(p.exitCode == 0);
    CHECK(r.archives() == std::vector<fs::path>{f2});
}

TEST_CASE("history records bind to the archive: a file replaced at the same path inherits no proof") {
    Repo r;
    fs::path a = r.backup("", "--check");
    REQUIRE(r.status("--max-drill-age off").exitCode == 0);
    auto records = historyRecords(a);
    REQUIRE(records.size() == 2);
    std::string checksum = records[0]["manifest_checksum"];
    CHECK(std::regex_match(checksum, std::regex("[0-9a-f]{16}")));
    CHECK(records[1]["manifest_checksum"] == checksum);  // the backup's own record: the same archive

    // Another backup (of changed data), copied over the proven one's path.
    r.db.exec("DELETE FROM items WHERE id > 10");
    fs::path other = backupTo(r.db, r.dir / "other.sql.zst");
    fs::copy_file(other, a, fs::copy_options::overwrite_existing);
    auto s = r.status("--max-drill-age off");
    INFO(s.out << s.err);
    CHECK(s.exitCode == 1);
    CHECK(contains(s.out, r.db.name() + ": no proven backup"));
    CHECK(contains(s.out, "history record for " + a.filename().string() + " does not match the archive (replaced?): 2 record(s)"));
    auto l = r.pgproof("list " + q(r.root) + " --json -");
    json entry = json::parse(l.out)["databases"][0]["archives"][0];
    CHECK(entry["proven"] == false);
    CHECK(entry["state"] == "unproven");
    CHECK(entry["history_records"] == 0);
    CHECK(entry["history_ignored"] == 2);
    CHECK(contains(entry["history_problems"].dump(), "does not match the archive (replaced?)"));
    CHECK(contains(r.pgproof("list " + q(r.root)).out, "note: history record for " + a.filename().string() + " does not match the archive"));

    // A check of the file now there proves it again.
    REQUIRE(runPgproof("check " + q(a)).exitCode == 0);
    CHECK(r.status("--max-drill-age off").exitCode == 0);
}

TEST_CASE("ages use the time the repository saw the archive: a writer's clock ahead or behind never makes it look fresh") {
    Repo r;
    fs::path base = r.backup("-3d", "--check");  // the database folder, with an older proven backup
    // Written on a host whose clock runs 30 days ahead, copied into the repository and checked here.
    fs::path outside = r.dir / "ahead.sql.zst";
    auto b = run("faketime -f +30d " + std::string(PGPROOF_BIN) + " backup -o " + q(outside) + " --db " + shellQuote(r.db.conninfo()));
    REQUIRE(b.exitCode == 0);
    fs::path ahead = r.root / r.db.name() / "ahead.sql.zst";
    fs::copy_file(outside, ahead);
    REQUIRE(runPgproof("check " + q(ahead)).exitCode == 0);
    auto s = r.status("--max-drill-age off");
    INFO(s.out << s.err);
    CHECK(s.exitCode == 0);  // fresh today: the repository saw it today
    CHECK(contains(s.out, "note: ahead.sql.zst: created "));
    CHECK(contains(s.out, "by the archive's own clock, 30.0 days after the repository first saw it"));
    // Two days later it is two days old (by its own clock it would still be 28 days in the future).
    s = r.status("--max-drill-age off", "+2d");
    CHECK(s.exitCode == 1);
    CHECK(contains(s.out, "newest proven backup is 2.0 days old (max 24.0 h)"));
    auto l = r.pgproof("list " + q(r.root) + " --json -", "+2d");
    json first = json::parse(l.out)["databases"][0]["archives"][0];
    CHECK(first["path"] == ahead.string());
    CHECK(first["age_seconds"].get<double>() > 2 * 86400 - 600);
    CHECK(contains(first["clock_note"].get<std::string>(), "dated by the repository's clock"));

    // Behind by 30 days: dated by its own clock, so it is old (stale), and ordered after the older backup.
    fs::path outsideBehind = r.dir / "behind.sql.zst";
    b = run("faketime -f -30d " + std::string(PGPROOF_BIN) + " backup -o " + q(outsideBehind) + " --db " + shellQuote(r.db.conninfo()));
    REQUIRE(b.exitCode == 0);
    fs::path behind = r.root / r.db.name() / "behind.sql.zst";
    fs::copy_file(outsideBehind, behind);
    REQUIRE(runPgproof("check " + q(behind)).exitCode == 0);
    l = r.pgproof("list " + q(r.root) + " --json -");
    json archives = json::parse(l.out)["databases"][0]["archives"];
    REQUIRE(archives.size() == 3);
    CHECK(archives[0]["path"] == ahead.string());
    CHECK(archives[1]["path"] == base.string());
    CHECK(archives[2]["path"] == behind.string());
}

TEST_CASE("drills are recorded with their recovery time and status judges the drill's age") {
    Repo r;
    fs::path archive = r.backup();
    fs::path metrics = r.dir / "drill.prom";
    auto d = runPgproof("drill " + q(archive) + " --metrics " + q(metrics));
    INFO(d.out << d.err);
    REQUIRE(d.exitCode == 0);
    auto records = historyRecords(archive);
    REQUIRE(records.size() == 2);
    CHECK(records[1]["command"] == "drill");
    CHECK(records[1]["verdict"] == "proven");
    CHECK(records[1]["recovery_seconds"].get<double>() > 0);
    CHECK(records[1]["rows"] == 502);

    auto m = parsePrometheus(readFile(metrics));
    std::string label = "{database=\"" + r.db.name() + "\",server=\"" + clusterServer() + "\"}";
    CHECK(m.at("pgproof_drill_success" + label) == 1);
    CHECK(m.at("pgproof_drill_exit_code" + label) == 0);
    CHECK(m.at("pgproof_drill_recovery_seconds" + label) > 0);
    CHECK(m.at("pgproof_drill_last_success_timestamp_seconds" + label) > 1.7e9);

    // A passed drill proves the archive: fresh with the drill requirement on.
    auto s = r.status();
    INFO(s.out);
    CHECK(s.exitCode == 0);
    CHECK(contains(s.out, "drill "));
    // 100 days on: the backup is allowed 200 days, the drill 92: stale, naming the drill.
    s = r.status("--max-age 200d", "+100d");
    CHECK(s.exitCode == 1);
    CHECK(contains(s.out, "newest passed drill is 100.0 days old (max 92.0 days)"));
    CHECK(r.status("--max-age 200d --max-drill-age 101d", "+100d").exitCode == 0);

    auto list = r.pgproof("list " + q(r.root));
    CHECK(list.exitCode == 0);
    CHECK(contains(list.out, "PASSED"));
}

TEST_CASE("prune keeps exactly what the policy, pins and proofs keep, --dry-run removes nothing") {
    Repo r;
    fs::path a40 = r.backup("-40d"), a20 = r.backup("-20d"), a9 = r.backup("-9d"), a2 = r.backup("-2d"), now = r.backup();
    REQUIRE(r.archives().size() == 5);
    REQUIRE(runPgproof("check " + q(a20)).exitCode == 0);  // the newest proven: never removed
    auto pin = runPgproof("pin " + q(a40) + " --reason 'before the 2026 migration'");
    REQUIRE(pin.exitCode == 0);
    CHECK(fs::exists(a40.parent_path() / (a40.filename().string().substr(0, a40.filename().string().size() - 8) + ".pin.json")));
    auto before = folderEntries(r.root / r.db.name());

    auto dry = r.pgproof("prune " + q(r.root) + " --keep-last 2 --dry-run");
    INFO(dry.out << dry.err);
    REQUIRE(dry.exitCode == 0);
    CHECK(contains(dry.out, "would remove " + r.db.name() + "/" + a9.filename().string() + ": outside the policy"));
    CHECK(contains(dry.out, "keep    " + r.db.name() + "/" + a40.filename().string() + ": pinned: before the 2026 migration"));
    CHECK(contains(dry.out, "keep    " + r.db.name() + "/" + a20.filename().string() + ": newest proven backup"));
    CHECK(contains(dry.out, "1 archive(s) to remove (--dry-run: nothing was removed), 4 kept"));
    CHECK(folderEntries(r.root / r.db.name()) == before);

    // list shows what the policy would do.
    auto list = r.pgproof("list " + q(r.root) + " --keep-last 2 --json -");
    json l = json::parse(list.out);
    for (const auto& a : l["databases"][0]["archives"])
        CHECK(a["retention"]["action"] == (a["path"] == a9.string() ? "remove" : "keep"));

    auto p = r.pgproof("prune " + q(r.root) + " --keep-last 2");
    INFO(p.out << p.err);
    REQUIRE(p.exitCode == 0);
    CHECK(r.archives() == std::vector<fs::path>{a40, a20, a2, now});
    CHECK_FALSE(fs::exists(historyOf(a9)));

    // Unpinned, the oldest goes too; the newest proven stays even with --keep-last 1.
    REQUIRE(runPgproof("unpin " + q(a40)).exitCode == 0);
    p = r.pgproof("prune " + q(r.root) + " --keep-last 1");
    REQUIRE(p.exitCode == 0);
    CHECK(r.archives() == std::vector<fs::path>{a20, now});

    // A damaged archive is listed and kept unless asked.
    std::string bytes = readFile(now);
    writeFile(now, bytes.substr(0, bytes.size() - 10));
    p = r.pgproof("prune " + q(r.root) + " --keep-last 0");
    CHECK(p.exitCode == 0);
    CHECK(contains(p.out, "damaged ("));
    CHECK(r.archives() == std::vector<fs::path>{a20, now});
    p = r.pgproof("prune " + q(r.root) + " --keep-last 0 --remove-damaged");
    CHECK(p.exitCode == 0);
    CHECK(r.archives() == std::vector<fs::path>{a20});

    CHECK(runPgproof("prune " + q(r.root)).exitCode == 2);  // no policy
    CHECK(runPgproof("pin " + q(r.dir / "nothing.sql.zst")).exitCode == 2);
}

TEST_CASE("prune --keep-days and --keep-daily keep the expected archives") {
    Repo r;
    fs::path a9 = r.backup("-9d"), a3 = r.backup("-3d"), a2b = r.backup("-50h"), a2 = r.backup("-2d"), a1 = r.backup("-1d"), now = r.backup();
    auto p = r.pgproof("prune " + q(r.root) + " --keep-last 1 --keep-days 2.5 --dry-run");
    REQUIRE(p.exitCode == 0);
    CHECK(contains(p.out, "would remove " + r.db.name() + "/" + a9.filename().string()));
    CHECK(contains(p.out, "would remove " + r.db.name() + "/" + a3.filename().string()));
    CHECK(contains(p.out, "2 archive(s) to remove (--dry-run: nothing was removed), 4 kept"));
    // Daily 3: the newest of today, yesterday and two days ago (-2d, not the older -50h of the same day... or of
    // the day before, when -50h falls on it: then that day is the third, and -2d's day the second).
    p = r.pgproof("prune " + q(r.root) + " --keep-last 1 --keep-daily 3");
    INFO(p.out);
    REQUIRE(p.exitCode == 0);
    auto left = r.archives();
    CHECK(std::find(left.begin(), left.end(), now) != left.end());
    CHECK(std::find(left.begin(), left.end(), a1) != left.end());
    CHECK(std::find(left.begin(), left.end(), a2) != left.end());
    CHECK(std::find(left.begin(), left.end(), a9) == left.end());
    CHECK(std::find(left.begin(), left.end(), a3) == left.end());
    CHECK(left.size() == 3);
    (void)a2b;
}

TEST_CASE("prune keeps an archive that a running pgproof command holds") {
    Repo r;
    fs::path old = r.backup("-10d");
    fs::path fresh = r.backup();
    REQUIRE(runPgproof("check " + q(fresh)).exitCode == 0);
    // verify of the old archive waits for its table lock behind a transaction of the test: it runs, holding the archive.
    auto blocker = r.db.connect();
    blocker.exec("BEGIN");
    blocker.exec("LOCK TABLE items IN ACCESS EXCLUSIVE MODE");
    BackgroundPgproof verify({"verify", "--baseline", old.string(), "--db", r.db.conninfo()});
    bool waiting = waitForActiveQuery(r.db.name(), "LOCK TABLE%", 120s, [&] { return verify.running(); });
    INFO("verify stdout: " << verify.out() << "\nverify stderr: " << verify.err());
    REQUIRE(waiting);
    auto p = r.pgproof("prune " + q(r.root) + " --keep-last 1");
    INFO(p.out << p.err);
    CHECK(p.exitCode == 0);
    CHECK(contains(p.out, "keep    " + r.db.name() + "/" + old.filename().string() + ": in use by a running pgproof command"));
    CHECK(fs::exists(old));
    blocker.exec("ROLLBACK");
    REQUIRE(verify.waitExit(120s));
    CHECK(verify.exitCode() == 0);
    auto records = historyRecords(old);
    REQUIRE(records.size() == 2);
    CHECK(records[1]["command"] == "verify");
    CHECK(records[1]["verdict"] == "proven");
    // Released: now it goes.
    p = r.pgproof("prune " + q(r.root) + " --keep-last 1");
    CHECK(p.exitCode == 0);
    CHECK_FALSE(fs::exists(old));
}

TEST_CASE("history survives concurrent writers and a torn last record, concurrent backups get distinct names") {
    Repo r;
    // Four first backups at once into one new repository: each succeeds, four complete archives, four names.
    std::string cmd;
    for (int i = 0; i < 4; ++i)
        cmd += std::string(PGPROOF_BIN) + " backup -q --repo " + q(r.root) + " --db " + shellQuote(r.db.conninfo()) +
               " --jobs 1 & pids=\"$pids $!\"; ";
    auto b = run("pids=; " + cmd + "for p in $pids; do wait $p || exit 1; done");
    INFO(b.out << b.err);
    REQUIRE(b.exitCode == 0);
    auto archives = r.archives();
    REQUIRE(archives.size() == 4);
    for (const auto& a : archives) CHECK(runPgproof("inspect " + q(a)).exitCode == 0);

    // Eight checks of one archive at once: nine records, each one line, none lost.
    fs::path archive = archives.front();
    cmd.clear();
    for (int i = 0; i < 8; ++i) cmd += std::string(PGPROOF_BIN) + " check -q --jobs 1 " + q(archive) + " & pids=\"$pids $!\"; ";
    REQUIRE(run("pids=; " + cmd + "for p in $pids; do wait $p || exit 1; done").exitCode == 0);
    auto records = historyRecords(archive);
    REQUIRE(records.size() == 9);
    std::set<int> pids;
    for (size_t i = 1; i < records.size(); ++i) {
        CHECK(records[i]["command"] == "check");
        CHECK(records[i]["verdict"] == "proven");
        pids.insert(records[i]["pid"].get<int>());
    }
    CHECK(pids.size() == 8);

    // A writer killed in the middle of its record leaves a torn line: readers skip and report it, the
    // next writer starts on a new line.
    {
        std::ofstream torn(historyOf(archive), std::ios::app);
        torn << R"({"at":"2026-12-01T00:00:00Z","command":"check","verd)";
    }
    auto list = r.pgproof("list " + q(r.root) + " --json -");
    REQUIRE(list.exitCode == 0);
    json l = json::parse(list.out);
    json entry;
    for (const auto& a : l["databases"][0]["archives"])
        if (a["path"] == archive.string()) entry = a;
    REQUIRE(entry.is_object());
    CHECK(entry["history_records"] == 9);
    REQUIRE(entry["history_problems"].size() == 1);
    CHECK(contains(entry["history_problems"][0].get<std::string>(), "line 10: torn last record"));
    REQUIRE(runPgproof("check -q " + q(archive)).exitCode == 0);
    std::string text = readFile(historyOf(archive));
    CHECK(contains(text, "\"verd\n{"));
    list = r.pgproof("list " + q(r.root) + " --json -");
    l = json::parse(list.out);
    for (const auto& a : l["databases"][0]["archives"])
        if (a["path"] == archive.string()) entry = a;
    CHECK(entry["history_records"] == 10);
    CHECK(entry["last_check"]["verdict"] == "proven");
    REQUIRE(r.status("--max-drill-age off").exitCode == 0);

    // A check killed with SIGKILL leaves the history as it was.
    auto sizeBefore = fs::file_size(historyOf(archive));
    BackgroundPgproof killed({"check", "--jobs", "1", archive.string()});
    killed.signal(SIGKILL);
    killed.waitExit(10s);
    CHECK(fs::file_size(historyOf(archive)) >= sizeBefore);
    REQUIRE(r.status("--max-drill-age off").exitCode == 0);
}

TEST_CASE("metrics files parse as Prometheus text format and are replaced atomically") {
    Repo r;
    TempDir textfiles;
    fs::path backupMetrics = textfiles / "backup.prom";
    fs::path archive = r.backup("", "--metrics " + q(backupMetrics));
    auto m = parsePrometheus(readFile(backupMetrics));
    std::string label = "{database=\"" + r.db.name() + "\",server=\"" + clusterServer() + "\"}";
    CHECK(m.at("pgproof_backup_success" + label) == 1);
    CHECK(m.at("pgproof_backup_size_bytes" + label) == static_cast<double>(fs::file_size(archive)));
    CHECK(m.at("pgproof_backup_rows" + label) == 502);
    double lastSuccess = m.at("pgproof_backup_last_success_timestamp_seconds" + label);
    CHECK(lastSuccess > 1.7e9);

    // A failed backup (server unreachable) replaces the file: success 0, the last success carried over (the
    // server label is the one it was asked to reach).
    auto bad = runPgproof("backup --repo " + q(r.root) + " --name " + r.db.name() + " --db 'host=/nonexistent port=1' --metrics " + q(backupMetrics));
    CHECK(bad.exitCode == 3);
    m = parsePrometheus(readFile(backupMetrics));
    std::string unreachable = "{database=\"" + r.db.name() + "\",server=\"/nonexistent:1\"}";
    CHECK(m.at("pgproof_backup_success" + unreachable) == 0);
    CHECK(m.at("pgproof_backup_exit_code" + unreachable) == 3);
    CHECK(m.at("pgproof_backup_last_success_timestamp_seconds" + unreachable) == lastSuccess);
    CHECK(r.archives().size() == 1);  // and no leftover reserved history
    CHECK(folderEntries(r.root / r.db.name()).size() == 2);

    fs::path checkMetrics = textfiles / "check.prom";
    REQUIRE(runPgproof("check " + q(archive) + " --metrics " + q(checkMetrics)).exitCode == 0);
    m = parsePrometheus(readFile(checkMetrics));
    CHECK(m.at("pgproof_check_success" + label) == 1);
    CHECK(m.at("pgproof_check_tables" + label) == 2);

    fs::path statusMetrics = textfiles / "status.prom";
    REQUIRE(r.status("--max-drill-age off --metrics " + q(statusMetrics)).exitCode == 0);
    struct stat st1 {};
    ::stat(statusMetrics.c_str(), &st1);
    m = parsePrometheus(readFile(statusMetrics));
    CHECK(m.at("pgproof_repository_up") == 1);
    CHECK(m.at("pgproof_repository_ok") == 1);
    CHECK(m.at("pgproof_repository_backups" + label) == 1);
    CHECK(m.at("pgproof_repository_database_ok" + label) == 1);
    CHECK(m.at("pgproof_repository_backup_last_proven_timestamp_seconds" + label) > 1.7e9);
    // Stale two days on: the file is replaced (a new inode: renamed into place), never rewritten in place.
    CHECK(r.status("--max-drill-age off --metrics " + q(statusMetrics), "+2d").exitCode == 1);
    struct stat st2 {};
    ::stat(statusMetrics.c_str(), &st2);
    CHECK(st1.st_ino != st2.st_ino);
    m = parsePrometheus(readFile(statusMetrics));
    CHECK(m.at("pgproof_repository_ok") == 0);
    CHECK(m.at("pgproof_repository_database_ok" + label) == 0);
    // Nothing but the metrics files in the textfile folder (no temporaries left).
    CHECK(folderEntries(textfiles.path()) == std::vector<std::string>{"backup.prom", "check.prom", "status.prom"});
    // A repository that cannot be read: up 0.
    CHECK(runPgproof("status " + q(r.dir / "gone") + " --metrics " + q(statusMetrics)).exitCode == 3);
    m = parsePrometheus(readFile(statusMetrics));
    CHECK(m.at("pgproof_repository_up") == 0);
}

namespace {

// The pgproof invocations in an example file (made runnable first): "pgproof COMMAND ARGS" up to the end of
// its shell command (a quote, pipe or redirection); prose such as "pgproof backup of shop" is no invocation.
std::string runnable(std::string args);

std::vector<std::string> pgproofInvocations(const std::string& raw) {
    std::string text = runnable(raw);
    std::vector<std::string> out;
    static const std::regex call(R"((?:^|[\s/"])pgproof ((?:backup|check|verify|restore|drill|status|list|prune|pin|unpin) [-/"$][^'|>\n]*))");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), call); it != std::sregex_iterator(); ++it) out.push_back((*it)[1]);
    return out;
}

// Makes an example's arguments runnable: command substitutions become plain values, systemd's and cron's
// escapes their shell meaning.
std::string runnable(std::string args) {
    args = std::regex_replace(args, std::regex(R"(\$\$?\(ls [^)]*\))"), "/backups/shop/shop-20260101T000000Z.sql.zst");
    args = std::regex_replace(args, std::regex(R"(\$\$?\(date [^)]*\))"), "20260101");
    args = std::regex_replace(args, std::regex("%i"), "shop");
    args = std::regex_replace(args, std::regex(R"(\\%|%%)"), "%");
    return args;
}

}  // namespace

TEST_CASE("the scheduling examples are valid: systemd units verify, YAML parses, every pgproof option exists") {
    fs::path examples = fs::path(PGPROOF_SOURCE_DIR) / "docs" / "examples";
    std::vector<std::string> calls;
    TempDir units;
    for (const auto& e : fs::directory_iterator(examples / "systemd")) {
        std::string text = readFile(e.path());
        for (const auto& c : pgproofInvocations(text)) calls.push_back(c);
        // Template units are verified as an instance; the binary is this build's (verify wants it to exist).
        std::string name = std::regex_replace(e.path().filename().string(), std::regex("@\\."), "@shop.");
        writeFile(units / name, std::regex_replace(text, std::regex("/usr/local/bin/pgproof"), PGPROOF_BIN));
    }
    CHECK(calls.size() == 4);
    if (fs::exists("/usr/bin/systemd-analyze")) {
        auto v = run("cd " + q(units.path()) + " && systemd-analyze verify --man=no *.service *.timer");
        INFO(v.out << v.err);
        CHECK(v.exitCode == 0);
    } else {
        WARN("systemd-analyze is not installed: the units were not verified");
    }
    for (const auto* file : {"cron.d-pgproof", "github/deploy-gate.yml"})
        for (const auto& c : pgproofInvocations(readFile(examples / file))) calls.push_back(c);
    for (const auto* file : {"github/deploy-gate.yml", "kubernetes/pgproof-cronjobs.yaml"}) {
        auto docs = YAML::LoadAllFromFile((examples / file).string());
        REQUIRE_FALSE(docs.empty());
        for (const auto& doc : docs) {
            if (doc["kind"] && doc["kind"].as<std::string>() == "CronJob") {
                CHECK(doc["spec"]["schedule"].IsScalar());
                std::string args;
                for (const auto& a : doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"])
                    args += shellQuote(a.as<std::string>()) + " ";
                calls.push_back(args);
            }
        }
    }
    CHECK(calls.size() >= 12);
    // --help after the arguments: pgproof parses every option first, so an unknown one is exit 2, not the help.
    for (const auto& c : calls) {
        auto r = run(std::string(PGPROOF_BIN) + " " + c + " --help");
        INFO(c << "\n" << r.err);
        CHECK(r.exitCode == 0);
    }
}
