#pragma once
// RAII libpq connection and result, with the errors pgproof users need:
// a refused connection names host, port and database (never the password),
// a failed statement says which and why.
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "CancelRegistry.hpp"
#include "ConnectionTarget.hpp"
#include "ServerVersion.hpp"

namespace pgproof {

class PgResult {
public:
    PgResult() = default;
    explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
    PGresult* get() const { return r_.get(); }
    int rows() const { return PQntuples(r_.get()); }
    bool isNull(int row, int col) const { return PQgetisnull(r_.get(), row, col); }
    std::string value(int row, int col) const { return PQgetvalue(r_.get(), row, col); }

private:
    std::unique_ptr<PGresult, decltype(&PQclear)> r_{nullptr, &PQclear};
};

// Session settings pinned on every live read (docs/FINGERPRINT.md "Pinned session settings").
struct PinnedSettings {
    std::string clientEncoding;  // the database encoding
    std::string lcMonetary;      // as found on the server
};

class PgConnection {
public:
    // Throws IncompleteError naming host, port and database if the server refuses or is unreachable,
    // BadInputError if the server is older than pgproof supports (ServerVersion::kOldestSupported).
    // Every session starts with the server's timeouts off, as pg_dump's do (statement_timeout,
    // lock_timeout, idle_in_transaction_session_timeout, and transaction_timeout on 17+): a leader
    // idles in its snapshot transaction while pg_dump or the workers run, and a database-level
    // timeout must not end it. Lock waits are bounded by --lock-wait-timeout instead (TableLocking).
    static PgConnection connect(const ConnectionTarget& target, const std::string& purpose = "pgproof");

    PGconn* get() const { return conn_.get(); }
    // Runs one statement; throws IncompleteError (with `what` and the server's message) on failure, or
    // InterruptedError when the statement failed because a signal cancelled it (see Interrupt.hpp).
    PgResult exec(const std::string& sql, const std::string& what = "") const;
    PgResult execParams(const std::string& sql, const std::vector<std::string>& params, const std::string& what = "") const;
    // "host H port P database D user U": for messages and manifests; never contains a password.
    std::string describe() const;
    std::string database() const { return PQdb(conn_.get()); }
    ServerVersion serverVersion() const { return ServerVersion(PQserverVersion(conn_.get())); }
    // Pins the fingerprint session settings; reads encoding and lc_monetary if not given.
    PinnedSettings pinSettings(const PinnedSettings* given = nullptr) const;
    // The database encoding and lc_monetary as found, without setting anything.
    PinnedSettings settingsToPin() const;
    // The same settings with SET LOCAL, inside an open transaction: a connection that does other work
    // (a restore's) reads one table with them and is back to its own settings after COMMIT.
    void pinSettingsForTransaction(const PinnedSettings& settings) const;
    // Whether the connection is still usable (for "connection lost" messages).
    bool ok() const { return PQstatus(conn_.get()) == CONNECTION_OK; }

private:
    explicit PgConnection(PGconn* c) : conn_(c, &PQfinish) {}
    PgResult checked(PgResult r, const std::string& what) const;
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
    CancelRegistry::Registration cancel_;  // declared after conn_: unregistered before PQfinish
};

// First line of a libpq error message, trimmed.
std::string firstLine(const char* message);

// The one-line reason a statement failed: the server's message, with what to do added where pgproof
// knows it (a table the role may not read: "permission denied for table t: grant SELECT or
// pg_read_all_data to ROLE").
std::string statementError(PGconn* conn, const PGresult* result);

// "out of shared memory" with PostgreSQL's hint to raise max_locks_per_transaction: the server's lock table
// is full. Returns the one-line error that says so and passes the hint on (from libpq or pg_dump's stderr).
std::string lockTableFullError(std::string serverMessage, const std::string& hint);
// Whether a failure's SQLSTATE and hint are that one (53200 out_of_memory, hint naming max_locks_per_transaction).
bool isLockTableFull(const std::string& sqlState, const std::string& hint);

}  // namespace pgproof
