// The local folder driver of RepositoryStore: the layout and file formats of Repository.hpp, unchanged.
#include "FolderStore.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ArchiveLock.hpp"
#include "AtomicFile.hpp"
#include "Errors.hpp"
#include "FileDescriptor.hpp"
#include "OutputFile.hpp"
#include "Repository.hpp"

namespace pgproof::repository {

namespace fs = std::filesystem;

namespace {

// The history file created exclusively (O_EXCL) and held with a shared flock while the backup runs, so
// that prune never removes it as a leftover.
class FolderClaim final : public NameClaim {
public:
    FolderClaim(fs::path archive, FileDescriptor hold) : archive_(std::move(archive)), hold_(std::move(hold)) {}
    ~FolderClaim() override { release(); }
    void release() override {
        if (!hold_) return;
        hold_.reset();
        std::error_code ec;
        fs::path history = historyPathFor(archive_);
        if (!fs::exists(archive_, ec) && fs::file_size(history, ec) == 0 && !ec) fs::remove(history, ec);
    }

private:
    fs::path archive_;
    FileDescriptor hold_;
};

class FolderHold final : public ArchiveHold {
public:
    explicit FolderHold(ArchiveLock lock) : lock_(std::move(lock)) {}

private:
    ArchiveLock lock_;
};

// History files whose archive is gone: left by a backup that was killed before its archive was complete.
// A running backup holds its reserved history file (shared flock), so a held one is left alone.
std::vector<fs::path> leftoverHistories(const fs::path& folder) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
        std::string name = e.path().filename().string();
        const std::string suffix = ".history.jsonl";
        if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
        const std::string base = name.substr(0, name.size() - suffix.size());
        if (fs::exists(folder / (base + kArchiveSuffix), ec) || fs::exists(folder / (base + kEncryptedSuffix), ec) ||
            fs::file_size(e.path(), ec) != 0)
            continue;
        FileDescriptor fd(::open(e.path().c_str(), O_RDONLY | O_CLOEXEC));
        if (fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) out.push_back(e.path());
    }
    return out;
}

}  // namespace

std::string FolderStore::locate(const std::string& name) const { return (fs::path(location_) / name).string(); }

void FolderStore::checkRepository() const { openRepository(location_); }

void FolderStore::create() { createRepository(location_); }

std::vector<std::string> FolderStore::databaseFolders() const { return repository::databaseFolders(location_); }

std::vector<RepositoryStore::Entry> FolderStore::archivesIn(const std::string& database) const {
    std::vector<Entry> out;
    for (const auto& p : repository::archivesIn(fs::path(location_) / database)) {
        Entry e{database + "/" + p.filename().string(), 0, 0};
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0) {
            e.size = static_cast<uint64_t>(st.st_size);
            e.modified = st.st_mtime;
        }
        out.push_back(std::move(e));
    }
    return out;
}

bool FolderStore::exists(const std::string& name) const {
    std::error_code ec;
    return fs::exists(locate(name), ec);
}

std::optional<std::string> FolderStore::read(const std::string& name) const {
    const std::string file = locate(name);
    std::error_code ec;
    if (!fs::exists(file, ec)) return std::nullopt;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw IncompleteError("cannot read " + file + ": " + std::strerror(errno));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void FolderStore::write(const std::string& name, const std::string& text) {
    AtomicFile::writeWhole(locate(name), text, {.unwritable = ExitCode::Incomplete});
}

bool FolderStore::remove(const std::string& name) {
    const std::string file = locate(name);
    if (::unlink(file.c_str()) == 0) return true;
    if (errno == ENOENT) return false;
    throw IncompleteError("cannot remove " + file + ": " + std::strerror(errno));
}

std::vector<std::string> FolderStore::topLevelNames(const std::string& prefix) const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(location_, ec)) {
        std::string name = e.path().filename().string();
        if (name.rfind(prefix, 0) == 0) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

void FolderStore::appendHistory(const std::string& archive, const HistoryRecord& record) {
    repository::appendHistory(historyPathFor(locate(archive)), record);
}

ArchiveHistory FolderStore::readHistory(const std::string& archive) const { return repository::readHistory(historyPathFor(locate(archive))); }

std::unique_ptr<NameClaim> FolderStore::tryClaim(const std::string& database, const std::string& name, const std::string& suffix) {
    fs::path folder = fs::path(location_) / database;
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) throw IncompleteError("cannot create " + folder.string() + ": " + ec.message());
    // NAME.sql.zst and NAME.sql.zst.age would share one history: either one takes the name.
    if (fs::exists(folder / (name + kArchiveSuffix), ec) || fs::exists(folder / (name + kEncryptedSuffix), ec)) return nullptr;
    fs::path archive = folder / (name + suffix);
    int fd = ::open(historyPathFor(archive).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST) return nullptr;
        throw IncompleteError("cannot create " + historyPathFor(archive).string() + ": " + std::strerror(errno));
    }
    FileDescriptor hold(fd);
    ::flock(fd, LOCK_SH);
    return std::make_unique<FolderClaim>(archive, std::move(hold));
}

std::unique_ptr<ArchiveHold> FolderStore::hold(const std::string& archive, const std::string&) {
    auto lock = ArchiveLock::shared(locate(archive));
    if (!lock) return nullptr;
    return std::make_unique<FolderHold>(std::move(*lock));
}

RepositoryStore::Removal FolderStore::removeArchive(const std::string& archive) {
    const std::string path = locate(archive);
    auto hold = ArchiveLock::tryExclusive(path);
    if (!hold) return {Removal::InUse, "in use by a running pgproof command"};
    // The archive first: a history without its archive is a leftover that the next prune removes.
    if (::unlink(path.c_str()) != 0) return {Removal::Failed, std::strerror(errno)};
    std::error_code ec;
    fs::remove(historyPathFor(path), ec);
    fs::remove(globalsPathFor(path), ec);  // backup --globals wrote it with the archive
    return {Removal::Removed, ""};
}

std::vector<std::string> FolderStore::removeLeftovers(const std::string& database) {
    std::vector<std::string> said;
    const fs::path folder = fs::path(location_) / database;
    for (const auto& stale : removeStalePartials(folder)) said.push_back("removed " + stale + ": temporary file of a killed run");
    for (const auto& h : leftoverHistories(folder)) {
        std::error_code ec;
        if (fs::remove(h, ec)) said.push_back("removed " + h.string() + ": empty history of a backup that never completed");
    }
    return said;
}

}  // namespace pgproof::repository
