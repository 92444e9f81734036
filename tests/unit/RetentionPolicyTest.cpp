// Retention rules on archives with chosen creation times (no files needed): weekly and monthly buckets,
// the rules that always keep, damaged archives, partial archives that never take a full backup's place,
// what marks an archive damaged (only a check), history records bound to their archive's manifest, and
// the duration syntax of status.
#include <catch2/catch.hpp>

#include "Errors.hpp"
#include "RetentionPolicy.hpp"
#include "UtcTime.hpp"

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
        a.created = a.seen = a.dated = *parseUtc(t);
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
    failed.damaged = true;  // what pgproof check writes for exit 1
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

TEST_CASE("a restore or drill that failed because of its target never makes an archive damaged, only a check does") {
    ArchiveHistory h;
    h.records.push_back(passed("check", "2026-12-01T00:00:00Z"));
    for (const char* command : {"drill", "restore", "rehearse"}) {
        HistoryRecord target = passed(command, "2026-12-02T00:00:00Z");
        target.verdict = "target_failed";
        target.exitCode = 1;
        target.error = "the archive checked intact, but the restored database does not match it";
        h.records.push_back(target);
        INFO(command);
        CHECK_FALSE(h.damaged());
        CHECK(h.lastProof()->command == "check");
    }
    // A drill's archive check that found damage does mark it (the record says damaged), and a later
    // passed check clears it.
    HistoryRecord drillCheck = passed("drill", "2026-12-03T00:00:00Z");
    drillCheck.verdict = "failed";
    drillCheck.exitCode = 1;
    drillCheck.damaged = true;
    h.records.push_back(drillCheck);
    CHECK(h.damaged());
    CHECK(h.lastDamage()->command == "drill");
    h.records.push_back(passed("check", "2026-12-04T00:00:00Z"));
    CHECK_FALSE(h.damaged());

    // prune --remove-damaged: the archive whose drill failed on its target is kept by --keep-last.
    auto db = archivesAt({"2026-12-02T01:00:00Z", "2026-12-01T01:00:00Z"});
    HistoryRecord target = passed("drill", "2026-12-02T02:00:00Z");
    target.verdict = "target_failed";
    target.exitCode = 1;
    db.archives[1].history.records.push_back(target);
    RetentionPolicy p;
    p.keepLast = 2;
    p.removeDamaged = true;
    CHECK(removed(db, p, "2026-12-02T12:00:00Z") == std::vector<bool>{false, false});
}

TEST_CASE("partial archives never take a full backup's place: count rules fill with full backups first") {
    // Newest first: three partial, a full, an older partial, two older fulls.
    auto db = archivesAt({"2026-12-02T04:00:00Z", "2026-12-02T03:00:00Z", "2026-12-02T02:00:00Z", "2026-12-02T01:00:00Z",
                          "2026-12-02T00:30:00Z", "2026-12-02T00:00:00Z", "2026-12-01T23:00:00Z"});
    for (size_t i : {0, 1, 2, 4}) db.archives[i].partial = "1 of 2 tables; 1 not covered: public.items (schema only)";
    CHECK(db.backups() == 3);
    CHECK(db.partials() == 4);
    CHECK(db.newestBackup() == &db.archives[3]);
    RetentionPolicy p;
    p.keepLast = 2;
    // Full: #3 and #5 (the two newest full backups); partial, in addition: the two newest newer than #3.
    // The third partial and the one older than a full backup go; so does the oldest full.
    CHECK(removed(db, p, "2026-12-02T12:00:00Z") == std::vector<bool>{false, false, true, false, true, false, true});
    auto decisions = decideRetention(db, p, *parseUtc("2026-12-02T12:00:00Z"));
    CHECK(decisions[0].reasons.front() == "last 2 partial, newer than the newest full backup (#1)");
    CHECK(decisions[3].reasons.front() == "last 2 (#1)");
    CHECK(decisions[5].reasons.front() == "last 2 (#2)");
    CHECK(decisions[4].reasons.front().find("a newer full backup supersedes it") != std::string::npos);

    // Proven archives: only a full one is "the newest proven backup" (kept even with --keep-last 0).
    db.archives[0].history.records.push_back(passed("check", "2026-12-02T04:10:00Z"));
    db.archives[6].history.records.push_back(passed("check", "2026-12-01T23:10:00Z"));
    CHECK(db.newestProven() == &db.archives[6]);
    p.keepLast = 0;
    decisions = decideRetention(db, p, *parseUtc("2026-12-02T12:00:00Z"));
    CHECK_FALSE(decisions[6].remove);
    CHECK(decisions[6].reasons.front() == "newest proven backup");
    CHECK(decisions[0].remove);

    // Only partial archives (a database always dumped without one big table): they fill the rules themselves.
    auto onlyPartial = archivesAt({"2026-12-02T03:00:00Z", "2026-12-02T02:00:00Z", "2026-12-02T01:00:00Z"});
    for (auto& a : onlyPartial.archives) a.partial = "2 of 3 tables; 1 not covered: public.log (excluded)";
    p.keepLast = 2;
    CHECK(removed(onlyPartial, p, "2026-12-02T12:00:00Z") == std::vector<bool>{false, false, true});
    CHECK(onlyPartial.newestProven() == nullptr);

    // keep-daily counts full backups per day; the partial archives newer than the newest full one in addition.
    RetentionPolicy daily;
    daily.keepDaily = 1;
    CHECK(removed(db, daily, "2026-12-02T12:00:00Z") == std::vector<bool>{false, true, true, false, true, true, false});
}

TEST_CASE("history records bind to the archive's manifest checksum: another file's records are set aside and named") {
    ArchiveHistory h;
    HistoryRecord backup = passed("backup", "2026-12-01T00:00:00Z");
    backup.manifestChecksum = "00000000000000aa";
    HistoryRecord check = passed("check", "2026-12-01T00:05:00Z");
    check.manifestChecksum = "00000000000000aa";
    HistoryRecord old = passed("check", "2026-11-01T00:00:00Z");  // written by an earlier pgproof: no checksum
    h.records = {old, backup, check};
    h.bindTo("00000000000000bb", "shop-20261201T000000Z.sql.zst");
    CHECK(h.records.empty());
    CHECK(h.ignored == 3);
    CHECK(h.lastProof() == nullptr);
    REQUIRE(h.problems.size() == 2);
    CHECK(h.problems[0].rfind("history record for shop-20261201T000000Z.sql.zst does not match the archive (replaced?): 2 record(s)", 0) == 0);
    CHECK(h.problems[1].find("carries no manifest checksum") != std::string::npos);

    ArchiveHistory same;
    same.records = {backup, check};
    same.bindTo("00000000000000aa", "shop-20261201T000000Z.sql.zst");
    CHECK(same.records.size() == 2);
    CHECK(same.problems.empty());
    CHECK(same.lastProof()->at == "2026-12-01T00:05:00Z");
}

TEST_CASE("ages use the earlier of the archive's own clock and the time the repository saw it") {
    // Written by a host whose clock ran 30 days ahead, first seen (checked) by the repository on 12-01:
    // dated 12-01, so two days later it is two days old, not fresh for another four weeks.
    ArchiveInfo ahead;
    ahead.complete = true;
    ahead.created = *parseUtc("2026-12-31T00:00:00Z");
    ahead.createdText = "2026-12-31T00:00:00Z";
    ahead.history.records.push_back(passed("check", "2026-12-01T00:00:00Z"));
    dateArchive(ahead, *parseUtc("2026-12-01T00:00:00Z"));
    CHECK(ahead.seen == *parseUtc("2026-12-01T00:00:00Z"));
    CHECK(ahead.dated == ahead.seen);
    CHECK(ahead.clockNote.find("by the archive's own clock") != std::string::npos);
    CHECK(ahead.clockNote.find("after the repository first saw it at 2026-12-01T00:00:00Z") != std::string::npos);

    // Behind: its backup finished (by the repository host's clock) 30 days after the manifest says it began.
    ArchiveInfo behind;
    behind.complete = true;
    behind.created = *parseUtc("2026-11-01T00:00:00Z");
    behind.createdText = "2026-11-01T00:00:00Z";
    HistoryRecord backup = passed("backup", "2026-12-01T00:00:00Z");
    backup.seconds = 60;
    behind.history.records.push_back(backup);
    dateArchive(behind, *parseUtc("2026-12-01T00:00:00Z"));
    CHECK(behind.dated == behind.created);  // older, never fresher
    CHECK(behind.clockNote.find("before its backup finished") != std::string::npos);

    // Clocks that agree: no note, dated by the creation time.
    ArchiveInfo fine;
    fine.complete = true;
    fine.created = *parseUtc("2026-12-01T00:00:00Z");
    backup.at = "2026-12-01T00:01:00Z";
    fine.history.records.push_back(backup);
    dateArchive(fine, *parseUtc("2026-12-01T00:01:00Z"));
    CHECK(fine.dated == fine.created);
    CHECK(fine.clockNote.empty());

    // And retention: the archive from the future is not the newest one (unproven here: the newest proven is always kept).
    ahead.history.records.clear();
    DatabaseArchives db{"shop", {}};
    auto later = archivesAt({"2026-12-02T00:00:00Z"}).archives[0];
    db.archives = {later, ahead};
    RetentionPolicy p;
    p.keepLast = 1;
    CHECK(removed(db, p, "2026-12-03T00:00:00Z") == std::vector<bool>{false, true});
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
