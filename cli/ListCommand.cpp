// pgproof list: the archives of a repository, with their proofs, pins and what retention would do.
#include <fmt/format.h>

#include <ctime>
#include <iostream>

#include "ProgressLine.hpp"
#include "ArchiveCatalog.hpp"
#include "CommandLine.hpp"
#include "RepositoryCommands.hpp"
#include "ReportOutput.hpp"
#include "UtcTime.hpp"

namespace pgproof::cli {

namespace {
std::string recordCell(const repository::HistoryRecord* r, std::time_t now) {
    if (!r) return "-";
    auto t = parseUtc(r->at);
    std::string verdict = r->passed()                    ? "PASSED"
                          : r->damaged                   ? "DAMAGED"
                          : r->verdict == "target_failed" ? "TARGET FAILED"
                          : r->verdict == "failed"        ? "FAILED"
                                                          : r->verdict;
    return verdict + " " + (t ? describeAge(std::difftime(now, *t)) + " ago" : r->at);
}
}  // namespace

int runList(const std::vector<std::string>& args) {
    CommonFlags flags;
    RetentionFlags retention;
    std::string dir;
    po::options_description desc("Options");
    desc.add_options()("repo", po::value(&dir)->value_name("DIR")->required(), "the repository")(
        "json", po::value(&flags.json)->value_name("FILE|-"), "write the list as JSON (docs/REPOSITORY.md) to FILE, or - for stdout");
    addRetentionFlags(desc, retention);
    addCommonFlags(desc, flags, false);
    po::positional_options_description pos;
    pos.add("repo", 1);
    auto vm = parseOptions("list", "pgproof list DIR [--json FILE|-] [--keep-last N [--keep-days D] [--keep-daily D] [--keep-weekly W] [--keep-monthly M]]",
                           "Lists every archive of the repository DIR, newest first per database: created and age, size,\n"
                           "tables, rows, state (proven, unproven, partial, DAMAGED), last check and last drill (verdict, when,\n"
                           "recovery time), pin; with retention flags, what prune would do with each and why.\n"
                           "Exit 0; 2 not a repository; 3 the repository cannot be read.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    auto policy = retentionPolicy(*vm, retention);
    ProgressLine progress(progressWanted(flags));
    auto scan = repository::scanRepository(dir);
    progress.finish();
    std::time_t now = std::time(nullptr);

    nlohmann::json dbs = nlohmann::json::array();
    std::string text;
    for (const auto& db : scan) {
        std::vector<repository::RetentionDecision> decisions;
        if (policy) decisions = repository::decideRetention(db, *policy, now);
        nlohmann::json archives = nlohmann::json::array();
        std::vector<std::vector<std::string>> rows;
        for (size_t i = 0; i < db.archives.size(); ++i) {
            const auto& a = db.archives[i];
            const auto* d = policy ? &decisions[i] : nullptr;
            archives.push_back(archiveJson(a, now, d));
            const auto* drill = a.history.last("drill");
            std::vector<std::string> row = {a.path.filename().string(), a.createdText, describeAge(std::difftime(now, a.dated)),
                                            humanBytes(a.size), a.complete ? std::to_string(a.tables) : "-",
                                            a.complete ? withThousands(a.rows) : "-", a.state(), recordCell(a.history.last("check"), now),
                                            recordCell(drill, now),
                                            drill && drill->recoverySeconds ? fmt::format("{:.1f} s", *drill->recoverySeconds) : "-",
                                            a.pin ? "pinned" + (a.pin->reason.empty() ? "" : ": " + a.pin->reason) : "-"};
            if (d) row.push_back((d->remove ? "remove: " : "keep: ") + d->reasons.front() +
                                 (d->reasons.size() > 1 ? fmt::format(" (+{})", d->reasons.size() - 1) : ""));
            rows.push_back(row);
        }
        dbs.push_back({{"database", db.database}, {"archives", archives}});
        std::vector<std::string> header = {"ARCHIVE", "CREATED", "AGE", "SIZE", "TABLES", "ROWS", "STATE", "LAST CHECK", "LAST DRILL", "RTO", "PIN"};
        if (policy) header.push_back("RETENTION");
        text += db.database + ": " + std::to_string(db.backups()) + " full backup(s), " + std::to_string(db.partials()) + " partial, " +
                std::to_string(db.damagedCount()) + " damaged\n";
        if (!rows.empty()) text += renderTextTable(header, rows);
        for (const auto& a : db.archives) {
            if (a.isPartial() && !a.damaged())
                text += "note: " + a.path.filename().string() + " is partial (" + a.partial + "): never counted as a full backup\n";
            if (!a.clockNote.empty()) text += "note: " + a.path.filename().string() + ": " + a.clockNote + "\n";
            for (const auto& p : a.history.problems) text += "note: " + p + "\n";
        }
    }
    if (scan.empty()) text += "no database folder in " + dir + ": no backups yet\n";
    if (!flags.json.empty())
        writeReportDocument(flags.json, {{"report", "pgproof-list"}, {"report_version", 1}, {"repository", dir},
                                         {"at", formatUtc(now)}, {"databases", dbs}});
    if (flags.json != "-" && !flags.quiet) std::cout << text;
    return 0;
}

}  // namespace pgproof::cli
