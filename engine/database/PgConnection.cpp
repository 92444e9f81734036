#include "PgConnection.hpp"

#include "Errors.hpp"
#include "OutputEncoding.hpp"
#include "Interrupt.hpp"

namespace pgproof {

std::string firstLine(const char* message) {
    std::string s = message ? message : "";
    if (auto nl = s.find('\n'); nl != std::string::npos) s.resize(nl);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

std::string statementError(PGconn* conn, const PGresult* result) {
    std::string msg = firstLine(result ? PQresultErrorMessage(result) : PQerrorMessage(conn));
    if (msg.empty()) msg = firstLine(PQerrorMessage(conn));
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const char* hint = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_HINT) : nullptr;
    if (state && hint && isLockTableFull(state, hint)) return lockTableFullError(msg, hint);
    // 42501 insufficient_privilege on a read: say which grant fixes it (docs: README "Privileges").
    if (state && std::string(state) == "42501" &&
        (msg.find("permission denied for table") != std::string::npos || msg.find("permission denied for sequence") != std::string::npos)) {
        if (msg.rfind("ERROR:  ", 0) == 0) msg = msg.substr(8);
        const char* user = PQuser(conn);
        msg += std::string(": grant SELECT or pg_read_all_data to ") + (user && *user ? user : "the role");
    }
    return msg;
}

bool isLockTableFull(const std::string& sqlState, const std::string& hint) {
    return sqlState == "53200" && hint.find("max_locks_per_transaction") != std::string::npos;
}

std::string lockTableFullError(std::string message, const std::string& hint) {
    if (message.rfind("ERROR:  ", 0) == 0) message = message.substr(8);
    return message + ": the server's lock table is full (HINT: " + firstLine(hint.c_str()) +
           "); it holds max_locks_per_transaction * (max_connections + max_prepared_transactions) locks for all sessions "
           "together, and pgproof locks every table it reads, as pg_dump does";
}

namespace {
std::string describeConn(PGconn* c) {
    auto str = [](const char* v) { return std::string(v && *v ? v : "?"); };
    return "host " + str(PQhost(c)) + " port " + str(PQport(c)) + " database " + str(PQdb(c));
}
}  // namespace

PgConnection PgConnection::connect(const ConnectionTarget& target, const std::string& purpose) {
    // application_name helps DBAs see what holds a snapshot open.
    std::string conninfo = target.conninfo();
    const char* keys[] = {"dbname", "fallback_application_name", nullptr};
    const char* vals[] = {conninfo.c_str(), purpose.c_str(), nullptr};
    PGconn* c = PQconnectdbParams(keys, vals, 1);
    if (!c) throw IncompleteError("cannot connect to the database: out of memory");
    PgConnection conn(c);
    if (PQstatus(c) != CONNECTION_OK) {
        std::string why = firstLine(PQerrorMessage(c));
        // libpq messages often start with "connection to server ... failed: "; keep the reason.
        if (auto p = why.find("failed: "); p != std::string::npos) why = why.substr(p + 8);
        throw IncompleteError("cannot connect to " + describeConn(c) + ": " + why);
    }
    conn.cancel_ = CancelRegistry::instance().addConnection(c);
    ServerVersion version = conn.serverVersion();
    if (!version.supported())
        throw BadInputError(describeConn(c) + " runs PostgreSQL " + version.display() + "; pgproof supports PostgreSQL " +
                            std::to_string(ServerVersion::kOldestSupported / 10000) + " and later");
    conn.exec(std::string("SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0") +
                  (version.hasTransactionTimeout() ? "; SET transaction_timeout = 0" : ""),
              "turning off the server's session timeouts");
    return conn;
}

std::string PgConnection::describe() const {
    std::string s = describeConn(conn_.get());
    if (const char* u = PQuser(conn_.get())) s += std::string(" user ") + u;
    return s;
}

// Turns a failed statement into the one-line error users see: "connection ... lost" when the
// connection went away, else "<what> failed: <server message>".
PgResult PgConnection::checked(PgResult r, const std::string& what) const {
    auto st = PQresultStatus(r.get());
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    // A statement cancelled by the interrupt watcher fails like any other; say what really happened.
    throwIfInterrupted(what.empty() ? "waiting for the server" : what);
    std::string msg = statementError(conn_.get(), r.get());
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        throw IncompleteError("connection to " + describeConn(conn_.get()) + " lost" + (what.empty() ? "" : " while " + what) +
                              ": " + msg);
    throw IncompleteError((what.empty() ? std::string("query failed") : what + " failed") + ": " + msg);
}

PgResult PgConnection::exec(const std::string& sql, const std::string& what) const {
    return checked(PgResult(PQexec(conn_.get(), sql.c_str())), what);
}

PgResult PgConnection::execParams(const std::string& sql, const std::vector<std::string>& params,
                                  const std::string& what) const {
    std::vector<const char*> vals;
    for (const auto& p : params) vals.push_back(p.c_str());
    return checked(PgResult(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(vals.size()), nullptr, vals.data(), nullptr,
                                         nullptr, 0)),
                   what);
}

PinnedSettings PgConnection::settingsToPin() const {
    PinnedSettings s;
    auto r = exec("SELECT pg_catalog.pg_encoding_to_char(encoding), pg_catalog.current_setting('lc_monetary') "
                  "FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()",
                  "reading the database encoding");
    s.clientEncoding = r.value(0, 0);
    s.lcMonetary = r.value(0, 1);
    OutputEncoding::setData(s.clientEncoding);  // names and server messages now arrive in it
    return s;
}

namespace {

// The pinned settings as SQL: SET for the session, SET LOCAL for the current transaction only.
std::string pinnedSettingsSql(const PinnedSettings& s, bool local) {
    const std::string set = local ? "SET LOCAL " : "SET ";
    const std::string scope = local ? "true" : "false";
    return set + "DateStyle = ISO; " + set + "IntervalStyle = postgres; " + set + "extra_float_digits = 3; " + set +
           "TimeZone = 'UTC'; " + set + "bytea_output = hex; SELECT pg_catalog.set_config('search_path', '', " + scope + "); " +
           set + "row_security = off; " + set + "statement_timeout = 0; " + set + "client_encoding = '" + s.clientEncoding +
           "'; SELECT pg_catalog.set_config('lc_monetary', $$" + s.lcMonetary + "$$, " + scope + ")";
}

}  // namespace

PinnedSettings PgConnection::pinSettings(const PinnedSettings* given) const {
    PinnedSettings s = given ? *given : settingsToPin();
    exec(pinnedSettingsSql(s, false), "pinning session settings");
    return s;
}

void PgConnection::pinSettingsForTransaction(const PinnedSettings& s) const {
    exec(pinnedSettingsSql(s, true), "pinning the settings of a read");
}

}  // namespace pgproof
