// AtomicFile: the one writer that puts files in place. A committed file holds exactly what was written
// and nothing else is left in its folder; an abandoned one leaves nothing; an existing target is
// refused when asked (also one that appears while the file is written); a folder that does not exist
// is bad input naming the file. StagedReport, its user for reports, shows nothing before commit().
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "AtomicFile.hpp"
#include "Errors.hpp"
#include "OutputFile.hpp"
#include "ReportOutput.hpp"

using namespace pgproof;
namespace fs = std::filesystem;

namespace {

struct Folder {
    fs::path path;
    Folder() {
        std::string tmpl = (fs::temp_directory_path() / "pgproof-atomic-test.XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~Folder() { fs::remove_all(path); }
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(path)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
};

std::string bytesOf(const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

template <typename E>
std::string messageOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    FAIL("no exception of the expected kind");
    return "";
}

}  // namespace

TEST_CASE("AtomicFile: the target appears only at commit, with every byte, and nothing else is left") {
    Folder dir;
    fs::path target = dir.path / "report.json";
    // Many small writes (through the buffer) and one larger than it, in order.
    std::string expected;
    AtomicFile file(target, {.mode = 0600});
    for (int i = 0; i < 20000; ++i) {
        std::string line = "line " + std::to_string(i) + "\n";
        file.write(line);
        expected += line;
    }
    std::string block(300 * 1024, 'x');
    file.write(block);
    expected += block;
    file.write("end\n");
    expected += "end\n";

    CHECK_FALSE(fs::exists(target));
    CHECK(file.temporary() == dir.path / (".report.json.partial-" + std::to_string(::getpid())));
    CHECK(dir.entries() == std::vector<std::string>{file.temporary().filename().string()});
    file.commit();
    CHECK(bytesOf(target) == expected);
    CHECK(dir.entries() == std::vector<std::string>{"report.json"});
    struct stat st {};
    REQUIRE(::stat(target.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("AtomicFile: an existing target is replaced whole (a new file, never rewritten in place) unless refused") {
    Folder dir;
    fs::path target = dir.path / "m.prom";
    AtomicFile::writeWhole(target, "old\n");
    struct stat before {};
    REQUIRE(::stat(target.c_str(), &before) == 0);
    AtomicFile::writeWhole(target, "new\n");
    struct stat after {};
    REQUIRE(::stat(target.c_str(), &after) == 0);
    CHECK(bytesOf(target) == "new\n");
    CHECK(before.st_ino != after.st_ino);
    CHECK(dir.entries() == std::vector<std::string>{"m.prom"});
}

TEST_CASE("AtomicFile: abandoned, or destroyed without commit, leaves no temporary and no target") {
    Folder dir;
    fs::path target = dir.path / "a.sql.zst";
    SECTION("destroyed") {
        {
            AtomicFile file(target);
            file.write("half an archive");
            REQUIRE(fs::exists(file.temporary()));
        }
        CHECK(dir.entries().empty());
    }
    SECTION("abandoned, then destroyed") {
        AtomicFile file(target);
        file.write(std::string(200 * 1024, 'y'));
        file.abandon();
        CHECK(dir.entries().empty());
        CHECK_THROWS_AS(file.write("more"), IncompleteError);
        CHECK_THROWS_AS(file.commit(), IncompleteError);
        CHECK(dir.entries().empty());
    }
    SECTION("an existing target is left as it was") {
        AtomicFile::writeWhole(target, "the old archive");
        {
            AtomicFile file(target);
            file.write("a new one, never finished");
        }
        CHECK(dir.entries() == std::vector<std::string>{"a.sql.zst"});
        CHECK(bytesOf(target) == "the old archive");
    }
}

TEST_CASE("AtomicFile: refuseExisting refuses a target that exists, and one that appears while it is written") {
    Folder dir;
    fs::path target = dir.path / "b.sql.zst";
    AtomicFile::Options refuse{.refuseExisting = true};
    SECTION("exists before: bad input naming the file, the option and --force; nothing written") {
        AtomicFile::writeWhole(target, "keep me");
        auto m = messageOf<BadInputError>([&] { AtomicFile file(target, refuse); });
        CHECK(m.find("-o " + target.string()) != std::string::npos);
        CHECK(m.find("--force") != std::string::npos);
        CHECK(bytesOf(target) == "keep me");
        CHECK(dir.entries() == std::vector<std::string>{"b.sql.zst"});
    }
    SECTION("appears meanwhile: not replaced, the temporary removed") {
        AtomicFile file(target, refuse);
        file.write("the new one");
        std::ofstream(target) << "written by someone else meanwhile";
        auto m = messageOf<BadInputError>([&] { file.commit(); });
        CHECK(m.find(target.string()) != std::string::npos);
        CHECK(m.find("--force") != std::string::npos);
        CHECK(bytesOf(target) == "written by someone else meanwhile");
        CHECK(dir.entries() == std::vector<std::string>{"b.sql.zst"});
    }
    SECTION("another option name is named") {
        AtomicFile::writeWhole(target, "keep me");
        auto m = messageOf<BadInputError>([&] { AtomicFile file(target, {.refuseExisting = true, .option = "--output"}); });
        CHECK(m.rfind("--output " + target.string(), 0) == 0);
    }
}

TEST_CASE("AtomicFile: a folder that does not exist, or a target that is a folder, is bad input naming the file") {
    Folder dir;
    SECTION("missing folder") {
        fs::path target = dir.path / "no-such-folder" / "v.xml";
        auto m = messageOf<BadInputError>([&] { AtomicFile file(target); });
        CHECK(m.find(target.string()) != std::string::npos);
        CHECK(m.find("does not exist") != std::string::npos);
        CHECK(dir.entries().empty());
    }
    SECTION("the label names it when given") {
        fs::path target = dir.path / "gone" / "v.json";
        auto m = messageOf<BadInputError>([&] { AtomicFile file(target, {.label = "report " + target.string()}); });
        CHECK(m.find("report " + target.string()) != std::string::npos);
    }
    SECTION("a folder as the target") {
        fs::create_directory(dir.path / "out");
        auto m = messageOf<BadInputError>([&] { AtomicFile file(dir.path / "out"); });
        CHECK(m.find((dir.path / "out").string()) != std::string::npos);
        CHECK(m.find("folder") != std::string::npos);
        CHECK(dir.entries() == std::vector<std::string>{"out"});
    }
}

TEST_CASE("AtomicFile: a temporary of this PID left by an earlier process is taken over, and stale cleanup knows the name") {
    Folder dir;
    fs::path target = dir.path / "s.json";
    fs::path own = AtomicFile::temporaryFor(target);
    std::ofstream(own) << "left by a process that had this PID";
    AtomicFile::writeWhole(target, "{}\n");
    CHECK(bytesOf(target) == "{}\n");
    CHECK(dir.entries() == std::vector<std::string>{"s.json"});
    // A killed run's temporary (its PID no longer runs) has the name removeStalePartials removes.
    fs::path killed = dir.path / ".s.json.partial-999999999";
    std::ofstream(killed) << "half";
    CHECK(removeStalePartials(dir.path) == std::vector<std::string>{killed.string()});
}

TEST_CASE("AtomicFile: one target written twice at once by one run is refused, never mixed") {
    Folder dir;
    fs::path target = dir.path / "same.json";
    AtomicFile first(target);
    first.write("first");
    auto m = messageOf<BadInputError>([&] { AtomicFile second(target); });
    CHECK(m.find(target.string()) != std::string::npos);
    first.commit();
    CHECK(bytesOf(target) == "first");
    AtomicFile::writeWhole(target, "then a second");  // once the first is done, the name is free again
    CHECK(bytesOf(target) == "then a second");
    CHECK(dir.entries() == std::vector<std::string>{"same.json"});
}

TEST_CASE("StagedReport: nothing at the target before commit, and an uncommitted report leaves nothing") {
    Folder dir;
    fs::path target = dir.path / "verify.json";
    {
        StagedReport staged(target.string(), "{\"verdict\": \"proven\"}");
        CHECK_FALSE(fs::exists(target));
        StagedReport moved(std::move(staged));
        CHECK(dir.entries().size() == 1);  // the one temporary, owned by `moved` now
    }
    CHECK(dir.entries().empty());
    StagedReport staged(target.string(), "{\"verdict\": \"proven\"}");
    staged.commit();
    CHECK(bytesOf(target) == "{\"verdict\": \"proven\"}\n");
    CHECK(dir.entries() == std::vector<std::string>{"verify.json"});
    auto m = messageOf<BadInputError>([&] { StagedReport bad((dir.path / "nope" / "r.xml").string(), "x"); });
    CHECK(m.find("report " + (dir.path / "nope" / "r.xml").string()) != std::string::npos);
}
