#include "ArchiveSink.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "Errors.hpp"
#include "FileDescriptor.hpp"
#include "OutputFile.hpp"

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

class LocalArchiveFile final : public ArchiveSink {
public:
    LocalArchiveFile(fs::path target, bool overwrite) : final_(std::move(target)), name_(final_.string()) {
        fs::path dir = final_.parent_path().empty() ? fs::path(".") : final_.parent_path();
        std::error_code ec;
        if (!fs::is_directory(dir, ec))
            throw BadInputError("cannot write " + name_ + ": folder " + dir.string() + " does not exist");
        if (fs::is_directory(final_, ec))
            throw BadInputError("cannot write " + name_ + ": it is a folder; give a file name such as " +
                                (final_ / "backup.sql.zst").string());
        refuseExistingOutput(final_, overwrite);
        overwrite_ = overwrite;
        for (const auto& stale : removeStalePartials(dir))
            spdlog::warn("removed {}: a temporary file left by an earlier run that was killed", stale);
        // GCC 12 warns falsely (-Wrestrict) on chained operator+ here; build the name with append.
        std::string tempName = ".";
        tempName.append(final_.filename().string()).append(".partial-").append(std::to_string(::getpid()));
        temp_ = dir / tempName;
        int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            throw IncompleteError("cannot create " + temp_.string() + ": " + std::strerror(errno) +
                                  " (check the folder's permissions and free space)");
        fd_ = FileDescriptor(fd);
    }
    ~LocalArchiveFile() override {
        if (!committed_) {
            fd_.reset();
            ::unlink(temp_.c_str());
        }
    }
    void write(const void* data, size_t len) override { writeAllTo(fd_.get(), data, len, name_); }
    void commit() override {
        if (::fsync(fd_.get()) != 0)
            throw IncompleteError("syncing " + temp_.string() + " failed: " + std::strerror(errno));
        fd_.reset();
        // Without --force a file that appeared meanwhile is not replaced either (no check-then-rename race).
        int rc = overwrite_ ? ::rename(temp_.c_str(), final_.c_str())
                            : ::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, final_.c_str(), RENAME_NOREPLACE);
        if (rc != 0 && !overwrite_ && errno == EEXIST)
            throw BadInputError("-o " + name_ + ": the file appeared while the backup ran; it was not replaced (pass --force to replace it)");
        if (rc != 0)
            throw IncompleteError("cannot move " + temp_.string() + " to " + name_ + ": " + std::strerror(errno));
        committed_ = true;
        fs::path dir = final_.parent_path().empty() ? fs::path(".") : final_.parent_path();
        FileDescriptor dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (dfd) ::fsync(dfd.get());
    }
    const std::string& name() const override { return name_; }

private:
    fs::path final_, temp_;
    std::string name_;
    FileDescriptor fd_;
    bool overwrite_ = false;
    bool committed_ = false;
};

class ArchiveOutputStream final : public ArchiveSink {
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

}  // namespace

std::unique_ptr<ArchiveSink> ArchiveSink::open(const fs::path& target, bool overwrite) {
    if (target == "-") return std::make_unique<ArchiveOutputStream>(STDOUT_FILENO);
    return std::make_unique<LocalArchiveFile>(target, overwrite);
}

}  // namespace pgproof
