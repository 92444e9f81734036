#include "ConnectionTarget.hpp"

#include <libpq-fe.h>

#include <cstdlib>

#include "Errors.hpp"

namespace pgproof {

std::string conninfoQuote(const std::string& value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

ConnectionTarget::ConnectionTarget(std::string conninfo) : conninfo_(std::move(conninfo)) {
    // Like psql, a bare word is a database name.
    bool uri = conninfo_.rfind("postgres://", 0) == 0 || conninfo_.rfind("postgresql://", 0) == 0;
    if (!conninfo_.empty() && !uri && conninfo_.find('=') == std::string::npos)
        conninfo_ = "dbname=" + conninfoQuote(conninfo_);
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo_.c_str(), &err);
    if (!opts) {
        std::string msg = err ? err : "out of memory";
        PQfreemem(err);
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        throw BadInputError("cannot parse the connection string (--db / DATABASE_URL): " + msg);
    }
    PQconninfoFree(opts);
}

ConnectionTarget ConnectionTarget::resolve(const std::optional<std::string>& db) {
    if (db) return ConnectionTarget(*db);
    if (const char* url = std::getenv("DATABASE_URL"); url && *url) return ConnectionTarget(url);
    return ConnectionTarget("");
}

std::vector<std::pair<std::string, std::string>> ConnectionTarget::parsed() const {
    std::vector<std::pair<std::string, std::string>> out;
    PQconninfoOption* opts = PQconninfoParse(conninfo_.c_str(), nullptr);
    if (!opts) return out;
    for (PQconninfoOption* o = opts; o->keyword; ++o)
        if (o->val) out.emplace_back(o->keyword, o->val);
    PQconninfoFree(opts);
    return out;
}

std::string ConnectionTarget::withoutPassword() const {
    std::string out;
    for (const auto& [k, v] : parsed()) {
        if (k == "password") continue;
        if (!out.empty()) out += ' ';
        out += k + "=" + conninfoQuote(v);
    }
    return out;
}

std::string ConnectionTarget::withoutPassword(const std::string& pinnedOptions) const {
    std::string user;
    if (auto o = option("options")) user = *o;
    else if (const char* env = std::getenv("PGOPTIONS")) user = env;
    std::string out;
    for (const auto& [k, v] : parsed()) {
        if (k == "password" || k == "options") continue;
        out += k + "=" + conninfoQuote(v) + " ";
    }
    return out + "options=" + conninfoQuote(user.empty() ? pinnedOptions : user + " " + pinnedOptions);
}

std::optional<std::string> ConnectionTarget::password() const { return option("password"); }

std::optional<std::string> ConnectionTarget::option(const std::string& keyword) const {
    for (const auto& [k, v] : parsed())
        if (k == keyword) return v;
    return std::nullopt;
}

ConnectionTarget ConnectionTarget::withDatabase(const std::string& dbname) const {
    std::string out;
    for (const auto& [k, v] : parsed()) {
        if (k == "dbname") continue;
        out += k + "=" + conninfoQuote(v) + " ";
    }
    out += "dbname=" + conninfoQuote(dbname);
    return ConnectionTarget(out);
}

}  // namespace pgproof
