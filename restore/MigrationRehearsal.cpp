#include "MigrationRehearsal.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "ArchiveReader.hpp"
#include "KeyViolations.hpp"
#include "ArchiveSource.hpp"
#include "Errors.hpp"
#include "MigrationScript.hpp"
#include "PgConnection.hpp"
#include "ServerWideEffect.hpp"
#include "SqlIdentifier.hpp"
#include "StatementLocks.hpp"
#include "VerifyReportWriter.hpp"

namespace pgproof {

namespace {

using Clock = std::chrono::steady_clock;

std::string collapsed(const std::string& sql) {
    std::string out;
    bool space = false;
    for (char c : sql) {
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

std::string shortened(const std::string& s, size_t n) { return s.size() <= n ? s : s.substr(0, n - 3) + "..."; }

// "2 duplicated keys in 5 rows: "clientId" = 'c1' x3, "clientId" = 'c2' x2"
std::string duplicatesText(const RehearsedStatement& s) {
    std::string list;
    for (const auto& d : s.duplicateSamples) list += (list.empty() ? "" : ", ") + d;
    if (s.duplicateKeys > static_cast<long long>(s.duplicateSamples.size())) list += ", ...";
    return fmt::format("{} duplicated key{} in {} rows: {}", withThousands(static_cast<uint64_t>(s.duplicateKeys)), s.duplicateKeys == 1 ? "" : "s",
                       withThousands(static_cast<uint64_t>(s.duplicateRows)), list);
}

// The lines psql prints under an ERROR, indented under the failed statement.
std::string errorDetails(const RehearsedStatement& s, const std::string& indent) {
    std::string out;
    if (!s.errorDetail.empty()) out += indent + "DETAIL:  " + s.errorDetail + "\n";
    if (!s.errorHint.empty()) out += indent + "HINT:  " + s.errorHint + "\n";
    if (s.duplicateKeys > 0) out += indent + "duplicates: " + duplicatesText(s) + "\n";
    return out;
}

std::string verdictFor(int code) { return outcomeName(outcomeOfExitCode(code)); }

// psql -1 would wrap the file in one transaction; a file with its own BEGIN/COMMIT, or a statement that
// cannot run in a transaction block (CONCURRENTLY, VACUUM), runs statement by statement. (CREATE DATABASE,
// ALTER SYSTEM and the like cannot either, but a rehearsal refuses them before this is asked.)
std::string whyNotOneTransaction(const lint::MigrationScript& script) {
    for (const auto& st : script.statements()) {
        if (st.kind == "TransactionStmt") return fmt::format("the file manages its own transactions (line {})", st.at.line);
        if (st.node.value("concurrent", false)) return fmt::format("line {} uses CONCURRENTLY, which cannot run in a transaction", st.at.line);
        if (st.kind == "VacuumStmt")
            return fmt::format("line {} cannot run in a transaction", st.at.line);
    }
    return "";
}

// A rehearsal runs only in its scratch database, on a server that often holds production too: a
// statement that acts beyond the database (another database, a role, the server's configuration, a
// tablespace, a subscription, the server's files) would act on that server for real. Refused, with
// nothing run, naming the first one and the lines of any others.
void refuseServerWide(const lint::MigrationScript& script) {
    const lint::MigrationStatement* first = nullptr;
    std::string effect, others;
    for (const auto& st : script.statements()) {
        auto e = lint::serverWideEffect(st);
        if (!e) continue;
        if (!first) {
            first = &st;
            effect = *e;
        } else {
            others += (others.empty() ? "" : ", ") + std::to_string(st.at.line);
        }
    }
    if (!first) return;
    throw BadInputError(fmt::format("{}: error: rehearse refuses {}: it {}, beyond the scratch database a rehearsal is confined to; "
                                    "nothing was run{} (run such changes separately, not in the rehearsed migration)",
                                    script.where(*first), shortened(collapsed(first->text), 100), effect,
                                    others.empty() ? "" : "; refused too: line" + std::string(others.find(',') != std::string::npos ? "s " : " ") + others));
}

// The restored copy keeps the archive's foreign tables with their servers and user mappings: a row written
// to one (INSERT, UPDATE, DELETE, MERGE, COPY FROM, TRUNCATE) goes to the server it points at. Such a
// statement is refused like the server-wide ones. An unqualified name is taken as the foreign table of any
// schema (the search_path at that point is not known), so the refusal errs on the side of running nothing.
void refuseForeignWrites(const lint::MigrationScript& script, const Manifest& archive) {
    std::set<std::string> foreign, foreignNames;
    for (const auto& e : archive.toc)
        if (e.type == "FOREIGN TABLE") {
            foreign.insert(e.schema + "." + e.name);
            foreignNames.insert(e.name);
        }
    if (foreign.empty()) return;
    for (const auto& st : script.statements()) {
        lint::StatementLock lock = lint::statementLock(st.kind, st.node);
        if (lock.mode != LockMode::RowExclusive && st.kind != "TruncateStmt") continue;
        for (const auto& t : lock.tables) {
            std::string name = t.value("relname", "");
            bool hit = t.contains("schemaname") ? foreign.count(t.value("schemaname", "") + "." + name) > 0 : foreignNames.count(name) > 0;
            if (!hit) continue;
            throw BadInputError(fmt::format("{}: error: rehearse refuses {}: it writes to foreign table {}, which the restored copy keeps "
                                            "pointing at its server (the archive's foreign server and user mapping); nothing was run "
                                            "(rehearse a migration that leaves foreign tables alone, or drop the foreign server from the "
                                            "archive's source first)",
                                            script.where(st), shortened(collapsed(st.text), 100), lint::relationName(t)));
        }
    }
}

// Runs the migration on `conn`; fills r.statements, r.migrationSeconds, r.migrationFailed.
void runMigration(const lint::MigrationScript& script, const PgConnection& conn, RehearsalResult& r,
                  const std::function<void(const std::string&)>& log) {
    auto started = Clock::now();
    if (r.singleTransaction) conn.exec("BEGIN", "starting the migration's transaction");
    for (const auto& st : script.statements()) {
        RehearsedStatement s;
        s.line = st.at.line;
        s.sql = collapsed(st.text);
        lint::StatementLock lock = lint::statementLock(st.kind, st.node);
        if (lock.mode != LockMode::None) s.lock = lockName(lock.mode);
        s.rewrites = lock.rewrites;
        if (log) log(fmt::format("line {}: {}", s.line, shortened(s.sql, 100)));
        // A key built over the rows: if it fails on duplicates, they are counted as the statement saw them.
        // Inside a transaction that takes a savepoint to return to (it changes nothing else).
        auto key = lint::keyConstraintOf(st);
        if (key && key->kind != lint::KeyConstraint::Kind::Unique) key.reset();
        bool savepoint = key && PQtransactionStatus(conn.get()) == PQTRANS_INTRANS;
        if (savepoint) conn.exec("SAVEPOINT pgproof_unique_key", "setting a savepoint before line " + std::to_string(s.line));
        auto t = Clock::now();
        PgResult res(PQexec(conn.get(), st.text.c_str()));
        s.seconds = std::chrono::duration<double>(Clock::now() - t).count();
        auto status = PQresultStatus(res.get());
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            if (!conn.ok()) throw IncompleteError("connection to the scratch database lost at line " + std::to_string(s.line) + ": " +
                                                  statementError(conn.get(), res.get()));
            std::string msg = statementError(conn.get(), res.get());
            if (msg.rfind("ERROR:  ", 0) == 0) msg = msg.substr(8);
            s.error = msg;
            auto errorField = [&](int code) {
                const char* v = PQresultErrorField(res.get(), code);
                return std::string(v ? v : "");
            };
            s.sqlstate = errorField(PG_DIAG_SQLSTATE);
            s.errorDetail = errorField(PG_DIAG_MESSAGE_DETAIL);
            s.errorHint = errorField(PG_DIAG_MESSAGE_HINT);
            s.errorConstraint = errorField(PG_DIAG_CONSTRAINT_NAME);
            if (key && s.sqlstate == "23505") {
                try {
                    if (savepoint) conn.exec("ROLLBACK TO SAVEPOINT pgproof_unique_key", "returning to the savepoint");
                    auto v = lint::duplicateKeys(conn, key->tableSql(), key->columns, key->nullsNotDistinct, 5,
                                                 "counting the duplicates line " + std::to_string(s.line) + " met");
                    s.duplicateKeys = v.keys;
                    s.duplicateRows = v.rows;
                    s.duplicateSamples = v.samples;
                } catch (const IncompleteError& e) {
                    if (!conn.ok()) throw;
                    spdlog::debug("the duplicates of line {} could not be counted: {}", s.line, e.what());
                }
            }
            r.statements.push_back(s);
            r.migrationFailed = true;
            break;
        }
        if (savepoint) conn.exec("RELEASE SAVEPOINT pgproof_unique_key", "releasing the savepoint after line " + std::to_string(s.line));
        s.command = PQcmdStatus(res.get());
        std::string tuples = PQcmdTuples(res.get());
        if (!tuples.empty()) s.rows = std::stoll(tuples);
        r.statements.push_back(s);
    }
    if (r.singleTransaction) conn.exec(r.migrationFailed ? "ROLLBACK" : "COMMIT", "ending the migration's transaction");
    r.migrationSeconds = std::chrono::duration<double>(Clock::now() - started).count();
}

}  // namespace

RehearsalResult rehearseMigration(const RehearsalOptions& o) {
    auto log = [&](const std::string& s) {
        if (o.drill.restore.log) o.drill.restore.log(s);
    };
    if (auto source = openArchiveSource(o.drill.restore.archive); !source->randomAccess())
        throw BadInputError(source->encrypted()
                                ? "rehearse reads the archive twice (restore, then verify), and " + source->name() +
                                      " is encrypted (age): decrypt it to a file first (age -d -i KEY -o NAME.sql.zst " + source->name() + ")"
                                : "rehearse reads the archive twice (restore, then verify): give a file, not - (save the stream first)");
    // Everything that can be refused is refused before a database is created.
    lint::MigrationScript script = lint::MigrationScript::read(o.migration);
    refuseServerWide(script);
    RehearsalResult r;
    r.archive = o.drill.restore.archive;
    r.migration = o.migration;
    r.planPath = o.planPath;
    r.statementsInFile = script.statements().size();
    r.transactionNote = whyNotOneTransaction(script);
    r.singleTransaction = r.transactionNote.empty();
    r.baseline = std::make_unique<Baseline>(Baseline::load(o.drill.restore.archive));
    refuseForeignWrites(script, ArchiveReader(o.drill.restore.archive).manifest());

    DrillOptions d = o.drill;
    d.scratchPrefix = "pgproof_rehearse";
    d.leaveScratchToCaller = true;
    r.restore = runDrill(d);
    r.scratchDatabase = r.restore.scratchDatabase;
    r.exitCode = r.restore.exitCode;
    if (r.exitCode != 0) r.problem = "the restore failed: " + r.restore.problem + "; the migration was not run";

    ConnectionTarget server = ConnectionTarget::resolve(o.drill.server);
    if (r.exitCode == 0) {
        try {
            log(fmt::format("running {} ({} statements{})", o.migration, r.statementsInFile,
                            r.singleTransaction ? ", in one transaction" : "; " + r.transactionNote));
            {
                PgConnection conn = PgConnection::connect(server.withDatabase(r.scratchDatabase), "pgproof rehearse");
                // The migration's NOTICEs (an index renamed by USING INDEX, ...) go to the log, not raw to stderr.
                PQsetNoticeProcessor(
                    conn.get(), [](void*, const char* message) { spdlog::debug("server: {}", firstLine(message)); }, nullptr);
                runMigration(script, conn, r, o.drill.restore.log);
            }
            if (r.migrationFailed) {
                const auto& failed = r.statements.back();
                r.exitCode = 1;
                r.problem = fmt::format("the migration failed at {}:{}: {}{} ({})", o.migration, failed.line, failed.error,
                                        failed.errorDetail.empty() ? "" : " (" + failed.errorDetail + ")", shortened(failed.sql, 80));
                if (failed.duplicateKeys > 0)
                    r.problem += fmt::format("; {}", duplicatesText(failed));
            } else {
                log("verifying the migrated copy against the archive" + std::string(o.verify.plan ? " with the plan" : ""));
                VerifyOptions v = o.verify;
                v.db = server.withDatabase(r.scratchDatabase).conninfo();
                v.jobs = o.drill.restore.jobs;
                r.verification = runVerification(*r.baseline, v);
                r.exitCode = r.verification->exitCode();
                if (r.exitCode != 0) {
                    std::string failed;
                    for (const auto& i : r.verification->planItems)
                        if (i.verdict != Verdict::Ok) failed += (failed.empty() ? "" : ", ") + i.label();
                    for (const auto& t : r.verification->tables)
                        if (t.verdict != Verdict::Ok) failed += (failed.empty() ? "" : ", ") + ("table " + t.id.display());
                    r.problem = "the migrated copy fails verification: " + (failed.empty() ? std::string("see the report") : failed);
                }
            }
        } catch (const PgproofError& e) {
            r.exitCode = e.code() == ExitCode::BadInput ? 3 : static_cast<int>(e.code());
            r.problem = e.what();
        } catch (const std::exception& e) {
            r.exitCode = 3;
            r.problem = e.what();
        }
    }
    // The scratch database goes, pass or fail, unless --keep.
    if (!r.scratchDatabase.empty()) {
        if (o.drill.keep) {
            r.kept = true;
            log("keeping scratch database " + r.scratchDatabase);
        } else {
            try {
                ConnectionTarget maintenance = server.option("dbname") ? server : server.withDatabase("postgres");
                PgConnection admin = PgConnection::connect(maintenance, "pgproof rehearse");
                admin.exec("DROP DATABASE IF EXISTS " + quoteIdent(r.scratchDatabase) + " WITH (FORCE)", "dropping the scratch database");
                r.dropped = true;
            } catch (const std::exception& e) {
                r.problem += (r.problem.empty() ? "" : "; ") + std::string("the scratch database could not be dropped: ") + e.what();
                if (r.exitCode == 0) r.exitCode = 3;
            }
        }
    }
    r.verdict = verdictFor(r.exitCode);
    return r;
}

namespace {

double rollbackSeconds(const RehearsalResult& r) {
    return r.restore.restore ? r.restore.checkSeconds + r.restore.restore->timings.total : r.restore.checkSeconds;
}

std::vector<const RehearsedStatement*> slowestOf(const RehearsalResult& r, size_t n) {
    std::vector<const RehearsedStatement*> v;
    for (const auto& s : r.statements) v.push_back(&s);
    std::stable_sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->seconds > b->seconds; });
    if (v.size() > n) v.resize(n);
    return v;
}

std::string statementLine(const RehearsedStatement& s) {
    std::string what = s.error.empty() ? s.command : "ERROR: " + s.error;
    std::string lock = s.lock.empty() ? "" : " [" + s.lock + (s.rewrites ? ", rewrite" : "") + "]";
    return fmt::format("{:>8.3f} s  line {:<4} {}{}  {}", s.seconds, s.line, what, lock, shortened(s.sql, 70));
}

}  // namespace

std::string rehearsalVerdictWord(const RehearsalResult& r) {
    return outcomeHeadline(outcomeOfExitCode(r.exitCode), "PASSED");
}

std::string renderRehearsalText(const RehearsalResult& r, size_t slowest) {
    std::string out = fmt::format("rehearse {} with {}: {}\n", r.archive, r.migration, rehearsalVerdictWord(r));
    if (r.restore.restore)
        out += fmt::format("restore (rollback estimate): {:.2f} s - {} tables, {} rows, proven {}\n", rollbackSeconds(r), r.restore.restore->tables,
                           withThousands(r.restore.restore->rows), r.restore.restore->verification && r.restore.restore->verification->exitCode() == 0 ? "identical to the archive" : "NOT identical");
    if (!r.statements.empty() || r.migrationFailed) {
        out += fmt::format("migration (downtime estimate): {:.2f} s - {} of {} statements ran{}\n", r.migrationSeconds,
                           r.statements.size() - (r.migrationFailed ? 1 : 0), r.statementsInFile,
                           r.singleTransaction ? ", in one transaction" + std::string(r.migrationFailed ? " (rolled back)" : "")
                                               : "; not one transaction: " + r.transactionNote);
        if (r.migrationFailed)
            out += "failed statement:\n" + statementLine(r.statements.back()) + "\n" + errorDetails(r.statements.back(), "          ");
        out += "slowest statements:\n";
        for (const auto* s : slowestOf(r, slowest)) out += statementLine(*s) + "\n";
    }
    if (r.verification) {
        std::string text = renderVerifyText(*r.verification, SettledOutcome::of(outcomeOfExitCode(r.verification->exitCode())), false);
        out += "verify after the migration" + std::string(r.planPath.empty() ? "" : " with " + r.planPath) + ":\n" + text;
        if (!text.empty() && text.back() != '\n') out += "\n";
    }
    if (!r.problem.empty()) out += "problem: " + r.problem + "\n";
    out += "scratch database " + (r.scratchDatabase.empty() ? std::string("-") : r.scratchDatabase) + ": " +
           (r.kept ? "kept (--keep)" : r.dropped ? "dropped" : r.scratchDatabase.empty() ? "not created" : "NOT DROPPED") + "\n";
    return out;
}

std::string renderRehearsalMarkdown(const RehearsalResult& r) {
    std::string out = fmt::format("# Migration rehearsal: {}\n\n", rehearsalVerdictWord(r));
    out += fmt::format("- **Verdict:** {} (exit code {})\n", r.verdict, r.exitCode);
    if (!r.problem.empty()) out += fmt::format("- **Problem:** {}\n", r.problem);
    out += fmt::format("- **Archive:** `{}`\n- **Migration:** `{}` ({} statements{})\n", r.archive, r.migration, r.statementsInFile,
                       r.singleTransaction ? ", one transaction" : "; " + r.transactionNote);
    if (!r.planPath.empty()) out += fmt::format("- **Plan:** `{}`\n", r.planPath);
    out += fmt::format("- **Scratch database:** `{}` ({})\n\n", r.scratchDatabase.empty() ? "-" : r.scratchDatabase,
                       r.kept ? "kept" : r.dropped ? "dropped" : r.scratchDatabase.empty() ? "not created" : "NOT dropped");
    out += "## Estimates\n\n| | seconds |\n|---|---:|\n";
    out += fmt::format("| migration (downtime estimate) | {:.3f} |\n", r.migrationSeconds);
    out += fmt::format("| restore + proof (rollback estimate) | {:.2f} |\n\n", rollbackSeconds(r));
    if (!r.statements.empty()) {
        out += "## Statements\n\n| line | seconds | result | rows | lock | statement |\n|---:|---:|---|---:|---|---|\n";
        for (const auto& s : r.statements) {
            std::string sql = shortened(s.sql, 100);
            std::replace(sql.begin(), sql.end(), '|', '/');
            std::string result = s.error.empty() ? s.command : "**ERROR:** " + s.error;
            std::replace(result.begin(), result.end(), '|', '/');
            out += fmt::format("| {} | {:.3f} | {} | {} | {}{} | `{}` |\n", s.line, s.seconds, result, s.rows < 0 ? "" : withThousands(static_cast<uint64_t>(s.rows)),
                               s.lock, s.rewrites ? " (rewrite)" : "", sql);
        }
        out += "\n";
        if (r.migrationFailed && !errorDetails(r.statements.back(), "").empty())
            out += "Failed at line " + std::to_string(r.statements.back().line) + ":\n\n```\nERROR:  " + r.statements.back().error + "\n" +
                   errorDetails(r.statements.back(), "") + "```\n\n";
    }
    if (r.verification) out += "## Verification after the migration\n\n```\n" + renderVerifyText(*r.verification, SettledOutcome::of(outcomeOfExitCode(r.verification->exitCode())), true) + "```\n";
    return out;
}

nlohmann::json rehearsalJson(const RehearsalResult& r) {
    nlohmann::json statements = nlohmann::json::array();
    for (const auto& s : r.statements) {
        nlohmann::json j = {{"line", s.line}, {"sql", s.sql}, {"seconds", s.seconds}, {"lock", s.lock}, {"rewrites", s.rewrites}};
        if (s.error.empty()) j["command"] = s.command;
        else {
            j["error"] = s.error;
            j["sqlstate"] = s.sqlstate;
            if (!s.errorDetail.empty()) j["error_detail"] = s.errorDetail;
            if (!s.errorHint.empty()) j["error_hint"] = s.errorHint;
            if (!s.errorConstraint.empty()) j["error_constraint"] = s.errorConstraint;
            if (s.duplicateKeys > 0)
                j["duplicates"] = {{"keys", s.duplicateKeys}, {"rows", s.duplicateRows}, {"samples", s.duplicateSamples}};
        }
        if (s.rows >= 0) j["rows"] = s.rows;
        statements.push_back(j);
    }
    nlohmann::json j = {{"report", "pgproof-rehearse"},
                        {"report_version", 1},
                        {"verdict", r.verdict},
                        {"exit_code", r.exitCode},
                        {"problem", r.problem},
                        {"archive", r.archive},
                        {"migration", {{"path", r.migration},
                                       {"statements_in_file", r.statementsInFile},
                                       {"single_transaction", r.singleTransaction},
                                       {"transaction_note", r.transactionNote},
                                       {"failed", r.migrationFailed},
                                       {"seconds", r.migrationSeconds},
                                       {"statements", statements}}},
                        {"rollback_estimate_seconds", rollbackSeconds(r)},
                        {"restore", drillJson(r.restore)},
                        {"scratch_database", r.scratchDatabase},
                        {"kept", r.kept},
                        {"dropped", r.dropped}};
    if (!r.planPath.empty()) j["plan"] = r.planPath;
    if (r.verification) j["verification"] = verifyJson(*r.verification, SettledOutcome::of(outcomeOfExitCode(r.verification->exitCode())));
    return j;
}

std::vector<JUnitCase> rehearsalJUnitCases(const RehearsalResult& r) {
    std::vector<JUnitCase> cases;
    bool restored = r.restore.exitCode == 0 && r.restore.restore;
    cases.push_back({"pgproof.rehearse", "restore", !restored && r.restore.exitCode == 1, !restored && r.restore.exitCode != 1,
                     restored ? "" : r.restore.problem, "", rollbackSeconds(r)});
    if (restored) {
        std::string failedMessage;
        if (r.migrationFailed)
            failedMessage = fmt::format("{}:{}: {}{}", r.migration, r.statements.back().line, r.statements.back().error,
                                        r.statements.back().errorDetail.empty() ? "" : " (" + r.statements.back().errorDetail + ")");
        cases.push_back({"pgproof.rehearse", "migration", r.migrationFailed, !r.migrationFailed && r.statements.empty() && r.statementsInFile > 0,
                         failedMessage, "", r.migrationSeconds});
    }
    if (r.verification)
        for (auto c : verifyJUnitCases(*r.verification, SettledOutcome::of(outcomeOfExitCode(r.verification->exitCode())))) {
            c.classname = "pgproof.rehearse." + c.classname.substr(c.classname.rfind('.') + 1);
            cases.push_back(c);
        }
    bool leftBehind = !r.kept && !r.dropped && !r.scratchDatabase.empty();
    cases.push_back({"pgproof.rehearse", "scratch database removed", leftBehind, false,
                     leftBehind ? "scratch database " + r.scratchDatabase + " was not dropped" : "", "", 0});
    return cases;
}

}  // namespace pgproof
