#include "RestoreRefusals.hpp"

#include "DatabaseLocale.hpp"
#include "Errors.hpp"

namespace pgproof {

PgConnection connectEmptyTarget(const RestoreOptions& o, const ConnectionTarget& target) {
    PgConnection leader = PgConnection::connect(target, "pgproof restore");
    const std::string database = leader.database();
    if (o.swapInto && *o.swapInto == database)
        throw BadInputError("--swap-into names the restore target itself (" + database +
                            "); restore into a new database and swap it into " + database);
    requireEmptyTarget(leader);
    return leader;
}

void requireEmptyTarget(const PgConnection& leader) {
    auto existing = existingUserTables(leader);
    if (existing.empty()) return;
    std::string list;
    for (size_t i = 0; i < existing.size(); ++i) list += (i ? ", " : "") + existing[i];
    throw BadInputError("target database " + leader.database() + " is not empty (it holds " + list +
                        "); nothing was changed. Restore into a new database (createdb NEW; pgproof restore FILE --db NEW"
                        " --swap-into " + leader.database() + ") or use pgproof drill");
}

void requireArchiveEncoding(const std::string& encoding, const PgConnection& target, const std::string& archive) {
    if (encoding.empty()) return;
    DatabaseLocale here = DatabaseLocale::read(target);
    if (here.encoding == encoding) return;
    throw BadInputError(archive + " holds " + encoding + " data but target database " + target.database() + " is " +
                        here.encoding + " (its COPY rows would be reinterpreted); nothing was changed. Restore into a "
                        "database created with ENCODING '" + encoding + "' (createdb -T template0 -E " + encoding +
                        " --locale=C NEW)");
}

bool definesSchema(const TocEntry& e) {
    return e.section == TocSection::PreData && e.type.rfind("BLOB", 0) != 0 && e.type.rfind("LARGE OBJECT", 0) != 0;
}

void requireManifestFirst(const RestoreOptions& o, const OpenedArchive& archive) {
    if (archive.reader()) return;
    if (!o.excludeExtensions.empty())
        throw BadInputError("--exclude-extension needs the archive's manifest before the script, and " + archive.name() +
                            " records it at its end: give the archive as a file, not -");
    if (o.createDatabase)
        throw BadInputError("--create needs the archive's manifest first (encoding, locale, owner), and " + archive.name() +
                            " records it at its end: restore a file, not -");
}

void requireSchema(bool schemaDefined) {
    if (schemaDefined) return;
    throw BadInputError("the archive is data-only (pg_dump -a): it holds no table definitions to restore into an empty "
                        "database; load it with zstd -dc FILE | psql into a database that has the schema");
}

TargetRoles::TargetRoles(const PgConnection& leader) {
    auto r = leader.exec("SELECT rolname FROM pg_catalog.pg_roles", "reading the target's roles");
    for (int i = 0; i < r.rows(); ++i) roles_.insert(r.value(i, 0));
}

std::vector<std::string> TargetRoles::lacking(const std::vector<std::string>& names) const {
    std::vector<std::string> out;
    for (const auto& n : names)
        if (!n.empty() && !roles_.count(n)) out.push_back(n);
    return out;
}

void TargetRoles::requireOwners(const std::vector<std::string>& owners, bool unchanged) const {
    std::set<std::string> missing;
    for (const auto& o : owners)
        if (!o.empty() && !roles_.count(o)) missing.insert(o);
    if (missing.empty()) return;
    const bool many = missing.size() > 1;
    std::string names;
    size_t n = 0;
    for (const auto& m : missing) {
        if (n++ == 5) break;
        names += (n > 1 ? ", " : "") + m;
    }
    throw BadInputError("role" + std::string(many ? "s " : " ") + names + (many ? " own" : " owns") + " objects in the archive but " +
                        (many ? "do" : "does") + " not exist on the target" +
                        (unchanged ? "; nothing was changed. Create " : "; create ") + (many ? "them" : "it") +
                        ", give the globals it was backed up with (--globals FILE: restore creates the roles from them), or restore "
                        "with --no-owner (and --no-privileges for grants)");
}

}  // namespace pgproof
