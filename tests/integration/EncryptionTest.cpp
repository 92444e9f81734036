// Encryption at rest with the real `age` (docs/ENCRYPTION.md): backup --encrypt-to to a file, a stream
// and a repository; check, inspect, verify, restore and drill with the right identity; no identity or the
// wrong one is exit 2 in one line, a flipped byte exit 1 "damaged"; list, status and prune work without any
// key; stock `age -d | zstd -dc | psql` restores; no key reaches the command line of pgproof or its children.
#include <catch2/catch.hpp>
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <fstream>
#include <thread>

#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Keys {
    TempDir dir;
    fs::path key1 = dir / "key1.txt", key2 = dir / "key2.txt";
    std::string public1, public2;
    Keys() {
        for (const auto& k : {key1, key2}) REQUIRE(run("age-keygen -o " + q(k) + " 2>/dev/null").exitCode == 0);
        public1 = trimmed(run("age-keygen -y " + q(key1)).out);
        public2 = trimmed(run("age-keygen -y " + q(key2)).out);
        REQUIRE(public1.rfind("age1", 0) == 0);
    }
    static std::string trimmed(std::string s) {
        while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
        return s;
    }
};

struct EncryptedFixture {
    Keys keys;
    ScratchDatabase db{"enc"};
    TempDir dir;
    fs::path archive = dir / "a.sql.zst.age";
    EncryptedFixture() {
        db.exec("CREATE TABLE app_users (id int PRIMARY KEY, email text NOT NULL);"
                "INSERT INTO app_users SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 3000) g;"
                "CREATE TABLE app_orders (id bigint PRIMARY KEY, user_id int REFERENCES app_users, total numeric);"
                "INSERT INTO app_orders SELECT g, 1 + g % 3000, g * 1.5 FROM generate_series(1, 12000) g;");
        auto r = runPgproof("backup -o " + q(archive) + " --encrypt-to " + keys.public1 + " --db " + shellQuote(db.conninfo()));
        INFO(r.err);
        REQUIRE(r.exitCode == 0);
    }
    std::string identity() const { return " --identity " + q(keys.key1); }
};

// The lines of a command's error output, without the warning about other drills' scratch databases
// (suites running at the same time on the shared test server drill too).
size_t lines(const std::string& s) {
    size_t n = 0;
    std::istringstream in(s);
    for (std::string line; std::getline(in, line);)
        if (line.find("scratch database(s) of earlier drills") == std::string::npos) ++n;
    return n;
}

CommandResult pipeline(const std::string& commands) { return run("bash -o pipefail -c " + shellQuote(commands)); }

fs::path flipByteAt(const fs::path& from, const fs::path& to, size_t at) {
    std::string bytes = readFile(from);
    REQUIRE(at < bytes.size());
    bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
    writeFile(to, bytes);
    return to;
}

}  // namespace

TEST_CASE("an encrypted archive is age's, holds nothing in the clear, and proves and restores with its identity") {
    EncryptedFixture f;
    std::string bytes = readFile(f.archive);
    CHECK(bytes.rfind("age-encryption.org/v1\n", 0) == 0);
    CHECK(!contains(bytes, "app_users"));
    CHECK(!contains(bytes, "example.com"));

    auto check = runPgproof("check " + q(f.archive) + f.identity());
    INFO(check.out << check.err);
    CHECK(check.exitCode == 0);
    CHECK(contains(check.out, "app_orders"));
    // The environment variable names the identity file as well.
    auto viaEnv = run("PGPROOF_AGE_IDENTITY=" + q(f.keys.key1) + " " + shellQuote(PGPROOF_BIN) + " check " + q(f.archive));
    CHECK(viaEnv.exitCode == 0);

    auto inspect = runPgproof("inspect " + q(f.archive) + f.identity() + " --json -");
    REQUIRE(inspect.exitCode == 0);
    json m = json::parse(inspect.out);
    uint64_t orders = 0;
    for (const auto& t : m.at("tables"))
        if (t.at("name") == "app_orders") orders = t.at("rows").get<uint64_t>();
    CHECK(orders == 12000);

    auto verify = runPgproof("verify --baseline " + q(f.archive) + f.identity() + " --db " + shellQuote(f.db.conninfo()));
    INFO(verify.out << verify.err);
    CHECK(verify.exitCode == 0);
    f.db.exec("DELETE FROM app_orders WHERE id <= 10");
    auto lost = runPgproof("verify --baseline " + q(f.archive) + f.identity() + " --db " + shellQuote(f.db.conninfo()));
    INFO(lost.out << lost.err);
    CHECK(lost.exitCode == 1);
    CHECK(contains(lost.out, "app_orders"));

    ScratchDatabase target("encr");
    auto restore = runPgproof("restore " + q(f.archive) + f.identity() + " --db " + shellQuote(target.conninfo()));
    INFO(restore.out << restore.err);
    CHECK(restore.exitCode == 0);
    CHECK(target.scalar("SELECT count(*) FROM public.app_orders") == "12000");

    auto drill = runPgproof("drill " + q(f.archive) + f.identity());
    INFO(drill.out << drill.err);
    CHECK(drill.exitCode == 0);

    // Without pgproof: stock age, zstd and psql.
    ScratchDatabase plain("encp");
    auto stock = pipeline("age -d -i " + q(f.keys.key1) + " " + q(f.archive) + " | zstd -dc | psql -q -X -v ON_ERROR_STOP=1 -d " +
                          shellQuote(plain.name()) + " >/dev/null");
    INFO(stock.err);
    CHECK(stock.exitCode == 0);
    CHECK(plain.scalar("SELECT count(*) FROM public.app_users") == "3000");
    CHECK(plain.scalar("SELECT sum(total) FROM public.app_orders") == f.db.scalar("SELECT sum(total) + 82.5 FROM public.app_orders"));
}

TEST_CASE("no identity or the wrong one is exit 2 in one line, and a flipped byte is exit 1, damaged") {
    EncryptedFixture f;
    ScratchDatabase empty("ence");
    for (const std::string& cmd : {"check " + q(f.archive), "inspect " + q(f.archive), "verify --baseline " + q(f.archive) + " --db " + shellQuote(f.db.conninfo()),
                                   "restore " + q(f.archive) + " --db " + shellQuote(empty.conninfo()), "drill " + q(f.archive)}) {
        auto none = run("env -u PGPROOF_AGE_IDENTITY " + shellQuote(PGPROOF_BIN) + " " + cmd);
        INFO(cmd << "\n" << none.out << none.err);
        CHECK(none.exitCode == 2);
        CHECK(lines(none.err) == 1);
        CHECK(contains(none.err, f.archive.string()));
        CHECK(contains(none.err, "--identity"));
        CHECK(!contains(none.err, "damaged"));

        auto wrong = runPgproof(cmd + " --identity " + q(f.keys.key2));
        INFO(wrong.out << wrong.err);
        CHECK(wrong.exitCode == 2);
        CHECK(lines(wrong.err) == 1);
        CHECK(contains(wrong.err, "encrypted to other keys"));
        CHECK(!contains(wrong.err, "damaged"));
    }
    // diff compares an encrypted archive by its manifest (its rows cannot be read at random offsets) and
    // names the table that changed.
    f.db.exec("UPDATE app_users SET email = 'changed' WHERE id = 7");
    auto diff = runPgproof("diff " + q(f.archive) + " --db " + shellQuote(f.db.conninfo()) + f.identity());
    INFO(diff.out << diff.err);
    CHECK(diff.exitCode == 1);
    CHECK(contains(diff.out, "app_users"));
    // A key on the command line or in the variable is refused before anything is read.
    auto secret = run("PGPROOF_AGE_IDENTITY=\"$(tail -1 " + q(f.keys.key1) + ")\" " + shellQuote(PGPROOF_BIN) + " check " + q(f.archive));
    CHECK(secret.exitCode == 2);
    CHECK(!contains(secret.err, "AGE-SECRET-KEY-1"));

    // One byte flipped in the middle of the ciphertext: age authenticates every chunk.
    fs::path damaged = flipByteAt(f.archive, f.dir / "d.sql.zst.age", fs::file_size(f.archive) / 2);
    ScratchDatabase target("encd");
    for (const std::string& cmd : {"check " + q(damaged), "restore " + q(damaged) + " --db " + shellQuote(target.conninfo()),
                                   "drill " + q(damaged)}) {
        auto r = runPgproof(cmd + f.identity());
        INFO(cmd << "\n" << r.out << r.err);
        CHECK(r.exitCode == 1);
        CHECK(contains(r.out + r.err, "damaged"));
    }
}

TEST_CASE("an encrypted backup streams (-o -) to a recipients file's keys and reads back from stdin") {
    Keys keys;
    ScratchDatabase db("encs");
    db.exec("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 5000) g");
    fs::path recipients = keys.dir / "recipients.txt";
    writeFile(recipients, "# ops team\n" + keys.public1 + "\n" + keys.public2 + "\n");
    fs::path streamed = keys.dir / "s.sql.zst.age";
    auto r = pipeline(shellQuote(PGPROOF_BIN) + " backup -o - --encrypt-to-file " + q(recipients) + " --db " + shellQuote(db.conninfo()) +
                      " | cat > " + q(streamed));
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(readFile(streamed).rfind("age-encryption.org/v1\n", 0) == 0);
    // Either key of the file opens it, from a file and from stdin.
    CHECK(runPgproof("check " + q(streamed) + " --identity " + q(keys.key2)).exitCode == 0);
    auto fromStdin = pipeline("cat " + q(streamed) + " | " + shellQuote(PGPROOF_BIN) + " check - --identity " + q(keys.key1));
    INFO(fromStdin.out << fromStdin.err);
    CHECK(fromStdin.exitCode == 0);
    // A secret key or a malformed recipient is refused before pg_dump runs, and never echoed.
    auto secret = runPgproof("backup -o " + q(keys.dir / "x.sql.zst.age") + " --encrypt-to " + Keys::trimmed(run("tail -1 " + q(keys.key1)).out) +
                             " --db " + shellQuote(db.conninfo()));
    CHECK(secret.exitCode == 2);
    CHECK(!contains(secret.err, "AGE-SECRET-KEY-1"));
    auto bad = runPgproof("backup -o " + q(keys.dir / "y.sql.zst.age") + " --encrypt-to age1notakey --db " + shellQuote(db.conninfo()));
    CHECK(bad.exitCode == 2);
    CHECK(lines(bad.err) == 1);
    CHECK(!fs::exists(keys.dir / "y.sql.zst.age"));
}

TEST_CASE("a repository of encrypted archives: list, status and prune need no key") {
    Keys keys;
    ScratchDatabase db("encrepo");
    db.exec("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 2000) g");
    TempDir repo;
    for (int i = 0; i < 2; ++i) {
        auto r = runPgproof("backup --repo " + q(repo.path()) + " --encrypt-to " + keys.public1 + " --check --identity " + q(keys.key1) +
                            " --db " + shellQuote(db.conninfo()));
        INFO(r.err);
        REQUIRE(r.exitCode == 0);
    }
    auto env = "env -u PGPROOF_AGE_IDENTITY " + shellQuote(PGPROOF_BIN);
    auto list = run(env + " list " + q(repo.path()) + " --json -");
    INFO(list.out << list.err);
    REQUIRE(list.exitCode == 0);
    json j = json::parse(list.out);
    std::vector<json> archives;
    for (const auto& d : j.at("databases"))
        for (const auto& a : d.at("archives")) archives.push_back(a);
    REQUIRE(archives.size() == 2);
    for (const auto& a : archives) {
        CHECK(a.at("encrypted") == true);
        CHECK(a.at("complete") == true);
        CHECK(a.at("proven") == true);
        CHECK(a.at("rows") == 2000);
        CHECK(a.at("file").get<std::string>().find(".sql.zst.age") != std::string::npos);
    }
    auto status = run(env + " status " + q(repo.path()) + " --max-drill-age off");
    INFO(status.out << status.err);
    CHECK(status.exitCode == 0);

    // A cut-short copy is damaged: its size no longer matches its backup's record.
    fs::path newest = archives.front().at("path").get<std::string>();
    std::string bytes = readFile(newest);
    writeFile(newest, bytes.substr(0, bytes.size() - 100));
    auto damaged = run(env + " list " + q(repo.path()));
    CHECK(contains(damaged.out, "DAMAGED"));
    writeFile(newest, bytes);

    auto prune = run(env + " prune " + q(repo.path()) + " --keep-last 1");
    INFO(prune.out << prune.err);
    CHECK(prune.exitCode == 0);
    size_t left = 0;
    for (const auto& e : fs::recursive_directory_iterator(repo.path()))
        if (e.path().filename().string().find(".sql.zst.age") != std::string::npos) ++left;
    CHECK(left == 1);
}

TEST_CASE("backup --all-databases --encrypt-to encrypts every database's archive; status needs no key, check needs the identity") {
    Keys keys;
    ScratchDatabase one("encall_a"), two("encall_b");
    one.exec("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 500) g");
    two.exec("CREATE TABLE u AS SELECT g AS id FROM generate_series(1, 700) g");
    TempDir repo;
    const std::string include = " --include-database " + shellQuote(one.name()) + " --include-database " + shellQuote(two.name());
    auto b = runPgproof("backup --all-databases --repo " + q(repo.path()) + include + " --encrypt-to " + keys.public1 + " --check --identity " +
                        q(keys.key1));
    INFO(b.out << b.err);
    REQUIRE(b.exitCode == 0);
    std::vector<fs::path> archives;
    for (const auto& e : fs::recursive_directory_iterator(repo.path()))
        if (e.path().filename().string().find(".sql.zst") != std::string::npos) archives.push_back(e.path());
    REQUIRE(archives.size() == 2);
    for (const auto& a : archives) {
        INFO(a);
        CHECK(a.filename().string().size() > 4);
        CHECK(a.extension() == ".age");
        CHECK(readFile(a).rfind("age-encryption.org/v1", 0) == 0);  // age's header, nothing in the clear
    }
    auto env = "env -u PGPROOF_AGE_IDENTITY " + shellQuote(PGPROOF_BIN);
    auto status = run(env + " status " + q(repo.path()) + " --max-drill-age off");
    INFO(status.out << status.err);
    CHECK(status.exitCode == 0);
    auto noKey = run(env + " check " + q(archives.front()));
    CHECK(noKey.exitCode == 2);
    CHECK(contains(noKey.err, "--identity"));
    auto check = runPgproof("check " + q(archives.front()) + " --identity " + q(keys.key1));
    INFO(check.out << check.err);
    CHECK(check.exitCode == 0);

    // The globals hold role password hashes: not written in the clear beside encrypted archives.
    auto globals = runPgproof("backup --all-databases --repo " + q(repo.path()) + include + " --globals --encrypt-to " + keys.public1);
    CHECK(globals.exitCode == 2);
    CHECK(contains(globals.err, "--globals cannot be combined with --encrypt-to"));
}

TEST_CASE("no key material on the command line of pgproof or its children while it encrypts and decrypts") {
    Keys keys;
    ScratchDatabase db("enccmd");
    db.exec("CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 8) AS v FROM generate_series(1, 300000) g");
    fs::path archive = keys.dir / "big.sql.zst.age";
    const std::string secret1 = Keys::trimmed(run("grep AGE-SECRET-KEY " + q(keys.key1)).out);
    REQUIRE(!secret1.empty());
    // Level 12 keeps the backup (and so age) running for seconds, long enough for the scan below to see it
    // on a loaded machine (at level 3 it can end between two scans).
    BackgroundPgproof p({"backup", "-o", archive.string(), "--encrypt-to", keys.public1, "--check", "--identity", keys.key1.string(), "--level",
                         "12", "--db", db.conninfo()});
    // Every process of the tree, as often as we can, until it ends.
    std::set<std::string> seen;
    // A process may exit between finding it and reading its files: read(2) then fails with ESRCH, which
    // libstdc++'s stream buffer throws as "basic_filebuf::underflow error" (seen on a loaded machine).
    auto readFileOr = [](const std::string& path) {
        try {
            std::ifstream in(path, std::ios::binary);
            return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        } catch (const std::exception&) {
            return std::string();
        }
    };
    while (p.running()) {
        std::map<pid_t, pid_t> parent;
        if (DIR* d = ::opendir("/proc")) {
            while (dirent* e = ::readdir(d)) {
                pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
                if (pid <= 0) continue;
                std::string stat = readFileOr("/proc/" + std::string(e->d_name) + "/stat");
                auto close = stat.rfind(')');
                if (close == std::string::npos) continue;
                int ppid = 0;
                if (std::sscanf(stat.c_str() + close + 2, "%*c %d", &ppid) == 1) parent[pid] = ppid;
            }
            ::closedir(d);
        }
        for (const auto& [pid, pp] : parent) {
            pid_t up = pid;
            for (int depth = 0; depth < 5 && up > 1 && up != p.pid(); ++depth) up = parent.count(up) ? parent[up] : 0;
            if (up != p.pid()) continue;
            std::string cmdline = readFileOr("/proc/" + std::to_string(pid) + "/cmdline");
            std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
            if (!cmdline.empty()) seen.insert(cmdline);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    INFO(p.err());
    REQUIRE(p.exitCode() == 0);
    bool sawAge = false;
    for (const auto& c : seen) {
        INFO(c);
        CHECK(!contains(c, "AGE-SECRET-KEY"));
        CHECK(!contains(c, secret1.substr(15)));
        if (c.rfind(PGPROOF_BIN, 0) != 0)
            CHECK(!contains(c, keys.public1));  // recipients reach age in a file (-R), not on its command line
        if (c.rfind("age ", 0) == 0) sawAge = true;
    }
    CHECK(sawAge);  // the test did watch age at work
    // pgproof's own command line carries only the public key and file names (checked once, for the record).
    CHECK(!contains(readFileOr("/proc/self/cmdline"), "AGE-SECRET-KEY"));
}
