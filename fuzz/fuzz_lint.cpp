// The SQL front end of lint: a migration file parsed by libpg_query (MigrationScript::parse, comments
// and pgproof:ignore suppressions), then the static rules (analyseMigration), as `pgproof lint` runs them
// without --db.
#include <string>

#include "FuzzSupport.hpp"
#include "MigrationAnalysis.hpp"
#include "MigrationScript.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string sql(reinterpret_cast<const char*>(data), size);
    pgproof::fuzz::expectDocumentedFailures([&] {
        auto script = pgproof::lint::MigrationScript::parse("fuzz.sql", sql);
        (void)pgproof::lint::analyseMigration(script);
    });
    return 0;
}
