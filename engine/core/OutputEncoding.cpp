#include "OutputEncoding.hpp"

#include <langinfo.h>

#include <clocale>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace pgproof {

namespace {

struct State {
    std::mutex mutex;
    TextEncoding data = TextEncoding::utf8();
    std::optional<TextEncoding> terminal;  // nullopt: UTF-8
    std::string terminalName = "UTF-8";
};

State& state() {
    static State s;
    return s;
}

}  // namespace

void OutputEncoding::setData(const TextEncoding& encoding) {
    std::lock_guard lock(state().mutex);
    state().data = encoding;
}

void OutputEncoding::setData(std::string_view postgresName) {
    if (auto e = TextEncoding::find(postgresName)) setData(*e);
}

TextEncoding OutputEncoding::data() {
    std::lock_guard lock(state().mutex);
    return state().data;
}

void OutputEncoding::readLocale() {
    std::string previous = std::setlocale(LC_CTYPE, nullptr) ? std::setlocale(LC_CTYPE, nullptr) : "C";
    std::string codeset;
    if (std::setlocale(LC_CTYPE, "")) codeset = nl_langinfo(CODESET);
    std::setlocale(LC_CTYPE, previous.c_str());
    // glibc calls the C locale's codeset ANSI_X3.4-1968; an unset locale is not a request for ASCII.
    if (codeset.empty() || codeset == "ANSI_X3.4-1968" || codeset == "ASCII" || codeset == "US-ASCII") codeset = "UTF-8";
    auto terminal = TextEncoding::forCharset(codeset);
    std::lock_guard lock(state().mutex);
    state().terminal = terminal && !terminal->isUtf8() ? terminal : std::nullopt;
    state().terminalName = state().terminal ? codeset : "UTF-8";
}

std::string OutputEncoding::terminalCharset() {
    std::lock_guard lock(state().mutex);
    return state().terminalName;
}

std::string OutputEncoding::forTerminal(std::string_view text) {
    std::optional<TextEncoding> terminal;
    {
        std::lock_guard lock(state().mutex);
        terminal = state().terminal;
    }
    std::string utf8 = forReport(text);
    return terminal ? terminal->fromUtf8(utf8, TextEncoding::OnInvalid::Escape) : utf8;
}

std::string OutputEncoding::forReport(std::string_view text) {
    TextEncoding d = data();
    if (d.isUtf8()) return std::string(text);  // the server sends valid UTF-8; paths pass through as they are
    return d.toUtf8(text, TextEncoding::OnInvalid::Escape);
}

std::string OutputEncoding::documentText(const nlohmann::json& document, int indent) {
    if (document.is_object() && document.contains("settings") && document["settings"].is_object() &&
        document["settings"].contains("client_encoding")) {
        TextEncoding encoding = TextEncoding::ofSettings(document["settings"]);
        if (encoding.isUtf8()) {
            try {
                return document.dump(indent);  // no copy of a large manifest
            } catch (const nlohmann::json::type_error& e) {
                // A UTF8 server sends valid UTF-8, but a script given on stdin may not be what it declares:
                // the strict check names the string and where it is.
                encoding.checkDocument(document);
                throw std::runtime_error(e.what());
            }
        }
        return encoding.documentToUtf8(document).dump(indent);
    }
    return data().documentToUtf8(document, TextEncoding::OnInvalid::Escape).dump(indent);
}

}  // namespace pgproof
