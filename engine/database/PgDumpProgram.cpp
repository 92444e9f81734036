#include "PgDumpProgram.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <regex>
#include <utility>

#include "ChildProcess.hpp"
#include "Errors.hpp"

namespace pgproof {

namespace {

namespace fs = std::filesystem;

const char* const kDebianRoot = "/usr/lib/postgresql";

// Runs `pg_dump --version`. The exit status is not required to be 0: wrappers that run pg_dump and then
// fail on purpose (tests, or a site's own logging wrapper) still print the real version; the dump's own
// exit status is checked where it matters.
std::optional<std::pair<std::string, int>> probeVersion(const std::string& path) {
    std::string out;
    try {
        ChildProcess child({path, "--version"}, {});
        char buf[4096];
        ssize_t n;
        while ((n = ::read(child.stdoutFd(), buf, sizeof buf)) != 0) {
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) break;
            out.append(buf, static_cast<size_t>(n));
        }
        child.wait();
    } catch (const PgproofError&) {
        return std::nullopt;
    }
    static const std::regex re(R"(pg_dump \(PostgreSQL\) ((\d+)(\.\d+)?[^\r\n]*))");
    std::smatch m;
    if (!std::regex_search(out, m, re)) return std::nullopt;
    return std::make_pair(m[1].str(), std::stoi(m[2].str()));
}

// Debian's per-version pg_dump binaries, by major version.
std::optional<std::string> debianPgDump(int major) {
    fs::path p = fs::path(kDebianRoot) / std::to_string(major) / "bin" / "pg_dump";
    if (::access(p.c_str(), X_OK) == 0) return p.string();
    return std::nullopt;
}

int newestDebianMajor() {
    int best = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(kDebianRoot, ec)) {
        const std::string name = e.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos || name.size() > 3) continue;
        int major = std::stoi(name);
        if (major > best && debianPgDump(major)) best = major;
    }
    return best;
}

}  // namespace

PgDumpProgram PgDumpProgram::choose(const std::optional<std::string>& explicitPath, const ServerVersion& server) {
    std::string path;
    if (explicitPath) {
        path = *explicitPath;
        if (path.find('/') != std::string::npos && ::access(path.c_str(), X_OK) != 0) {
            const int err = errno;
            throw BadInputError("--pg-dump " + path + ": " + std::strerror(err) + " (give the path of an executable pg_dump)");
        }
    } else if (auto same = debianPgDump(server.major())) {
        path = *same;
    } else if (int newest = newestDebianMajor(); newest > server.major()) {
        path = *debianPgDump(newest);
    } else {
        path = "pg_dump";  // PATH's; Debian's pg_wrapper there picks a version itself
    }
    auto version = probeVersion(path);
    if (!version) {
        if (explicitPath)
            throw BadInputError("--pg-dump " + path + " is not a pg_dump: '" + path + " --version' did not print " +
                                "'pg_dump (PostgreSQL) N.M'");
        throw IncompleteError("no pg_dump found (looked in " + std::string(kDebianRoot) + "/N/bin and on PATH): install " +
                              "postgresql-client-" + std::to_string(server.major()) + " or pass --pg-dump PATH");
    }
    if (version->second < server.major())
        throw BadInputError("pg_dump " + path + " is version " + version->first + ", older than the server (PostgreSQL " +
                            server.display() + "), which it cannot dump: install postgresql-client-" +
                            std::to_string(server.major()) + " or pass --pg-dump PATH of a pg_dump " +
                            std::to_string(server.major()) + " or later");
    return PgDumpProgram(path, version->first, version->second);
}

}  // namespace pgproof
