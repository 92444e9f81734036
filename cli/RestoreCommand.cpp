// pgproof restore: parallel restore into an empty database, then proof.
#include <spdlog/spdlog.h>

#include "CommandLine.hpp"
#include "Errors.hpp"
#include "ParallelRestore.hpp"
#include "RestoreDrill.hpp"
#include "RestoreReport.hpp"
#include "ProgressLine.hpp"
#include "ReportPublisher.hpp"

namespace pgproof::cli {

int runRestore(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::string file, db, swapInto, server, create;
    bool noVerify = false, noOwner = false, noPrivileges = false, analyze = false;
    std::string role, globals;
    std::vector<std::string> excludeExtensions;
    int jobs = kDefaultConnections;
    po::options_description desc("Options");
    desc.add_options()("file", po::value(&file)->value_name("FILE|-")->required(), "the archive, or - to read it from stdin (once, in order)")(
        "db", po::value(&db)->value_name("URL"), "the EMPTY target database (conninfo or postgres:// URI; also -d, --dbname)")(
        "server", po::value(&server)->value_name("URL"), "with --create: the server (any database on it; default: DATABASE_URL, then PG*)")(
        "create", po::value(&create)->value_name("NAME"),
        "create database NAME on --server with the archive's encoding, locale and owner, and restore into it (a fresh server)")(
        "jobs,j", po::value(&jobs)->value_name("N"), "database connections for rows, indexes and the proof (default: 2)")(
        "no-verify", po::bool_switch(&noVerify), "skip the final verification (then nothing is proven)")(
        "analyze", po::bool_switch(&analyze), "ANALYZE every restored table (planner statistics), scheduled with the rest, timed apart")(
        "no-owner,O", po::bool_switch(&noOwner), "do not restore ownership (as pg_restore --no-owner): objects belong to the restoring role")(
        "no-privileges,x", po::bool_switch(&noPrivileges), "do not restore grants (as pg_restore --no-privileges)")(
        "exclude-extension", po::value(&excludeExtensions)->value_name("NAME")->composing(),
        "leave extension NAME out (repeatable): its CREATE EXTENSION, its configuration tables' data (reported as not covered) "
        "and grants on its own schemas; for pg_cron outside its cron.database_name, an extension the server lacks")(
        "globals", po::value(&globals)->value_name("FILE"),
        "the globals archive (backup --globals' NAME.globals.sql.zst, a file or s3://) to create the roles the archive needs "
        "from, instead of the one beside it; the way to create roles when the archive comes on stdin")(
        "role", po::value(&role)->value_name("NAME"), "SET ROLE NAME on every restore connection (as pg_restore --role)")(
        "swap-into", po::value(&swapInto)->value_name("NAME"),
        "once proven, rename the restored database to NAME, keeping the old NAME as NAME_before_restore_<date>");
    addCommonFlags(desc, flags, true);
    addIdentityFlag(desc);
    po::positional_options_description pos;
    pos.add("file", 1);
    auto vm = parseOptions("restore", "pgproof restore FILE|- (--db URL | [--server URL] --create NAME) [--jobs N] [--no-verify] [--analyze] [--no-owner] [--no-privileges] [--role NAME] [--globals FILE] [--exclude-extension NAME]... [--swap-into NAME] [--json FILE|-] [--junit FILE]",
                           "Restores an archive into an empty database: schema, then rows on N connections (frames checked on\n"
                           "the way); each table's indexes, keys and proof read (the table read back from the server) start\n"
                           "as soon as its rows are in, all on the same N connections; finally every table is proven equal to\n"
                           "the manifest (as verify --mode exact). A non-empty target is refused, unchanged.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    ReportPublisher& publisher = ReportPublisher::open("restore", file, flags);
    publisher.context()["baseline"] = {{"path", file}, {"kind", "archive"}};
    publisher.expectArchiveTables(file, "pgproof.verify.tables");
    RestoreOptions o;
    o.archive = file;
    if (vm->count("db") == vm->count("create"))
        throw BadInputError("restore needs exactly one of --db URL (an empty database) and --create NAME (a new one, on --server)");
    if (vm->count("server") && !vm->count("create")) throw BadInputError("--server goes with --create NAME; to restore into a database use --db URL");
    if (vm->count("create")) {
        if (create.empty()) throw BadInputError("--create needs a database name");
        o.target = ConnectionTarget::resolve(vm->count("server") ? std::optional(server) : std::nullopt);
        o.createDatabase = create;
    } else {
        o.target = ConnectionTarget(db);
    }
    o.jobs = checkJobs(jobs);
    o.verify = !noVerify;
    o.analyze = analyze;
    o.noOwner = noOwner;
    o.noPrivileges = noPrivileges;
    if (vm->count("role")) o.role = role;
    if (vm->count("globals")) o.globals = globals;
    o.excludeExtensions = excludeExtensions;
    if (vm->count("swap-into")) {
        if (swapInto.empty()) throw BadInputError("--swap-into needs a database name");
        if (noVerify) throw BadInputError("--swap-into needs the verification: a database is only swapped in once proven; drop --no-verify");
        o.swapInto = swapInto;
    }
    o.log = [](const std::string& s) { spdlog::info("{}", s); };
    ProgressLine progress(progressWanted(flags));
    RestoreResult r;
    try {
        r = runRestore(o);
    } catch (const ProofFailedError&) {
        // runRestore's contract: a ProofFailedError is the archive's own damage (a frame or the manifest),
        // found by the checks it makes while reading it.
        publisher.recorder().markArchiveDamaged();
        throw;
    }
    progress.finish();
    publisher.recorder().addFigures({.database = "", .tables = r.tables, .rows = r.rows, .bytes = std::nullopt, .recoverySeconds = r.timings.total,
                                .verdict = r.verification ? "" : "not verified"});
    if (r.verification && r.verification->exitCode() == 1) {
        // The archive's frames were checked while loading: what differs is the target's, and the record says what.
        publisher.recorder().markTargetFailed();
        publisher.explain(targetDifference(r, "restore"));
    }
    if (!r.swapProblem.empty()) spdlog::error("not swapped into {}: {}", *o.swapInto, r.swapProblem);
    const RestoreRequest asked{file, o.swapInto};
    ReportRenderers out;
    if (r.verification) {
        out.json = [&](const SettledOutcome& s) { return restoreJson(r, asked, s); };
        out.junit = [&](const SettledOutcome& s) { return restoreJUnit(r, asked, s); };
    }
    out.text = [&](const SettledOutcome& s) { return renderRestoreText(r, asked, s, {flags.quiet, flags.verbose}); };
    return publisher.publish(outcomeOfExitCode(r.exitCode()), out);
}

}  // namespace pgproof::cli
