// TextEncoding: the conversions at pgproof's JSON boundaries. SQL_ASCII and LATIN1 give back every
// byte string exactly; EUC_JP goes through iconv; text that does not convert is named with the
// offending byte, its offset and (in a JSON tree) the string's JSON pointer.
#include <catch2/catch.hpp>

#include "TextEncoding.hpp"

using namespace pgproof;
using nlohmann::json;

namespace {

std::string everyByte() {
    std::string s;
    for (int b = 1; b < 256; ++b) s += static_cast<char>(b);  // PostgreSQL text never holds NUL
    return s;
}

std::string messageOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("TextEncodingTest: encoding names as PostgreSQL spells them") {
    CHECK(TextEncoding::find("LATIN1")->name() == "LATIN1");
    CHECK(TextEncoding::find("latin-1")->name() == "LATIN1");
    CHECK(TextEncoding::find("UTF-8")->isUtf8());
    CHECK(TextEncoding::find("unicode")->isUtf8());
    CHECK(TextEncoding::find("sql_ascii")->name() == "SQL_ASCII");
    CHECK_FALSE(TextEncoding::find("MULE_INTERNAL"));
    CHECK(messageOf([] { TextEncoding::named("MULE_INTERNAL"); }).find("MULE_INTERNAL") != std::string::npos);
    CHECK(TextEncoding::ofSettings({{"client_encoding", "LATIN9"}}).name() == "LATIN9");
    // Older archives of a dump read from stdin recorded a sentence, not an encoding: their text is UTF-8.
    CHECK(TextEncoding::ofSettings({{"client_encoding", "as in the dump (SET client_encoding)"}}).isUtf8());
    CHECK(TextEncoding::ofSettings(json()).isUtf8());
}

TEST_CASE("TextEncodingTest: SQL_ASCII gives every byte back exactly") {
    auto e = TextEncoding::named("SQL_ASCII");
    std::string all = everyByte();
    std::string utf8 = e.toUtf8(all);
    CHECK_NOTHROW(json(utf8).dump());  // valid UTF-8
    CHECK(e.fromUtf8(utf8) == all);
    // Bytes >= 0x80 are the code points of the same value (documented: as if Latin-1).
    CHECK(e.toUtf8("caf\xe9") == "caf\xc3\xa9");
    CHECK(e.toUtf8("\x80\xff") == "\xc2\x80\xc3\xbf");
    // A UTF-8 byte string in a SQL_ASCII database is two bytes, and stays two bytes.
    CHECK(e.fromUtf8(e.toUtf8("\xc3\xa9")) == "\xc3\xa9");
}

TEST_CASE("TextEncodingTest: LATIN1 round trip") {
    auto e = TextEncoding::named("LATIN1");
    CHECK(e.toUtf8("caf\xe9 cr\xe8me br\xfbl\xe9" "e \xc4") == "café crème brûlée Ä");
    CHECK(e.fromUtf8("café crème brûlée Ä") == "caf\xe9 cr\xe8me br\xfbl\xe9" "e \xc4");
    std::string all = everyByte();
    CHECK(e.fromUtf8(e.toUtf8(all)) == all);
    CHECK(TextEncoding::named("LATIN9").toUtf8("\xa4") == "€");
    CHECK(TextEncoding::named("WIN1252").toUtf8("\x80") == "€");
}

TEST_CASE("TextEncodingTest: multibyte encodings through iconv") {
    auto e = TextEncoding::named("EUC_JP");
    CHECK(e.toUtf8("\xc6\xfc\xcb\xdc") == "日本");
    CHECK(e.fromUtf8("日本") == "\xc6\xfc\xcb\xdc");
}

TEST_CASE("TextEncodingTest: JSON trees, keys included") {
    auto e = TextEncoding::named("LATIN1");
    json doc = {{"tables", {{{"schema", "public"}, {"name", "caf\xe9"}, {"columns", {"na\xefve"}}, {"rows", 3}}}},
                {"caf\xe9", {{"k\xe9y", true}}}};
    json utf8 = e.documentToUtf8(doc);
    std::string text;
    REQUIRE_NOTHROW(text = utf8.dump());
    CHECK(utf8["tables"][0]["name"] == "café");
    CHECK(utf8["tables"][0]["columns"][0] == "naïve");
    CHECK(utf8["café"]["kéy"] == true);
    CHECK(utf8["tables"][0]["rows"] == 3);
    CHECK(e.documentFromUtf8(json::parse(text)) == doc);
}

TEST_CASE("TextEncodingTest: invalid input is reported clearly") {
    // WIN1252 has no character at 0x81, though a WIN1252 database can hold the byte.
    std::string m = messageOf([] { TextEncoding::named("WIN1252").toUtf8("caf\x81"); });
    CHECK(m.find("WIN1252") != std::string::npos);
    CHECK(m.find("0x81") != std::string::npos);
    CHECK(m.find("offset 3") != std::string::npos);
    CHECK(m.find("caf\\x81") != std::string::npos);
    // In a tree, the message names where the string is.
    m = messageOf([] { TextEncoding::named("WIN1252").documentToUtf8(json{{"tables", {{{"name", "caf\x81"}}}}}); });
    CHECK(m.find("/tables/0/name") != std::string::npos);
    // Not UTF-8 where UTF-8 is promised.
    m = messageOf([] { TextEncoding::utf8().toUtf8("caf\xe9"); });
    CHECK(m.find("not valid UTF8") != std::string::npos);
    // A document character that the recorded encoding cannot hold.
    m = messageOf([] { TextEncoding::named("LATIN1").fromUtf8("5 €"); });
    CHECK(m.find("U+20AC") != std::string::npos);
    CHECK(m.find("LATIN1") != std::string::npos);
    m = messageOf([] { TextEncoding::named("SQL_ASCII").fromUtf8("5 €"); });
    CHECK(m.find("U+20AC") != std::string::npos);
    CHECK(m.find("SQL_ASCII") != std::string::npos);
    // Text for people never fails: the byte is shown.
    CHECK(TextEncoding::named("WIN1252").toUtf8("caf\x81", TextEncoding::OnInvalid::Escape) == "caf\\x81");
    CHECK(TextEncoding::utf8().toUtf8("caf\xe9", TextEncoding::OnInvalid::Escape) == "caf\\xe9");
    CHECK(TextEncoding::named("LATIN1").fromUtf8("5 €", TextEncoding::OnInvalid::Escape) == "5 ?");
}
