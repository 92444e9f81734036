#include "RepositoryListing.hpp"

#include <fmt/format.h>

#include "ReportOutput.hpp"
#include "UtcTime.hpp"
#include "UtcTime.hpp"

namespace pgproof::repository {

namespace {

std::string recordCell(const HistoryRecord* r, std::time_t now) {
    if (!r) return "-";
    auto t = parseUtc(r->at);
    std::string verdict = r->passed()                    ? "PASSED"
                          : r->damaged                   ? "DAMAGED"
                          : r->verdict == "target_failed" ? "TARGET FAILED"
                          : r->verdict == "failed"        ? "FAILED"
                                                          : r->verdict;
    return verdict + " " + (t ? describeAge(std::difftime(now, *t)) + " ago" : r->at);
}

nlohmann::json recordJson(const HistoryRecord* r) {
    if (!r) return nullptr;
    return r->toJson();
}

// One archive as list's JSON gives it, with the retention decision when there is one.
nlohmann::json archiveJson(const ArchiveInfo& a, std::time_t now, const RetentionDecision* d) {
    nlohmann::json j = {{"path", a.path.string()},
                        {"file", a.path.filename().string()},
                        {"database", a.database},
                        {"created", a.createdText},
                        {"seen", formatUtc(a.seen)},
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

}  // namespace

RepositoryListing::RepositoryListing(std::string repository, std::vector<DatabaseArchives> scan, const std::optional<RetentionPolicy>& policy,
                                     std::time_t now)
    : repository_(std::move(repository)), databases_(std::move(scan)), withRetention_(policy.has_value()), now_(now) {
    for (const auto& db : databases_) decisions_.push_back(policy ? decideRetention(db, *policy, now) : std::vector<RetentionDecision>{});
}

nlohmann::json RepositoryListing::toJson() const {
    nlohmann::json dbs = nlohmann::json::array();
    for (size_t k = 0; k < databases_.size(); ++k) {
        nlohmann::json archives = nlohmann::json::array();
        for (size_t i = 0; i < databases_[k].archives.size(); ++i)
            archives.push_back(archiveJson(databases_[k].archives[i], now_, withRetention_ ? &decisions_[k][i] : nullptr));
        dbs.push_back({{"database", databases_[k].database}, {"archives", archives}});
    }
    return {{"report", "pgproof-list"}, {"report_version", 1}, {"repository", repository_}, {"at", formatUtc(now_)}, {"databases", dbs}};
}

std::string RepositoryListing::text() const {
    std::string text;
    for (size_t k = 0; k < databases_.size(); ++k) {
        const auto& db = databases_[k];
        std::vector<std::vector<std::string>> rows;
        for (size_t i = 0; i < db.archives.size(); ++i) {
            const auto& a = db.archives[i];
            const auto* drill = a.history.last("drill");
            std::vector<std::string> row = {a.path.filename().string(), a.createdText, describeAge(std::difftime(now_, a.dated)),
                                            humanBytes(a.size), a.complete ? std::to_string(a.tables) : "-",
                                            a.complete ? withThousands(a.rows) : "-", a.state(), recordCell(a.history.last("check"), now_),
                                            recordCell(drill, now_),
                                            drill && drill->recoverySeconds ? fmt::format("{:.1f} s", *drill->recoverySeconds) : "-",
                                            a.pin ? "pinned" + (a.pin->reason.empty() ? "" : ": " + a.pin->reason) : "-"};
            if (withRetention_) {
                const auto& d = decisions_[k][i];
                row.push_back((d.remove ? "remove: " : "keep: ") + d.reasons.front() +
                              (d.reasons.size() > 1 ? fmt::format(" (+{})", d.reasons.size() - 1) : ""));
            }
            rows.push_back(row);
        }
        std::vector<std::string> header = {"ARCHIVE", "CREATED", "AGE", "SIZE", "TABLES", "ROWS", "STATE", "LAST CHECK", "LAST DRILL", "RTO", "PIN"};
        if (withRetention_) header.push_back("RETENTION");
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
    if (databases_.empty()) text += "no database folder in " + repository_ + ": no backups yet\n";
    return text;
}

}  // namespace pgproof::repository
