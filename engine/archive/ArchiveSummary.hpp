#pragma once
// What `pgproof inspect` shows of an archive, from its manifest alone: a summary for people (source,
// creation time and age, versions, contents, sizes, then every table with its rows and fingerprint,
// the tables not covered last), or the manifest as JSON with the archive's path and size.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "Manifest.hpp"

namespace pgproof {

// archive: the path as given ("-" for stdin); size: the archive's bytes.
std::string renderArchiveSummary(const Manifest& manifest, const std::string& archive, uint64_t size);
// The manifest (docs/ARCHIVE.md) with "archive": {"path", "size"}.
nlohmann::json archiveSummaryJson(const Manifest& manifest, const std::string& archive, uint64_t size);

}  // namespace pgproof
