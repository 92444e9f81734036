#include "CommandLine.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include <unistd.h>

#include "AgeEncryption.hpp"
#include "Errors.hpp"
#include "OutputFile.hpp"
#include "TerminalLog.hpp"

namespace pgproof::cli {

std::pair<std::vector<std::string>, std::vector<std::string>> splitAtDashes(const std::vector<std::string>& args) {
    std::pair<std::vector<std::string>, std::vector<std::string>> out;
    bool afterDashes = false;
    for (const auto& a : args) {
        if (!afterDashes && a == "--") afterDashes = true;
        else (afterDashes ? out.second : out.first).push_back(a);
    }
    return out;
}

std::optional<po::variables_map> parseOptions(const std::string& command, const std::string& usage,
                                              const std::string& description, po::options_description& options,
                                              const po::positional_options_description& positional,
                                              const std::vector<std::string>& args) {
    options.add_options()("help,h", "show this help");
    po::variables_map vm;
    std::vector<std::string> spelled = args;
    if (options.find_nothrow("db", false)) {
        for (auto& a : spelled) {
            if (a == "--") break;
            if (a == "-d" || a == "--dbname") a = "--db";
            else if (a.rfind("--dbname=", 0) == 0) a = "--db=" + a.substr(9);
            else if (a.size() > 2 && a.rfind("-d", 0) == 0 && a[2] != '-') a = "--db=" + a.substr(2);
        }
    }
    try {
        po::store(po::command_line_parser(spelled).options(options).positional(positional).run(), vm);
        if (vm.count("help")) {
            std::cout << "usage: " << usage << "\n\n" << description << "\n\n" << options << "\n";
            return std::nullopt;
        }
        po::notify(vm);
    } catch (const po::error& e) {
        throw BadInputError(std::string(e.what()) + " (see: pgproof " + command + " --help)");
    }
    return vm;
}

void addCommonFlags(po::options_description& options, CommonFlags& flags, bool reports) {
    options.add_options()("quiet,q", po::bool_switch(&flags.quiet), "only errors on stderr (no progress line)")(
        "verbose,v", po::bool_switch(&flags.verbose), "more detail on stderr")(
        "progress", po::bool_switch(&flags.progress), "show the progress line on stderr even when it is not a terminal");
    if (reports)
        options.add_options()("json", po::value(&flags.json)->value_name("FILE|-"),
                              "write the JSON report (docs/REPORTS.md) to FILE, or - for stdout")(
            "junit", po::value(&flags.junit)->value_name("FILE"), "write a JUnit XML report for CI")(
            "metrics", po::value(&flags.metrics)->value_name("FILE"),
            "write Prometheus metrics (textfile collector format, docs/METRICS.md) to FILE, replaced atomically");
}

void addIdentityFlag(po::options_description& options) {
    options.add_options()("identity,i",
                          po::value<std::vector<std::string>>()->value_name("FILE")->composing()->notifier(
                              [](const std::vector<std::string>& files) { AgeIdentities::use(files); }),
                          "age identity file that decrypts an encrypted archive (repeatable; default: the file PGPROOF_AGE_IDENTITY "
                          "names); a file, never the key itself (docs/ENCRYPTION.md)");
}

void addOutputFlags(po::options_description& options, CommonFlags& flags) {
    options.add_options()("force", po::bool_switch(&flags.force), "replace the -o file if it exists (refused otherwise)");
}

void prepareOutputFile(const std::string& path, const CommonFlags& flags) {
    if (path.empty() || path == "-") return;
    refuseExistingOutput(path, flags.force);
    std::filesystem::path folder = std::filesystem::path(path).parent_path();
    for (const auto& stale : removeStalePartials(folder.empty() ? "." : folder))
        spdlog::warn("removed {}: a temporary file left by an earlier run that was killed", stale);
}

bool progressWanted(const CommonFlags& flags) {
    if (flags.quiet) return false;
    return flags.progress || ::isatty(STDERR_FILENO);
}

void setUpLogging(const CommonFlags& flags) {
    // Log lines carry names in the database encoding: converted for the terminal on their way to stderr.
    auto logger = std::make_shared<spdlog::logger>(
        "pgproof", std::make_shared<TerminalLog>(std::make_shared<spdlog::sinks::stderr_color_sink_st>()));
    logger->set_pattern("%^pgproof: %v%$");
    logger->set_level(flags.quiet ? spdlog::level::err : flags.verbose ? spdlog::level::debug : spdlog::level::info);
    spdlog::set_default_logger(logger);
}

int defaultThreads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

int checkJobs(int jobs) {
    if (jobs < 1 || jobs > 256) throw BadInputError("--jobs must be between 1 and 256, got " + std::to_string(jobs));
    return jobs;
}

int checkThreads(int threads) {
    if (threads < 1 || threads > 256) throw BadInputError("--compress-threads must be between 1 and 256, got " + std::to_string(threads));
    return threads;
}

std::filesystem::path checkTmpdir(const std::string& dir) {
    if (dir.empty()) return {};
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw BadInputError("--tmpdir " + dir + " is not a folder: create it or name another one");
    if (access(dir.c_str(), W_OK | X_OK) != 0)
        throw BadInputError("--tmpdir " + dir + " is not writable: name a folder you can write to");
    return dir;
}

}  // namespace pgproof::cli
