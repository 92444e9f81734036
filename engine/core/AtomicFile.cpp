#include "AtomicFile.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <utility>

#include "OutputFile.hpp"

namespace pgproof {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(ExitCode code, const std::string& message) {
    if (code == ExitCode::BadInput) throw BadInputError(message);
    throw IncompleteError(message);
}

bool diskFull(int err) { return err == ENOSPC || err == EDQUOT; }

fs::path folderOf(const fs::path& target) { return target.parent_path().empty() ? fs::path(".") : target.parent_path(); }

// The temporaries this process holds: a second AtomicFile for the same target (a file named twice on
// one command line) is refused instead of taking the first one's temporary over.
std::mutex registryMutex;
std::set<std::string> temporariesInUse;
bool claim(const fs::path& temporary) {
    std::lock_guard lock(registryMutex);
    return temporariesInUse.insert(temporary.string()).second;
}
void release(const fs::path& temporary) {
    std::lock_guard lock(registryMutex);
    temporariesInUse.erase(temporary.string());
}

}  // namespace

fs::path AtomicFile::temporaryFor(const fs::path& target) {
    // Built with append: GCC 12 warns falsely (-Wrestrict) on chained operator+.
    std::string name = ".";
    name.append(target.filename().string()).append(".partial-").append(std::to_string(::getpid()));
    return target.parent_path() / name;
}

AtomicFile::AtomicFile(fs::path target, Options options) : target_(std::move(target)), options_(std::move(options)) {
    if (options_.label.empty()) options_.label = target_.string();
    const std::string& label = options_.label;
    const fs::path dir = folderOf(target_);
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw BadInputError("cannot write " + label + ": " +
                            (fs::exists(dir, ec) ? dir.string() + " is not a folder" : "folder " + dir.string() + " does not exist"));
    if (fs::is_directory(target_, ec)) throw BadInputError("cannot write " + label + ": it is a folder; give a file name");
    if (options_.refuseExisting) refuseExistingOutput(target_, false, options_.option);
    temporary_ = temporaryFor(target_);
    if (!claim(temporary_)) throw BadInputError("cannot write " + label + ": this run is writing it already (is it named twice?)");
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd = ::open(temporary_.c_str(), flags, options_.mode);
    if (fd < 0 && errno == EEXIST) {
        // Ours by name but not by this run: left by an earlier process that had the same PID.
        ::unlink(temporary_.c_str());
        fd = ::open(temporary_.c_str(), flags, options_.mode);
    }
    if (fd < 0) {
        int err = errno;
        release(temporary_);
        if (diskFull(err) || err == EIO)
            throw IncompleteError("cannot write " + label + ": " + std::strerror(err) + (diskFull(err) ? options_.diskFullHint : ""));
        fail(options_.unwritable, "cannot write " + label + ": " + std::strerror(err) + " (check that its folder is writable)");
    }
    fd_ = FileDescriptor(fd);
    open_ = true;
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : target_(std::move(other.target_)), temporary_(std::move(other.temporary_)), options_(std::move(other.options_)),
      fd_(std::move(other.fd_)), buffer_(std::move(other.buffer_)), open_(std::exchange(other.open_, false)),
      written_(other.written_), writebackFrom_(other.writebackFrom_) {}

AtomicFile::~AtomicFile() { abandon(); }

void AtomicFile::abandon() noexcept {
    fd_.reset();
    if (!open_) return;
    ::unlink(temporary_.c_str());
    release(temporary_);
    open_ = false;
}

void AtomicFile::writeFailed(int err) {
    throw IncompleteError("writing " + options_.label + " failed: " + std::strerror(err) + (diskFull(err) ? options_.diskFullHint : ""));
}

void AtomicFile::write(const void* data, size_t len) {
    if (!open_) throw IncompleteError("writing " + options_.label + " failed: the file was already closed");
    if (buffer_.size() + len <= kBufferBytes) {
        buffer_.append(static_cast<const char*>(data), len);
        return;
    }
    flush();
    if (len >= kBufferBytes) writeOut(data, len);
    else buffer_.append(static_cast<const char*>(data), len);
}

void AtomicFile::flush() {
    writeOut(buffer_.data(), buffer_.size());
    buffer_.clear();
}

void AtomicFile::writeOut(const void* data, size_t len) {
    const char* p = static_cast<const char*>(data);
    while (len > 0) {
        ssize_t n = ::write(fd_.get(), p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) writeFailed(n < 0 ? errno : EIO);
        p += n;
        len -= static_cast<size_t>(n);
        written_ += static_cast<uint64_t>(n);
    }
    if (written_ - writebackFrom_ >= kWritebackBytes) {
        // Best effort: a file system without it (or a pipe) just leaves the work to commit()'s fsync,
        // which reports any real error.
        ::sync_file_range(fd_.get(), static_cast<off64_t>(writebackFrom_), static_cast<off64_t>(written_ - writebackFrom_),
                          SYNC_FILE_RANGE_WRITE);
        writebackFrom_ = written_;
    }
}

void AtomicFile::commit() {
    if (!open_) throw IncompleteError("writing " + options_.label + " failed: the file was already closed");
    try {
        flush();
    } catch (...) {
        abandon();
        throw;
    }
    // A full disk or an I/O error may show only here (delayed allocation, NFS): the file is not in place.
    if (::fsync(fd_.get()) != 0 || ::close(fd_.release()) != 0) {
        int err = errno;
        abandon();
        writeFailed(err);
    }
    // With refuseExisting a file that appeared meanwhile is not replaced either (no check-then-rename race).
    int rc = options_.refuseExisting ? ::renameat2(AT_FDCWD, temporary_.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE)
                                     : ::rename(temporary_.c_str(), target_.c_str());
    if (rc != 0) {
        int err = errno;
        abandon();
        if (options_.refuseExisting && err == EEXIST)
            throw BadInputError(options_.option + " " + target_.string() +
                                ": the file appeared while pgproof was writing it; it was not replaced (pass --force to replace it)");
        fail(options_.unwritable, "cannot write " + options_.label + ": renaming " + temporary_.string() + " into place failed: " + std::strerror(err));
    }
    open_ = false;
    release(temporary_);
    // The rename itself is durable only once the folder is synced; best effort (some file systems refuse).
    FileDescriptor dir(::open(folderOf(target_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) ::fsync(dir.get());
}

void AtomicFile::writeWhole(const fs::path& target, std::string_view content, Options options) {
    AtomicFile file(target, std::move(options));
    file.write(content);
    file.commit();
}

}  // namespace pgproof
