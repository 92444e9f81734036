// The migration plan YAML reader (docs/PLANS.md): MigrationPlan::parse, which MigrationPlan::load calls
// with the file's text.
#include <string>

#include "FuzzSupport.hpp"
#include "MigrationPlan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string yaml(reinterpret_cast<const char*>(data), size);
    pgproof::fuzz::expectDocumentedFailures([&] { (void)pgproof::MigrationPlan::parse(yaml, "fuzz.yaml"); });
    return 0;
}
