#pragma once
// Where the text pgproof shows comes from, and where it goes.
//
// Messages, tables and reports are built from names and server messages in the encoding of the data
// the command works on (the database encoding, which pgproof pins as client_encoding). OutputEncoding
// remembers that encoding for the process, set where a command learns it: a session pins its
// settings, a manifest is written or read, a snapshot file is read. It converts that text
//   - for the terminal (stdout, stderr, logs): to the codeset of the user's locale (LC_ALL, LC_CTYPE,
//     LANG); the C/POSIX locale's ASCII is taken as UTF-8, what an unconfigured terminal shows today;
//   - for report files (JUnit, markdown, JSON reports): to UTF-8.
// Text for people never fails to convert: a byte that does not convert shows as \xNN, a character
// the terminal's codeset lacks as '?'. Documents pgproof reads back (manifests, snapshot files) are
// converted strictly, with the encoding they record (TextEncoding::ofSettings).
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "TextEncoding.hpp"

namespace pgproof {

class OutputEncoding {
public:
    static void setData(const TextEncoding& encoding);
    // A PostgreSQL encoding name; a name pgproof cannot convert leaves the setting unchanged.
    static void setData(std::string_view postgresName);
    static TextEncoding data();

    // Reads the user's locale once (main calls it first); LC_CTYPE itself is left at "C" so that no
    // byte classification elsewhere changes with the user's locale.
    static void readLocale();
    // The terminal's codeset as iconv names it ("UTF-8" unless the locale says otherwise).
    static std::string terminalCharset();

    static std::string forTerminal(std::string_view text);
    static std::string forReport(std::string_view text);
    // A JSON document as UTF-8 text (dump with `indent`): with the encoding it records in
    // settings.client_encoding, strictly (manifests, snapshot files: they are read back; throws
    // std::runtime_error naming the string that does not convert); without one (reports), with the
    // data encoding, never failing.
    static std::string documentText(const nlohmann::json& document, int indent = 2);
};

}  // namespace pgproof
