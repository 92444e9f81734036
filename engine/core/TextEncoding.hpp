#pragma once
// A PostgreSQL text encoding and the conversions at pgproof's JSON boundaries.
//
// Inside pgproof, names and values stay in the database encoding (pgproof pins client_encoding to
// it): they go back into SQL and COPY byte for byte, and fingerprints are over those bytes. Every
// JSON document pgproof writes (manifest, snapshot file, report) is UTF-8: each of its strings, object
// keys included, is converted from the database encoding right before it is serialized, and back
// right after a document is parsed (a manifest or snapshot records its encoding in
// settings.client_encoding, so its reader knows how).
//
//   UTF8       identity.
//   SQL_ASCII  the server gives bytes >= 0x80 no meaning, so there is nothing to convert them from;
//              pgproof writes each as the code point of the same value (U+0080..U+00FF, as if the bytes
//              were Latin-1). That is a bijection, so the round trip is exact for any byte string.
//   others     glibc iconv (LATIN1 -> ISO-8859-1, LATIN9 -> ISO-8859-15, WIN1252 -> CP1252,
//              EUC_JP -> EUC-JP, ...); a strict conversion is checked to convert back to the same bytes.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace pgproof {

class TextEncoding {
public:
    // Fail: throw std::runtime_error naming the offending bytes (documents pgproof reads back).
    // Escape: never fail (text for people and reports): a byte that does not convert to UTF-8 becomes
    // the text \xNN; a character that the target charset lacks becomes '?'.
    enum class OnInvalid { Fail, Escape };

    // A PostgreSQL encoding name, as pg_encoding_to_char() and SET client_encoding spell it (case and
    // '-'/'_' do not matter: "latin1", "UTF-8"); nullopt for names pgproof cannot convert (MULE_INTERNAL).
    static std::optional<TextEncoding> find(std::string_view postgresName);
    // The same; throws std::runtime_error naming the encoding when it cannot be converted.
    static TextEncoding named(std::string_view postgresName);
    static TextEncoding utf8();
    // An iconv charset such as nl_langinfo(CODESET) returns ("ISO-8859-1"); nullopt if iconv lacks it.
    static std::optional<TextEncoding> forCharset(const std::string& iconvCharset);
    // The encoding a pgproof document records in settings.client_encoding. UTF8 when it records none
    // or no encoding name (archives of a dump read from stdin before pgproof recorded its encoding).
    static TextEncoding ofSettings(const nlohmann::json& settings);

    // PostgreSQL's name ("LATIN1", "UTF8", "SQL_ASCII"), or the iconv charset for forCharset().
    const std::string& name() const { return name_; }
    bool isUtf8() const { return kind_ == Kind::Utf8; }
    bool operator==(const TextEncoding& other) const { return name_ == other.name_; }

    std::string toUtf8(std::string_view text, OnInvalid onInvalid = OnInvalid::Fail) const;
    std::string fromUtf8(std::string_view utf8, OnInvalid onInvalid = OnInvalid::Fail) const;
    // Every string of a JSON tree, object keys included; errors name the string's JSON pointer.
    nlohmann::json documentToUtf8(const nlohmann::json& document, OnInvalid onInvalid = OnInvalid::Fail) const;
    nlohmann::json documentFromUtf8(const nlohmann::json& document, OnInvalid onInvalid = OnInvalid::Fail) const;
    // Throws std::runtime_error naming the first string (and its JSON pointer) that is not valid in this
    // encoding; for UTF8 too, where documentToUtf8 trusts the server and converts nothing.
    void checkDocument(const nlohmann::json& document) const { (void)convertTree(document, true, OnInvalid::Fail, ""); }

private:
    enum class Kind { Utf8, SqlAscii, Iconv };
    TextEncoding(std::string name, Kind kind, std::string iconvName)
        : name_(std::move(name)), kind_(kind), iconv_(std::move(iconvName)) {}
    nlohmann::json convertTree(const nlohmann::json& node, bool toUtf8, OnInvalid onInvalid, const std::string& path) const;

    std::string name_;
    Kind kind_;
    std::string iconv_;  // iconv's name for Kind::Iconv
};

}  // namespace pgproof
