// The installed tree and the Debian package: `cmake --install` into a temporary prefix, the installed
// binary run from there, its man page rendered by man, its completion loaded by bash and zsh, and the
// .deb that cpack builds from the same rules, with the library packages the binary links as Depends.
#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <sstream>

#include "TestSupport.hpp"

using namespace pgproof::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// The commands `pgproof --help` lists, in its order.
std::vector<std::string> listedCommands(const std::string& bin) {
    auto help = run(q(bin) + " --help");
    REQUIRE(help.exitCode == 0);
    std::vector<std::string> commands;
    bool inCommands = false;
    std::regex entry("^  ([a-z][a-z-]*) .*");
    for (const auto& l : lines(help.out)) {
        if (l == "Commands:") { inCommands = true; continue; }
        if (inCommands && l.empty()) break;
        std::smatch m;
        if (inCommands && std::regex_match(l, m, entry)) commands.push_back(m[1]);
    }
    return commands;
}

// The long options a command's --help lists in its Options section.
std::set<std::string> listedOptions(const std::string& bin, const std::string& command) {
    auto help = run(q(bin) + " " + command + " --help");
    REQUIRE(help.exitCode == 0);
    std::set<std::string> options;
    std::regex option("^  (?:-[a-zA-Z] \\[ )?(--[a-z][a-z-]*)");
    bool inOptions = false;
    for (const auto& l : lines(help.out)) {
        if (l == "Options:") inOptions = true;
        std::smatch m;
        if (inOptions && std::regex_search(l, m, option)) options.insert(m[1]);
    }
    return options;
}

struct InstalledTree {
    TempDir dir;
    fs::path prefix = dir / "prefix";
    fs::path bin = prefix / "bin" / "pgproof";
    InstalledTree() {
        auto r = run(q(PGPROOF_CMAKE) + " --install " + q(PGPROOF_BUILD_DIR) + " --prefix " + q(prefix));
        INFO(r.out << r.err);
        REQUIRE(r.exitCode == 0);
    }
};

}  // namespace

TEST_CASE("cmake --install puts the binary, the man page, the completion and the docs in the usual places") {
    InstalledTree tree;
    for (const char* file : {"bin/pgproof", "share/man/man1/pgproof.1", "share/bash-completion/completions/pgproof",
                             "share/zsh/site-functions/_pgproof", "share/doc/pgproof/README.md",
                             "share/doc/pgproof/ARCHIVE.md", "share/doc/pgproof/FINGERPRINT.md",
                             "share/doc/pgproof/REPORTS.md", "share/doc/pgproof/PLANS.md"}) {
        INFO(file);
        CHECK(fs::is_regular_file(tree.prefix / file));
    }

    // The installed binary runs from its new place.
    auto version = run(q(tree.bin) + " --version");
    CHECK(version.exitCode == 0);
    CHECK(version.out == std::string("pgproof ") + PGPROOF_VERSION + "\n");
    auto help = run(q(tree.bin) + " --help");
    CHECK(help.exitCode == 0);
    CHECK(contains(help.out, "Exit codes: 0 proven"));
    CHECK(run(q(tree.bin) + " verify --help").exitCode == 0);

    // man renders the page without a warning, with the version and a section per command.
    auto page = tree.prefix / "share/man/man1/pgproof.1";
    auto man = run("LC_ALL=C MANWIDTH=120 man --warnings -l " + q(page));
    INFO(man.err);
    REQUIRE(man.exitCode == 0);
    CHECK(man.err.empty());
    CHECK(contains(man.out, "PGPROOF(1)"));
    CHECK(contains(man.out, std::string("pgproof ") + PGPROOF_VERSION));
    CHECK(contains(man.out, "EXIT STATUS"));
    for (const auto& command : listedCommands(tree.bin.string())) {
        INFO("man page section for " << command);
        CHECK(contains(man.out, "\n   pgproof " + command + " "));
    }
}

TEST_CASE("the installed completion loads in bash and zsh and completes commands, options and values") {
    InstalledTree tree;
    auto bash = tree.prefix / "share/bash-completion/completions/pgproof";
    auto loaded = run("bash -c " + shellQuote("source " + q(bash) + " && complete -p pgproof"));
    INFO(loaded.err);
    REQUIRE(loaded.exitCode == 0);
    CHECK(contains(loaded.out, "-F _pgproof pgproof"));

    // Completion as bash does it on TAB: COMP_WORDS and COMP_CWORD set, the function called, COMPREPLY read.
    auto complete = [&](const std::string& words, bool withBashCompletion = false) {
        std::string script = std::string(withBashCompletion ? "source /usr/share/bash-completion/bash_completion; " : "") + "source " + q(bash) + "; COMP_WORDS=(" + words + "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); " +
                             "COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_POINT=${#COMP_LINE}; _pgproof; for w in \"${COMPREPLY[@]}\"; do echo \"$w\"; done";
        auto r = run("PATH=" + q(tree.prefix / "bin") + ":\"$PATH\" bash -c " + shellQuote(script));
        INFO(r.err);
        REQUIRE(r.exitCode == 0);
        auto got = lines(r.out);
        return std::set<std::string>(got.begin(), got.end());
    };
    auto commands = complete("pgproof ''");
    for (const auto& command : listedCommands(tree.bin.string())) {
        INFO(command);
        CHECK(commands.count(command) == 1);
    }
    CHECK(complete("pgproof ch") == std::set<std::string>{"check"});
    auto verifyOptions = complete("pgproof verify --");
    for (const auto& option : listedOptions(tree.bin.string(), "verify")) {
        INFO(option);
        CHECK(verifyOptions.count(option) == 1);
    }
    CHECK(verifyOptions.count("--dbname") == 1);
    CHECK(complete("pgproof verify --mode ''") == std::set<std::string>{"exact", "no-loss"});
    CHECK(complete("pgproof restore --no-") == std::set<std::string>{"--no-verify", "--no-owner", "--no-privileges"});
    CHECK(complete("pgproof verify --db ''").empty());
    // The same inside Debian's bash-completion framework (its _init_completion splits the words).
    CHECK(complete("pgproof verify --mode ''", true) == std::set<std::string>{"exact", "no-loss"});
    CHECK(complete("pgproof ch", true) == std::set<std::string>{"check"});

    // zsh finds the function on its fpath and binds it to pgproof.
    auto zshDir = tree.prefix / "share/zsh/site-functions";
    auto zsh = run("zsh -f -c " + shellQuote("fpath=(" + q(zshDir) + " $fpath); autoload -U compinit; compinit -u -D; "
                                             "print -r -- $_comps[pgproof]"));
    INFO(zsh.err);
    CHECK(zsh.exitCode == 0);
    CHECK(zsh.out == "_pgproof\n");
}

TEST_CASE("the man page documents every command and every option that --help lists") {
    // The page is written by hand: this is what keeps it in step with the options.
    std::string page = readFile(fs::path(PGPROOF_BUILD_DIR) / "docs/man/pgproof.1");
    std::string text = std::regex_replace(page, std::regex("\\\\-"), "-");
    for (const auto& command : listedCommands(PGPROOF_BIN)) {
        INFO(command);
        CHECK(contains(text, ".SS \"pgproof " + command + " "));
        for (const auto& option : listedOptions(PGPROOF_BIN, command)) {
            INFO(option);
            if (option == "--file") continue;  // the positional FILE|-, spelled as an option only in --help
            CHECK(contains(text, option));
        }
    }
}

TEST_CASE("cpack builds a Debian package of the installed tree that depends on the library packages it links") {
    TempDir dir;
    auto r = run(q(PGPROOF_CPACK) + " -G DEB --config " + q(fs::path(PGPROOF_BUILD_DIR) / "CPackConfig.cmake") + " -B " +
                 q(dir.path()));
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    fs::path deb;
    for (const auto& e : fs::directory_iterator(dir.path()))
        if (e.path().extension() == ".deb") deb = e.path();
    REQUIRE(!deb.empty());
    CHECK(deb.filename().string() == std::string("pgproof_") + PGPROOF_VERSION + "_amd64.deb");

    auto contents = run("dpkg-deb -c " + q(deb));
    REQUIRE(contents.exitCode == 0);
    for (const char* file : {"./usr/bin/pgproof", "./usr/share/man/man1/pgproof.1",
                             "./usr/share/bash-completion/completions/pgproof",
                             "./usr/share/zsh/vendor-completions/_pgproof", "./usr/share/doc/pgproof/README.md",
                             "./usr/share/doc/pgproof/ARCHIVE.md"}) {
        INFO(file);
        CHECK(contains(contents.out, std::string(" ") + file + "\n"));
    }

    auto depends = run("dpkg-deb -f " + q(deb) + " Depends");
    REQUIRE(depends.exitCode == 0);
    INFO("Depends: " << depends.out);
    CHECK(contains(depends.out, "postgresql-client"));
    // Every shared library the binary links (its NEEDED entries, resolved with ldd) comes from a package
    // named in Depends: checked here with dpkg -S, independently of dpkg-shlibdeps.
    auto needed = run("objdump -p " + q(PGPROOF_BIN) + " | awk '$1 == \"NEEDED\" {print $2}'");
    REQUIRE(needed.exitCode == 0);
    auto libraries = lines(needed.out);
    REQUIRE(libraries.size() >= 8);
    auto resolved = run("ldd " + q(PGPROOF_BIN));
    REQUIRE(resolved.exitCode == 0);
    std::set<std::string> dependsOn;
    std::regex name("(?:^|, )([a-z0-9][a-z0-9.+-]*)");
    for (std::sregex_iterator it(depends.out.begin(), depends.out.end(), name), end; it != end; ++it)
        dependsOn.insert((*it)[1]);
    for (const auto& library : libraries) {
        std::smatch path;
        REQUIRE(std::regex_search(resolved.out, path, std::regex("\\b" + std::regex_replace(library, std::regex("[.+]"), "\\$&") +
                                                                   " => (/[^ ]+)")));
        auto owner = run("dpkg -S " + q(fs::canonical(path[1].str()).filename()) + " | sed 's/:.*//' | sort -u");
        INFO(library << " is in " << owner.out);
        REQUIRE(owner.exitCode == 0);
        // A package counts by its name or a name it provides (libspdlog1.10 provides libspdlog1.10-fmt9,
        // the name its shlibs file gives, tied to the fmt it was built with).
        bool named = false;
        for (const auto& package : lines(owner.out)) {
            auto names = run("dpkg-query -W -f='${Package}, ${Provides}' " + shellQuote(package));
            for (std::sregex_iterator it(names.out.begin(), names.out.end(), name), end; it != end; ++it)
                named = named || dependsOn.count((*it)[1]) == 1;
        }
        CHECK(named);
    }
    for (const char* package : {"libpq5", "libzstd1", "libtbb12"}) {  // xxHash is compiled in (engine/rows/XxHash.hpp)
        INFO(package);
        CHECK(dependsOn.count(package) == 1);
    }
}
