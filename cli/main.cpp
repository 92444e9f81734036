// pgproof: backup-and-integrity verification for PostgreSQL.
// This file holds the command table, dispatches to the commands and turns failures into exit codes.
#include <spdlog/spdlog.h>

#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "CommandLine.hpp"
#include "Errors.hpp"
#include "Interrupt.hpp"
#include "OutputEncoding.hpp"
#include "TerminalStreamBuf.hpp"
#include "ReportPublisher.hpp"

namespace {

// The one list of commands: --help lists them in this order (and the shell completion reads that list),
// dispatch finds them here, and an unknown command is answered with their names.
struct Command {
    const char* name;
    const char* synopsis;  // the arguments, as --help shows them after the name
    const char* summary;   // what it does, in a line
    int (*run)(const std::vector<std::string>& args);
};

const Command kCommands[] = {
    {"backup", "(-o FILE|- [--force] | --repo DIR [--name NAME | --all-databases]) [--check] [--db URL] [--jobs N] [--level N] [--from-stdin] [-- PG_DUMP_ARGS]",
     "compressed, fingerprinted backup (pg_dump plain format inside)", pgproof::cli::runBackup},
    {"check", "FILE|- [--jobs N]", "prove an archive is intact, without a database", pgproof::cli::runCheck},
    {"inspect", "FILE|- [--json FILE|-]", "show what an archive holds", pgproof::cli::runInspect},
    {"snapshot", "-o FILE [--db URL] [--jobs N] [--counts-only]", "row counts and fingerprints of every table of a live database",
     pgproof::cli::runSnapshot},
    {"verify", "--baseline FILE [--db URL] [--mode exact|no-loss] [--plan FILE] [--jobs N]",
     "prove a live database still holds what the baseline recorded", pgproof::cli::runVerify},
    {"restore", "FILE|- --db URL [--jobs N] [--no-verify] [--swap-into NAME]", "parallel restore into an empty database, then proof",
     pgproof::cli::runRestore},
    {"drill", "FILE|- [--server URL] [--jobs N] [--keep] [--report FILE]", "restore drill into a scratch database, timed, with a report",
     pgproof::cli::runDrill},
    {"rehearse", "ARCHIVE --migration FILE.sql [--plan PLAN.yaml] [--server URL] [--keep] [--report FILE]",
     "the migration run on a restored copy, timed, then verified with the plan", pgproof::cli::runRehearse},
    {"diff", "BASELINE (--db URL | OTHER) [--table T]... [--format text|csv|json]",
     "every row that differs: an archive against the database, or two archives", pgproof::cli::runDiff},
    {"plan", "--from-migration FILE.sql [-o PLAN.yaml]", "draft a migration plan from a migration's SQL, to edit", pgproof::cli::runPlan},
    {"lint", "MIGRATION.sql... [--db URL] [--fail-on error|warning] [--json FILE|-] [--junit FILE]",
     "migration SQL checked for unsafe statements, and with --db against the data (docs/LINT.md)", pgproof::cli::runLint},
    {"list", "DIR [--json FILE|-]", "the archives of a repository, their proofs and pins", pgproof::cli::runList},
    {"status", "DIR [--max-age 24h] [--max-drill-age 92d] [--min-backups N] [--metrics FILE]",
     "is every database's newest proven backup fresh? (monitoring, Nagios-style line)", pgproof::cli::runStatus},
    {"prune", "DIR --keep-last N [--keep-days D] [--keep-daily D --keep-weekly W --keep-monthly M] [--dry-run]",
     "remove archives outside the retention policy, saying why", pgproof::cli::runPrune},
    {"pin", "FILE [--reason TEXT]", "keep an archive from prune", pgproof::cli::runPin},
    {"unpin", "FILE", "let a pinned archive go again", pgproof::cli::runUnpin},
    {"report", "DIR -o report.html", "the repository as one self-contained HTML page: stale first, charts, drill reports linked",
     pgproof::cli::runReport},
};

const Command* findCommand(const std::string& name) {
    for (const auto& c : kCommands)
        if (name == c.name) return &c;
    return nullptr;
}

// One entry per command: the summary on the same line when the synopsis is short, else on the next.
std::string usage() {
    std::string out = "usage: pgproof COMMAND [OPTIONS]\n\nCommands:\n";
    for (const auto& c : kCommands) {
        std::string line = "  " + std::string(c.name) + std::string(10 - std::string(c.name).size(), ' ') + c.synopsis;
        if (line.size() < 39) out += line + std::string(39 - line.size(), ' ') + c.summary + "\n";
        else out += line + "\n" + std::string(12, ' ') + c.summary + "\n";
    }
    return out + R"(
Repositories (docs/REPOSITORY.md): backup --repo DIR [--name NAME] writes
DIR/NAME/NAME-<UTC timestamp>.sql.zst; check, verify, restore and drill of such an
archive record their outcome in NAME-<timestamp>.history.jsonl beside it.

Common options:
  -d, --db URL (also --dbname)  libpq connection string or postgres:// URI
  -j, --jobs N                  connections or threads (see below)
  --json FILE|-                 the JSON report (docs/REPORTS.md), - for stdout
  --junit FILE                  a JUnit XML report for CI
  --metrics FILE                Prometheus textfile metrics (docs/METRICS.md), replaced atomically
  -o FILE|-                     output; an existing FILE is refused unless --force
  -q, --quiet / -v, --verbose   less / more on stderr
  --progress                    progress line on stderr even when it is not a terminal
  -h, --help / -V, --version

Streams: - as FILE reads the archive from stdin once, in order (nothing is proven
before the manifest at its end has arrived and matched); backup -o - writes it to
stdout: pgproof backup -o - | aws s3 cp - s3://bucket/NAME.sql.zst

Connections: --db takes a libpq connection string or a postgres:// URI;
without it DATABASE_URL, then libpq's PG* variables are used.
--jobs: snapshot, verify, restore and drill open 2 database connections unless
asked for more; compression, checking and hashing use every core.

Exit codes: 0 proven; 1 proof failed (data lost or changed, archive damaged);
2 bad usage or input; 3 the proof could not be completed.

Run 'pgproof COMMAND --help' for a command's options.)";
}

std::string commandNames() {
    std::string out;
    for (const auto& c : kCommands) out += (out.empty() ? "" : ", ") + std::string(c.name);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace pgproof;
    // Everything printed for people is converted from the data's encoding to the terminal's (docs: README "Encodings").
    OutputEncoding::readLocale();
    cli::TerminalStreamBuf terminalOut(std::cout), terminalErr(std::cerr);
    if (argc < 2) {
        std::cerr << usage() << "\n";
        return static_cast<int>(ExitCode::BadInput);
    }
    std::string cmd = argv[1];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        std::cout << usage() << "\n";
        return 0;
    }
    if (cmd == "--version" || cmd == "-V") {
        std::cout << "pgproof " << PGPROOF_VERSION << "\n";
        return 0;
    }
    const Command* command = findCommand(cmd);
    if (!command) {
        std::cerr << "pgproof: unknown command '" << cmd << "' (commands: " << commandNames() << "; see pgproof --help)\n";
        return static_cast<int>(ExitCode::BadInput);
    }
    installInterruptHandlers();
    std::vector<std::string> args(argv + 2, argv + argc);
    try {
        int code = command->run(args);
        // A run that was interrupted never exits 0, even if its last step finished anyway (a run that
        // published its reports checked this before settling: its files already say how it ended).
        if (code == 0 && !cli::ReportPublisher::published()) throwIfInterrupted("finishing");
        // A proof whose outcome cannot be recorded where it was asked for (the archive's history in a
        // repository, --metrics: a full disk, say) leaves status and monitoring without it: not complete.
        if (!cli::ReportPublisher::finishRun(code).empty() && code == 0) {
            std::cerr << "pgproof " << cmd << ": could not complete: the outcome was not recorded (see the warning above); "
                      << "exit 3: free space where the history or metrics file lives and run again\n";
            return static_cast<int>(ExitCode::Incomplete);
        }
        return code;
    } catch (const PgproofError& e) {
        cli::ReportPublisher::reportFailure(static_cast<int>(e.code()), e.what());
        std::cerr << "pgproof " << cmd << ": " << e.what() << "\n";
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::string why = std::string("could not complete: ") + e.what();
        cli::ReportPublisher::reportFailure(static_cast<int>(ExitCode::Incomplete), why);
        std::cerr << "pgproof " << cmd << ": " << why << "\n";
        return static_cast<int>(ExitCode::Incomplete);
    }
}
