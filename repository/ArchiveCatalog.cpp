#include "ArchiveCatalog.hpp"

#include "WorkProgress.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "ArchiveReader.hpp"
#include "Errors.hpp"
#include "FileDescriptor.hpp"
#include "Repository.hpp"
#include "TimeText.hpp"
#include "UtcTime.hpp"

namespace pgproof::repository {

namespace fs = std::filesystem;

std::string ArchiveInfo::state() const {
    if (!complete) return "DAMAGED: " + problem;
    if (history.damaged()) {
        for (auto it = history.records.rbegin(); it != history.records.rend(); ++it)
            if (it->exitCode == 1) return "DAMAGED: " + it->command + " failed " + it->at;
    }
    return proof() ? "proven" : "unproven";
}

const ArchiveInfo* DatabaseArchives::newestBackup() const {
    for (const auto& a : archives)
        if (!a.damaged()) return &a;
    return nullptr;
}

const ArchiveInfo* DatabaseArchives::newestProven() const {
    for (const auto& a : archives)
        if (a.proof()) return &a;
    return nullptr;
}

const ArchiveInfo* DatabaseArchives::newestDrilled() const {
    const ArchiveInfo* best = nullptr;
    for (const auto& a : archives)
        if (const auto* d = a.lastPassedDrill())
            if (!best || d->at > best->lastPassedDrill()->at) best = &a;
    return best;
}

size_t DatabaseArchives::backups() const {
    return static_cast<size_t>(std::count_if(archives.begin(), archives.end(), [](const ArchiveInfo& a) { return !a.damaged(); }));
}

ArchiveInfo readArchiveInfo(const fs::path& archive, const std::string& database) {
    ArchiveInfo a;
    a.path = archive;
    a.database = database;
    std::error_code ec;
    a.size = fs::file_size(archive, ec);
    try {
        ArchiveReader reader(archive);
        const Manifest& m = reader.manifest();
        a.complete = true;
        a.tables = m.tables.size();
        a.rows = m.totalRows();
        a.createdText = m.created;
        if (auto t = parseUtc(m.created)) a.created = *t;
    } catch (const std::exception& e) {
        a.problem = e.what();
    }
    if (a.createdText.empty()) {
        struct stat st {};
        if (::stat(archive.c_str(), &st) == 0) a.created = st.st_mtime;
        a.createdText = formatUtc(a.created);
    }
    a.history = readHistory(historyPathFor(archive));
    a.pin = readPin(archive);
    return a;
}

std::vector<DatabaseArchives> scanRepository(const fs::path& dir) {
    openRepository(dir);
    std::vector<DatabaseArchives> out;
    // Reading every archive's manifest and history is the long part in a large repository: a phase of its own.
    std::vector<std::pair<std::string, std::vector<fs::path>>> folders;
    uint64_t total = 0;
    for (const auto& db : databaseFolders(dir)) {
        folders.emplace_back(db, archivesIn(dir / db));
        total += folders.back().second.size();
    }
    WorkProgress& progress = WorkProgress::process();
    progress.startPhase("reading the repository", "archives", total);
    for (const auto& [db, archives] : folders) {
        DatabaseArchives d{db, {}};
        for (const auto& p : archives) {
            d.archives.push_back(readArchiveInfo(p, db));
            std::error_code ec;
            auto size = fs::file_size(p, ec);
            progress.addBytes(ec ? 0 : size);
            progress.addRows(d.archives.back().rows);
            progress.addDone();
        }
        std::sort(d.archives.begin(), d.archives.end(), [](const ArchiveInfo& x, const ArchiveInfo& y) {
            return x.created != y.created ? x.created > y.created : x.path.filename() > y.path.filename();
        });
        out.push_back(std::move(d));
    }
    return out;
}

std::optional<Pin> readPin(const fs::path& archive) {
    fs::path file = pinPathFor(archive);
    std::error_code ec;
    if (!fs::exists(file, ec)) return std::nullopt;
    Pin p;
    try {
        std::ifstream in(file);
        auto j = nlohmann::json::parse(in);
        p.at = j.value("pinned_at", "");
        p.reason = j.value("reason", "");
        p.by = j.value("by", "");
    } catch (const std::exception&) {
        p.reason = "(unreadable pin file: still pinned)";  // a pin file, whatever it holds, protects the archive
    }
    return p;
}

void writePin(const fs::path& archive, const std::string& reason) {
    fs::path file = pinPathFor(archive);
    const char* user = std::getenv("USER");
    if (!user || !*user)
        if (const passwd* pw = ::getpwuid(::geteuid())) user = pw->pw_name;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    nlohmann::json j = {{"pinned_at", utcNow()}, {"reason", reason}, {"by", std::string(user ? user : "") + "@" + host},
                        {"archive", archive.filename().string()}};
    fs::path temp = temporaryBeside(file);
    {
        std::ofstream out(temp);
        out << j.dump(2) << "\n";
        out.flush();
        if (!out) throw IncompleteError("cannot write " + temp.string());
    }
    if (::rename(temp.c_str(), file.c_str()) != 0) {
        int err = errno;
        ::unlink(temp.c_str());
        throw IncompleteError("cannot write " + file.string() + ": " + std::strerror(err));
    }
    FileDescriptor dir(::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) ::fsync(dir.get());
}

bool removePin(const fs::path& archive) {
    fs::path file = pinPathFor(archive);
    if (::unlink(file.c_str()) == 0) return true;
    if (errno == ENOENT) return false;
    throw IncompleteError("cannot remove " + file.string() + ": " + std::strerror(errno));
}

}  // namespace pgproof::repository
