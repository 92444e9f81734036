// pgproof backup: parse, run the backup (backup/Backup), print the summary.
#include <fmt/format.h>

#include <filesystem>

#include "AgeEncryption.hpp"
#include "AllDatabasesBackup.hpp"
#include "Backup.hpp"
#include "BackupReport.hpp"
#include "ServerGlobals.hpp"
#include "CommandLine.hpp"
#include "ConnectionTarget.hpp"
#include "PlanEvaluator.hpp"
#include "ServerDatabases.hpp"
#include "ProgressLine.hpp"
#include "Errors.hpp"
#include "PgConnection.hpp"
#include "Repository.hpp"
#include "RepositoryStore.hpp"
#include "ReportPublisher.hpp"
#include "S3Url.hpp"
#include "WrittenArchiveCheck.hpp"
#include "TableLocking.hpp"

namespace pgproof::cli {

int runBackup(const std::vector<std::string>& rawArgs) {
    auto [args, pgDumpArgs] = splitAtDashes(rawArgs);
    BackupOptions o;
    CommonFlags flags;
    std::string output, db, plan, repo, name;
    int jobs = 1, compressThreads = defaultThreads();
    bool checkAfter = false, allDatabases = false, globals = false, noRolePasswords = false;
    DatabasePatterns patterns;
    po::options_description desc("Options");
    desc.add_options()("output,o", po::value(&output)->value_name("FILE|-"),
                       "archive to write (NAME.sql.zst); written to a temporary name, moved into place when complete; "
                       "- streams it to stdout (| aws s3 cp - s3://...)")(
        "repo", po::value(&repo)->value_name("DIR|s3://BUCKET/PREFIX"),
        "instead of -o: write into the repository DIR (a folder or a bucket prefix) as DIR/DATABASE/DATABASE-<UTC timestamp>.sql.zst (docs/REPOSITORY.md)")(
        "name", po::value(&name)->value_name("NAME"), "with --repo: the folder and name prefix instead of the database's name")(
        "all-databases", po::bool_switch(&allDatabases),
        "with --repo: back up every database of the server that allows connections (templates never), one archive each, "
        "one time stamp; --db then says where to list them (docs/REPOSITORY.md)")(
        "include-database", po::value(&patterns.include)->value_name("PATTERN")->composing(),
        "with --all-databases: only databases whose name matches (shell-style *, ?, [...]; repeatable)")(
        "exclude-database", po::value(&patterns.exclude)->value_name("PATTERN")->composing(),
        "with --all-databases: leave out databases whose name matches (repeatable; wins over --include-database)")(
        "db", po::value(&db)->value_name("URL"), "connection string or postgres:// URI; also -d, --dbname (default: DATABASE_URL, then PG* variables)")(
        "jobs,j", po::value(&jobs)->value_name("N"),
        "connections reading table data at the snapshot, as pg_dump -j N (default 1: pg_dump reads everything on its own "
        "connection); with N >= 2 pgproof COPYs the plain tables on N connections and pg_dump writes the rest (docs/ARCHIVE.md)")(
        "compress-threads", po::value(&compressThreads)->value_name("N"),
        "threads compressing and fingerprinting the archive's frames (default: number of cores)")(
        "level", po::value(&o.level)->value_name("N")->default_value(3), "zstd level, 1-19")(
        "from-stdin", po::bool_switch(&o.fromStdin), "read a plain pg_dump script from stdin instead of running pg_dump")(
        "plan", po::value(&plan)->value_name("FILE"), "migration plan (YAML): record its filtered counts in the manifest")(
        "pg-dump", po::value<std::string>()->value_name("PATH"),
        "pg_dump to run (default: PGPROOF_PG_DUMP, else the server's version under /usr/lib/postgresql/N/bin, else the "
        "newest there, else PATH's); refused if older than the server")(
        "globals", po::bool_switch(&globals),
        "also record the server's roles, memberships, role settings and tablespaces (pg_dumpall --globals-only) beside the "
        "archive as NAME.globals.sql.zst; restore and drill create the roles the archive needs from it")(
        "no-role-passwords", po::bool_switch(&noRolePasswords),
        "with --globals: leave role passwords out (pg_dumpall --no-role-passwords; needed without access to pg_authid, "
        "as for a role with pg_read_all_data or on hosted services)")(
        "check", po::bool_switch(&checkAfter), "then read the archive back and prove it intact, as pgproof check (recorded in a repository's history)")(
        "encrypt-to", po::value(&o.encryptTo.keys)->value_name("RECIPIENT")->composing(),
        "encrypt the archive with age to this public key (age1..., repeatable): NAME.sql.zst.age (docs/ENCRYPTION.md)")(
        "encrypt-to-file", po::value<std::vector<std::string>>()->value_name("FILE")->composing(),
        "encrypt to every recipient listed in FILE (age's recipients file, repeatable)")(
        "lock-wait-timeout", po::value(&o.lockWaitTimeout)->value_name("DURATION"),
        "fail (exit 3) instead of waiting longer than this for a table lock, e.g. 30s (default: wait, as pg_dump)");
    addCommonFlags(desc, flags, true);
    addOutputFlags(desc, flags);
    addIdentityFlag(desc);  // for --check of an encrypted archive
    auto vm = parseOptions("backup", "pgproof backup (-o FILE|-|s3://BUCKET/KEY [--force] | --repo DIR|s3://BUCKET/PREFIX [--name NAME | --all-databases [--include-database PATTERN]... [--exclude-database PATTERN]...]) [--db URL] [--jobs N] [--compress-threads N] [--level N] [--from-stdin] [--globals [--no-role-passwords]] [--check] [--plan FILE] [--pg-dump PATH] "
                           "[--encrypt-to RECIPIENT]... [--encrypt-to-file FILE]... [--identity FILE] "
                           "[--lock-wait-timeout DURATION] [--json FILE|-] [--junit FILE] [-- PG_DUMP_ARGS]",
                           "Runs pg_dump (plain format, pinned session settings, at a snapshot pgproof exported) and streams\n"
                           "its output through parallel zstd compression, recording every table's row count and fingerprint.\n"
                           "With --jobs N (N >= 2) N connections read the plain tables' data at the same snapshot.\n"
                           "Arguments after -- go to pg_dump (e.g. -- -n app --no-owner).",
                           desc, po::positional_options_description(), args);
    if (!vm) return 0;
    setUpLogging(flags);
    if ((vm->count("include-database") || vm->count("exclude-database")) && !allDatabases)
        throw BadInputError("--include-database and --exclude-database choose databases for --all-databases: add it");
    if (noRolePasswords && !globals) throw BadInputError("--no-role-passwords applies to --globals: add --globals");
    if (vm->count("encrypt-to-file"))
        for (const auto& f : (*vm)["encrypt-to-file"].as<std::vector<std::string>>()) o.encryptTo.files.emplace_back(f);
    const bool encrypted = !o.encryptTo.empty();
    // The globals hold role password hashes: never written in the clear beside an encrypted archive.
    if (globals && encrypted)
        throw BadInputError("--globals cannot be combined with --encrypt-to yet: the globals hold role password hashes and "
                            "would be written beside the archive in the clear; leave --globals out");
    if (checkAfter && encrypted && AgeIdentities::current().empty())
        throw BadInputError("--check reads the encrypted archive back: it needs the key too (--identity FILE or PGPROOF_AGE_IDENTITY=FILE)");
    if (allDatabases) {
        if (repo.empty() || vm->count("output")) throw BadInputError("--all-databases writes one archive per database into a repository: give --repo DIR, not -o");
        if (vm->count("name")) throw BadInputError("--all-databases names each archive after its database: drop --name");
        if (o.fromStdin || vm->count("plan")) throw BadInputError("--all-databases runs pg_dump on each database: --from-stdin and --plan do not apply");
        AllDatabasesBackup run;
        run.repo = repo;
        if (vm->count("db")) run.db = db;
        run.patterns = patterns;
        run.checkAfter = checkAfter;
        run.globals = globals;
        run.noRolePasswords = noRolePasswords;
        run.each.connections = checkJobs(jobs);
        run.each.compressThreads = checkThreads(compressThreads);
        run.each.level = o.level;
        if (o.level < 1 || o.level > 19) throw BadInputError("--level must be between 1 and 19, got " + std::to_string(o.level));
        validatePgDumpArgs(pgDumpArgs);
        run.each.pgDumpArgs = pgDumpArgs;
        if (vm->count("pg-dump")) run.each.pgDump = (*vm)["pg-dump"].as<std::string>();
        if (vm->count("lock-wait-timeout")) checkLockWaitTimeout(o.lockWaitTimeout);
        run.each.lockWaitTimeout = o.lockWaitTimeout;
        run.each.encryptTo = o.encryptTo;
        return runAllDatabasesBackup(run, flags);
    }
    if (vm->count("output") == vm->count("repo")) throw BadInputError("backup needs exactly one of -o FILE|- and --repo DIR");
    if (vm->count("name") && !vm->count("repo")) throw BadInputError("--name names an archive of a repository: it needs --repo DIR");
    ReportPublisher& publisher = ReportPublisher::open("backup", repo.empty() ? output : repo, flags);
    if (!repo.empty()) {
        if (o.fromStdin && name.empty()) throw BadInputError("--repo with --from-stdin needs --name NAME: there is no database to name the archive after");
        if (name.empty()) name = PgConnection::connect(ConnectionTarget::resolve(vm->count("db") ? std::optional(db) : std::nullopt), "pgproof backup").database();
        auto store = repository::RepositoryStore::open(repo);
        store->create();
        auto reserved = repository::ReservedArchive::reserve(*store, name, std::time(nullptr), encrypted);
        output = reserved.archive();
        publisher.recorder().holdReservation(std::move(reserved));
    }
    publisher.context()["archive"] = {{"path", output}};
    o.output = output;
    o.overwrite = flags.force;
    if (S3Url::is(output)) {
        S3Url::parseObject(output);  // a malformed URL fails here, before pg_dump starts (exit 2)
    }
    if (checkAfter && output == "-") throw BadInputError("--check reads the archive back from its file: it does not work with -o - (check the stream where it lands)");
    if (output == "-" && flags.json == "-") throw BadInputError("-o - and --json - both write to stdout: send the report to a file (--json FILE)");
    if (vm->count("db")) o.db = db;
    if (!o.fromStdin) publisher.recorder().setServer(serverLabel(ConnectionTarget::resolve(o.db)));
    if (o.fromStdin && vm->count("db")) throw BadInputError("--from-stdin and --db exclude each other: the dump comes from stdin");
    if (o.fromStdin && !pgDumpArgs.empty()) throw BadInputError("pg_dump arguments after -- make no sense with --from-stdin");
    o.connections = checkJobs(jobs);
    o.compressThreads = checkThreads(compressThreads);
    if (o.fromStdin && vm->count("jobs")) throw BadInputError("--jobs sets the connections reading the database; with --from-stdin there is none: use --compress-threads");
    if (o.level < 1 || o.level > 19) throw BadInputError("--level must be between 1 and 19, got " + std::to_string(o.level));
    o.pgDumpArgs = pgDumpArgs;
    if (vm->count("pg-dump")) {
        if (o.fromStdin) throw BadInputError("--pg-dump makes no sense with --from-stdin: no pg_dump runs");
        o.pgDump = (*vm)["pg-dump"].as<std::string>();
    }
    if (vm->count("lock-wait-timeout")) checkLockWaitTimeout(o.lockWaitTimeout);
    if (vm->count("plan")) {
        if (o.fromStdin) throw BadInputError("--plan needs the database (its filtered counts are read at the backup's snapshot); it does not work with --from-stdin");
        auto p = std::make_shared<MigrationPlan>(MigrationPlan::load(plan));
        o.atSnapshot = [p](const PgConnection& c) { return recordPlanBaseline(*p, c); };
    }
    std::optional<GlobalsResult> written;
    if (globals) written = writeGlobalsBeside(o, output, flags.force, noRolePasswords);
    ProgressLine progress(progressWanted(flags));
    BackupResult r;
    try {
        r = runBackup(o);
    } catch (...) {
        // Globals without the archive they were written for are no backup: do not leave them behind.
        std::error_code ec;
        if (written) std::filesystem::remove(written->path, ec);
        throw;
    }
    progress.finish();
    if (checkAfter && output != "-") repository::checkWrittenArchive(publisher.recorder(), output, o.compressThreads);
    if (checkAfter && written) checkWrittenGlobals(*written, o.compressThreads);
    const Manifest& m = r.manifest;
    publisher.recorder().addFigures({.database = repo.empty() ? m.source.value("database", "") : name, .tables = m.tables.size(),
                                .rows = m.totalRows(), .bytes = r.archiveBytes, .recoverySeconds = std::nullopt, .verdict = {}});
    // What list, status and prune read without the key (docs/ENCRYPTION.md): counts, never table names.
    if (encrypted) publisher.recorder().describeEncryptedArchive(m.created, uncoveredCounts(m));
    ReportRenderers out;
    const GlobalsResult* withGlobals = written ? &*written : nullptr;
    out.json = [&](const SettledOutcome& s) { return backupJson(r, output, s, withGlobals); };
    out.junit = [&](const SettledOutcome& s) { return backupJUnit(r, output, s); };
    out.text = [&](const SettledOutcome& s) { return renderBackupText(r, output, s, {flags.quiet, flags.verbose}, withGlobals); };
    out.textOnStderr = output == "-";  // stdout carries the archive alone
    return publisher.publish(Outcome::Proven, out);
}

}  // namespace pgproof::cli
