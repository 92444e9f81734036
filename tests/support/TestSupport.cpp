#include "TestSupport.hpp"

#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

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

}  // namespace pgproof::test
