// An archive's history (repository/ArchiveHistory): the input as NAME.history.jsonl, read by readHistory
// (JSON lines; a torn or unreadable line is skipped and reported, never fatal), then judged the way `list`
// and `status` judge an archive from it (last check and drill, last proof, damaged, state), each record
// written back as JSON and its time parsed. readHistory throws only IncompleteError (a file it cannot
// read); every other outcome of a bad line is a problem in the history's report.
#include <string>

#include "ArchiveCatalog.hpp"
#include "ArchiveHistory.hpp"
#include "FuzzSupport.hpp"
#include "UtcTime.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = pgproof::fuzz::writeInputFile(data, size, ".history.jsonl");
    pgproof::fuzz::expectDocumentedFailures([&] {
        namespace repo = pgproof::repository;
        repo::ArchiveInfo a;
        a.complete = true;
        a.history = repo::readHistory(path);
        for (const auto& r : a.history.records) {
            (void)r.toJson().dump();
            (void)r.passed();
            (void)pgproof::parseUtc(r.at);
        }
        for (const char* command : {"backup", "check", "verify", "restore", "drill"}) {
            (void)a.history.last(command);
            (void)a.history.lastPassed(command);
        }
        (void)a.history.lastProof();
        (void)a.proof();
        (void)a.lastPassedDrill();
        (void)a.state();
    });
    return 0;
}
