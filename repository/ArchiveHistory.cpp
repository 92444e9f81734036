#include "ArchiveHistory.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "Errors.hpp"
#include "FileDescriptor.hpp"
#include "JsonFields.hpp"

namespace pgproof::repository {

nlohmann::json HistoryRecord::toJson() const {
    nlohmann::json j = {{"at", at}, {"command", command}, {"verdict", verdict}, {"exit_code", exitCode},
                        {"seconds", seconds}};
    if (tables) j["tables"] = *tables;
    if (rows) j["rows"] = *rows;
    if (recoverySeconds) j["recovery_seconds"] = *recoverySeconds;
    if (!error.empty()) j["error"] = error;
    if (!report.empty()) j["report"] = report;
    if (!manifestChecksum.empty()) j["manifest_checksum"] = manifestChecksum;
    if (damaged) j["damaged"] = true;
    if (!ciphertext.empty()) j["ciphertext"] = ciphertext;
    if (!archiveCreated.empty()) j["archive_created"] = archiveCreated;
    if (partial) j["partial"] = *partial;
    return j;
}

HistoryRecord HistoryRecord::fromJson(const nlohmann::json& j) {
    HistoryRecord r;
    r.at = j.at("at").get<std::string>();
    r.command = j.at("command").get<std::string>();
    r.verdict = j.at("verdict").get<std::string>();
    // Integers are checked (JsonFields): a float converted by get<int>() is undefined behaviour, and an
    // exit_code of 4294967296 would wrap to 0, a passed run.
    r.exitCode = integerField<int>(j.at("exit_code"), "exit_code");
    r.seconds = j.value("seconds", 0.0);
    if (j.contains("tables")) r.tables = integerField<uint64_t>(j["tables"], "tables");
    if (j.contains("rows")) r.rows = integerField<uint64_t>(j["rows"], "rows");
    if (j.contains("recovery_seconds")) r.recoverySeconds = j["recovery_seconds"].get<double>();
    r.error = j.value("error", "");
    r.report = j.value("report", "");
    r.manifestChecksum = j.value("manifest_checksum", "");
    r.damaged = j.value("damaged", false);
    r.ciphertext = j.value("ciphertext", "");
    r.archiveCreated = j.value("archive_created", "");
    if (j.contains("partial")) r.partial = j["partial"].get<std::string>();
    return r;
}

namespace {
bool isProofCommand(const std::string& c) { return c == "check" || c == "restore" || c == "drill"; }
}  // namespace

const HistoryRecord* ArchiveHistory::last(const std::string& command) const {
    for (auto it = records.rbegin(); it != records.rend(); ++it)
        if (it->command == command) return &*it;
    return nullptr;
}

const HistoryRecord* ArchiveHistory::lastPassed(const std::string& command) const {
    for (auto it = records.rbegin(); it != records.rend(); ++it)
        if (it->command == command && it->passed()) return &*it;
    return nullptr;
}

const HistoryRecord* ArchiveHistory::lastProof() const {
    for (auto it = records.rbegin(); it != records.rend(); ++it)
        if (isProofCommand(it->command) && it->passed()) return &*it;
    return nullptr;
}

const HistoryRecord* ArchiveHistory::lastDamage() const {
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
        if (it->damaged) return &*it;
        if (isProofCommand(it->command) && it->passed()) return nullptr;
    }
    return nullptr;
}

bool ArchiveHistory::damaged() const { return lastDamage() != nullptr; }

void ArchiveHistory::bindTo(const std::string& checksum, const std::string& archiveName, const std::string& ciphertext) {
    std::vector<HistoryRecord> bound;
    size_t other = 0, unbound = 0;
    const HistoryRecord* newest = nullptr;
    for (const auto& r : records) {
        const std::string& key = ciphertext.empty() ? r.manifestChecksum : r.ciphertext;
        if (key == (ciphertext.empty() ? checksum : ciphertext)) {
            bound.push_back(r);
            continue;
        }
        ++(key.empty() ? unbound : other);
        newest = &r;
    }
    if (!newest) return;
    std::string last = " (the newest: " + newest->command + " " + newest->verdict + " at " + newest->at + ")";
    if (other)
        problems.push_back("history record for " + archiveName + " does not match the archive (replaced?): " + std::to_string(other) +
                           " record(s) written for a file with another manifest ignored" + (unbound ? "" : last) +
                           "; run pgproof check on it to prove it again");
    if (unbound)
        problems.push_back("history record for " + archiveName + " carries no manifest checksum (written by an earlier pgproof): " +
                           std::to_string(unbound) + " record(s) ignored" + last + "; run pgproof check on it to prove it again");
    ignored += other + unbound;
    records = std::move(bound);
}

std::string historyRecordText(const HistoryRecord& record) {
    nlohmann::json j = record.toJson();
    j["host"] = [] {
        char h[256] = {};
        return ::gethostname(h, sizeof h - 1) == 0 ? std::string(h) : std::string();
    }();
    j["pid"] = ::getpid();
    j["pgproof_version"] = PGPROOF_VERSION;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void appendHistory(const std::filesystem::path& file, const HistoryRecord& record) {
    auto fail = [&](const std::string& what) {
        throw IncompleteError("cannot record the outcome in " + file.string() + ": " + what + ": " + std::strerror(errno));
    };
    std::string line = historyRecordText(record) + "\n";
    bool created = !std::filesystem::exists(file);
    FileDescriptor fd(::open(file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644));  // read: the last byte
    if (!fd) fail("open");
    while (::flock(fd.get(), LOCK_EX) != 0)
        if (errno != EINTR) fail("lock");
    // A writer killed mid-record left a line without its newline: this record starts on a line of its own.
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail("stat");
    if (st.st_size > 0) {
        char last = 0;
        if (::pread(fd.get(), &last, 1, st.st_size - 1) == 1 && last != '\n') line.insert(line.begin(), '\n');
    }
    // One write: O_APPEND puts the whole record at the end, after every other writer's. A record that does
    // not fit (a full disk takes what is left of the last page, then ENOSPC) is cut off again, under the
    // lock: the history never shows a torn record that looks like a killed writer's, only the records
    // that were written.
    auto unwrite = [&](const std::string& what) {
        int err = errno;
        if (::ftruncate(fd.get(), st.st_size) == 0) ::fsync(fd.get());
        errno = err;
        fail(what);
    };
    const char* p = line.data();
    size_t left = line.size();
    while (left > 0) {
        ssize_t n = ::write(fd.get(), p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            unwrite("write");
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    if (::fsync(fd.get()) != 0) unwrite("fsync");
    if (created) {
        FileDescriptor dir(::open(file.parent_path().empty() ? "." : file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (dir) ::fsync(dir.get());
    }
}

ArchiveHistory readHistory(const std::filesystem::path& file) {
    ArchiveHistory h;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return h;
    std::ifstream in(file, std::ios::binary);
    if (!in) throw IncompleteError("cannot read " + file.string() + ": " + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    size_t start = 0, lineNo = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        bool torn = end == std::string::npos;
        std::string line = text.substr(start, torn ? std::string::npos : end - start);
        start = torn ? text.size() : end + 1;
        ++lineNo;
        if (line.empty()) continue;
        std::string why;
        try {
            h.records.push_back(HistoryRecord::fromJson(nlohmann::json::parse(line)));
            continue;
        } catch (const std::exception& e) {
            why = e.what();
            if (why.rfind("[json.exception.", 0) == 0 && why.find("] ") != std::string::npos) why.erase(0, why.find("] ") + 2);
        }
        h.problems.push_back(file.string() + " line " + std::to_string(lineNo) +
                             (torn ? ": torn last record (a writer was killed while writing it), skipped"
                                   : ": unreadable record (" + why + "), skipped"));
    }
    return h;
}

}  // namespace pgproof::repository
