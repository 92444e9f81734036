// pgproof check on real archives of the awkward tables: intact archives are proven, one flipped byte
// fails the check and names the table it hit (in the text, JSON and JUnit reports), a damaged
// manifest or a truncated file fails with a clear message, and files that are not archives are bad input.
#include <catch2/catch.hpp>
#include <random>

#include "SqlIdentifier.hpp"
#include "TestSupport.hpp"

using namespace pgproof::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {


std::string display(const std::string& schema, const std::string& name) {
    return pgproof::QualifiedName{schema, name}.display();
}

// A database with the awkward tables and a fresh archive of it.
struct AwkwardArchive {
    ScratchDatabase db{"chk"};
    TempDir dir;
    fs::path archive;
    json manifest;
    std::string bytes;
    AwkwardArchive() {
        createAwkwardTables(db);
        archive = dir / "awkward.sql.zst";
        auto r = runPgproof("backup -o " + q(archive) + " --db " + shellQuote(db.conninfo()));
        INFO("pgproof backup stderr: " << r.err);
        REQUIRE(r.exitCode == 0);
        manifest = inspectManifest(archive);
        bytes = readFile(archive);
    }

    struct Frame {
        uint64_t offset, compressed;
    };
    // The index-th frame of a table's rows segment.
    Frame rowsFrame(const std::string& schema, const std::string& name, size_t index = 0) const {
        for (const auto& t : manifest.at("tables"))
            if (t.at("schema") == schema && t.at("name") == name) {
                const auto& frames = manifest.at("segments").at(t.at("segment").get<size_t>()).at("frames");
                REQUIRE(frames.size() > index);
                return {frames[index].at("offset").get<uint64_t>(), frames[index].at("compressed").get<uint64_t>()};
            }
        FAIL("no table " << schema << "." << name << " in the manifest");
        return {};
    }
    // Offsets of up to 16 bytes from the middle of a frame: a single flipped byte can land on bits that do not
    // change what the frame decompresses to (unused table entries), which is no damage; 16 always is.
    static std::vector<uint64_t> middleBytes(uint64_t offset, uint64_t compressed) {
        std::vector<uint64_t> out;
        for (uint64_t i = 0; i < 16 && compressed / 2 + i < compressed; ++i) out.push_back(offset + compressed / 2 + i);
        return out;
    }
    // A copy of the archive with one byte flipped at each of the given offsets.
    fs::path damagedCopy(const std::string& name, const std::vector<uint64_t>& offsets) const {
        std::string copy = bytes;
        for (uint64_t at : offsets) {
            REQUIRE(at < copy.size());
            copy[at] = static_cast<char>(copy[at] ^ 0x5a);
        }
        fs::path p = dir / name;
        writeFile(p, copy);
        return p;
    }
    // Enum OIDs decide where hash-partitioned rows go, so either leaf may be the empty one.
    std::string leafWithRows(const std::string& a, const std::string& b) const {
        for (const auto& t : manifest.at("tables"))
            if (t.at("schema") == "public" && t.at("name") == a) return t.at("rows").get<uint64_t>() > 0 ? a : b;
        FAIL("no table public." << a);
        return {};
    }
    fs::path truncatedCopy(const std::string& name, size_t size) const {
        fs::path p = dir / name;
        writeFile(p, bytes.substr(0, size));
        return p;
    }
    // Where the manifest JSON lies: after the frames and its 8-byte skippable frame header, before the 48-byte trailer.
    std::pair<uint64_t, uint64_t> manifestSpan() const {
        uint64_t start = manifest.at("totals").at("compressed_bytes").get<uint64_t>() + 8;
        return {start, bytes.size() - 48};
    }
};

// The status cell of a table's line in check's text table ("" if the table is not listed).
std::string statusOf(const std::string& out, const std::string& table) {
    size_t pos = 0;
    while (pos < out.size()) {
        size_t nl = out.find('\n', pos);
        std::string line = out.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (line.rfind(table + "  ", 0) == 0) {
            size_t damaged = line.find("DAMAGED");
            return damaged != std::string::npos ? line.substr(damaged) : line.substr(line.find_last_of(' ') + 1);
        }
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    return {};
}

// Runs check on a damaged copy and proves that exactly the given tables are reported damaged.
void requireCheckNamesDamagedTables(const AwkwardArchive& a, const fs::path& copy,
                                    const std::set<std::pair<std::string, std::string>>& damaged) {
    auto r = runPgproof("check " + q(copy));
    INFO("check output:\n" << r.out << r.err);
    CHECK(r.exitCode == 1);
    CHECK(r.out.find("FAILED: " + copy.string() + " is damaged: " + std::to_string(damaged.size()) + " problem(s)") !=
          std::string::npos);
    for (const auto& t : a.manifest.at("tables")) {
        auto schema = t.at("schema").get<std::string>(), name = t.at("name").get<std::string>();
        std::string status = statusOf(r.out, display(schema, name));
        INFO("table " << display(schema, name) << ": " << status);
        if (damaged.count({schema, name})) {
            CHECK(status.rfind("DAMAGED", 0) == 0);
            CHECK(status.find(display(schema, name)) != std::string::npos);  // the message itself names the table too
        } else {
            CHECK(status == "ok");
        }
    }
}

}  // namespace

TEST_CASE("check proves an intact archive of the awkward tables, in text, JSON and JUnit") {
    AwkwardArchive a;
    auto r = runPgproof("check " + q(a.archive));
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    for (const auto& t : a.manifest.at("tables"))
        CHECK(statusOf(r.out, display(t.at("schema").get<std::string>(), t.at("name").get<std::string>())) == "ok");
    CHECK(r.out.find("PROVEN: " + a.archive.string() + " is intact: 14 tables; 609 rows") != std::string::npos);

    fs::path junit = a.dir / "check.xml";
    auto j = runPgproof("check " + q(a.archive) + " --json - --junit " + q(junit));
    REQUIRE(j.exitCode == 0);
    json report = json::parse(j.out);  // all of stdout is the report
    CHECK(report.at("verdict") == "proven");
    CHECK(report.at("tables").size() == a.manifest.at("tables").size());
    for (const auto& t : report.at("tables")) CHECK(t.at("ok") == true);
    XmlElement xml = parseXml(readFile(junit));
    CHECK(xml.attributes.at("failures") == "0");
    CHECK(xml.descendants("testcase").size() == a.manifest.at("tables").size());
    CHECK(xml.descendants("failure").empty());
}

TEST_CASE("a flipped byte in a table's rows frame fails check and names that table") {
    AwkwardArchive a;
    struct Target {
        std::string schema, name;
        size_t frame;
    };
    std::vector<Target> targets = {
        {"public", a.leafWithRows("moods_0", "moods_1"), 0},  // a hash partition dumped via its root
        {"Ünïcode Schema", "Täble \"quoted\" Name", 0},   // quotes, spaces, capitals, non-ASCII
        {"public", "hard_values", 1},                     // the frame of the 6.4 MB row
        {"public", "zero_columns", 0},                    // rows without bytes
        {"public", "vehicles", 0},                        // an inheritance parent
    };
    for (const auto& t : targets) {
        INFO("damaging frame " << t.frame << " of " << display(t.schema, t.name));
        auto f = a.rowsFrame(t.schema, t.name, t.frame);
        fs::path copy = a.damagedCopy("one.sql.zst", AwkwardArchive::middleBytes(f.offset, f.compressed));
        requireCheckNamesDamagedTables(a, copy, {{t.schema, t.name}});
    }

    {
        INFO("two damaged tables are both named");
        auto f1 = a.rowsFrame("public", "measurements_2025"), f2 = a.rowsFrame("public", "scratch_unlogged");
        auto both = AwkwardArchive::middleBytes(f1.offset, f1.compressed);
        for (auto at : AwkwardArchive::middleBytes(f2.offset, f2.compressed)) both.push_back(at);
        fs::path copy = a.damagedCopy("two.sql.zst", both);
        requireCheckNamesDamagedTables(a, copy, {{"public", "measurements_2025"}, {"public", "scratch_unlogged"}});
    }
    {
        INFO("damage in the SQL between tables fails check too");
        const auto& first = a.manifest.at("segments").at(0);
        REQUIRE(first.at("kind") == "sql");
        auto f = first.at("frames").at(0);
        fs::path copy = a.damagedCopy("sql.sql.zst", AwkwardArchive::middleBytes(f.at("offset").get<uint64_t>(), f.at("compressed").get<uint64_t>()));
        auto r = runPgproof("check " + q(copy));
        INFO(r.out << r.err);
        CHECK(r.exitCode == 1);
        CHECK(r.out.find("DAMAGED: frame 1/1 at offset 0 (SQL segment 0)") != std::string::npos);
    }
}

TEST_CASE("check --json - and --junit FILE are parseable and name the damaged table") {
    AwkwardArchive a;
    const std::string schema = "Ünïcode Schema", name = "Täble \"quoted\" Name";
    auto f = a.rowsFrame(schema, name);
    fs::path copy = a.damagedCopy("damaged.sql.zst", AwkwardArchive::middleBytes(f.offset, f.compressed));
    fs::path junit = a.dir / "check.xml";

    for (std::string quiet : {"", " --quiet"}) {
        INFO("flags: --json - --junit FILE" << quiet);
        fs::remove(junit);
        auto r = runPgproof("check " + q(copy) + " --json - --junit " + q(junit) + quiet);
        INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
        CHECK(r.exitCode == 1);

        json report;
        REQUIRE_NOTHROW(report = json::parse(r.out));  // stdout holds the report and nothing else
        CHECK(report.at("verdict") == "failed");
        std::vector<json> bad;
        for (const auto& t : report.at("tables"))
            if (!t.at("ok").get<bool>()) bad.push_back(t);
        REQUIRE(bad.size() == 1);
        CHECK(bad[0].at("schema") == schema);
        CHECK(bad[0].at("name") == name);
        CHECK(bad[0].at("problems").at(0).get<std::string>().find(display(schema, name)) != std::string::npos);

        XmlElement xml;
        REQUIRE_NOTHROW(xml = parseXml(readFile(junit)));
        CHECK(xml.name == "testsuites");
        CHECK(xml.attributes.at("failures") == "1");
        std::vector<std::string> failed;
        for (const auto* tc : xml.descendants("testcase"))
            if (!tc->descendants("failure").empty()) failed.push_back(tc->attributes.at("name"));
        CHECK(failed == std::vector<std::string>{display(schema, name)});
        CHECK(xml.descendants("testcase").size() == a.manifest.at("tables").size());
    }
}

TEST_CASE("a flipped byte in the manifest or the trailer fails check") {
    AwkwardArchive a;
    auto [start, end] = a.manifestSpan();
    REQUIRE(a.bytes[start] == '{');
    REQUIRE(a.bytes[end - 1] == '}');
    struct Case {
        std::string what;
        uint64_t offset;
        std::string messageHas;
    };
    std::vector<Case> cases = {
        {"the middle of the manifest", (start + end) / 2, "manifest"},
        {"the manifest's first byte", start, "manifest"},
        {"the manifest frame's header", start - 4, "manifest"},
        {"the trailer's magic", a.bytes.size() - 40, "trailer"},
        {"the trailer's manifest offset", a.bytes.size() - 24, "manifest"},
        {"the trailer's checksum", a.bytes.size() - 1, "manifest"},
    };
    for (const auto& c : cases) {
        INFO("flipped: " << c.what);
        fs::path copy = a.damagedCopy("m.sql.zst", {c.offset});
        auto r = runPgproof("check " + q(copy));
        INFO(r.out << r.err);
        CHECK(r.exitCode == 1);
        CHECK(r.out.find("FAILED: ") != std::string::npos);
        CHECK((r.out + r.err).find(c.messageHas) != std::string::npos);
    }
}

TEST_CASE("a truncated archive fails check with a clear message") {
    AwkwardArchive a;
    uint64_t dataEnd = a.manifest.at("totals").at("compressed_bytes").get<uint64_t>();
    std::vector<std::pair<std::string, size_t>> cuts = {
        {"the last 100 bytes dropped", a.bytes.size() - 100},
        {"cut in half", a.bytes.size() / 2},
        {"the last byte dropped", a.bytes.size() - 1},
        {"only the frames, no manifest or trailer", dataEnd},
    };
    for (const auto& [what, size] : cuts) {
        INFO(what << ": " << size << " of " << a.bytes.size() << " bytes");
        fs::path copy = a.truncatedCopy("cut.sql.zst", size);
        auto r = runPgproof("check " + q(copy));
        INFO(r.out << r.err);
        CHECK(r.exitCode == 1);
        CHECK(r.out.find("FAILED: ") != std::string::npos);
        CHECK(r.out.find("truncated") != std::string::npos);

        auto j = runPgproof("check " + q(copy) + " --json -");
        CHECK(j.exitCode == 1);
        json report;
        REQUIRE_NOTHROW(report = json::parse(j.out));
        CHECK(report.at("verdict") == "failed");
        CHECK(report.at("problems").dump().find("truncated") != std::string::npos);
    }
}

TEST_CASE("check on files that are not pgproof archives exits 2") {
    TempDir dir;
    std::mt19937 rng(7);
    std::string random(65536, '\0');
    for (auto& c : random) c = static_cast<char>(rng());
    random[0] = 'r';
    writeFile(dir / "random.bin", random);
    writeFile(dir / "notes.txt", "This is a text file, not a backup.\nSecond line.\n");
    writeFile(dir / "empty", "");
    writeFile(dir / "plain.sql", "--\n-- PostgreSQL database dump\n--\n");
    fs::create_directory(dir / "folder.sql.zst");

    struct Case {
        std::string file, messageHas;
    };
    std::vector<Case> cases = {
        {"random.bin", "not a pgproof archive"},
        {"notes.txt", "not a pgproof archive"},
        {"empty", "not a pgproof archive"},
        {"plain.sql", "not a pgproof archive"},
        {"folder.sql.zst", "not a regular file"},
        {"missing.sql.zst", "No such file"},
    };
    for (const auto& c : cases) {
        INFO("pgproof check " << c.file);
        auto r = runPgproof("check " + q(dir / c.file));
        INFO(r.out << r.err);
        CHECK(r.exitCode == 2);
        CHECK(r.err.find(c.messageHas) != std::string::npos);
        CHECK(r.err.find(c.file) != std::string::npos);  // the message says which file
    }
    CHECK(runPgproof("check").exitCode == 2);
    CHECK(runPgproof("check " + q(dir / "random.bin") + " --no-such-flag").exitCode == 2);
}
