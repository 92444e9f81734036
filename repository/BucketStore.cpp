#include "BucketStore.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "Errors.hpp"
#include "Repository.hpp"
#include "UtcTime.hpp"

namespace pgproof::repository {

namespace {

std::string hostName() {
    char h[256] = {};
    std::string out = ::gethostname(h, sizeof h - 1) == 0 ? std::string(h) : std::string("host");
    for (char& c : out)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_')) c = '_';
    return out.empty() ? "host" : out;
}

uint64_t randomNumber() {
    static thread_local std::mt19937_64 engine{std::random_device{}()};
    return engine();
}

// "20261207T142233.123456Z-HOST-PID-RANDOM": a key part that sorts by the writing host's clock and is unique.
std::string uniqueStamp() {
    auto now = std::chrono::system_clock::now();
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    return fmt::format("{}.{:06d}Z-{}-{}-{:08x}", formatUtc(std::chrono::system_clock::to_time_t(now), "%Y%m%dT%H%M%S"), micros, hostName(),
                       ::getpid(), static_cast<uint32_t>(randomNumber()));
}

// The time at the front of a key part written by uniqueStamp(); nullopt when it has none.
std::optional<std::time_t> stampTime(const std::string& leaf) {
    if (leaf.size() < 15 || leaf[8] != 'T') return std::nullopt;
    const std::string iso = leaf.substr(0, 4) + "-" + leaf.substr(4, 2) + "-" + leaf.substr(6, 2) + "T" + leaf.substr(9, 2) + ":" +
                            leaf.substr(11, 2) + ":" + leaf.substr(13, 2) + "Z";
    return parseUtc(iso);
}

// S3's LastModified, "2026-12-07T14:22:33.000Z".
std::time_t listedTime(const std::string& lastModified) {
    if (lastModified.size() < 19) return 0;
    return parseUtc(lastModified.substr(0, 19) + "Z").value_or(0);
}

std::string leafOf(const std::string& key) { return key.substr(key.rfind('/') + 1); }

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

nlohmann::json whoAmI() { return {{"host", hostName()}, {"pid", ::getpid()}, {"at", utcNow()}}; }

class BucketClaim final : public NameClaim {
public:
    BucketClaim(std::shared_ptr<S3Client> client, S3Url claim) : client_(std::move(client)), claim_(std::move(claim)) {}
    ~BucketClaim() override { release(); }
    void release() override {
        if (released_) return;
        released_ = true;
        try {
            client_->remove(claim_, false);  // also after Ctrl-C: the name is free again at once
        } catch (const std::exception& e) {
            spdlog::warn("the claim {} stays behind ({}): prune removes it once it is stale", claim_.text(), e.what());
        }
    }

private:
    std::shared_ptr<S3Client> client_;
    S3Url claim_;
    bool released_ = false;
};

class BucketLease final : public ArchiveHold {
public:
    BucketLease(std::shared_ptr<S3Client> client, S3Url lease) : client_(std::move(client)), lease_(std::move(lease)) {}
    ~BucketLease() override {
        try {
            client_->remove(lease_, false);  // also after Ctrl-C: prune need not wait for it to go stale
        } catch (const std::exception& e) {
            spdlog::warn("the lease {} stays behind ({}): prune ignores it once it is stale", lease_.text(), e.what());
        }
    }

private:
    std::shared_ptr<S3Client> client_;
    S3Url lease_;
};

}  // namespace

BucketStore::BucketStore(const S3Url& prefix) : RepositoryStore(""), bucket_(prefix.bucket), prefix_(prefix.key) {
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
    location_ = "s3://" + bucket_ + (prefix_.empty() ? "" : "/" + prefix_);
    if (!prefix_.empty()) prefix_ += "/";
}

S3Client& BucketStore::client() const {
    if (!client_) client_ = S3Client::fromEnvironment();
    return *client_;
}

std::string BucketStore::locate(const std::string& name) const { return location_ + "/" + name; }

std::vector<S3Client::ListedObject> BucketStore::listUnder(const std::string& name) const {
    auto objects = client().list(bucket_, prefix_ + name);
    for (auto& o : objects) o.key.erase(0, prefix_.size());
    return objects;
}

void BucketStore::checkRepository() const {
    if (!client().get(url(kMarkerFile)))
        throw BadInputError(location_ + " is not a pgproof repository (no " + std::string(kMarkerFile) + "; pgproof backup --repo " + location_ +
                            " makes one)");
}

void BucketStore::create() {
    if (client().head(url(kMarkerFile))) return;
    // As for a folder: a prefix that holds loose objects is probably the wrong one.
    // The marker itself: another first backup made the prefix a repository meanwhile.
    for (const auto& o : listUnder(""))
        if (o.key.find('/') == std::string::npos && o.key != kMarkerFile)
            throw BadInputError("--repo " + location_ + " is not a pgproof repository and holds other objects (" + o.key +
                                "): name an empty or new prefix");
    nlohmann::json j = {{"repository", "pgproof"}, {"format_version", 1}, {"created", utcNow()},
                        {"layout", "<database>/<database>-<YYYYMMDDTHHMMSSZ>.sql.zst, beside it <name>.history/ (one object per record), "
                                   "<name>.leases/ and <name>.pin.json"}};
    client().put(url(kMarkerFile), j.dump(2) + "\n");
}

std::vector<std::string> BucketStore::databaseFolders() const {
    std::set<std::string> out;
    for (const auto& o : listUnder("")) {
        size_t slash = o.key.find('/');
        if (slash == std::string::npos || slash == 0 || o.key[0] == '.') continue;
        out.insert(o.key.substr(0, slash));
    }
    return {out.begin(), out.end()};
}

std::vector<RepositoryStore::Entry> BucketStore::archivesIn(const std::string& database) const {
    std::vector<Entry> out;
    const std::string folder = database + "/";
    for (const auto& o : listUnder(folder)) {
        const std::string rest = o.key.substr(folder.size());
        if (rest.find('/') != std::string::npos || !isArchiveName(rest)) continue;
        out.push_back({o.key, o.size, listedTime(o.lastModified)});
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
    return out;
}

// Also after Ctrl-C: a run's outcome is recorded only for an archive that exists (RunRecorder::finish).
bool BucketStore::exists(const std::string& name) const { return client().head(url(name), false).has_value(); }

std::optional<std::string> BucketStore::read(const std::string& name) const { return client().get(url(name)); }

void BucketStore::write(const std::string& name, const std::string& text) { client().put(url(name), text); }

bool BucketStore::remove(const std::string& name) {
    if (!client().head(url(name))) return false;
    client().remove(url(name));
    return true;
}

std::vector<std::string> BucketStore::topLevelNames(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& o : listUnder(prefix))
        if (o.key.find('/') == std::string::npos) out.push_back(o.key);
    return out;
}

void BucketStore::appendHistory(const std::string& archive, const HistoryRecord& record) {
    const std::string key = archiveStem(archive) + ".history/" + uniqueStamp() + ".json";
    try {
        client().put(url(key), historyRecordText(record) + "\n", false);  // an interrupted run is recorded too
    } catch (const PgproofError& e) {
        throw IncompleteError("cannot record the outcome in " + locate(key) + ": " + e.what());
    }
}

ArchiveHistory BucketStore::readHistory(const std::string& archive) const {
    std::vector<std::string> keys;
    for (const auto& o : listUnder(archiveStem(archive) + ".history/")) {
        const std::string leaf = leafOf(o.key);
        if (startsWith(leaf, "claim-") || leaf.size() < 5 || leaf.compare(leaf.size() - 5, 5, ".json") != 0) continue;
        keys.push_back(o.key);
    }
    // One GET per record: a round trip each, so up to 8 at once (S3Client is shared between threads), in key order.
    std::vector<std::optional<std::string>> bodies(keys.size());
    constexpr size_t kInFlight = 8;
    for (size_t first = 0; first < keys.size(); first += kInFlight) {
        std::vector<std::future<std::optional<std::string>>> fetching;
        for (size_t i = first; i < std::min(keys.size(), first + kInFlight); ++i)
            fetching.push_back(std::async(std::launch::async, [this, key = keys[i]] { return client().get(url(key)); }));
        for (size_t i = 0; i < fetching.size(); ++i) bodies[first + i] = fetching[i].get();
    }
    ArchiveHistory h;
    for (size_t i = 0; i < keys.size(); ++i) {
        if (!bodies[i]) continue;  // removed since the listing (prune)
        try {
            h.records.push_back(HistoryRecord::fromJson(nlohmann::json::parse(*bodies[i])));
        } catch (const std::exception& e) {
            std::string why = e.what();
            if (why.rfind("[json.exception.", 0) == 0 && why.find("] ") != std::string::npos) why.erase(0, why.find("] ") + 2);
            h.problems.push_back(locate(keys[i]) + ": unreadable record (" + why + "), skipped");
        }
    }
    return h;
}

std::unique_ptr<NameClaim> BucketStore::tryClaim(const std::string& database, const std::string& name, const std::string&) {
    const std::string stem = database + "/" + name;
    // Taken: an archive (either suffix), its history, a pin or another backup's claim.
    if (!listUnder(stem + ".").empty()) return nullptr;
    const std::string claim = stem + ".history/claim-" + uniqueStamp() + ".json";
    client().put(url(claim), whoAmI().dump() + "\n");
    auto there = listUnder(stem + ".");
    if (there.size() == 1 && there.front().key == claim) return std::make_unique<BucketClaim>(client_, url(claim));
    // Another backup claimed it too: both may step back (neither saw itself alone), so the next name is
    // tried after a random pause, not in lockstep.
    client().remove(url(claim));
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + randomNumber() % 230));
    return nullptr;
}

std::unique_ptr<ArchiveHold> BucketStore::hold(const std::string& archive, const std::string& command) {
    const std::string leases = archiveStem(archive) + ".leases/";
    const S3Url lease = url(leases + uniqueStamp() + ".json");
    try {
        nlohmann::json j = whoAmI();
        j["command"] = command;
        j["archive"] = leafOf(archive);
        client().put(lease, j.dump() + "\n");
    } catch (const std::exception& e) {
        spdlog::warn("cannot write a lease for {} ({}): a prune running meanwhile may remove it", locate(archive), e.what());
        return nullptr;
    }
    auto held = std::make_unique<BucketLease>(client_, lease);
    // A prune that wrote its intent before this lease may be removing the archive: it gives up when it sees
    // the lease, and takes its intent back. Wait a few seconds for that.
    for (int i = 0; i < 50; ++i) {
        auto objects = listUnder(leases);
        if (std::none_of(objects.begin(), objects.end(), [](const S3Client::ListedObject& o) { return startsWith(leafOf(o.key), "removing-"); }))
            break;
        if (i == 49) spdlog::warn("{} is being removed by a pgproof prune: reading it may fail", locate(archive));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return held;
}

RepositoryStore::Removal BucketStore::removeArchive(const std::string& archive) {
    const std::string stem = archiveStem(archive);
    const std::string intent = stem + ".leases/removing-" + uniqueStamp() + ".json";
    try {
        client().put(url(intent), whoAmI().dump() + "\n");
        const std::time_t now = std::time(nullptr);
        std::vector<std::string> stale;
        std::string inUse, notes;
        for (const auto& o : listUnder(stem + ".leases/")) {
            const std::string leaf = leafOf(o.key);
            if (startsWith(leaf, "removing-")) continue;
            auto at = stampTime(leaf);
            if (!at || std::difftime(now, *at) > leaseStaleSeconds()) {
                stale.push_back(o.key);
                continue;
            }
            std::string who = leaf;
            if (auto body = client().get(url(o.key))) try {
                    auto j = nlohmann::json::parse(*body);
                    who = fmt::format("pgproof {} on {} (pid {}, lease since {})", j.value("command", "?"), j.value("host", "?"),
                                      j.value("pid", 0), j.value("at", "?"));
                } catch (const std::exception&) {
                }
            inUse += (inUse.empty() ? "" : "; ") + who;
        }
        if (!inUse.empty()) {
            client().remove(url(intent));
            return {Removal::InUse, "in use by a running " + inUse};
        }
        client().remove(url(archive));
        for (const auto& o : listUnder(stem + ".history/")) client().remove(url(o.key));
        client().remove(url(stem + ".globals.sql.zst"));  // backup --globals wrote it with the archive
        for (const auto& key : stale) {
            client().remove(url(key));
            notes += (notes.empty() ? "" : "; ") + ("ignored the stale lease " + leafOf(key) + fmt::format(" (older than {:.0f} h: a killed run)", leaseStaleSeconds() / 3600));
        }
        client().remove(url(intent));
        return {Removal::Removed, notes};
    } catch (const PgproofError& e) {
        try {
            client().remove(url(intent));
        } catch (const std::exception&) {
        }
        return {Removal::Failed, e.what()};
    }
}

std::vector<std::string> BucketStore::removeLeftovers(const std::string& database) {
    std::vector<std::string> said;
    const auto objects = listUnder(database + "/");
    const std::time_t now = std::time(nullptr);
    auto stale = [&](const std::string& stamp) {
        auto at = stampTime(stamp);
        return !at || std::difftime(now, *at) > leaseStaleSeconds();
    };
    // Names with an archive, and names a running backup holds (a claim that is not stale).
    std::set<std::string> archives, claimed;
    for (const auto& o : objects) {
        const std::string rest = o.key.substr(database.size() + 1);
        if (rest.find('/') == std::string::npos && isArchiveName(rest)) archives.insert(archiveStem(o.key));
        if (auto h = o.key.find(".history/claim-"); h != std::string::npos && !stale(leafOf(o.key).substr(6))) claimed.insert(o.key.substr(0, h));
    }
    const std::string bound = fmt::format("{:.0f} h", leaseStaleSeconds() / 3600);
    for (const auto& o : objects) {
        const std::string leaf = leafOf(o.key);
        std::string why;
        if (auto h = o.key.find(".history/"); h != std::string::npos) {
            const std::string stem = o.key.substr(0, h);
            if (archives.count(stem)) continue;
            if (startsWith(leaf, "claim-")) {
                if (stale(leaf.substr(6))) why = "claim of a backup that never completed (older than " + bound + ")";
            } else if (!claimed.count(stem)) {
                why = "history record of an archive that is gone";
            }
        } else if (const std::string globals = ".globals.sql.zst"; o.key.find('/', database.size() + 1) == std::string::npos &&
                                                                   o.key.size() > globals.size() &&
                                                                   o.key.compare(o.key.size() - globals.size(), globals.size(), globals) == 0) {
            // backup --globals writes them before the archive: a backup that failed leaves them alone.
            const std::string stem = o.key.substr(0, o.key.size() - globals.size());
            if (!archives.count(stem) && !claimed.count(stem)) why = "globals of a backup that never completed";
        } else if (o.key.find(".leases/") != std::string::npos) {
            if (stale(startsWith(leaf, "removing-") ? leaf.substr(9) : leaf)) why = "lease of a killed run (older than " + bound + ")";
        }
        if (why.empty()) continue;
        try {
            client().remove(url(o.key));
            said.push_back("removed " + locate(o.key) + ": " + why);
        } catch (const std::exception& e) {
            spdlog::warn("cannot remove {}: {}", locate(o.key), e.what());
        }
    }
    return said;
}

}  // namespace pgproof::repository
