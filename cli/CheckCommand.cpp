// pgproof check: prove an archive intact without a database.
#include "ArchiveChecker.hpp"
#include "CheckReportWriter.hpp"
#include "CommandLine.hpp"
#include "Errors.hpp"
#include "ProgressLine.hpp"
#include "ReportPublisher.hpp"

namespace pgproof::cli {

int runCheck(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string file;
    int jobs = defaultThreads();
    po::options_description desc("Options");
    desc.add_options()("file", po::value(&file)->value_name("FILE|-")->required(), "the archive, or - to read it from stdin")(
        "jobs,j", po::value(&jobs)->value_name("N"), "decompression threads; check opens no connection (default: number of cores)");
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
    ReportPublisher& publisher = ReportPublisher::open("check", file, flags);
    publisher.context()["archive"] = file;
    checkJobs(jobs);

    // Random access reads frames by offset in parallel; a stream is read once, in order, and judged when its manifest arrives.
    std::optional<OpenedArchive> archive;
    CheckReport report;
    std::string unreadable;  // the archive could not be read as one (its layout is damaged): nothing else is known
    ProgressLine progress(progressWanted(flags));
    try {
        archive.emplace(file);
        if (archive->manifestKnown())
            for (const auto& t : archive->manifest().tables) publisher.expect("table", t.id().display(), "pgproof.check.tables");
        report = checkArchive(*archive, jobs);
    } catch (const ProofFailedError& e) {
        unreadable = e.what();
    }
    progress.finish();
    const Manifest* m = unreadable.empty() ? &archive->manifest() : nullptr;
    if (m)
        publisher.recorder().addFigures({.database = "", .tables = m->tables.size(), .rows = m->totalRows(), .bytes = std::nullopt,
                                    .recoverySeconds = std::nullopt, .verdict = {}});
    const CheckRun run(file, m, std::move(report), unreadable);
    ReportRenderers out;
    out.json = [&](const SettledOutcome& s) { return checkJson(run, s); };
    out.junit = [&](const SettledOutcome& s) { return checkJUnit(run, s); };
    out.text = [&](const SettledOutcome& s) { return renderCheckText(run, s, {flags.quiet, flags.verbose}); };
    return publisher.publish(run.ok() ? Outcome::Proven : Outcome::Failed, out);
}

}  // namespace pgproof::cli
