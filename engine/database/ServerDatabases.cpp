#include "ServerDatabases.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <cstdlib>

#include "ConnectionTarget.hpp"
#include "Errors.hpp"
#include "PgConnection.hpp"

namespace pgproof {

namespace {
bool matchesAny(const std::vector<std::string>& patterns, const std::string& name) {
    return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return ::fnmatch(p.c_str(), name.c_str(), 0) == 0; });
}
}  // namespace

bool DatabasePatterns::chooses(const std::string& database) const {
    if (!include.empty() && !matchesAny(include, database)) return false;
    return !matchesAny(exclude, database);
}

std::string serverLabel(const PgConnection& c) {
    const char* host = PQhost(c.get());
    const char* port = PQport(c.get());
    return std::string(host ? host : "") + ":" + (port ? port : "");
}

std::string serverLabel(const ConnectionTarget& target) {
    auto pick = [&](const char* keyword, const char* env, const char* fallback) {
        if (auto v = target.option(keyword); v && !v->empty()) return *v;
        const char* e = std::getenv(env);
        return std::string(e && *e ? e : fallback);
    };
    return pick("host", "PGHOST", "/var/run/postgresql") + ":" + pick("port", "PGPORT", "5432");
}

ServerDatabases listServerDatabases(const PgConnection& c, const DatabasePatterns& patterns) {
    ServerDatabases out;
    out.server = serverLabel(c);
    auto r = c.exec("SELECT datname, datallowconn FROM pg_catalog.pg_database WHERE NOT datistemplate ORDER BY datname COLLATE \"C\"",
                    "listing the server's databases");
    for (int i = 0; i < r.rows(); ++i) {
        std::string name = r.value(i, 0);
        if (!patterns.chooses(name)) out.excluded.push_back(name);
        else if (r.value(i, 1) != "t") out.noConnections.push_back(name);
        else out.chosen.push_back(name);
    }
    if (out.chosen.empty())
        throw BadInputError("--all-databases: no database of " + out.server + " to back up (" + std::to_string(out.excluded.size()) +
                            " left out by --include-database/--exclude-database, " + std::to_string(out.noConnections.size()) +
                            " that do not allow connections): check the patterns");
    return out;
}

}  // namespace pgproof
