#pragma once
// A database's encoding and libc locale (pg_database: encoding, datcollate, datctype), recorded in
// the "source" of manifests and snapshot files as "encoding", "lc_collate" and "lc_ctype", so that a
// restore can refuse a target in another encoding and a drill can create its scratch database like
// the original.
#include <string>

#include <nlohmann/json.hpp>

#include "PgConnection.hpp"

namespace pgproof {

struct Manifest;

struct DatabaseLocale {
    std::string encoding;  // PostgreSQL's name, e.g. "LATIN1"; empty when unknown
    std::string collate;   // empty when unknown (a dump read from stdin does not say)
    std::string ctype;

    // The connected database's own; throws IncompleteError if the catalog cannot be read.
    static DatabaseLocale read(const PgConnection& conn);
    // What an archive records: its source fields, else the encoding of its pinned settings (the
    // dump's own SET client_encoding for a dump read from stdin).
    static DatabaseLocale ofArchive(const Manifest& manifest);
    // Adds encoding, lc_collate and lc_ctype to a "source" object.
    void addTo(nlohmann::json& source) const;
};

}  // namespace pgproof
