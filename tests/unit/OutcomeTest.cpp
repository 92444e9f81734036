// The one outcome model (engine/core/Outcome) and the verify ledger's writers (verify/VerifyReportWriter):
// names, exit codes and headlines come from one place; what a report claims is derived from the checks
// each table's ledger records, never from the mode. No server needed.
#include <catch2/catch.hpp>

#include "Outcome.hpp"
#include "VerifyReportWriter.hpp"

using namespace pgproof;

TEST_CASE("every outcome has one exit code, one name and one headline") {
    for (int code = 0; code <= 3; ++code) CHECK(exitCodeOf(outcomeOfExitCode(code)) == code);
    CHECK(outcomeOfExitCode(7) == Outcome::Incomplete);  // an unknown code proves nothing
    CHECK(std::string(outcomeName(Outcome::Proven)) == "proven");
    CHECK(std::string(outcomeName(Outcome::Failed)) == "failed");
    CHECK(std::string(outcomeName(Outcome::BadInput)) == "bad_input");
    CHECK(std::string(outcomeName(Outcome::Incomplete)) == "incomplete");
    for (Outcome o : {Outcome::Proven, Outcome::Failed, Outcome::BadInput, Outcome::Incomplete}) CHECK(outcomeOfName(outcomeName(o)) == o);
    CHECK(outcomeHeadline(Outcome::Proven, "PASSED") == "PASSED");
    CHECK(outcomeHeadline(Outcome::BadInput) == "BAD INPUT");
}

TEST_CASE("a failure outranks everything, and proven only when both are") {
    CHECK(combineOutcomes(Outcome::Failed, Outcome::Incomplete) == Outcome::Failed);
    CHECK(combineOutcomes(Outcome::Incomplete, Outcome::Failed) == Outcome::Failed);
    CHECK(combineOutcomes(Outcome::BadInput, Outcome::Incomplete) == Outcome::Incomplete);
    CHECK(combineOutcomes(Outcome::Proven, Outcome::BadInput) == Outcome::BadInput);
    CHECK(combineOutcomes(Outcome::Proven, Outcome::Proven) == Outcome::Proven);
}

TEST_CASE("a settled proof that could not be recorded says so in its headline and error") {
    SettledOutcome s = SettledOutcome::of(Outcome::Proven);
    CHECK(s.headline() == "PROVEN");
    CHECK(s.error().empty());
    s.demote(Outcome::Incomplete, "the outcome could not be recorded", "No space left on device");
    CHECK(s.exitCode() == 3);
    CHECK(s.headline() == "INCOMPLETE (PROVEN, but the outcome could not be recorded)");
    CHECK(s.error() == "proven, but the outcome could not be recorded: No space left on device");
    // A second problem does not replace the first reason; a failure keeps exit 1 but the problem is kept.
    s.demote(Outcome::BadInput, "--junit x.xml could not be written", "no such folder");
    CHECK(s.exitCode() == 3);
    CHECK(s.problem == "the outcome could not be recorded");
    SettledOutcome f = SettledOutcome::of(Outcome::Failed);
    f.demote(Outcome::BadInput, "--junit x.xml could not be written", "no such folder");
    CHECK(f.exitCode() == 1);
    CHECK(f.headline() == "FAILED");
    CHECK(f.error() == "--junit x.xml could not be written: no such folder");
}

namespace {

Baseline baselineOf(const std::string& kind) {
    Baseline b;
    b.kind = kind;
    b.path = "base." + kind;
    return b;
}

TableVerdict table(const std::string& name, uint64_t rows) {
    TableVerdict t;
    t.id = {"public", name};
    t.baselineRows = rows;
    t.rows = rows;
    t.checks.counted = true;
    t.baselineFingerprint = "00000000000000000000000000000001";
    t.content = "not checked";
    return t;
}

TableVerdict fingerprintEqual(const std::string& name, uint64_t rows) {
    TableVerdict t = table(name, rows);
    t.checks.fingerprinted = true;
    t.fingerprint = t.baselineFingerprint;
    t.content = "equal";
    return t;
}

}  // namespace

TEST_CASE("no-loss claims every row present only when every table's rows were compared") {
    Baseline b = baselineOf("archive");
    VerifyReport r;
    r.mode = VerifyMode::NoLoss;
    r.rowLevel = true;
    r.baseline = &b;
    r.tables.push_back(fingerprintEqual("same", 10));
    TableVerdict keyed = table("orders", 10);
    keyed.checks.fingerprinted = true;
    keyed.fingerprint = "00000000000000000000000000000002";
    keyed.content = "changed";
    keyed.checks.rows = TableChecks::Rows::ByKey;
    keyed.rowDiff = RowDiffSummary{};
    keyed.rowDiff->key = {"id"};
    keyed.rowDiff->changed = 1;
    r.tables.push_back(keyed);
    const SettledOutcome proven = SettledOutcome::of(Outcome::Proven);

    SECTION("every table compared row by row or by an equal fingerprint") {
        auto text = renderVerifyText(r, proven, false);
        CHECK(text.find("PROVEN (no-loss)") != std::string::npos);
        CHECK(text.find("every baseline row is still present") != std::string::npos);
        auto j = verifyJson(r, proven);
        CHECK(j["summary"]["rows_proven"] == true);
        CHECK(j["summary"]["content_proven"] == false);
        CHECK(j["summary"]["coverage"]["rows_by_key"] == 1);
        CHECK(j["summary"]["coverage"]["fingerprint"] == 1);
        CHECK(j["tables"][1]["compared_by"] == "rows by key");
    }
    SECTION("a table whose content changed and whose rows were only counted") {
        TableVerdict counted = table("leaf_1", 5);
        counted.checks.fingerprinted = true;
        counted.fingerprint = "00000000000000000000000000000003";
        counted.content = "changed";
        r.tables.push_back(counted);
        auto text = renderVerifyText(r, proven, false);
        CHECK(text.find("every baseline row is still present") == std::string::npos);
        CHECK(text.find("count only for 1: public.leaf_1") != std::string::npos);
        CHECK(text.find("count only: its rows were not compared one by one") != std::string::npos);
        auto j = verifyJson(r, proven);
        CHECK(j["summary"]["rows_proven"] == false);
        CHECK(j["summary"]["coverage"]["count_only"] == 1);
        CHECK(j["tables"][2]["rows_proven"] == false);
        CHECK(j["tables"][2]["compared_by"] == "count only");  // a changed fingerprint that passed proves only the count
    }
}

TEST_CASE("failed and unreadable together: exit 1 wins, and every writer says how many tables were not read") {
    Baseline b = baselineOf("archive");
    VerifyReport r;
    r.baseline = &b;
    TableVerdict lost = table("orders", 10);
    lost.rows = 9;
    lost.verdict = Verdict::Failed;
    lost.reason = "1 row(s) lost";
    r.tables.push_back(lost);
    TableVerdict unread = table("customers", 10);
    unread.rows.reset();
    unread.checks = {};
    unread.checks.notRead = true;
    unread.verdict = Verdict::Error;
    unread.reason = "could not be read: connection lost";
    r.tables.push_back(unread);
    CHECK(r.exitCode() == 1);
    const SettledOutcome failed = SettledOutcome::of(outcomeOfExitCode(r.exitCode()));
    auto text = renderVerifyText(r, failed, false);
    CHECK(text.find("FAILED (exact)") != std::string::npos);
    CHECK(text.find("1 table(s) could not be read") != std::string::npos);
    auto j = verifyJson(r, failed);
    CHECK(j["verdict"] == "failed");
    CHECK(j["summary"]["not_read"] == 1);
    auto cases = verifyJUnitCases(r, failed);
    size_t errors = 0, failures = 0;
    for (const auto& c : cases) {
        errors += c.error;
        failures += c.failed && !c.error;
    }
    CHECK(failures == 1);
    CHECK(errors == 1);
}

TEST_CASE("a demoted proof: every writer says the same outcome") {
    Baseline b = baselineOf("archive");
    VerifyReport r;
    r.baseline = &b;
    r.tables.push_back(fingerprintEqual("same", 3));
    SettledOutcome s = SettledOutcome::of(Outcome::Proven);
    s.demote(Outcome::BadInput, "--junit /nope/x.xml could not be written", "cannot write report");
    auto j = verifyJson(r, s);
    CHECK(j["verdict"] == "bad_input");
    CHECK(j["exit_code"] == 2);
    CHECK(j["error"].get<std::string>().find("could not be written") != std::string::npos);
    auto text = renderVerifyText(r, s, false);
    CHECK(text.find("BAD INPUT (PROVEN, but --junit /nope/x.xml could not be written)") != std::string::npos);
    auto cases = verifyJUnitCases(r, s);
    REQUIRE_FALSE(cases.empty());
    CHECK(cases.front().name == "outcome");
    CHECK(cases.front().error);
}
