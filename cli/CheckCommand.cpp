// pgproof check: prove an archive intact without a database.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ArchiveChecker.hpp"
#include "CommandLine.hpp"
#include "Errors.hpp"
#include "ProgressLine.hpp"
#include "ReportOutput.hpp"
#include "ReportSink.hpp"

namespace pgproof::cli {

int runCheck(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string file;
    int jobs = defaultThreads();
    po::options_description desc("Options");
    desc.add_options()("file", po::value(&file)->value_name("FILE|-")->required(), "the archive, or - to read it from stdin")(
        "jobs,j", po::value(&jobs)->value_name("N"), "decompression threads (default: number of cores)");
    addCommonFlags(desc, flags, true);
    addIdentityFlag(desc);
    po::positional_options_description pos;
    pos.add("file", 1);
    auto vm = parseOptions("check", "pgproof check FILE|- [--jobs N] [--identity FILE] [--json FILE|-] [--junit FILE]",
                           "Decompresses every frame in parallel (zstd content checksums), recounts and re-fingerprints\n"
                           "every table, and compares with the manifest. Exit 0 only if everything matches; exit 1 names\n"
                           "each damaged table or frame. With -, the archive is read from stdin once, in order (e.g. from\n"
                           "aws s3 cp s3://bucket/NAME.sql.zst -), and judged when the manifest at its end has arrived.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    ReportSink& sink = ReportSink::open("check", file, flags);
    sink.context()["archive"] = file;
    checkJobs(jobs);

    // A file is read by offset, frames in parallel; "-" is read once, in order, and judged when its manifest arrives.
    std::unique_ptr<ArchiveReader> reader;
    std::unique_ptr<ArchiveStream> stream;
    CheckReport report;
    std::string unreadable;  // the archive could not be read as one (its layout is damaged): nothing else is known
    ProgressLine progress(progressWanted(flags));
    try {
        if (ArchiveStream::readsAsStream(file)) {  // stdin, or an encrypted archive through age
            stream = ArchiveStream::open(file);
            report = checkArchiveStream(*stream, jobs);
        } else {
            reader = std::make_unique<ArchiveReader>(file);
            for (const auto& t : reader->manifest().tables) sink.expect("table", t.id().display(), "pgproof.check.tables");
            report = checkArchive(*reader, jobs);
        }
    } catch (const ProofFailedError& e) {
        unreadable = e.what();
    }
    progress.finish();
    const Manifest* m = unreadable.empty() ? (reader ? &reader->manifest() : &stream->manifest()) : nullptr;
    if (m)
        sink.recorder().addFigures({.database = "", .tables = m->tables.size(), .rows = m->totalRows(), .bytes = std::nullopt,
                                    .recoverySeconds = std::nullopt, .verdict = {}});
    const bool ok = unreadable.empty() && report.ok();
    // Every output lists the tables failures first, in archive order within each kind.
    std::vector<const TableCheck*> ordered;
    for (const auto& tc : report.tables) ordered.push_back(&tc);
    std::stable_partition(ordered.begin(), ordered.end(), [](const TableCheck* tc) { return !tc->ok(); });

    ReportRenderers out;
    out.json = [&](const SettledOutcome& s) {
        nlohmann::json json = {{"report", "pgproof-check"}, {"report_version", 1}, {"archive", file}, {"verdict", outcomeName(s.outcome)},
                               {"exit_code", s.exitCode()}};
        if (!s.error().empty()) json["error"] = s.error();
        if (!m) {
            json["problems"] = {unreadable};
            return json;
        }
        nlohmann::json tables = nlohmann::json::array();
        for (const TableCheck* tc : ordered) {
            const TableEntry& t = *tc->table;
            tables.push_back({{"schema", t.schema}, {"name", t.name}, {"rows", t.rows}, {"fingerprint", t.fingerprint},
                              {"actual_rows", tc->actual.rows}, {"actual_fingerprint", tc->actual.hex()}, {"ok", tc->ok()},
                              {"problems", tc->problems}});
        }
        json["tables"] = tables;
        nlohmann::json uncovered = nlohmann::json::array();
        for (const auto& u : m->notCovered) uncovered.push_back(uncoveredToJson(u));
        json["not_covered"] = uncovered;
        if (report.largeObjects) json["large_objects"] = {{"count", report.largeObjects->rows}, {"fingerprint", report.largeObjects->hex()}};
        json["problems"] = report.problems;
        json["frames"] = report.frames;
        json["raw_bytes"] = report.rawBytes;
        json["seconds"] = report.seconds;
        return json;
    };
    out.junit = [&](const SettledOutcome& s) {
        std::vector<JUnitCase> cases;
        appendOutcomeCase(cases, s, "pgproof.check");
        if (!m) cases.push_back({"pgproof.check", "archive", true, false, unreadable, "", 0});
        for (const TableCheck* tc : ordered)
            cases.push_back({"pgproof.check.tables", tc->table->id().display(), !tc->ok(), false, tc->ok() ? "" : tc->problems.front(), "", 0});
        for (const auto& p : report.problems) cases.push_back({"pgproof.check.frames", "layout/sql", true, false, p, "", 0});
        return renderJUnit("pgproof check " + file, cases, report.seconds);
    };
    out.text = [&](const SettledOutcome& s) {
        if (!m) return s.headline() + ": " + unreadable + "\n";
        std::string text;
        if (!flags.quiet) {
            std::vector<std::vector<std::string>> rows;
            for (const TableCheck* tc : ordered)
                rows.push_back({tc->table->id().display(), withThousands(tc->table->rows), tc->table->fingerprint,
                                tc->ok() ? "ok" : "DAMAGED: " + tc->problems.front()});
            text += renderTextTable({"TABLE", "ROWS", "FINGERPRINT", "STATUS"}, rows);
            for (const auto& u : m->notCovered)
                text += "not covered: " + u.id().display() + " (" + u.reason + "): its rows are not in the archive" +
                        (u.rows ? " (" + withThousands(*u.rows) + " at the backup)" : "") + "\n";
        }
        if (flags.quiet && s.outcome == Outcome::Proven) return text;
        for (const auto& p : report.problems) text += "DAMAGED: " + p + "\n";
        if (ok && s.outcome != Outcome::Proven)
            text += fmt::format("{}: {} is intact, but {} ({}); fix that and check again\n", outcomeHeadline(s.outcome), file, s.problem, s.detail);
        else if (ok)
            text += fmt::format("{}: {} is intact: {}; {} rows{}, {} frames, {} checked in {:.2f} s\n", s.headline(), file,
                                coverageSummary(m->tables.size(), m->notCovered), withThousands(m->totalRows()),
                                report.largeObjects && report.largeObjects->rows ? fmt::format(", {} large objects", report.largeObjects->rows) : "",
                                report.frames, humanBytes(report.rawBytes), report.seconds);
        else
            text += fmt::format("{}: {} is damaged: {} problem(s); do not rely on this archive\n", s.headline(), file, report.failures());
        return text;
    };
    return sink.publish(ok ? Outcome::Proven : Outcome::Failed, out);
}

}  // namespace pgproof::cli
