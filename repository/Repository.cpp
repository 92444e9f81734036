#include "Repository.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "AtomicFile.hpp"
#include "Errors.hpp"
#include "UtcTime.hpp"

namespace pgproof::repository {

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

fs::path sidePath(const fs::path& archive, const std::string& suffix) {
    std::string name = archive.filename().string();
    if (endsWith(name, kEncryptedSuffix)) name.resize(name.size() - std::strlen(kEncryptedSuffix));
    else if (endsWith(name, kArchiveSuffix)) name.resize(name.size() - std::strlen(kArchiveSuffix));
    return archive.parent_path() / (name + suffix);
}

}  // namespace

fs::path historyPathFor(const fs::path& archive) { return sidePath(archive, ".history.jsonl"); }
fs::path pinPathFor(const fs::path& archive) { return sidePath(archive, ".pin.json"); }
fs::path globalsPathFor(const fs::path& archive) { return sidePath(archive, ".globals.sql.zst"); }

bool isArchiveName(const std::string& filename) {
    if (filename.empty() || filename[0] == '.' || endsWith(filename, ".globals.sql.zst")) return false;
    if (endsWith(filename, kEncryptedSuffix)) return filename.size() > std::strlen(kEncryptedSuffix);
    return endsWith(filename, kArchiveSuffix) && filename.size() > std::strlen(kArchiveSuffix);
}

std::optional<fs::path> repositoryOf(const fs::path& archive) {
    if (archive.empty() || archive == "-") return std::nullopt;
    std::error_code ec;
    fs::path abs = fs::absolute(archive, ec);
    if (ec || !isArchiveName(abs.filename().string())) return std::nullopt;
    fs::path repo = abs.parent_path().parent_path();
    if (repo.empty() || !fs::is_regular_file(repo / kMarkerFile, ec)) return std::nullopt;
    return repo;
}

void checkDatabaseFolderName(const std::string& name) {
    if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos || name.find('\0') != std::string::npos)
        throw BadInputError("--name '" + name + "' cannot name a repository folder: use letters, digits, '_', '-' (no '/', not starting with '.')");
}

void openRepository(const fs::path& dir) {
    std::error_code ec;
    auto st = fs::status(dir, ec);
    if (ec || !fs::exists(st))
        throw IncompleteError("repository " + dir.string() + " cannot be read: it does not exist (is the volume mounted?)");
    if (!fs::is_directory(st)) throw BadInputError(dir.string() + " is not a folder, so not a pgproof repository");
    if (::access(dir.c_str(), R_OK | X_OK) != 0)
        throw IncompleteError("repository " + dir.string() + " cannot be read: " + std::strerror(errno));
    if (!fs::is_regular_file(dir / kMarkerFile, ec))
        throw BadInputError(dir.string() + " is not a pgproof repository (no " + std::string(kMarkerFile) +
                            "; pgproof backup --repo " + dir.string() + " makes one)");
}

void createRepository(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw IncompleteError("cannot create repository " + dir.string() + ": " + ec.message());
    fs::path marker = dir / kMarkerFile;
    if (fs::exists(marker, ec)) return;
    // A folder with other things in it becomes a repository only if it already holds nothing but
    // database folders; otherwise the user probably named the wrong folder. The marker's temporary of
    // another first backup running at the same moment (AtomicFile's .NAME.partial-PID) is not "other files".
    const std::string markerTemporary = "." + std::string(kMarkerFile) + ".partial-";
    fs::directory_iterator it(dir, ec);
    if (ec) throw IncompleteError("cannot read " + dir.string() + ": " + ec.message());
    for (const auto& e : it) {
        std::string name = e.path().filename().string();
        if (name.rfind(markerTemporary, 0) == 0) continue;
        std::error_code typeError;
        if (e.is_directory(typeError) && name[0] != '.') continue;
        if (fs::exists(marker, typeError)) return;  // another backup made the folder a repository meanwhile
        throw BadInputError("--repo " + dir.string() + " is not a pgproof repository and holds other files (" + name +
                            "): name an empty or new folder");
    }
    nlohmann::json j = {{"repository", "pgproof"}, {"format_version", 1}, {"created", utcNow()},
                        {"layout", "<database>/<database>-<YYYYMMDDTHHMMSSZ>.sql.zst, beside it .history.jsonl and .pin.json"}};
    // Two first backups at once: whichever rename lands, the marker says the same.
    AtomicFile::writeWhole(marker, j.dump(2) + "\n", {.unwritable = ExitCode::Incomplete});
}

std::vector<std::string> databaseFolders(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) throw IncompleteError("repository " + dir.string() + " cannot be read: " + ec.message());
    for (const auto& e : it) {
        std::string name = e.path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        if (e.is_directory(ec)) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<fs::path> archivesIn(const fs::path& folder) {
    std::vector<fs::path> out;
    std::error_code ec;
    fs::directory_iterator it(folder, ec);
    if (ec) throw IncompleteError("repository folder " + folder.string() + " cannot be read: " + ec.message());
    for (const auto& e : it)
        if (isArchiveName(e.path().filename().string()) && e.is_regular_file(ec)) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::string nameTimestamp(std::time_t when) {
    std::tm tm{};
    gmtime_r(&when, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

ReservedArchive ReservedArchive::reserve(RepositoryStore& store, const std::string& database, std::time_t when, bool encrypted) {
    checkDatabaseFolderName(database);
    std::string base = database + "-" + nameTimestamp(when);
    const std::string suffix = encrypted ? kEncryptedSuffix : kArchiveSuffix;
    for (int n = 1; n < 1000; ++n) {
        std::string name = n == 1 ? base : base + "-" + std::to_string(n);
        auto claim = store.tryClaim(database, name, suffix);
        if (!claim) continue;
        ReservedArchive r;
        r.archive_ = store.locate(database + "/" + name + suffix);
        r.claim_ = std::move(claim);
        return r;
    }
    throw IncompleteError("no free archive name for " + base + " in " + store.locate(database));
}

void ReservedArchive::release() {
    if (claim_) claim_->release();
    claim_.reset();
}

ReservedArchive::~ReservedArchive() { release(); }

}  // namespace pgproof::repository
