// pgproof lint: migration SQL checked on PostgreSQL's own parser, and with --db against the data.
#include <spdlog/spdlog.h>

#include <iostream>

#include "CommandLine.hpp"
#include "ConnectionTarget.hpp"
#include "Errors.hpp"
#include "MigrationLint.hpp"
#include "ReportOutput.hpp"
#include "ReportPublisher.hpp"

namespace pgproof::cli {

int runLint(const std::vector<std::string>& args) {
    CommonFlags flags;
    std::vector<std::string> files;
    std::string db, failOn = "error";
    po::options_description desc("Options");
    desc.add_options()("file", po::value(&files)->value_name("MIGRATION.sql")->multitoken(), "the migration files, checked in the order given")(
        "db", po::value(&db)->value_name("URL"),
        "also check against this database's data, in one read-only snapshot (NULLs, duplicates, orphans, table sizes)")(
        "fail-on", po::value(&failOn)->value_name("error|warning"), "exit 1 on findings of this severity or worse (default: error)");
    addCommonFlags(desc, flags, true);
    po::positional_options_description pos;
    pos.add("file", -1);
    auto vm = parseOptions("lint", "pgproof lint MIGRATION.sql... [--db URL] [--fail-on error|warning] [--json FILE|-] [--junit FILE]",
                           "Checks migration SQL for what breaks deploys: destructive statements, long exclusive locks, table\n"
                           "rewrites, constraints that scan under a lock, missing lock_timeout (docs/LINT.md lists every rule,\n"
                           "why, and the safe way). With --db, also what the data says: a SET NOT NULL over NULLs, a UNIQUE over\n"
                           "duplicates, a FOREIGN KEY with orphans, each with its figure and sample values, and the rows and size\n"
                           "of every table an exclusive lock or a rewrite touches. Findings print as FILE:LINE:COL: error|warning|note:\n"
                           "message [rule]; a comment `-- pgproof:ignore RULE` before a statement (or after it on its last line)\n"
                           "suppresses that rule for that statement.\n"
                           "Exit: 0 nothing at or above --fail-on, 1 findings, 2 a file unreadable or not parsing, 3 database unreadable.",
                           desc, pos, args);
    if (!vm) return 0;
    setUpLogging(flags);
    if (files.empty()) throw BadInputError("lint needs at least one migration file (see: pgproof lint --help)");
    lint::LintOptions o;
    o.files = files;
    o.failOn = lint::parseSeverity(failOn);
    ReportPublisher& publisher = ReportPublisher::open("lint", files.front(), flags);
    std::optional<PgConnection> conn;
    if (vm->count("db")) {
        conn.emplace(PgConnection::connect(ConnectionTarget::resolve(db), "pgproof lint"));
        o.database = &*conn;
    }
    lint::LintResult r = lint::lintMigrations(o);
    // Lint's own report carries its verdict (findings at or above --fail-on); the run settles it like any other.
    ReportRenderers out;
    out.json = [&](const SettledOutcome& s) {
        auto j = lint::lintJson(r);
        j["verdict"] = outcomeName(s.outcome);
        j["exit_code"] = s.exitCode();
        if (!s.error().empty()) j["error"] = s.error();
        return j;
    };
    out.junit = [&](const SettledOutcome& s) {
        auto cases = lint::lintJUnitCases(r);
        appendOutcomeCase(cases, s, "pgproof.lint");
        return renderJUnit("pgproof lint", cases, 0);
    };
    out.text = [&](const SettledOutcome& s) {
        return flags.quiet && s.outcome == Outcome::Proven && flags.json != "-" ? std::string() : lint::renderLintText(r);
    };
    return publisher.publish(outcomeOfExitCode(r.exitCode), out);
}

}  // namespace pgproof::cli
