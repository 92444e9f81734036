#include "S3Xml.hpp"

#include <cstdlib>

namespace pgproof::s3xml {

std::vector<std::string_view> elements(std::string_view xml, std::string_view name) {
    std::vector<std::string_view> out;
    std::string open("<"), close("</");
    open.append(name);
    close.append(name).append(">");
    size_t pos = 0;
    while ((pos = xml.find(open, pos)) != std::string_view::npos) {
        size_t after = pos + open.size();
        if (after >= xml.size()) break;
        char c = xml[after];
        if (c != '>' && c != ' ' && c != '/') {  // <KeyCount> is not <Key>
            pos = after;
            continue;
        }
        size_t gt = xml.find('>', after);
        if (gt == std::string_view::npos) break;
        if (xml[gt - 1] == '/') {  // <Name/>
            out.emplace_back();
            pos = gt + 1;
            continue;
        }
        size_t end = xml.find(close, gt + 1);
        if (end == std::string_view::npos) break;
        out.push_back(xml.substr(gt + 1, end - gt - 1));
        pos = end + close.size();
    }
    return out;
}

std::optional<std::string> text(std::string_view xml, std::string_view name) {
    auto all = elements(xml, name);
    if (all.empty()) return std::nullopt;
    return decode(all.front());
}

std::string decode(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '&') {
            out += raw[i];
            continue;
        }
        size_t semi = raw.find(';', i);
        if (semi == std::string_view::npos) {
            out += raw.substr(i);
            break;
        }
        std::string_view entity = raw.substr(i + 1, semi - i - 1);
        if (entity == "amp") out += '&';
        else if (entity == "lt") out += '<';
        else if (entity == "gt") out += '>';
        else if (entity == "quot") out += '"';
        else if (entity == "apos") out += '\'';
        else if (!entity.empty() && entity[0] == '#') {
            std::string digits(entity.substr(1));
            unsigned long cp = digits[0] == 'x' || digits[0] == 'X' ? std::strtoul(digits.c_str() + 1, nullptr, 16)
                                                                    : std::strtoul(digits.c_str(), nullptr, 10);
            if (cp < 0x80) out += static_cast<char>(cp);
            else if (cp < 0x800) {
                out += static_cast<char>(0xC0 | (cp >> 6));
                out += static_cast<char>(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                out += static_cast<char>(0xE0 | (cp >> 12));
                out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (cp & 0x3F));
            } else {
                out += static_cast<char>(0xF0 | (cp >> 18));
                out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
                out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
                out += static_cast<char>(0x80 | (cp & 0x3F));
            }
        } else {
            out += raw.substr(i, semi - i + 1);
        }
        i = semi;
    }
    return out;
}

std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '&') out += "&amp;";
        else if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else out += c;
    }
    return out;
}

}  // namespace pgproof::s3xml
