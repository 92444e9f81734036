#include "RepositoryCommands.hpp"

#include <spdlog/spdlog.h>

#include "ArchiveChecker.hpp"
#include "ArchiveReader.hpp"
#include "Errors.hpp"
#include "TimeText.hpp"
#include "UtcTime.hpp"

namespace pgproof::cli {

void addRetentionFlags(po::options_description& options, RetentionFlags& f) {
    options.add_options()("keep-last", po::value(&f.keepLast)->value_name("N"),
        "keep the N newest full backups of each database (partial ones only in addition: docs/REPOSITORY.md)")(
        "keep-days", po::value(&f.keepDays)->value_name("D"), "keep every backup younger than D days")(
        "keep-daily", po::value(&f.keepDaily)->value_name("D"), "keep the newest backup of each of the D newest days that have one (UTC)")(
        "keep-weekly", po::value(&f.keepWeekly)->value_name("W"), "keep the newest backup of each of the W newest ISO weeks that have one")(
        "keep-monthly", po::value(&f.keepMonthly)->value_name("M"), "keep the newest backup of each of the M newest months that have one")(
        "remove-damaged", po::bool_switch(&f.removeDamaged),
        "also remove damaged archives: incomplete, or found damaged by a check (kept and listed otherwise)");
}

std::optional<repository::RetentionPolicy> retentionPolicy(const po::variables_map& vm, const RetentionFlags& f) {
    bool any = vm.count("keep-last") || vm.count("keep-days") || vm.count("keep-daily") || vm.count("keep-weekly") ||
               vm.count("keep-monthly");
    if (!any) return std::nullopt;
    if (!vm.count("keep-last")) throw BadInputError("--keep-last N is required with a retention policy (it is the floor: pass 0 to rely on the other rules)");
    if (f.keepLast < 0) throw BadInputError("--keep-last must be 0 or more, got " + std::to_string(f.keepLast));
    if (vm.count("keep-days") && !(f.keepDays > 0)) throw BadInputError("--keep-days must be more than 0");
    if (f.keepDaily < 0 || f.keepWeekly < 0 || f.keepMonthly < 0) throw BadInputError("--keep-daily, --keep-weekly and --keep-monthly must be 0 or more");
    repository::RetentionPolicy p;
    p.keepLast = static_cast<size_t>(f.keepLast);
    if (vm.count("keep-days")) p.keepDays = f.keepDays;
    p.keepDaily = static_cast<size_t>(f.keepDaily);
    p.keepWeekly = static_cast<size_t>(f.keepWeekly);
    p.keepMonthly = static_cast<size_t>(f.keepMonthly);
    p.removeDamaged = f.removeDamaged;
    return p;
}

void checkWrittenArchive(ReportSink& sink, const std::string& archive, int jobs) {
    std::optional<ArchiveReader> opened;
    std::unique_ptr<ArchiveStream> stream;
    CheckReport report;
    if (ArchiveStream::readsAsStream(archive)) {  // encrypted: through age, with the --identity given
        stream = ArchiveStream::open(archive);
        report = checkArchiveStream(*stream, jobs);
    } else {
        opened.emplace(archive);
        report = checkArchive(*opened, jobs);
    }
    const Manifest& manifest = stream ? stream->manifest() : opened->manifest();
    repository::HistoryRecord r;
    r.at = utcNow();
    r.command = "check";
    r.exitCode = report.ok() ? 0 : 1;
    r.verdict = outcomeName(outcomeOfExitCode(r.exitCode));
    r.seconds = report.seconds;
    r.tables = manifest.tables.size();
    r.rows = manifest.totalRows();
    std::string first = !report.problems.empty() ? report.problems.front() : "";
    for (const auto& t : report.tables)
        if (first.empty() && !t.ok()) first = t.table->id().display() + ": " + t.problems.front();
    if (!report.ok()) r.error = first;
    r.damaged = !report.ok();
    if (opened) r.manifestChecksum = opened->manifestChecksumText();  // an encrypted one binds by its ciphertext (RunRecorder)
    for (const auto& problem : sink.recorder().recordNow(r)) spdlog::warn("{}", problem);
    if (!report.ok())
        throw ProofFailedError("--check: the archive " + archive + " just written does not read back intact (" +
                               std::to_string(report.failures()) + " problem(s), first: " + first + "); do not rely on it");
}

namespace {
nlohmann::json recordJson(const repository::HistoryRecord* r) {
    if (!r) return nullptr;
    nlohmann::json j = r->toJson();
    return j;
}
}  // namespace

nlohmann::json archiveJson(const repository::ArchiveInfo& a, std::time_t now, const repository::RetentionDecision* d) {
    nlohmann::json j = {{"path", a.path.string()},
                        {"file", a.path.filename().string()},
                        {"database", a.database},
                        {"created", a.createdText},
                        {"seen", repository::formatUtc(a.seen)},
                        {"age_seconds", std::difftime(now, a.dated)},
                        {"clock_note", a.clockNote},
                        {"size", a.size},
                        {"complete", a.complete},
                        {"encrypted", a.encrypted},
                        {"damaged", a.damaged()},
                        {"partial", a.isPartial()},
                        {"not_covered", a.partial},
                        {"full", a.isFull()},
                        {"proven", a.proof() != nullptr},
                        {"manifest_checksum", a.manifestChecksum},
                        {"state", a.state()},
                        {"problem", a.problem},
                        {"tables", a.tables},
                        {"rows", a.rows},
                        {"last_check", recordJson(a.history.last("check"))},
                        {"last_drill", recordJson(a.history.last("drill"))},
                        {"last_proof", recordJson(a.history.lastProof())},
                        {"history_records", a.history.records.size()},
                        {"history_ignored", a.history.ignored},
                        {"history_problems", a.history.problems}};
    j["pinned"] = a.pin ? nlohmann::json{{"at", a.pin->at}, {"reason", a.pin->reason}, {"by", a.pin->by}} : nlohmann::json(nullptr);
    j["retention"] = d ? nlohmann::json{{"action", d->remove ? "remove" : "keep"}, {"reasons", d->reasons}} : nlohmann::json(nullptr);
    return j;
}

}  // namespace pgproof::cli
