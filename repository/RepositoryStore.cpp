#include "RepositoryStore.hpp"

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "BucketStore.hpp"
#include "FolderStore.hpp"
#include "Repository.hpp"
#include "S3Url.hpp"

namespace pgproof::repository {

std::shared_ptr<RepositoryStore> RepositoryStore::open(const std::string& location) {
    if (S3Url::is(location)) return std::make_shared<BucketStore>(S3Url::parse(location));
    return std::make_shared<FolderStore>(location);
}

std::optional<RepositoryStore::Located> RepositoryStore::ofArchive(const std::string& archive) {
    if (archive.empty() || archive == "-") return std::nullopt;
    if (S3Url::is(archive)) {
        try {
            const S3Url object = S3Url::parse(archive);
            const std::string& key = object.key;
            size_t leaf = key.rfind('/');
            if (leaf == std::string::npos || leaf == 0 || !isArchiveName(key.substr(leaf + 1))) return std::nullopt;
            size_t folder = key.rfind('/', leaf - 1);
            const std::string prefix = folder == std::string::npos ? "" : key.substr(0, folder);
            const std::string name = key.substr(folder == std::string::npos ? 0 : folder + 1);
            auto store = std::make_shared<BucketStore>(S3Url{object.bucket, prefix});
            if (!store->hasMarker()) return std::nullopt;
            return Located{store, name};
        } catch (const std::exception&) {
            return std::nullopt;  // the command reading the object says why it cannot
        }
    }
    auto repo = repositoryOf(archive);
    if (!repo) return std::nullopt;
    const std::filesystem::path abs = std::filesystem::absolute(archive);
    return Located{std::make_shared<FolderStore>(repo->string()),
                   abs.parent_path().filename().string() + "/" + abs.filename().string()};
}

bool RepositoryStore::hasMarker() const { return exists(kMarkerFile); }

std::string archiveStem(const std::string& archiveName) {
    auto endsWith = [&](const char* suffix) {
        size_t n = std::strlen(suffix);
        return archiveName.size() >= n && archiveName.compare(archiveName.size() - n, n, suffix) == 0;
    };
    if (endsWith(kEncryptedSuffix)) return archiveName.substr(0, archiveName.size() - std::strlen(kEncryptedSuffix));
    if (endsWith(kArchiveSuffix)) return archiveName.substr(0, archiveName.size() - std::strlen(kArchiveSuffix));
    return archiveName;
}

double leaseStaleSeconds() {
    if (const char* v = std::getenv("PGPROOF_LEASE_HOURS"); v && *v) {
        char* end = nullptr;
        double hours = std::strtod(v, &end);
        if (end && *end == '\0' && hours > 0) return hours * 3600;
    }
    return 48 * 3600.0;
}

}  // namespace pgproof::repository
