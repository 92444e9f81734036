#include "ServerRun.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>

#include "AtomicFile.hpp"
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

fs::path serverRunPath(const fs::path& repo, const std::string& server) {
    std::string name = server;
    for (char& c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
    return repo / (kPrefix + name + ".json");
}

void writeServerRun(const fs::path& repo, const ServerRun& run) {
    AtomicFile::writeWhole(serverRunPath(repo, run.server), run.toJson().dump(2) + "\n", {.unwritable = ExitCode::Incomplete});
}

std::vector<ServerRun> readServerRuns(const fs::path& repo, std::vector<std::string>& problems) {
    std::vector<ServerRun> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(repo, ec)) {
        std::string name = e.path().filename().string();
        if (name.rfind(kPrefix, 0) != 0 || e.path().extension() != ".json") continue;
        try {
            std::ifstream in(e.path());
            out.push_back(ServerRun::fromJson(nlohmann::json::parse(in)));
        } catch (const std::exception& x) {
            problems.push_back(e.path().string() + " is not a readable server run record (" + x.what() +
                               "): the next backup --all-databases of that server writes it again");
        }
    }
    std::sort(out.begin(), out.end(), [](const ServerRun& a, const ServerRun& b) { return a.server < b.server; });
    return out;
}

}  // namespace pgproof::repository
