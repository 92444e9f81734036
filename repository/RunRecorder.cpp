#include "RunRecorder.hpp"

#include "Outcome.hpp"

#include <ctime>
#include <fstream>

#include "ArchiveHistory.hpp"
#include "AgeEncryption.hpp"
#include "ArchiveReader.hpp"
#include "PrometheusTextfile.hpp"
#include "UtcTime.hpp"

namespace pgproof::repository {

RunRecorder::RunRecorder(std::string command, std::string subject, std::string metricsFile)
    : command_(std::move(command)), subject_(std::move(subject)), metrics_(std::move(metricsFile)),
      start_(std::chrono::steady_clock::now()) {
    repository_ = RepositoryStore::ofArchive(subject_);
    if (repository_ && command_ != "backup") {
        hold_ = repository_->store->hold(repository_->archive, command_);
        bindSubject();
    }
}

void RunRecorder::bindSubject() {
    checksum_.clear();
    try {
        ciphertext_ = ciphertextIdentity(subject_).value_or("");
    } catch (const std::exception&) {
        ciphertext_.clear();  // an object that cannot be read now: the command itself says why
    }
    if (!ciphertext_.empty()) return;  // its manifest is encrypted: records bind to the ciphertext
    try {
        checksum_ = ArchiveReader(subject_).manifestChecksumText();
    } catch (const std::exception&) {
        // no readable manifest: the archive is damaged whatever its history says
    }
}

void RunRecorder::addFigures(const RunFigures& f) {
    if (!f.database.empty()) figures_.database = f.database;
    if (f.tables) figures_.tables = f.tables;
    if (f.rows) figures_.rows = f.rows;
    if (f.bytes) figures_.bytes = f.bytes;
    if (f.recoverySeconds) figures_.recoverySeconds = f.recoverySeconds;
    if (!f.verdict.empty()) figures_.verdict = f.verdict;
}

void RunRecorder::holdReservation(ReservedArchive reservation) {
    subject_ = reservation.archive();
    repository_ = RepositoryStore::ofArchive(subject_);
    reservation_.emplace(std::move(reservation));
}

std::string RunRecorder::databaseLabel() const {
    if (!figures_.database.empty()) return figures_.database;
    if (repository_) return repository_->archive.substr(0, repository_->archive.find('/'));
    try {
        auto source = openArchiveSource(subject_);
        if (source->randomAccess()) return ArchiveReader(std::move(source)).manifest().source.value("database", "");
    } catch (const std::exception&) {
    }
    return "";  // a stream is read once, by the command itself
}

std::string RunRecorder::serverLabel() const {
    // The archive's own source once it exists; before that (a run that failed early), what the command said.
    if (subject_ != "-") {
        try {
            ArchiveReader reader(subject_);
            const auto& source = reader.manifest().source;
            if (source.contains("host")) return source.value("host", "") + ":" + source.value("port", "");
        } catch (const std::exception&) {
        }
    }
    return server_;
}

namespace {
// The value of `name` for `database` whatever its other labels, in a metrics file this run replaces:
// the last success of the same job, written when the server was another (or before the server label).
std::optional<double> sampleOfDatabase(const std::string& file, const std::string& name, const std::string& database) {
    std::ifstream in(file);
    std::string rendered = renderLabels({{"database", database}});
    std::string label = rendered.substr(1, rendered.size() - 2);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(name + "{", 0) != 0) continue;
        size_t close = line.rfind("} ");
        if (close == std::string::npos || line.find(label) == std::string::npos) continue;
        try {
            return std::stod(line.substr(close + 2));
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}
}  // namespace

std::vector<std::string> RunRecorder::recordNow(const HistoryRecord& record) {
    try {
        if (!repository_ || !repository_->store->exists(repository_->archive)) return {};
        if (reservation_) reservation_->release();  // its shared hold would wait for this writer's exclusive one
        if (command_ == "backup") bindSubject();  // the archive it just wrote
        HistoryRecord r = record;
        if (r.manifestChecksum.empty()) r.manifestChecksum = checksum_;
        r.ciphertext = ciphertext_;
        repository_->store->appendHistory(repository_->archive, r);
    } catch (const std::exception& e) {
        return {e.what()};
    }
    return {};
}

std::vector<std::string> RunRecorder::finish(int exitCode, const std::string& error) {
    std::vector<std::string> problems;
    if (finished_) return problems;
    finished_ = true;
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (reservation_) reservation_->release();
    std::string verdict = outcomeName(outcomeOfExitCode(exitCode));
    if (exitCode == 0 && !figures_.verdict.empty()) verdict = figures_.verdict;
    // A failed check is by definition a damaged archive; any other command must say so (markArchiveDamaged).
    const bool damaged = exitCode == 1 && (archiveDamaged_ || command_ == "check");
    if (exitCode != 0 && !damaged && targetFailed_) verdict = "target_failed";
    bool written = false;
    try {
        written = repository_ && exitCode != 2 && repository_->store->exists(repository_->archive);
    } catch (const std::exception& e) {
        problems.push_back(e.what());
    }
    if (written) {
        if (command_ == "backup") bindSubject();  // the archive it just wrote
        HistoryRecord r;
        r.manifestChecksum = checksum_;
        r.ciphertext = ciphertext_;
        if (command_ == "backup" && !ciphertext_.empty()) {
            r.archiveCreated = created_;
            r.partial = partial_;
        }
        r.damaged = damaged;
        r.at = utcNow();
        r.command = command_;
        r.verdict = verdict;
        r.exitCode = exitCode;
        r.seconds = seconds;
        r.tables = figures_.tables;
        r.rows = figures_.rows;
        r.recoverySeconds = figures_.recoverySeconds;
        r.error = error;
        r.report = report_;
        try {
            repository_->store->appendHistory(repository_->archive, r);
        } catch (const std::exception& e) {
            problems.push_back(e.what());
        }
    }
    // The run is over: a bucket lease is removed now, while the process can still talk to S3.
    hold_.reset();
    if (!metrics_.empty() || collect_) {
        try {
            if (collect_) {
                addMetrics(*collect_, exitCode, seconds);
            } else {
                PrometheusTextfile m;
                addMetrics(m, exitCode, seconds);
                m.write(metrics_);
            }
        } catch (const std::exception& e) {
            problems.push_back(e.what());
        }
    }
    return problems;
}

// Labels database and server on every sample (docs/METRICS.md); the names are those of the first
// release, so existing alerts keep working.
void RunRecorder::addMetrics(PrometheusTextfile& m, int exitCode, double seconds) const {
    Labels labels = {{"database", databaseLabel()}, {"server", serverLabel()}};
    std::string p = "pgproof_" + command_ + "_";
    double now = static_cast<double>(std::time(nullptr));
    m.gauge(p + "success", "1 if the last " + command_ + " proved everything (exit 0), else 0", labels, exitCode == 0 ? 1 : 0);
    m.gauge(p + "exit_code", "exit code of the last " + command_ + " (0 proven, 1 failed, 2 bad input, 3 incomplete)", labels, exitCode);
    m.gauge(p + "duration_seconds", "wall-clock duration of the last " + command_, labels, seconds);
    m.gauge(p + "last_run_timestamp_seconds", "when the last " + command_ + " finished (Unix time)", labels, now);
    // A failed run carries the last success over from the file it replaces (written before the server
    // label existed: matched by the database alone).
    std::optional<double> lastSuccess;
    if (exitCode == 0) lastSuccess = now;
    else if (!metrics_.empty())
        if (!(lastSuccess = PrometheusTextfile::readSample(metrics_, p + "last_success_timestamp_seconds", labels)))
            lastSuccess = sampleOfDatabase(metrics_, p + "last_success_timestamp_seconds", labels.front().second);
    if (lastSuccess)
        m.gauge(p + "last_success_timestamp_seconds", "when a " + command_ + " last succeeded (Unix time)", labels, *lastSuccess);
    if (figures_.bytes) m.gauge(p + "size_bytes", "size of the archive", labels, static_cast<double>(*figures_.bytes));
    if (figures_.tables) m.gauge(p + "tables", "tables covered by the last " + command_, labels, static_cast<double>(*figures_.tables));
    if (figures_.rows) m.gauge(p + "rows", "rows covered by the last " + command_, labels, static_cast<double>(*figures_.rows));
    if (figures_.recoverySeconds)
        m.gauge(p + "recovery_seconds", "measured recovery time (restore and proof) of the last " + command_, labels, *figures_.recoverySeconds);
}

}  // namespace pgproof::repository
