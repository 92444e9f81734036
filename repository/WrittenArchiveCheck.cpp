#include "WrittenArchiveCheck.hpp"

#include <spdlog/spdlog.h>

#include "ArchiveChecker.hpp"
#include "OpenedArchive.hpp"
#include "Errors.hpp"
#include "Outcome.hpp"
#include "UtcTime.hpp"

namespace pgproof::repository {

void checkWrittenArchive(RunRecorder& recorder, const std::string& archive, int jobs) {
    OpenedArchive opened(archive);  // an encrypted archive: decrypted as a stream, with the --identity given
    CheckReport report = checkArchive(opened, jobs);
    HistoryRecord r;
    r.at = utcNow();
    r.command = "check";
    r.exitCode = report.ok() ? 0 : 1;
    r.verdict = outcomeName(outcomeOfExitCode(r.exitCode));
    r.seconds = report.seconds;
    r.tables = opened.manifest().tables.size();
    r.rows = opened.manifest().totalRows();
    std::string first = !report.problems.empty() ? report.problems.front() : "";
    for (const auto& t : report.tables)
        if (first.empty() && !t.ok()) first = t.table->id().display() + ": " + t.problems.front();
    if (!report.ok()) r.error = first;
    r.damaged = !report.ok();
    // An encrypted archive's records bind to its ciphertext instead (RunRecorder).
    if (opened.reader()) r.manifestChecksum = opened.reader()->manifestChecksumText();
    for (const auto& problem : recorder.recordNow(r)) spdlog::warn("{}", problem);
    if (!report.ok())
        throw ProofFailedError("--check: the archive " + archive + " just written does not read back intact (" +
                               std::to_string(report.failures()) + " problem(s), first: " + first + "); do not rely on it");
}

}  // namespace pgproof::repository
