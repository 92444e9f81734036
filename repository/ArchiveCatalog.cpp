#include "ArchiveCatalog.hpp"

#include <fmt/format.h>

#include "WorkProgress.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "AgeEncryption.hpp"
#include "ArchiveReader.hpp"
#include "AtomicFile.hpp"
#include "Errors.hpp"
#include "Repository.hpp"
#include "UtcTime.hpp"

namespace pgproof::repository {

namespace fs = std::filesystem;

std::string ArchiveInfo::state() const {
    if (!complete) return "DAMAGED: " + problem;
    if (const HistoryRecord* d = history.lastDamage()) return "DAMAGED: " + d->command + " found it damaged " + d->at;
    return std::string(proof() ? "proven" : "unproven") + (isPartial() ? ", partial" : "") + (encrypted ? ", encrypted" : "");
}

const ArchiveInfo* DatabaseArchives::newestBackup() const {
    for (const auto& a : archives)
        if (a.isFull()) return &a;
    return nullptr;
}

const ArchiveInfo* DatabaseArchives::newestProven() const {
    for (const auto& a : archives)
        if (a.isFull() && a.proof()) return &a;
    return nullptr;
}

const ArchiveInfo* DatabaseArchives::newestDrilled() const {
    const ArchiveInfo* best = nullptr;
    for (const auto& a : archives)
        if (const auto* d = a.lastPassedDrill(); d && a.isFull())
            if (!best || d->at > best->lastPassedDrill()->at) best = &a;
    return best;
}

size_t DatabaseArchives::backups() const {
    return static_cast<size_t>(std::count_if(archives.begin(), archives.end(), [](const ArchiveInfo& a) { return a.isFull(); }));
}

size_t DatabaseArchives::partials() const {
    return static_cast<size_t>(
        std::count_if(archives.begin(), archives.end(), [](const ArchiveInfo& a) { return !a.damaged() && a.isPartial(); }));
}

size_t DatabaseArchives::damagedCount() const {
    return static_cast<size_t>(std::count_if(archives.begin(), archives.end(), [](const ArchiveInfo& a) { return a.damaged(); }));
}

namespace {

// What the archive leaves out of the database it was taken from, as its manifest records it; "" when nothing.
std::string partialCoverage(const Manifest& m) {
    std::string out;
    if (!m.notCovered.empty()) out = coverageSummary(m.tables.size(), m.notCovered, 3);
    if (m.largeObjectsAtSnapshot && *m.largeObjectsAtSnapshot > m.largeObjects)
        out += fmt::format("{}{} of {} large objects not covered", out.empty() ? "" : "; ", *m.largeObjectsAtSnapshot - m.largeObjects,
                           *m.largeObjectsAtSnapshot);
    return out;
}

}  // namespace

// Dates the archive by the repository's clock as well as its own (ArchiveInfo::dated), and says when the two disagree.
void dateArchive(ArchiveInfo& a, std::time_t mtime) {
    const HistoryRecord* first = nullptr;
    std::optional<std::time_t> firstAt;
    for (const auto& r : a.history.records)
        if (auto t = parseUtc(r.at); t && (!firstAt || *t < *firstAt)) {
            firstAt = t;
            first = &r;
        }
    a.seen = firstAt ? *firstAt : mtime;
    a.dated = a.complete ? std::min(a.created, a.seen) : a.seen;
    if (!a.complete) return;
    const double slack = 300;  // clocks of two healthy hosts agree within minutes
    const std::string seenText = formatUtc(a.seen) + (firstAt ? " (its first history record, " + first->command + ")" : " (the file's mtime)");
    if (std::difftime(a.created, a.seen) > slack)
        a.clockNote = "created " + a.createdText + " by the archive's own clock, " + describeAge(std::difftime(a.created, a.seen)) +
                      " after the repository first saw it at " + seenText + ": dated by the repository's clock";
    else if (first && first->command == "backup" && std::difftime(a.seen, a.created) > first->seconds + slack)
        a.clockNote = "created " + a.createdText + " by the archive's own clock, " + describeAge(std::difftime(a.seen, a.created)) +
                      " before its backup finished at " + seenText + " (the backup took " + describeAge(first->seconds) +
                      "): dated by its creation time";
}

namespace {

// An encrypted archive, without its key: what its own backup recorded about it, if the record is bound to
// this very ciphertext (ciphertextIdentity: its age header, whose MAC is new for every file, and its size).
void readEncryptedInfo(ArchiveInfo& a, const std::string& ciphertext) {
    a.encrypted = true;
    a.history.bindTo("", a.path.filename().string(), ciphertext);
    const HistoryRecord* backup = nullptr;
    for (const auto& r : a.history.records)
        if (r.command == "backup" && r.exitCode == 0 && !r.archiveCreated.empty()) backup = &r;
    if (!backup) {
        a.problem = "encrypted (age), and no backup record in its history matches this file's header and size: it was cut short, "
                    "changed, or copied in without its history (pgproof check --identity KEY " + a.path.string() + " tells)";
        return;
    }
    a.complete = true;
    a.tables = backup->tables.value_or(0);
    a.rows = backup->rows.value_or(0);
    a.createdText = backup->archiveCreated;
    a.partial = backup->partial.value_or("");
    if (auto t = parseUtc(a.createdText)) a.created = *t;
}

}  // namespace

ArchiveInfo readArchiveInfo(const RepositoryStore& store, const RepositoryStore::Entry& entry, const std::string& database) {
    ArchiveInfo a;
    a.path = store.locate(entry.name);
    a.name = entry.name;
    a.database = database;
    a.size = entry.size;
    const std::time_t mtime = entry.modified;
    const std::string location = a.path.string();
    // In a bucket only a .age name is asked for age's header (one more request); a folder reads every file's first bytes.
    const bool maybeEncrypted = !store.inBucket() || archiveStem(entry.name) + kEncryptedSuffix == entry.name;
    if (auto ciphertext = maybeEncrypted ? ciphertextIdentity(a.path) : std::nullopt) {
        a.history = store.readHistory(entry.name);
        readEncryptedInfo(a, *ciphertext);
        if (a.createdText.empty()) {
            a.created = mtime;
            a.createdText = formatUtc(a.created);
        }
        dateArchive(a, mtime);
        a.pin = readPin(store, entry.name);
        return a;
    }
    try {
        ArchiveReader reader(location);
        const Manifest& m = reader.manifest();
        a.complete = true;
        a.tables = m.tables.size();
        a.rows = m.totalRows();
        a.createdText = m.created;
        a.manifestChecksum = reader.manifestChecksumText();
        a.partial = partialCoverage(m);
        if (m.source.contains("host")) a.server = m.source.value("host", "") + ":" + m.source.value("port", "");
        if (auto t = parseUtc(m.created)) a.created = *t;
    } catch (const std::exception& e) {
        a.problem = e.what();
    }
    if (a.createdText.empty()) {
        a.created = mtime;
        a.createdText = formatUtc(a.created);
    }
    a.history = store.readHistory(entry.name);
    // Records bind to the manifest they were written for; an archive whose manifest cannot be read is
    // damaged whatever its history says, so its records are shown as they are.
    if (a.complete) a.history.bindTo(a.manifestChecksum, fs::path(entry.name).filename().string());
    dateArchive(a, mtime);
    a.pin = readPin(store, entry.name);
    return a;
}

std::vector<DatabaseArchives> scanRepository(RepositoryStore& store) {
    store.checkRepository();
    std::vector<DatabaseArchives> out;
    // Reading every archive's manifest and history is the long part in a large repository: a phase of its own.
    std::vector<std::pair<std::string, std::vector<RepositoryStore::Entry>>> folders;
    uint64_t total = 0;
    for (const auto& db : store.databaseFolders()) {
        folders.emplace_back(db, store.archivesIn(db));
        total += folders.back().second.size();
    }
    WorkProgress& progress = WorkProgress::process();
    progress.startPhase("reading the repository", "archives", total);
    for (const auto& [db, archives] : folders) {
        DatabaseArchives d{db, {}};
        for (const auto& e : archives) {
            d.archives.push_back(readArchiveInfo(store, e, db));
            progress.addBytes(e.size);
            progress.addRows(d.archives.back().rows);
            progress.addDone();
        }
        // Newest first. Two backups of one second are NAME-<ts>Z.sql.zst and NAME-<ts>Z-2.sql.zst (Repository's
        // naming): the numbered one was written later.
        auto sameSecondNumber = [](const fs::path& p) {
            std::string name = p.filename().string();
            size_t end = name.find(".sql.zst");
            size_t dash = name.rfind("Z-", end);
            if (end == std::string::npos || dash == std::string::npos || dash + 2 >= end) return 1ul;
            std::string digits = name.substr(dash + 2, end - dash - 2);
            if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 6) return 1ul;
            return std::stoul(digits);
        };
        std::sort(d.archives.begin(), d.archives.end(), [&](const ArchiveInfo& x, const ArchiveInfo& y) {
            if (x.dated != y.dated) return x.dated > y.dated;
            unsigned long nx = sameSecondNumber(x.path), ny = sameSecondNumber(y.path);
            return nx != ny ? nx > ny : x.path.filename() > y.path.filename();
        });
        out.push_back(std::move(d));
    }
    return out;
}

std::optional<Pin> readPin(const RepositoryStore& store, const std::string& archive) {
    auto text = store.read(archiveStem(archive) + ".pin.json");
    if (!text) return std::nullopt;
    Pin p;
    try {
        auto j = nlohmann::json::parse(*text);
        p.at = j.value("pinned_at", "");
        p.reason = j.value("reason", "");
        p.by = j.value("by", "");
    } catch (const std::exception&) {
        p.reason = "(unreadable pin file: still pinned)";  // a pin file, whatever it holds, protects the archive
    }
    return p;
}

void writePin(RepositoryStore& store, const std::string& archive, const std::string& reason) {
    const char* user = std::getenv("USER");
    if (!user || !*user)
        if (const passwd* pw = ::getpwuid(::geteuid())) user = pw->pw_name;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    nlohmann::json j = {{"pinned_at", utcNow()}, {"reason", reason}, {"by", std::string(user ? user : "") + "@" + host},
                        {"archive", fs::path(archive).filename().string()}};
    store.write(archiveStem(archive) + ".pin.json", j.dump(2) + "\n");
}

bool removePin(RepositoryStore& store, const std::string& archive) { return store.remove(archiveStem(archive) + ".pin.json"); }

}  // namespace pgproof::repository
