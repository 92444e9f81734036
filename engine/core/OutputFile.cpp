#include "OutputFile.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "Errors.hpp"

namespace pgproof {

namespace fs = std::filesystem;

void refuseExistingOutput(const fs::path& path, bool force, const std::string& option) {
    if (force || path.empty() || path == "-") return;
    std::error_code ec;
    auto st = fs::symlink_status(path, ec);
    if (ec || !fs::exists(st)) return;
    if (fs::is_directory(st)) return;  // the writers name this case themselves
    throw BadInputError(option + " " + path.string() + ": the file exists; give a new name, remove it, or pass --force to replace it");
}

std::vector<std::string> removeStalePartials(const fs::path& folder) {
    std::vector<std::string> removed;
    std::error_code ec;
    fs::directory_iterator it(folder.empty() ? fs::path(".") : folder, ec);
    if (ec) return removed;
    for (const auto& entry : it) {
        std::string name = entry.path().filename().string();
        size_t p = name.rfind(".partial-");
        if (p == std::string::npos || p == 0) continue;
        std::string_view pid(name.c_str() + p + 9);
        if (pid.empty() || pid.size() > 9 || pid.find_first_not_of("0123456789") != std::string_view::npos) continue;
        pid_t owner = static_cast<pid_t>(std::stol(std::string(pid)));
        if (owner == ::getpid()) continue;
        if (owner > 0 && (::kill(owner, 0) == 0 || errno == EPERM)) continue;  // still running
        struct stat st {};
        if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) continue;
        if (::unlink(entry.path().c_str()) == 0) removed.push_back(entry.path().string());
    }
    return removed;
}

}  // namespace pgproof
