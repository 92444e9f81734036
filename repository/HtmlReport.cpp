#include "HtmlReport.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "SvgChart.hpp"
#include "UtcTime.hpp"

namespace pgproof::repository {

namespace fs = std::filesystem;

namespace {

const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.meta{color:#666;margin:0}
#attention{border-radius:6px;padding:10px 16px;margin:18px 0}
#attention.stale{background:#fdecea;border:1px solid #e6a39b}#attention.fresh{background:#eaf7ee;border:1px solid #9fd3ae}
#attention h2{border:none;margin:4px 0}
li.problem{color:#8a1c10}li.note{color:#555}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #eee;white-space:nowrap}
th{background:#f6f6f6;font-weight:600}td.num{text-align:right}
.ok{color:#1e7b34;font-weight:600}.bad{color:#b3261e;font-weight:600}.muted{color:#888}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure.chart-box{margin:0;border:1px solid #eee;border-radius:6px;padding:6px}figcaption{font-weight:600;font-size:13px}
svg.chart .axis{stroke:#999}svg.chart .tick{font-size:10px;fill:#666}
.legend{font-size:12px}.key{margin-right:12px}.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
details summary{cursor:pointer;color:#345}
@media print{details{display:block}}
)";

std::string anchorOf(const std::string& database) {
    std::string id = "db-";
    for (unsigned char c : database) id += std::isalnum(c) || c == '-' || c == '_' ? static_cast<char>(c) : '_';
    return id;
}

std::string secondsText(std::optional<double> s) { return s ? fmt::format("{:.1f} s", *s) : "-"; }

std::string bytesText(uint64_t n) {
    double v = static_cast<double>(n);
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (v >= 1024 && i < 4) {
        v /= 1024;
        ++i;
    }
    return i == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[i]);
}

// A link to a drill's report: relative to the page when both sit under one folder, else the path itself.
std::string reportLink(const std::string& report, const fs::path& pageFolder) {
    if (report.empty()) return "-";
    std::error_code ec;
    fs::path rel = fs::relative(report, pageFolder, ec);
    std::string href = ec || rel.empty() ? report : rel.string();
    std::string exists = fs::exists(report, ec) ? "" : " (missing)";
    return "<a class=\"drill-report\" href=\"" + htmlEscape(href) + "\">" + htmlEscape(fs::path(report).filename().string()) + "</a>" + exists;
}

std::string databaseSection(const DatabaseArchives& db, const DatabaseStatus* status, const RepositoryStatus& all, const fs::path& pageFolder) {
    std::string html = "<section class=\"database\" id=\"" + anchorOf(db.database) + "\" data-database=\"" + htmlEscape(db.database) + "\">";
    html += "<h2>" + htmlEscape(db.database) + (status ? (status->ok() ? " <span class=\"ok\">fresh</span>" : " <span class=\"bad\">STALE</span>") : "") + "</h2>";
    html += fmt::format("<p class=\"meta\">{} full backups, {} partial, {} damaged{}</p>", db.backups(), db.partials(), db.damagedCount(),
                        status && !status->server.empty() ? "; server " + htmlEscape(status->server) : "");
    // Charts: what each backup weighed and took, and what every proof took (the recovery time for restores and drills).
    ChartSeries sizes{"archive size", "#2f6db5", {}}, durations{"backup", "#2f6db5", {}};
    ChartSeries drills{"drill", "#c46f00", {}}, restores{"restore", "#7b3fb5", {}}, checks{"check", "#1e7b34", {}};
    struct Proof {
        const ArchiveInfo* archive;
        const HistoryRecord* record;
    };
    std::vector<Proof> proofs;
    for (const auto& a : db.archives) {
        std::string file = a.path.filename().string();
        if (a.complete) sizes.points.push_back({a.dated, static_cast<double>(a.size), file, a.damaged()});
        for (const auto& r : a.history.records) {
            auto at = parseUtc(r.at);
            if (!at) continue;
            if (r.command == "backup") durations.points.push_back({*at, r.seconds, file + ", " + r.verdict, !r.passed()});
            if (r.command == "check") checks.points.push_back({*at, r.seconds, file + ", " + r.verdict, !r.passed()});
            if (r.command == "drill") drills.points.push_back({*at, r.recoverySeconds.value_or(r.seconds), file + ", " + r.verdict, !r.passed()});
            if (r.command == "restore") restores.points.push_back({*at, r.recoverySeconds.value_or(r.seconds), file + ", " + r.verdict, !r.passed()});
            if (r.command == "check" || r.command == "drill" || r.command == "restore" || r.command == "verify" || r.command == "rehearse")
                proofs.push_back({&a, &r});
        }
    }
    html += "<div class=\"charts\">";
    html += renderTimeChart("Archive size", ChartUnit::Bytes, {sizes});
    html += renderTimeChart("Backup duration", ChartUnit::Seconds, {durations});
    html += renderTimeChart("Recovery time (restores and drills) and check duration", ChartUnit::Seconds, {drills, restores, checks});
    html += "</div>";

    std::sort(proofs.begin(), proofs.end(), [](const Proof& a, const Proof& b) { return a.record->at > b.record->at; });
    html += fmt::format("<h3>Checks, restores and drills ({})</h3>", proofs.size());
    if (proofs.empty()) {
        html += "<p class=\"bad\">No archive of this database was ever checked, restored or drilled: nothing is proven.</p>";
    } else {
        html += "<table class=\"proofs\"><thead><tr><th>when (UTC)</th><th>command</th><th>archive</th><th>verdict</th><th>duration</th>"
                "<th>recovery time</th><th>tables</th><th>rows</th><th>report</th></tr></thead><tbody>";
        for (const auto& p : proofs) {
            const HistoryRecord& r = *p.record;
            html += "<tr data-command=\"" + htmlEscape(r.command) + "\"><td>" + htmlEscape(r.at) + "</td><td>" + htmlEscape(r.command) + "</td><td>" +
                    htmlEscape(p.archive->path.filename().string()) + "</td><td class=\"" + (r.passed() ? "ok" : "bad") + "\" title=\"" +
                    htmlEscape(r.error) + "\">" + htmlEscape(r.verdict) + "</td><td class=\"num\">" + secondsText(r.seconds) +
                    "</td><td class=\"num\">" + secondsText(r.recoverySeconds) + "</td><td class=\"num\">" + (r.tables ? std::to_string(*r.tables) : "-") +
                    "</td><td class=\"num\">" + (r.rows ? std::to_string(*r.rows) : "-") + "</td><td>" + reportLink(r.report, pageFolder) + "</td></tr>";
        }
        html += "</tbody></table>";
    }
    html += fmt::format("<h3>Archives ({})</h3>", db.archives.size());
    html += "<table class=\"archives\"><thead><tr><th>archive</th><th>dated (UTC)</th><th>age</th><th>size</th><th>backup took</th><th>tables</th>"
            "<th>rows</th><th>state</th></tr></thead><tbody>";
    for (const auto& a : db.archives) {
        const HistoryRecord* backup = a.history.last("backup");
        std::string state = a.state() + (a.pin ? ", pinned" : "");
        html += "<tr><td>" + htmlEscape(a.path.filename().string()) + "</td><td>" + formatUtc(a.dated) + "</td><td>" +
                htmlEscape(describeAge(std::difftime(all.at, a.dated))) + "</td><td class=\"num\">" + bytesText(a.size) + "</td><td class=\"num\">" +
                (backup ? secondsText(backup->seconds) : "-") + "</td><td class=\"num\">" + std::to_string(a.tables) + "</td><td class=\"num\">" +
                std::to_string(a.rows) + "</td><td class=\"" + (a.proof() ? "ok" : a.damaged() ? "bad" : "muted") + "\">" + htmlEscape(state) + "</td></tr>";
    }
    html += "</tbody></table></section>";
    return html;
}

}  // namespace

std::string renderHtmlReport(const RepositoryStatus& status, const std::vector<DatabaseArchives>& scan, const fs::path& pageFolder) {
    std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">";
    html += "<title>pgproof report: " + htmlEscape(status.repository) + "</title><style>" + kStyle + "</style></head><body>";
    html += "<header><h1>Backups in " + htmlEscape(status.repository) + "</h1>";
    html += "<p class=\"meta\">Generated " + formatUtc(status.at) + " by pgproof " + PGPROOF_VERSION + ". Fresh: a full backup proven intact (a passed check, " +
            "restore or drill) younger than " + htmlEscape(describeAge(status.policy.maxAgeSeconds)) +
            (status.policy.maxDrillAgeSeconds ? ", and a passed drill younger than " + htmlEscape(describeAge(*status.policy.maxDrillAgeSeconds)) : "") +
            ".</p></header>";

    // What needs attention, first: status's own problems, then what it notes (newer unproven or damaged archives).
    std::vector<std::pair<std::string, std::string>> problems, notes;  // (database, text)
    for (const auto& p : status.problems) problems.push_back({"", p});
    for (const auto& s : status.servers)
        if (!s.ok()) problems.push_back({"", s.summary()});
    for (const auto& d : status.databases) {
        for (const auto& p : d.problems) problems.push_back({d.database, p});
        // A database never proven has every archive noted as unproven: the first few say it.
        const size_t shown = 5;
        for (size_t i = 0; i < d.notes.size() && i < shown; ++i) notes.push_back({d.database, d.notes[i]});
        if (d.notes.size() > shown) notes.push_back({d.database, fmt::format("and {} more notes (pgproof status DIR --database {})", d.notes.size() - shown, d.database)});
    }
    html += std::string("<section id=\"attention\" class=\"") + (status.ok() ? "fresh" : "stale") + "\">";
    if (status.ok()) {
        html += "<h2>Every database has a fresh proven backup</h2>";
        for (const auto& s : status.servers) html += "<p>" + htmlEscape(s.summary()) + "</p>";
    } else {
        html += fmt::format("<h2>Needs attention: {} problem{}</h2>", problems.size(), problems.size() == 1 ? "" : "s");
    }
    if (!problems.empty() || !notes.empty()) {
        html += "<ul>";
        for (const auto& [db, text] : problems)
            html += "<li class=\"problem\" data-database=\"" + htmlEscape(db) + "\">" +
                    (db.empty() ? "" : "<a href=\"#" + anchorOf(db) + "\">" + htmlEscape(db) + "</a>: ") + htmlEscape(text) + "</li>";
        for (const auto& [db, text] : notes)
            html += "<li class=\"note\" data-database=\"" + htmlEscape(db) + "\"><a href=\"#" + anchorOf(db) + "\">" + htmlEscape(db) +
                    "</a>: " + htmlEscape(text) + "</li>";
        html += "</ul>";
    }
    html += "</section>";

    html += "<section id=\"overview\"><h2>Databases</h2><table><thead><tr><th>database</th><th>status</th><th>full backups</th><th>newest proven</th>"
            "<th>age</th><th>newest drill</th><th>recovery time</th></tr></thead><tbody>";
    for (const auto& d : status.databases)
        html += "<tr><td><a href=\"#" + anchorOf(d.database) + "\">" + htmlEscape(d.database) + "</a></td><td class=\"" + (d.ok() ? "ok\">fresh" : "bad\">STALE") +
                "</td><td class=\"num\">" + std::to_string(d.backups) + "</td><td>" +
                (d.newestProven ? htmlEscape(d.newestProven->path.filename().string()) : "-") + "</td><td>" +
                (d.provenAgeSeconds ? htmlEscape(describeAge(*d.provenAgeSeconds)) : "-") + "</td><td>" +
                (d.drillAgeSeconds ? htmlEscape(describeAge(*d.drillAgeSeconds)) + " ago" : "-") + "</td><td class=\"num\">" +
                secondsText(d.recoverySeconds) + "</td></tr>";
    html += "</tbody></table></section>";

    for (const auto& db : scan) {
        const DatabaseStatus* s = nullptr;
        for (const auto& d : status.databases)
            if (d.database == db.database) s = &d;
        html += databaseSection(db, s, status, pageFolder);
    }
    html += "<footer><p class=\"meta\">Every figure comes from the archives' manifests and their history files (NAME.history.jsonl); "
            "pgproof status DIR --json gives the same judgement as data.</p></footer></body></html>\n";
    return html;
}

}  // namespace pgproof::repository
