// Retention rules on archives with chosen creation times (no files needed): weekly and monthly buckets,
// the rules that always keep, damaged archives, and the duration syntax of status.
#include <catch2/catch.hpp>

#include "Errors.hpp"
#include "RetentionPolicy.hpp"
#include "TimeText.hpp"

using namespace pgproof;
using namespace pgproof::repository;

namespace {

// Archives created at the given ISO instants (newest first, as scanRepository sorts them), all complete.
DatabaseArchives archivesAt(const std::vector<std::string>& times) {
    DatabaseArchives db{"shop", {}};
    for (const auto& t : times) {
        ArchiveInfo a;
        a.path = "shop/shop-" + t + ".sql.zst";
        a.complete = true;
        a.created = *parseUtc(t);
        a.createdText = t;
        db.archives.push_back(a);
    }
    return db;
}

std::vector<bool> removed(const DatabaseArchives& db, const RetentionPolicy& p, const std::string& now) {
    std::vector<bool> out;
    for (const auto& d : decideRetention(db, p, *parseUtc(now))) out.push_back(d.remove);
    return out;
}

HistoryRecord passed(const std::string& command, const std::string& at) {
    HistoryRecord r;
    r.command = command;
    r.at = at;
    r.verdict = "proven";
    return r;
}

}  // namespace

TEST_CASE("keep-weekly keeps the newest backup of each ISO week, keep-monthly of each month") {
    // Wed 2026-12-02, Mon 11-30 (same ISO week 49), Sun 11-29 (week 48), Tue 11-24 (48), Mon 11-16 (47), 10-31, 10-02.
    auto db = archivesAt({"2026-12-02T01:00:00Z", "2026-11-30T01:00:00Z", "2026-11-29T01:00:00Z", "2026-11-24T01:00:00Z",
                          "2026-11-16T01:00:00Z", "2026-10-31T01:00:00Z", "2026-10-02T01:00:00Z"});
    RetentionPolicy weekly;
    weekly.keepWeekly = 3;
    CHECK(removed(db, weekly, "2026-12-02T12:00:00Z") == std::vector<bool>{false, true, false, true, false, true, true});
    RetentionPolicy monthly;
    monthly.keepMonthly = 2;
    CHECK(removed(db, monthly, "2026-12-02T12:00:00Z") == std::vector<bool>{false, false, true, true, true, true, true});
    monthly.keepMonthly = 3;
    CHECK(removed(db, monthly, "2026-12-02T12:00:00Z") == std::vector<bool>{false, false, true, true, true, false, true});
}

TEST_CASE("pinned, newest proven and newest drilled archives are always kept, damaged ones only go when asked") {
    auto db = archivesAt({"2026-12-02T01:00:00Z", "2026-12-01T01:00:00Z", "2026-11-30T01:00:00Z", "2026-11-29T01:00:00Z",
                          "2026-11-28T01:00:00Z"});
    db.archives[1].complete = false;  // truncated
    db.archives[1].problem = "no valid trailer";
    db.archives[2].history.records.push_back(passed("check", "2026-12-01T02:00:00Z"));
    db.archives[3].history.records.push_back(passed("drill", "2026-11-30T03:00:00Z"));
    db.archives[4].pin = Pin{"2026-11-28T02:00:00Z", "audit", "dba@db1"};
    RetentionPolicy p;
    p.keepLast = 1;
    auto decisions = decideRetention(db, p, *parseUtc("2026-12-02T12:00:00Z"));
    REQUIRE(decisions.size() == 5);
    CHECK_FALSE(decisions[0].remove);
    CHECK(decisions[0].reasons.front() == "last 1 (#1)");
    CHECK_FALSE(decisions[1].remove);  // damaged: kept and listed
    CHECK(decisions[1].reasons.front().rfind("damaged (DAMAGED: no valid trailer)", 0) == 0);
    CHECK_FALSE(decisions[2].remove);
    CHECK(decisions[2].reasons.front() == "newest proven backup");
    CHECK_FALSE(decisions[3].remove);
    CHECK(decisions[3].reasons.front() == "newest passed drill");
    CHECK_FALSE(decisions[4].remove);
    CHECK(decisions[4].reasons.front() == "pinned: audit");

    p.removeDamaged = true;
    CHECK(removed(db, p, "2026-12-02T12:00:00Z") == std::vector<bool>{false, true, false, false, false});

    // A damaged archive does not use up --keep-last: the newest complete ones do.
    p.keepLast = 2;
    p.removeDamaged = false;
    db.archives[2].history.records.clear();
    decisions = decideRetention(db, p, *parseUtc("2026-12-02T12:00:00Z"));
    CHECK(decisions[2].reasons.front() == "last 2 (#2)");
}

TEST_CASE("a failed check makes an archive damaged, a later passed one proves it again") {
    ArchiveHistory h;
    h.records.push_back(passed("check", "2026-12-01T00:00:00Z"));
    CHECK_FALSE(h.damaged());
    CHECK(h.lastProof() != nullptr);
    HistoryRecord failed = passed("check", "2026-12-02T00:00:00Z");
    failed.verdict = "failed";
    failed.exitCode = 1;
    h.records.push_back(failed);
    CHECK(h.damaged());
    HistoryRecord verify = passed("verify", "2026-12-02T01:00:00Z");
    verify.exitCode = 1;
    verify.verdict = "failed";
    h.records.push_back(verify);  // the live database changed: says nothing about the archive
    CHECK(h.damaged());
    HistoryRecord incomplete = passed("drill", "2026-12-02T02:00:00Z");
    incomplete.exitCode = 3;
    incomplete.verdict = "incomplete";
    h.records.push_back(incomplete);  // could not complete: no verdict on the archive either way
    CHECK(h.damaged());
    h.records.push_back(passed("drill", "2026-12-02T03:00:00Z"));
    CHECK_FALSE(h.damaged());
    CHECK(h.lastPassed("drill")->at == "2026-12-02T03:00:00Z");
}

TEST_CASE("durations take s, m, h, d, w and anything else names the option") {
    CHECK(parseDuration("90s", "--max-age") == 90);
    CHECK(parseDuration("30m", "--max-age") == 1800);
    CHECK(parseDuration("25h", "--max-age") == 90000);
    CHECK(parseDuration("92d", "--max-drill-age") == 92 * 86400);
    CHECK(parseDuration("2w", "--max-age") == 2 * 604800);
    CHECK(parseDuration("1.5h", "--max-age") == 5400);
    for (const auto* bad : {"", "h", "-1h", "0h", "24 h", "24x", "soon"}) {
        INFO(bad);
        CHECK_THROWS_AS(parseDuration(bad, "--max-age"), BadInputError);
    }
    try {
        parseDuration("24x", "--max-age");
    } catch (const BadInputError& e) {
        CHECK(std::string(e.what()).rfind("--max-age '24x' is not a duration", 0) == 0);
    }
}
