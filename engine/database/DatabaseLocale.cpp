#include "DatabaseLocale.hpp"

#include "Manifest.hpp"
#include "TextEncoding.hpp"

namespace pgproof {

DatabaseLocale DatabaseLocale::read(const PgConnection& conn) {
    auto r = conn.exec("SELECT pg_catalog.pg_encoding_to_char(encoding), datcollate, datctype FROM pg_catalog.pg_database "
                       "WHERE datname = pg_catalog.current_database()",
                       "reading the database encoding and locale");
    if (r.rows() == 0) return {};
    return {r.value(0, 0), r.value(0, 1), r.value(0, 2)};
}

DatabaseLocale DatabaseLocale::ofArchive(const Manifest& m) {
    DatabaseLocale l;
    auto str = [&](const char* key) {
        return m.source.is_object() && m.source.contains(key) && m.source[key].is_string() ? m.source[key].get<std::string>()
                                                                                           : std::string();
    };
    l.encoding = str("encoding");
    l.collate = str("lc_collate");
    l.ctype = str("lc_ctype");
    if (l.encoding.empty() && m.settings.is_object() && m.settings.contains("client_encoding") &&
        m.settings["client_encoding"].is_string()) {
        // Only a real encoding name (older dumps read from stdin recorded a sentence here).
        if (auto e = TextEncoding::find(m.settings["client_encoding"].get<std::string>())) l.encoding = e->name();
    }
    return l;
}

void DatabaseLocale::addTo(nlohmann::json& source) const {
    source["encoding"] = encoding;
    source["lc_collate"] = collate;
    source["lc_ctype"] = ctype;
}

}  // namespace pgproof
