#pragma once
// The reports of `pgproof backup` (docs/REPORTS.md), each rendered from the archive as written and the
// settled outcome: versioned JSON, JUnit (one case per table) and the summary for people. `archive` is
// the path written (a repository's reserved name, or "-" for stdout). `globals` is what backup --globals
// wrote beside it, or null.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "Backup.hpp"
#include "Outcome.hpp"
#include "ReportOutput.hpp"
#include "ServerGlobals.hpp"

namespace pgproof {

nlohmann::json backupJson(const BackupResult& result, const std::string& archive, const SettledOutcome& settled,
                          const GlobalsResult* globals = nullptr);
std::string backupJUnit(const BackupResult& result, const std::string& archive, const SettledOutcome& settled);
// Two lines (tables, rows, sizes, ratio, time) and one for the globals; --verbose adds every table; --quiet
// prints only a failure.
std::string renderBackupText(const BackupResult& result, const std::string& archive, const SettledOutcome& settled, TextDetail detail,
                             const GlobalsResult* globals = nullptr);

// What an encrypted archive's history record says it does not cover, for list, status and prune to read
// without the key (docs/ENCRYPTION.md): counts only, never a table's name ("2 of 40 tables not covered");
// nullopt when it covers everything.
std::optional<std::string> uncoveredCounts(const Manifest& manifest);

}  // namespace pgproof
