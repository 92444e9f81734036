#pragma once
// `pgproof report`: one self-contained HTML page about a repository, for the people who look at backups
// and the auditors who ask for restore-test evidence (docs/REPOSITORY.md "report"). Inline CSS and SVG
// only: no script, nothing fetched, so it opens offline from a mail attachment or a CI artifact.
// Top: what is stale, unproven or damaged (status's own judgement, one line each), then one section per
// database with its backups' sizes and durations and every check, restore and drill with its recovery
// time, as charts and tables, drill reports linked.
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "ArchiveCatalog.hpp"
#include "RepositoryStatus.hpp"

namespace pgproof::repository {

// pageFolder: where the page will be written, so that links to drill reports are relative when they can be.
std::string renderHtmlReport(const RepositoryStatus& status, const std::vector<DatabaseArchives>& scan, const std::filesystem::path& pageFolder);

}  // namespace pgproof::repository
