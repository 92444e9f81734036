#include "RestoreEncoding.hpp"

#include "Errors.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof {

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
