// pgproof diff: the full list of row differences between an archive and a live database, or two archives,
// with the sequences and large objects that differ.
#include <iostream>

#include "CommandLine.hpp"
#include "Diff.hpp"
#include "DiffReportWriter.hpp"
#include "Errors.hpp"
#include "MigrationPlan.hpp"
#include "ProgressLine.hpp"
#include "TableLocking.hpp"

namespace pgproof::cli {

int runDiff(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string baselinePath, otherPath, db, format = "text", output, tmpdir, lockWait;
    std::vector<std::string> tables;
    int jobs = kDefaultConnections;
    po::options_description desc("Options");
    desc.add_options()("baseline", po::value(&baselinePath)->value_name("BASELINE")->required(),
                       "an archive (pgproof backup), or a snapshot file (counts and fingerprints only)")(
        "other", po::value(&otherPath)->value_name("OTHER"), "a second archive (or snapshot file) to compare with, instead of a database")(
        "db", po::value(&db)->value_name("URL"),
        "the live database: connection string or postgres:// URI; also -d, --dbname (default: DATABASE_URL, then PG* variables)")(
        "table,t", po::value(&tables)->value_name("SCHEMA.NAME")->composing(), "only this table (repeatable; NAME alone means public.NAME)")(
        "format", po::value(&format)->value_name("text|csv|json"), "text (default), csv (one line per difference) or json")(
        "output,o", po::value(&output)->value_name("FILE|-"), "write the list to FILE (default: stdout); an existing FILE needs --force")(
        "jobs,j", po::value(&jobs)->value_name("N"), "with --db: database connections; between two archives: threads reading and comparing them (default: 2)")(
        "tmpdir", po::value(&tmpdir)->value_name("DIR"),
        "folder for the temporary row files (default: TMPDIR, else /tmp); removed on every exit")(
        "lock-wait-timeout", po::value(&lockWait)->value_name("DURATION"),
        "fail (exit 3) instead of waiting longer than this for a table lock (default: wait, as pg_dump)");
    addCommonFlags(desc, flags, false);
    addIdentityFlag(desc);
    addOutputFlags(desc, flags);
    po::positional_options_description pos;
    pos.add("baseline", 1).add("other", 1);
    auto vm = parseOptions(
        "diff", "pgproof diff BASELINE (--db URL | OTHER) [--table T]... [--format text|csv|json] [-o FILE] [--jobs N] [--tmpdir DIR]",
        "Lists every row that differs between an archive and the live database (read at one snapshot, as verify\n"
        "reads it), or between two archives (offline: \"what changed between last night's backup and tonight's\").\n"
        "Rows are matched by each table's key (primary key, else a NOT NULL unique index): lost, added, changed\n"
        "(with the columns and their old and new values) and duplicated keys; a table without a key is compared as\n"
        "a multiset of rows. Only tables whose count or fingerprint differ are read row by row. Sequences (lower,\n"
        "higher) and large objects (by OID where both sides hold them) are listed too.\n"
        "Exit 0 no difference, 1 differences, 2 bad input, 3 could not complete.",
        desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    const DiffFormat listFormat = parseDiffFormat(format);
    DiffOptions o;
    if (vm->count("other") && vm->count("db"))
        throw BadInputError("give either a second archive or --db, not both (pgproof diff BASELINE OTHER, or pgproof diff BASELINE --db URL)");
    if (vm->count("other")) o.other = otherPath;
    if (vm->count("db")) o.db = db;
    o.jobs = checkJobs(jobs);
    o.tmpdir = checkTmpdir(tmpdir);
    if (vm->count("lock-wait-timeout")) {
        checkLockWaitTimeout(lockWait);
        o.lockWaitTimeout = lockWait;
    }
    for (const auto& t : tables) o.tables.push_back(parseTableName(t));
    if (!output.empty() && output != "-") prepareOutputFile(output, flags);
    Baseline baseline = Baseline::load(baselinePath);
    DiffOutput out(output, listFormat);
    DiffListWriter list(listFormat, [&out](const std::string& text) { out.write(text); }, flags.verbose);
    list.begin();
    ProgressLine progress(progressWanted(flags));
    DiffReport report = runDiff(baseline, o, [&list](const QualifiedName& table, const RowDifference& d) {
        ProgressLine::clearForOutput();
        list.row(table, d);
    });
    progress.finish();
    report.other = o.other ? o.other->string() : report.other;
    list.finish(report);
    out.commit();
    if (!output.empty() && output != "-" && !flags.quiet) std::cerr << "pgproof diff: " << diffTotals(report) << "; the list is in " << output << "\n";
    return report.exitCode();
}

}  // namespace pgproof::cli
