#pragma once
// Which database to talk to, resolved the way users expect: --db (a libpq
// conninfo string or a postgres:// URI), else DATABASE_URL, else libpq's own
// PG* variables. The password stays in here: it is never printed, logged or
// written, and child processes receive it through their environment only.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pgproof {

class ConnectionTarget {
public:
    // Throws BadInputError if the string cannot be parsed (the message never echoes it).
    static ConnectionTarget resolve(const std::optional<std::string>& db);
    explicit ConnectionTarget(std::string conninfo);

    const std::string& conninfo() const { return conninfo_; }
    // keyword='value' string with everything but the password, safe for a command line.
    std::string withoutPassword() const;
    // The same, with `options` = the user's options, then `pinnedOptions` ("-c name=value ..."). libpq lets
    // an explicit options replace PGOPTIONS, and some hosted services put their own options (an endpoint id)
    // into every URI: merging keeps what the user passed while the server, which applies -c settings in
    // order, lets the later pins win. The user's options are the string's own, else PGOPTIONS.
    std::string withoutPassword(const std::string& pinnedOptions) const;
    std::optional<std::string> password() const;
    // The same target, other database (for scratch databases of drills and restores).
    ConnectionTarget withDatabase(const std::string& dbname) const;
    // The explicitly given value of one keyword (host, port, dbname, user), if any.
    std::optional<std::string> option(const std::string& keyword) const;

private:
    std::vector<std::pair<std::string, std::string>> parsed() const;
    std::string conninfo_;
};

// Escapes a value for a keyword='value' conninfo string.
std::string conninfoQuote(const std::string& value);

}  // namespace pgproof
