#pragma once
// restore / drill --exclude-extension NAME: an extension that cannot be restored into the target (pg_cron
// outside its cron.database_name, an extension the server lacks, a version whose default rows differ) is
// left out with everything that is its: the CREATE EXTENSION entry and its comment, the data of its
// configuration tables and sequences, and grants on its member schemas. Which tables are its is recorded
// at backup time (manifest source.extensions); its configuration tables are then reported as not
// covered, with the reason, never proven.
#include <set>
#include <string>
#include <vector>

#include "DumpScript.hpp"
#include "Manifest.hpp"

namespace pgproof {

struct ExtensionExclusion {
    std::set<size_t> tables;       // manifest indexes of the excluded configuration tables
    size_t entriesDropped = 0;     // script entries left out
    // The manifest the proof uses: the excluded tables moved to notCovered with the reason.
    Manifest proofManifest;
};

// Throws BadInputError for an extension the archive does not create (naming the ones it does); by the
// manifest's TOC alone, so a drill or restore --create refuses before it creates anything.
void requireExtensionsInArchive(const Manifest& manifest, const std::vector<std::string>& names);
// Throws BadInputError for an extension the archive does not create (naming the ones it does).
ExtensionExclusion excludeExtensions(DumpScript& script, const Manifest& manifest, const std::vector<std::string>& names);

}  // namespace pgproof
