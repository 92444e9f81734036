#include "ArchiveOutput.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "AtomicFile.hpp"
#include "Errors.hpp"
#include "OutputFile.hpp"
#include "S3ObjectUpload.hpp"

namespace pgproof {

namespace fs = std::filesystem;

namespace {

void writeAllTo(int fd, const void* data, size_t len, const std::string& target) {
    const char* p = static_cast<const char*>(data);
    while (len > 0) {
        ssize_t n = ::write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            throw IncompleteError("writing " + target + " failed: " + std::strerror(err) +
                                  (err == ENOSPC ? " (disk full: free space or write elsewhere)"
                                   : err == EPIPE ? " (the reading end of the pipe closed: the archive is incomplete)" : ""));
        }
        p += n;
        len -= static_cast<size_t>(n);
    }
}

class LocalArchiveFile final : public ArchiveOutput {
public:
    LocalArchiveFile(const fs::path& target, bool overwrite) : file_(create(target, overwrite)), name_(target.string()) {
        for (const auto& stale : removeStalePartials(file_.target().parent_path()))
            spdlog::warn("removed {}: a temporary file left by an earlier run that was killed", stale);
    }
    void write(const void* data, size_t len) override { file_.write(data, len); }
    void commit() override { file_.commit(); }
    const std::string& name() const override { return name_; }

private:
    static AtomicFile create(const fs::path& target, bool overwrite) {
        std::error_code ec;
        if (fs::is_directory(target, ec))
            throw BadInputError("cannot write " + target.string() + ": it is a folder; give a file name such as " +
                                (target / "backup.sql.zst").string());
        // Mode 0600: an archive holds the whole database.
        return AtomicFile(target, {.refuseExisting = !overwrite, .mode = 0600, .unwritable = ExitCode::Incomplete});
    }
    AtomicFile file_;
    std::string name_;
};

class ArchiveOutputStream final : public ArchiveOutput {
public:
    explicit ArchiveOutputStream(int fd) : fd_(fd) {
        if (::isatty(fd))
            throw BadInputError("-o - writes the archive to standard output, but it is a terminal: pipe it on "
                                "(pgproof backup -o - | aws s3 cp - s3://bucket/NAME.sql.zst) or give a file name");
    }
    void write(const void* data, size_t len) override { writeAllTo(fd_, data, len, "the archive on standard output"); }
    void commit() override {
        // A file redirected to stdout is synced like a local archive; pipes and sockets have nothing to sync.
        struct stat st {};
        if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && ::fsync(fd_) != 0)
            throw IncompleteError(std::string("syncing the archive on standard output failed: ") + std::strerror(errno));
    }
    const std::string& name() const override { return name_; }

private:
    int fd_;
    std::string name_ = "-";
};

// An object in a bucket, written through a multipart upload that only completes on commit().
class S3ArchiveObject final : public ArchiveOutput {
public:
    S3ArchiveObject(const std::string& url, bool overwrite)
        : upload_(S3Client::fromEnvironment(), S3Url::parseObject(url), {.overwrite = overwrite}), name_(url) {}
    void write(const void* data, size_t len) override { upload_.write(data, len); }
    void commit() override { upload_.commit(); }
    const std::string& name() const override { return name_; }

private:
    S3ObjectUpload upload_;
    std::string name_;
};

}  // namespace

std::unique_ptr<ArchiveOutput> ArchiveOutput::open(const fs::path& target, bool overwrite) {
    if (target == "-") return std::make_unique<ArchiveOutputStream>(STDOUT_FILENO);
    if (S3Url::is(target.string())) return std::make_unique<S3ArchiveObject>(target.string(), overwrite);
    return std::make_unique<LocalArchiveFile>(target, overwrite);
}

}  // namespace pgproof
