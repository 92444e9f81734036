#include "TestSupport.hpp"

#include <sys/resource.h>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "XxHash.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "SqlIdentifier.hpp"
#include "TableFingerprint.hpp"

namespace pgproof::test {

namespace fs = std::filesystem;

std::string shellQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += "'\\''";
        else out += c;
    }
    return out + "'";
}

namespace {
std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
}  // namespace

std::string uniqueName(const std::string& prefix) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    return prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(rd() % 100000);
}

CommandResult run(const std::string& commandLine) {
    TempDir dir;
    fs::path out = dir / "out", err = dir / "err";
    std::string full = "( " + commandLine + " ) >" + shellQuote(out.string()) + " 2>" + shellQuote(err.string());
    int st = std::system(full.c_str());
    CommandResult r;
    r.exitCode = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

CommandResult runPgproof(const std::string& args) { return run(std::string(PGPROOF_BIN) + " " + args); }

MeasuredRun runPgproofMeasured(const std::vector<std::string>& args, const std::string& stdinCommand) {
    TempDir dir;
    const fs::path out = dir / "out", err = dir / "err";
    std::vector<std::string> argv = {PGPROOF_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargs;
    for (auto& a : argv) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (o < 0 || e < 0) throw std::runtime_error("cannot create output files in " + dir.path().string());
    int pipeFds[2] = {-1, -1};
    pid_t feeder = -1;
    if (!stdinCommand.empty()) {
        if (::pipe2(pipeFds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        feeder = fork();
        if (feeder < 0) throw std::runtime_error("fork failed");
        if (feeder == 0) {
            dup2(pipeFds[1], 1);
            dup2(e, 2);
            execl("/bin/sh", "sh", "-c", stdinCommand.c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        ::close(pipeFds[1]);
    }
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        if (pipeFds[0] >= 0) dup2(pipeFds[0], 0);
        dup2(o, 1);
        dup2(e, 2);
        execv(PGPROOF_BIN, cargs.data());
        _exit(127);
    }
    if (pipeFds[0] >= 0) ::close(pipeFds[0]);
    ::close(o);
    ::close(e);
    int st = 0;
    struct rusage usage {};
    while (wait4(pid, &st, 0, &usage) < 0 && errno == EINTR) {
    }
    if (feeder > 0) {
        int fst = 0;
        waitpid(feeder, &fst, 0);
    }
    MeasuredRun r;
    r.result.exitCode = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.result.out = slurp(out);
    r.result.err = slurp(err);
    r.peakRssBytes = static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
    return r;
}

BackgroundPgproof::BackgroundPgproof(const std::vector<std::string>& args) {
    char tmpl[] = "/tmp/pgproof-bg.XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    out_ = dir_ / "out";
    err_ = dir_ / "err";
    std::vector<std::string> argv = {PGPROOF_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargs;
    for (auto& a : argv) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (o < 0 || e < 0) throw std::runtime_error("cannot create output files in " + dir_.string());
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        dup2(o, 1);
        dup2(e, 2);
        execv(PGPROOF_BIN, cargs.data());
        _exit(127);
    }
    ::close(o);
    ::close(e);
}

BackgroundPgproof::~BackgroundPgproof() {
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, SIGKILL);
        int st;
        waitpid(pid_, &st, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

void BackgroundPgproof::signal(int sig) const {
    if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

bool BackgroundPgproof::running() {
    if (reaped_) return false;
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
        reaped_ = true;
        exitCode_ = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        return false;
    }
    return true;
}

bool BackgroundPgproof::waitExit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

std::string BackgroundPgproof::out() const { return slurp(out_); }
std::string BackgroundPgproof::err() const { return slurp(err_); }

int activeQueries(const std::string& db, const std::string& pattern) {
    auto c = PgConnection::connect(ConnectionTarget("dbname=postgres"), "pgproof tests");
    auto r = c.execParams("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 "
                          "AND pid <> pg_backend_pid() AND ($2 = '' OR datname = $2)",
                          {pattern, db});
    return std::stoi(r.value(0, 0));
}

bool waitForActiveQuery(const std::string& db, const std::string& pattern, std::chrono::milliseconds timeout,
                        const std::function<bool()>& keepWaiting) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (activeQueries(db, pattern) > 0) return true;
        if (keepWaiting && !keepWaiting()) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

TempDir::TempDir() {
    char tmpl[] = "/tmp/pgproof-test.XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

namespace {
PgConnection adminConnection() { return PgConnection::connect(ConnectionTarget("dbname=postgres"), "pgproof tests"); }
}  // namespace

ScratchDatabase::ScratchDatabase(const std::string& prefix) : name_(uniqueName(prefix)) {
    adminConnection().exec("CREATE DATABASE " + quoteIdent(name_) + " TEMPLATE template0 ENCODING 'UTF8'");
}

ScratchDatabase::ScratchDatabase(const std::string& prefix, const std::string& encoding) : name_(uniqueName(prefix)) {
    adminConnection().exec("CREATE DATABASE " + quoteIdent(name_) + " TEMPLATE template0 ENCODING " + quoteLiteral(encoding) +
                           " LC_COLLATE 'C' LC_CTYPE 'C'");
}

ScratchDatabase::~ScratchDatabase() {
    try {
        adminConnection().exec("DROP DATABASE IF EXISTS " + quoteIdent(name_) + " WITH (FORCE)");
    } catch (...) {
    }
}

PgConnection ScratchDatabase::connect() const { return PgConnection::connect(ConnectionTarget(conninfo()), "pgproof tests"); }

void ScratchDatabase::exec(const std::string& sql) const { connect().exec(sql); }

std::string ScratchDatabase::scalar(const std::string& sql) const {
    auto r = connect().exec(sql);
    if (r.rows() == 0) throw std::runtime_error("no rows from: " + sql);
    return r.isNull(0, 0) ? std::string() : r.value(0, 0);
}

std::vector<std::vector<std::string>> ScratchDatabase::rows(const std::string& sql) const {
    auto r = connect().exec(sql);
    std::vector<std::vector<std::string>> out;
    for (int i = 0; i < r.rows(); ++i) {
        std::vector<std::string> row;
        for (int j = 0; j < PQnfields(r.get()); ++j) row.push_back(r.isNull(i, j) ? "<NULL>" : r.value(i, j));
        out.push_back(row);
    }
    return out;
}

void ScratchDatabase::loadFile(const fs::path& file, bool allowErrors) const {
    auto r = run("psql -X -q " + std::string(allowErrors ? "" : "-v ON_ERROR_STOP=1 ") + "-d " + shellQuote(name_) +
                 " -f " + shellQuote(file.string()));
    if (r.exitCode != 0) throw std::runtime_error("psql -f " + file.string() + " failed: " + r.err);
}

void loadPagila(const ScratchDatabase& db) {
    fs::path dir = PGPROOF_PAGILA_DIR;
    db.loadFile(dir / "pagila-schema.sql", true);  // three PG17-only statements fail on PG15 (see its README)
    db.loadFile(dir / "pagila-data.sql", false);
}

void createAwkwardTables(const ScratchDatabase& db) {
    db.loadFile(fs::path(PGPROOF_SOURCE_DIR) / "tests" / "data" / "awkward.sql");
}

IndependentFingerprint independentFingerprint(const ScratchDatabase& db, const std::string& schema, const std::string& table) {
    PgConnection c = db.connect();
    c.exec("SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits = 3; SET TimeZone = 'UTC'; "
           "SET bytea_output = hex");
    auto cols = c.execParams(
        "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass "
        "AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
        {schema, table});
    std::string list;
    for (int i = 0; i < cols.rows(); ++i) list += (i ? ", " : "") + quoteIdent(cols.value(i, 0));
    std::string sql = "COPY " + quoteIdent(schema) + "." + quoteIdent(table) + (list.empty() ? "" : " (" + list + ")") + " TO STDOUT";
    PgResult start(PQexec(c.get(), sql.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_OUT) throw std::runtime_error("COPY failed: " + sql);
    uint128_t sum = 0;
    uint64_t rows = 0;
    char* buf = nullptr;
    int n;
    while ((n = PQgetCopyData(c.get(), &buf, 0)) > 0) {
        size_t len = static_cast<size_t>(n);
        if (len > 0 && buf[len - 1] == '\n') --len;  // row bytes exclude the newline
        XXH128_hash_t h = XXH3_128bits(buf, len);
        sum += (static_cast<uint128_t>(h.high64) << 64) | h.low64;
        ++rows;
        PQfreemem(buf);
    }
    PgResult end(PQgetResult(c.get()));
    if (PQresultStatus(end.get()) != PGRES_COMMAND_OK) throw std::runtime_error("COPY did not finish: " + sql);
    char hex[33];
    std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(sum >> 64),
                  static_cast<unsigned long long>(sum));
    return {rows, hex};
}

std::string readFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    return slurp(file);
}

void writeFile(const fs::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

std::vector<std::string> folderEntries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

nlohmann::json inspectManifest(const fs::path& archive) {
    auto r = runPgproof("inspect " + shellQuote(archive.string()) + " --json");
    if (r.exitCode != 0)
        throw std::runtime_error("pgproof inspect " + archive.string() + " exited " + std::to_string(r.exitCode) + ": " + r.err);
    return nlohmann::json::parse(r.out);
}

std::set<std::pair<std::string, std::string>> dataTables(const ScratchDatabase& db) {
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& row : db.rows("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                   "WHERE c.relkind = 'r' AND c.relpersistence <> 't' "
                                   "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                                   "AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'"))
        out.emplace(row[0], row[1]);
    return out;
}

std::string firstDifference(const std::string& expected, const std::string& actual) {
    if (expected == actual) return {};
    size_t i = 0;
    while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
    size_t from = i < 60 ? 0 : i - 60;
    return "sizes " + std::to_string(expected.size()) + " and " + std::to_string(actual.size()) +
           ", first difference at byte " + std::to_string(i) + ":\n  expected ..." + expected.substr(from, 120) +
           "\n  actual   ..." + actual.substr(from, 120);
}

std::vector<const XmlElement*> XmlElement::descendants(const std::string& elementName) const {
    std::vector<const XmlElement*> out;
    for (const auto& c : children) {
        if (c.name == elementName) out.push_back(&c);
        auto deeper = c.descendants(elementName);
        out.insert(out.end(), deeper.begin(), deeper.end());
    }
    return out;
}

namespace {
// Recursive-descent reader for the XML subset that report writers emit (no DTDs, no CDATA).
class XmlReader {
public:
    explicit XmlReader(const std::string& doc) : s_(doc) {}

    XmlElement document() {
        if (s_.compare(0, 5, "<?xml") == 0) {
            size_t e = s_.find("?>");
            if (e == std::string::npos) fail("unterminated XML declaration");
            p_ = e + 2;
        }
        skipMisc();
        XmlElement root = element();
        skipMisc();
        if (p_ != s_.size()) fail("content after the root element");
        return root;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("malformed XML at byte " + std::to_string(p_) + ": " + what);
    }
    bool at(const char* lit) const { return s_.compare(p_, std::strlen(lit), lit) == 0; }
    void skipSpace() {
        while (p_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[p_]))) ++p_;
    }
    void skipMisc() {
        while (true) {
            skipSpace();
            if (!at("<!--")) return;
            size_t e = s_.find("-->", p_);
            if (e == std::string::npos) fail("unterminated comment");
            p_ = e + 3;
        }
    }
    std::string name() {
        size_t start = p_;
        while (p_ < s_.size()) {
            unsigned char c = static_cast<unsigned char>(s_[p_]);
            if (std::isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':' || c >= 0x80) ++p_;
            else break;
        }
        if (p_ == start) fail("expected a name");
        return s_.substr(start, p_ - start);
    }
    // Character data up to `stop`, with entities and character references decoded.
    std::string chars(char stop) {
        std::string out;
        while (p_ < s_.size() && s_[p_] != stop) {
            char c = s_[p_];
            if (c == '<') fail("'<' inside character data or an attribute value");
            if (c != '&') {
                out += c;
                ++p_;
                continue;
            }
            size_t semi = s_.find(';', p_);
            if (semi == std::string::npos || semi - p_ > 10) fail("bare '&'");
            std::string ent = s_.substr(p_ + 1, semi - p_ - 1);
            p_ = semi + 1;
            static const std::map<std::string, std::string> named = {
                {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}};
            if (auto it = named.find(ent); it != named.end()) {
                out += it->second;
            } else if (ent.size() > 1 && ent[0] == '#') {
                unsigned long cp = ent[1] == 'x' ? std::stoul(ent.substr(2), nullptr, 16) : std::stoul(ent.substr(1));
                if (cp < 0x80) out += static_cast<char>(cp);
                else if (cp < 0x800) out += {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
                else if (cp < 0x10000)
                    out += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                            static_cast<char>(0x80 | (cp & 0x3F))};
                else
                    out += {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                            static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
            } else {
                fail("unknown entity &" + ent + ";");
            }
        }
        return out;
    }
    XmlElement element() {
        if (!at("<")) fail("expected '<'");
        ++p_;
        XmlElement e;
        e.name = name();
        while (true) {
            skipSpace();
            if (at("/>")) {
                p_ += 2;
                return e;
            }
            if (at(">")) {
                ++p_;
                break;
            }
            std::string key = name();
            skipSpace();
            if (!at("=")) fail("expected '=' after attribute " + key);
            ++p_;
            skipSpace();
            if (p_ >= s_.size() || (s_[p_] != '"' && s_[p_] != '\'')) fail("unquoted attribute value");
            char q = s_[p_++];
            std::string value = chars(q);
            if (p_ >= s_.size()) fail("unterminated attribute value");
            ++p_;
            if (!e.attributes.emplace(key, value).second) fail("duplicate attribute " + key);
        }
        while (true) {
            if (p_ >= s_.size()) fail("element <" + e.name + "> is not closed");
            if (at("<!--")) {
                skipMisc();
            } else if (at("</")) {
                p_ += 2;
                if (name() != e.name) fail("mismatched closing tag for <" + e.name + ">");
                skipSpace();
                if (!at(">")) fail("expected '>'");
                ++p_;
                return e;
            } else if (at("<")) {
                e.children.push_back(element());
            } else {
                e.text += chars('<');
            }
        }
    }

    const std::string& s_;
    size_t p_ = 0;
};
}  // namespace

XmlElement parseXml(const std::string& document) { return XmlReader(document).document(); }

fs::path damageRowsOf(const fs::path& archive, const nlohmann::json& manifest, const std::string& schema, const std::string& name) {
    for (const auto& t : manifest.at("tables")) {
        if (t.at("schema") != schema || t.at("name") != name) continue;
        const auto& frames = manifest.at("segments").at(t.at("segment").get<size_t>()).at("frames");
        REQUIRE(!frames.empty());
        uint64_t offset = frames[0].at("offset").get<uint64_t>(), size = frames[0].at("compressed").get<uint64_t>();
        const std::string original = readFile(archive);
        fs::path out = archive.parent_path() / ("damaged-" + name + ".sql.zst");
        for (uint64_t at = offset + size / 2; at < offset + size; ++at) {
            std::string bytes = original;
            bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
            writeFile(out, bytes);
            if (run("zstd -tq " + shellQuote(out.string())).exitCode != 0) return out;
        }
        FAIL("no flipped byte in the frame of " << schema << "." << name << " made zstd -t fail");
    }
    FAIL("no table " << schema << "." << name << " in the manifest");
    return {};
}

PgConnection admin() { return PgConnection::connect(ConnectionTarget("dbname=postgres"), "pgproof tests"); }

ThrowawayCluster::ThrowawayCluster(const std::string& serverOptions) {
    auto r = run("PGPROOF_CLUSTER_OPTIONS=" + shellQuote(serverOptions) + " " + std::string(PGPROOF_SOURCE_DIR) + "/scripts/pg-cluster.sh start");
    // export PGHOST='DIR' PGPORT='PORT' ...
    auto field = [&](const std::string& name) {
        auto p = r.out.find(name + "='");
        if (p == std::string::npos) return std::string();
        p += name.size() + 2;
        return r.out.substr(p, r.out.find('\'', p) - p);
    };
    dir_ = field("PGPROOF_CLUSTER_DIR");
    port_ = field("PGPORT");
    if (r.exitCode != 0 || dir_.empty() || port_.empty())
        throw std::runtime_error("starting a throwaway cluster failed: " + r.err);
}

ThrowawayCluster::~ThrowawayCluster() {
    run(std::string(PGPROOF_SOURCE_DIR) + "/scripts/pg-cluster.sh stop " + shellQuote(dir_));
}

std::string ThrowawayCluster::conninfo(const std::string& db) const {
    return "host=" + dir_ + " port=" + port_ + " user=postgres dbname=" + db;
}

PgConnection ThrowawayCluster::connect(const std::string& db) const {
    return PgConnection::connect(ConnectionTarget(conninfo(db)), "pgproof tests");
}

DropDatabaseAtEnd::~DropDatabaseAtEnd() {
    if (name.empty()) return;
    try {
        admin().exec("DROP DATABASE IF EXISTS " + quoteIdent(name) + " WITH (FORCE)");
    } catch (...) {
    }
}

std::filesystem::path backupTo(const ScratchDatabase& db, const std::filesystem::path& archive, const std::string& dumpArgs) {
    auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()) + (dumpArgs.empty() ? "" : " -- " + dumpArgs));
    INFO("pgproof backup stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exitCode == 0);
    REQUIRE(std::filesystem::is_regular_file(archive));
    return archive;
}

}  // namespace pgproof::test
