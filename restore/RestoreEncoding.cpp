#include "RestoreEncoding.hpp"

#include "Errors.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof {

void requireArchiveEncoding(const Manifest& m, const PgConnection& target, const std::string& archivePath) {
    DatabaseLocale archive = DatabaseLocale::ofArchive(m);
    if (archive.encoding.empty()) return;
    DatabaseLocale here = DatabaseLocale::read(target);
    if (here.encoding == archive.encoding) return;
    throw BadInputError("archive " + archivePath + " holds " + archive.encoding + " data but target database " +
                        target.database() + " is " + here.encoding + " (its COPY rows would be reinterpreted); nothing was "
                        "changed. Restore into a database created with ENCODING '" + archive.encoding +
                        "' (createdb -T template0 -E " + archive.encoding + " --locale=C NEW)");
}

ScratchDatabaseLocale createDatabaseLike(const PgConnection& admin, const std::string& name, const Manifest& m) {
    DatabaseLocale want = DatabaseLocale::ofArchive(m);
    auto create = [&](const DatabaseLocale& l) {
        std::string sql = "CREATE DATABASE " + quoteIdent(name) + " TEMPLATE template0";
        if (!l.encoding.empty()) sql += " ENCODING " + quoteLiteral(l.encoding);
        if (!l.collate.empty()) sql += " LC_COLLATE " + quoteLiteral(l.collate);
        if (!l.ctype.empty()) sql += " LC_CTYPE " + quoteLiteral(l.ctype);
        admin.exec(sql, "creating the scratch database");
    };
    try {
        create(want);
        return {want, ""};
    } catch (const IncompleteError& e) {
        // Only a locale can be missing here (every server encoding exists everywhere); C fits them all.
        if (want.encoding.empty() || (want.collate == "C" && want.ctype == "C") || !admin.ok()) throw;
        DatabaseLocale c{want.encoding, "C", "C"};
        create(c);
        std::string wanted = want.collate.empty() ? "the server's default locale" : "locale " + want.collate +
                                                   (want.ctype != want.collate ? "/" + want.ctype : "");
        return {c, wanted + " is not usable for " + want.encoding + " on the drill server (" + e.what() +
                       "); the scratch database uses " + want.encoding + " with the C locale: rows and fingerprints are "
                       "unaffected, text sorts bytewise"};
    }
}

}  // namespace pgproof
