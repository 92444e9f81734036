#include "TextEncoding.hpp"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

namespace pgproof {

namespace {

// PostgreSQL's encoding names (src/common/encnames.c) with the glibc iconv charset of each.
// SJIS is PostgreSQL's Windows-932 flavour; MULE_INTERNAL has no iconv equivalent.
struct KnownEncoding {
    const char* postgres;
    const char* iconv;
};
constexpr KnownEncoding kEncodings[] = {
    {"UTF8", "UTF-8"},           {"SQL_ASCII", ""},          {"LATIN1", "ISO-8859-1"},  {"LATIN2", "ISO-8859-2"},
    {"LATIN3", "ISO-8859-3"},    {"LATIN4", "ISO-8859-4"},   {"LATIN5", "ISO-8859-9"},  {"LATIN6", "ISO-8859-10"},
    {"LATIN7", "ISO-8859-13"},   {"LATIN8", "ISO-8859-14"},  {"LATIN9", "ISO-8859-15"}, {"LATIN10", "ISO-8859-16"},
    {"ISO_8859_5", "ISO-8859-5"}, {"ISO_8859_6", "ISO-8859-6"}, {"ISO_8859_7", "ISO-8859-7"}, {"ISO_8859_8", "ISO-8859-8"},
    {"WIN1250", "CP1250"},       {"WIN1251", "CP1251"},      {"WIN1252", "CP1252"},     {"WIN1253", "CP1253"},
    {"WIN1254", "CP1254"},       {"WIN1255", "CP1255"},      {"WIN1256", "CP1256"},     {"WIN1257", "CP1257"},
    {"WIN1258", "CP1258"},       {"WIN866", "CP866"},        {"WIN874", "CP874"},       {"KOI8R", "KOI8-R"},
    {"KOI8U", "KOI8-U"},         {"EUC_JP", "EUC-JP"},       {"EUC_CN", "EUC-CN"},      {"EUC_KR", "EUC-KR"},
    {"EUC_TW", "EUC-TW"},        {"EUC_JIS_2004", "EUC-JISX0213"}, {"SJIS", "CP932"},   {"SHIFT_JIS_2004", "SHIFT_JISX0213"},
    {"BIG5", "BIG5"},            {"GBK", "GBK"},             {"UHC", "CP949"},          {"GB18030", "GB18030"},
    {"JOHAB", "JOHAB"},
};

// As PostgreSQL's clean_encoding_name: lower case, letters and digits only.
std::string cleanName(std::string_view name) {
    std::string out;
    for (char c : name) {
        if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out += c;
    }
    return out;
}

bool isAscii(std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

// Printable ASCII as is, everything else as \xNN: for error messages about bytes that did not convert.
std::string showBytes(std::string_view s, size_t limit = 60) {
    std::string out;
    for (size_t i = 0; i < s.size() && i < limit; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') out += static_cast<char>(c);
        else out += fmt::format("\\x{:02x}", c);
    }
    if (s.size() > limit) out += "...";
    return out;
}

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not one (overlong forms, surrogates
// and code points above U+10FFFF are invalid, as for PostgreSQL and nlohmann-json).
size_t utf8SequenceAt(std::string_view s, size_t i, uint32_t* codePoint = nullptr) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    size_t n;
    uint32_t cp;
    if (c < 0x80) n = 1, cp = c;
    else if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1Fu;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0Fu;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07u;
    else return 0;
    if (i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b(i + k) & 0x3Fu);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
    if (codePoint) *codePoint = cp;
    return n;
}

// One iconv conversion descriptor, reused by its thread (iconv_open is not cheap, and a descriptor
// must not be shared between threads).
class IconvHandle {
public:
    IconvHandle(const std::string& to, const std::string& from) : cd_(::iconv_open(to.c_str(), from.c_str())) {}
    ~IconvHandle() {
        if (ok()) ::iconv_close(cd_);
    }
    IconvHandle(const IconvHandle&) = delete;
    IconvHandle& operator=(const IconvHandle&) = delete;
    bool ok() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
    iconv_t get() const { return cd_; }

    static IconvHandle& cached(const std::string& to, const std::string& from) {
        thread_local std::map<std::pair<std::string, std::string>, std::unique_ptr<IconvHandle>> cache;
        auto& slot = cache[{to, from}];
        if (!slot) slot = std::make_unique<IconvHandle>(to, from);
        if (!slot->ok())
            throw std::runtime_error("this system's iconv cannot convert from " + from + " to " + to +
                                     " (install the glibc gconv modules, e.g. Debian's libc6 package is incomplete)");
        return *slot;
    }

private:
    iconv_t cd_;
};

// Converts with iconv. On a sequence that does not convert, `onBad(in, offset)` returns how many input
// bytes to skip and appends its replacement to `out`, or throws.
template <typename OnBad>
std::string iconvConvert(IconvHandle& h, std::string_view in, OnBad onBad) {
    ::iconv(h.get(), nullptr, nullptr, nullptr, nullptr);  // initial shift state
    std::string out(in.size() * 2 + 16, '\0');
    size_t used = 0;
    char* ip = const_cast<char*>(in.data());
    size_t il = in.size();
    while (il > 0) {
        char* op = out.data() + used;
        size_t ol = out.size() - used;
        size_t r = ::iconv(h.get(), &ip, &il, &op, &ol);
        int err = errno;
        used = out.size() - ol;
        if (r != static_cast<size_t>(-1)) break;  // all input converted
        if (err == E2BIG) {
            out.resize(out.size() * 2 + 16);
            continue;
        }
        // EILSEQ (no such character) or EINVAL (an incomplete sequence at the end).
        std::string replacement;
        size_t skip = std::min(onBad(static_cast<size_t>(ip - in.data()), replacement), il);
        out.resize(used);
        out += replacement;
        used = out.size();
        out.resize(used + il * 2 + 16);
        ip += skip;
        il -= skip;
        ::iconv(h.get(), nullptr, nullptr, nullptr, nullptr);
    }
    while (true) {  // the closing shift sequence of stateful charsets
        char* op = out.data() + used;
        size_t ol = out.size() - used;
        size_t r = ::iconv(h.get(), nullptr, nullptr, &op, &ol);
        int err = errno;
        used = out.size() - ol;
        if (r == static_cast<size_t>(-1) && err == E2BIG) {
            out.resize(out.size() * 2 + 16);
            continue;
        }
        break;
    }
    out.resize(used);
    return out;
}

std::string escapeByte(std::string_view in, size_t offset) {
    return fmt::format("\\x{:02x}", static_cast<unsigned char>(in[offset]));
}

}  // namespace

std::optional<TextEncoding> TextEncoding::find(std::string_view postgresName) {
    std::string clean = cleanName(postgresName);
    if (clean == "unicode") clean = "utf8";
    for (const auto& e : kEncodings) {
        if (cleanName(e.postgres) != clean) continue;
        std::string name = e.postgres;
        if (name == "UTF8") return TextEncoding(name, Kind::Utf8, e.iconv);
        if (name == "SQL_ASCII") return TextEncoding(name, Kind::SqlAscii, "");
        return TextEncoding(name, Kind::Iconv, e.iconv);
    }
    return std::nullopt;
}

TextEncoding TextEncoding::named(std::string_view postgresName) {
    if (auto e = find(postgresName)) return *e;
    throw std::runtime_error("the encoding " + std::string(postgresName) +
                             " cannot be converted to UTF-8 by pgproof (it converts every PostgreSQL server encoding "
                             "except MULE_INTERNAL); pgproof's manifests and reports are UTF-8");
}

TextEncoding TextEncoding::utf8() { return TextEncoding("UTF8", Kind::Utf8, "UTF-8"); }

std::optional<TextEncoding> TextEncoding::forCharset(const std::string& iconvCharset) {
    std::string clean = cleanName(iconvCharset);
    if (clean == "utf8") return utf8();
    if (!IconvHandle(iconvCharset, "UTF-8").ok() || !IconvHandle("UTF-8", iconvCharset).ok()) return std::nullopt;
    return TextEncoding(iconvCharset, Kind::Iconv, iconvCharset);
}

TextEncoding TextEncoding::ofSettings(const nlohmann::json& settings) {
    if (settings.is_object() && settings.contains("client_encoding") && settings["client_encoding"].is_string())
        if (auto e = find(settings["client_encoding"].get<std::string>())) return *e;
    return utf8();
}

std::string TextEncoding::toUtf8(std::string_view text, OnInvalid onInvalid) const {
    if (isAscii(text)) return std::string(text);
    switch (kind_) {
    case Kind::Utf8: {
        std::string out;
        for (size_t i = 0; i < text.size();) {
            size_t n = utf8SequenceAt(text, i);
            if (n) {
                out.append(text.substr(i, n));
                i += n;
                continue;
            }
            if (onInvalid == OnInvalid::Fail)
                throw std::runtime_error(fmt::format("the text \"{}\" is not valid UTF8: byte 0x{:02x} at offset {}",
                                                     showBytes(text), static_cast<unsigned char>(text[i]), i));
            out += escapeByte(text, i++);
        }
        return out;
    }
    case Kind::SqlAscii: {
        std::string out;
        for (unsigned char c : text) {
            if (c < 0x80) {
                out += static_cast<char>(c);
            } else {
                out += static_cast<char>(0xC0 | (c >> 6));
                out += static_cast<char>(0x80 | (c & 0x3F));
            }
        }
        return out;
    }
    case Kind::Iconv: break;
    }
    auto& h = IconvHandle::cached("UTF-8", iconv_);
    std::string out = iconvConvert(h, text, [&](size_t offset, std::string& replacement) -> size_t {
        if (onInvalid == OnInvalid::Fail)
            throw std::runtime_error(fmt::format("the text \"{}\" is not valid {}: byte 0x{:02x} at offset {} has no UTF-8 equivalent",
                                                 showBytes(text), name_, static_cast<unsigned char>(text[offset]), offset));
        replacement = escapeByte(text, offset);
        return 1;
    });
    // Some charsets convert several byte strings to the same characters (combining sequences in
    // CP1255/CP1258): a document pgproof reads back must give back the very same bytes.
    if (onInvalid == OnInvalid::Fail && fromUtf8(out, OnInvalid::Escape) != text)
        throw std::runtime_error(fmt::format("the text \"{}\" in {} does not convert to UTF-8 and back to the same bytes",
                                             showBytes(text), name_));
    return out;
}

std::string TextEncoding::fromUtf8(std::string_view utf8, OnInvalid onInvalid) const {
    if (isAscii(utf8)) return std::string(utf8);
    auto invalid = [&](size_t i) {
        return std::runtime_error(fmt::format("the text \"{}\" is not valid UTF-8: byte 0x{:02x} at offset {}", showBytes(utf8),
                                              static_cast<unsigned char>(utf8[i]), i));
    };
    switch (kind_) {
    case Kind::Utf8: {
        std::string out;
        for (size_t i = 0; i < utf8.size();) {
            size_t n = utf8SequenceAt(utf8, i);
            if (n) {
                out.append(utf8.substr(i, n));
                i += n;
                continue;
            }
            if (onInvalid == OnInvalid::Fail) throw invalid(i);
            out += '?';
            ++i;
        }
        return out;
    }
    case Kind::SqlAscii: {
        std::string out;
        for (size_t i = 0; i < utf8.size();) {
            uint32_t cp = 0;
            size_t n = utf8SequenceAt(utf8, i, &cp);
            if (n && cp < 0x100) {
                out += static_cast<char>(cp);
                i += n;
                continue;
            }
            if (onInvalid == OnInvalid::Fail) {
                if (!n) throw invalid(i);
                throw std::runtime_error(fmt::format(
                    "the text \"{}\" cannot be SQL_ASCII: U+{:04X} at offset {} (pgproof writes SQL_ASCII bytes 0x80-0xff as "
                    "U+0080-U+00FF, nothing else)",
                    showBytes(utf8), cp, i));
            }
            out += '?';
            i += n ? n : 1;
        }
        return out;
    }
    case Kind::Iconv: break;
    }
    auto& h = IconvHandle::cached(iconv_, "UTF-8");
    return iconvConvert(h, utf8, [&](size_t offset, std::string& replacement) -> size_t {
        uint32_t cp = 0;
        size_t n = utf8SequenceAt(utf8, offset, &cp);
        if (onInvalid == OnInvalid::Fail) {
            if (!n) throw invalid(offset);
            throw std::runtime_error(fmt::format("the text \"{}\" has a character that {} lacks: U+{:04X} at offset {}",
                                                 showBytes(utf8), name_, cp, offset));
        }
        replacement = "?";
        return n ? n : 1;
    });
}

nlohmann::json TextEncoding::convertTree(const nlohmann::json& node, bool toUtf8Direction, OnInvalid onInvalid,
                                         const std::string& path) const {
    auto convert = [&](const std::string& s, const std::string& where) {
        try {
            return toUtf8Direction ? toUtf8(s, onInvalid) : fromUtf8(s, onInvalid);
        } catch (const std::runtime_error& e) {
            throw std::runtime_error(std::string(e.what()) + " (at " + (where.empty() ? "/" : where) + ")");
        }
    };
    switch (node.type()) {
    case nlohmann::json::value_t::string: return convert(node.get_ref<const std::string&>(), path);
    case nlohmann::json::value_t::array: {
        nlohmann::json out = nlohmann::json::array();
        size_t i = 0;
        for (const auto& v : node) out.push_back(convertTree(v, toUtf8Direction, onInvalid, path + "/" + std::to_string(i++)));
        return out;
    }
    case nlohmann::json::value_t::object: {
        nlohmann::json out = nlohmann::json::object();
        for (auto it = node.begin(); it != node.end(); ++it) {
            std::string key = convert(it.key(), path + " (a key)");
            // Paths in messages are in the data encoding, like every other message text.
            const std::string& keyInData = toUtf8Direction ? it.key() : key;
            out[key] = convertTree(it.value(), toUtf8Direction, onInvalid, path + "/" + keyInData);
        }
        return out;
    }
    default: return node;
    }
}

nlohmann::json TextEncoding::documentToUtf8(const nlohmann::json& document, OnInvalid onInvalid) const {
    // A UTF8 database holds only valid UTF-8 (the server checks), and dump() refuses anything else anyway.
    if (kind_ == Kind::Utf8) return document;
    return convertTree(document, true, onInvalid, "");
}

nlohmann::json TextEncoding::documentFromUtf8(const nlohmann::json& document, OnInvalid onInvalid) const {
    if (kind_ == Kind::Utf8) return document;  // parse() accepted only valid UTF-8
    return convertTree(document, false, onInvalid, "");
}

}  // namespace pgproof
