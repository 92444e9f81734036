#pragma once
// Restore targets in the archive's encoding and locale. The archive's COPY rows are bytes in the
// source database's encoding (pgproof pins client_encoding to it): a target in another encoding
// would have the server convert them, so neither the data nor its fingerprints would be the backup's
// (a restore refuses it: RestoreRefusals).
#include <string>

#include "DatabaseLocale.hpp"
#include "Manifest.hpp"
#include "PgConnection.hpp"

namespace pgproof {

struct ScratchDatabaseLocale {
    DatabaseLocale locale;  // what the database was created with (empty encoding: the server's default)
    std::string note;       // why it differs from the archive's, if it does
};

// CREATE DATABASE name TEMPLATE template0 with the archive's encoding, LC_COLLATE and LC_CTYPE.
// Where the drill server lacks the locale (or it does not fit the encoding there), falls back to the
// C locale, which fits every encoding, and says so in the note. Throws IncompleteError if even that fails.
ScratchDatabaseLocale createDatabaseLike(const PgConnection& admin, const std::string& name, const Manifest& manifest);

}  // namespace pgproof
