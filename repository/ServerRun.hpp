#pragma once
// What the newest `backup --all-databases` of a server set out to back up: DIR/pgproof-server-<server>.json
// (or the same object under a bucket prefix)
// (docs/REPOSITORY.md), replaced atomically by every such run. With it, status answers for the whole
// server: a database the server has that has no fresh proven backup is named, even one whose backups
// all failed and left no archive. Plain JSON, readable with jq.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "RepositoryStore.hpp"

namespace pgproof::repository {

struct ServerRun {
    std::string server;                  // "host:port"
    std::string at;                      // the run's one time stamp (ISO 8601 UTC), shared by its archives
    std::vector<std::string> databases;  // every database the run was to back up (patterns applied)
    std::vector<std::string> failed;     // those whose backup did not prove (exit != 0)
    std::vector<std::string> excluded, noConnections;  // left out by the patterns; not allowing connections
    std::vector<std::string> archives;   // file names of the archives written

    nlohmann::json toJson() const;
    static ServerRun fromJson(const nlohmann::json& j);
};

// pgproof-server-<server with every character but [A-Za-z0-9._-] as '_'>.json, at the repository's top.
std::string serverRunName(const std::string& server);
// Throws IncompleteError naming the file when it cannot be written.
void writeServerRun(RepositoryStore& repo, const ServerRun& run);
// Every server run record of the repository, sorted by server; an unreadable one is named in `problems`.
std::vector<ServerRun> readServerRuns(const RepositoryStore& repo, std::vector<std::string>& problems);

}  // namespace pgproof::repository
