#pragma once
// Just enough XML for S3's answers (ListObjectsV2, multipart uploads, errors): the text of named elements,
// with the predefined entities and character references decoded. S3's documents are flat and generated,
// so elements are found by name; nothing here is a general XML parser.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgproof::s3xml {

// The raw inner text of every <name>...</name> in `xml`, in document order (entities not decoded).
std::vector<std::string_view> elements(std::string_view xml, std::string_view name);
// The decoded text of the first <name> element, or nullopt.
std::optional<std::string> text(std::string_view xml, std::string_view name);
std::string decode(std::string_view raw);
// `s` escaped for element text (&, <, >).
std::string escape(std::string_view s);

}  // namespace pgproof::s3xml
