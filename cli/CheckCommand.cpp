// pgproof check: prove an archive intact without a database.
#include <fmt/format.h>
#include <unistd.h>

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
    po::positional_options_description pos;
    pos.add("file", 1);
    auto vm = parseOptions("check", "pgproof check FILE|- [--jobs N] [--json FILE|-] [--junit FILE]",
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

    // With --json -, stdout carries the report alone; the human summary moves to stderr.
    std::ostream& human = flags.json == "-" ? std::cerr : std::cout;
    nlohmann::json json = {{"report", "pgproof-check"}, {"report_version", 1}, {"archive", file}};
    std::vector<JUnitCase> cases;
    std::vector<std::string> unrecorded;
    auto finish = [&](bool ok, double secs) {
        sink.guardProof(ok ? 0 : 1);
        // The history first (an archive of a repository): a proof its history will not show is not reported
        // as one, it is incomplete (exit 3).
        unrecorded = sink.recordOutcome(ok ? 0 : 1);
        json["verdict"] = !ok ? "failed" : unrecorded.empty() ? "proven" : "incomplete";
        if (ok && !unrecorded.empty()) {
            json["error"] = "the archive is intact, but the check could not be recorded: " + unrecorded.front();
            cases.push_back({"pgproof.check", "history record", false, true, unrecorded.front(), "", 0});
        }
        sink.writeJson(json);
        sink.writeJUnit(renderJUnit("pgproof check " + file, cases, secs));
    };

    // A file is read by offset, frames in parallel; "-" is read once, in order, and judged when its manifest arrives.
    std::unique_ptr<ArchiveReader> reader;
    std::unique_ptr<ArchiveStream> stream;
    CheckReport report;
    ProgressLine progress(progressWanted(flags));
    try {
        if (file == "-") {
            stream = std::make_unique<ArchiveStream>(STDIN_FILENO, "the archive on standard input");
            report = checkArchiveStream(*stream, jobs);
        } else {
            reader = std::make_unique<ArchiveReader>(file);
            for (const auto& t : reader->manifest().tables) sink.expect("table", t.id().display(), "pgproof.check.tables");
            report = checkArchive(*reader, jobs);
        }
    } catch (const ProofFailedError& e) {
        progress.finish();
        json["problems"] = {e.what()};
        cases.push_back({"pgproof.check", "archive", true, false, e.what(), "", 0});
        finish(false, 0);
        human << "FAILED: " << e.what() << "\n";
        return static_cast<int>(ExitCode::ProofFailed);
    }
    progress.finish();
    const Manifest& m = reader ? reader->manifest() : stream->manifest();
    sink.recorder().addFigures({.database = "", .tables = m.tables.size(), .rows = m.totalRows(), .bytes = std::nullopt, .recoverySeconds = std::nullopt, .verdict = {}});

    std::vector<std::vector<std::string>> rows;
    nlohmann::json tables = nlohmann::json::array();
    for (int pass = 0; pass < 2; ++pass)  // failures first
        for (const auto& tc : report.tables) {
            if (tc.ok() != (pass == 1)) continue;
            const TableEntry& t = *tc.table;
            std::string status = tc.ok() ? "ok" : "DAMAGED: " + tc.problems.front();
            rows.push_back({t.id().display(), withThousands(t.rows), t.fingerprint, status});
            nlohmann::json tj = {{"schema", t.schema}, {"name", t.name},         {"rows", t.rows},
                                 {"fingerprint", t.fingerprint}, {"actual_rows", tc.actual.rows},
                                 {"actual_fingerprint", tc.actual.hex()}, {"ok", tc.ok()}, {"problems", tc.problems}};
            tables.push_back(tj);
            cases.push_back({"pgproof.check.tables", t.id().display(), !tc.ok(), false,
                             tc.ok() ? "" : tc.problems.front(), "", 0});
        }
    for (const auto& p : report.problems) cases.push_back({"pgproof.check.frames", "layout/sql", true, false, p, "", 0});
    json["tables"] = tables;
    nlohmann::json uncovered = nlohmann::json::array();
    for (const auto& u : m.notCovered) uncovered.push_back(uncoveredToJson(u));
    json["not_covered"] = uncovered;
    if (report.largeObjects) json["large_objects"] = {{"count", report.largeObjects->rows}, {"fingerprint", report.largeObjects->hex()}};
    json["problems"] = report.problems;
    json["frames"] = report.frames;
    json["raw_bytes"] = report.rawBytes;
    json["seconds"] = report.seconds;
    finish(report.ok(), report.seconds);

    if (!flags.quiet || !report.ok()) {
        if (!flags.quiet) human << renderTextTable({"TABLE", "ROWS", "FINGERPRINT", "STATUS"}, rows);
        if (!flags.quiet)
            for (const auto& u : m.notCovered)
                human << "not covered: " << u.id().display() << " (" << u.reason << "): its rows are not in the archive"
                      << (u.rows ? " (" + withThousands(*u.rows) + " at the backup)" : "") << "\n";
        for (const auto& p : report.problems) human << "DAMAGED: " << p << "\n";
        if (report.ok() && !unrecorded.empty())
            human << fmt::format("INCOMPLETE: {} is intact, but the check could not be recorded in its history ({}); "
                                 "free space there and check again\n", file, unrecorded.front());
        else if (report.ok())
            human << fmt::format("PROVEN: {} is intact: {}; {} rows{}, {} frames, {} checked in {:.2f} s\n", file,
                                 coverageSummary(m.tables.size(), m.notCovered), withThousands(m.totalRows()),
                                 report.largeObjects && report.largeObjects->rows
                                     ? fmt::format(", {} large objects", report.largeObjects->rows) : "",
                                 report.frames,
                                 humanBytes(report.rawBytes), report.seconds);
        else
            human << fmt::format("FAILED: {} is damaged: {} problem(s); do not rely on this archive\n", file,
                                 report.failures());
    }
    if (report.ok() && !unrecorded.empty()) return static_cast<int>(ExitCode::Incomplete);
    return static_cast<int>(report.ok() ? ExitCode::Proven : ExitCode::ProofFailed);
}

}  // namespace pgproof::cli
