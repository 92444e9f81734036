#include "ServerRun.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "Errors.hpp"

namespace pgproof::repository {

namespace fs = std::filesystem;

namespace {
constexpr const char* kPrefix = "pgproof-server-";
}

nlohmann::json ServerRun::toJson() const {
    return {{"server", server},   {"at", at},         {"databases", databases},         {"failed", failed},
            {"excluded", excluded}, {"no_connections", noConnections}, {"archives", archives}};
}

ServerRun ServerRun::fromJson(const nlohmann::json& j) {
    ServerRun r;
    r.server = j.at("server").get<std::string>();
    r.at = j.at("at").get<std::string>();
    r.databases = j.at("databases").get<std::vector<std::string>>();
    r.failed = j.value("failed", std::vector<std::string>{});
    r.excluded = j.value("excluded", std::vector<std::string>{});
    r.noConnections = j.value("no_connections", std::vector<std::string>{});
    r.archives = j.value("archives", std::vector<std::string>{});
    return r;
}

std::string serverRunName(const std::string& server) {
    std::string name = server;
    for (char& c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
    return kPrefix + name + ".json";
}

void writeServerRun(RepositoryStore& repo, const ServerRun& run) { repo.write(serverRunName(run.server), run.toJson().dump(2) + "\n"); }

std::vector<ServerRun> readServerRuns(const RepositoryStore& repo, std::vector<std::string>& problems) {
    std::vector<ServerRun> out;
    for (const auto& name : repo.topLevelNames(kPrefix)) {
        if (name.size() < 5 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
        try {
            auto text = repo.read(name);
            if (!text) continue;
            out.push_back(ServerRun::fromJson(nlohmann::json::parse(*text)));
        } catch (const std::exception& x) {
            problems.push_back(repo.locate(name) + " is not a readable server run record (" + x.what() +
                               "): the next backup --all-databases of that server writes it again");
        }
    }
    std::sort(out.begin(), out.end(), [](const ServerRun& a, const ServerRun& b) { return a.server < b.server; });
    return out;
}

}  // namespace pgproof::repository
