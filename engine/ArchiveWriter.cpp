#include "ArchiveWriter.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>

#include "ArchiveFormat.hpp"
#include "Errors.hpp"
#include "OutputEncoding.hpp"

namespace pgproof {

namespace fs = std::filesystem;

ArchiveWriter::ArchiveWriter(fs::path finalPath) : final_(std::move(finalPath)) {
    fs::path dir = final_.parent_path().empty() ? fs::path(".") : final_.parent_path();
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw BadInputError("cannot write " + final_.string() + ": folder " + dir.string() + " does not exist");
    if (fs::is_directory(final_, ec))
        throw BadInputError("cannot write " + final_.string() + ": it is a folder; give a file name such as " +
                            (final_ / "backup.sql.zst").string());
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

ArchiveWriter::~ArchiveWriter() {
    if (!committed_) {
        fd_.reset();
        ::unlink(temp_.c_str());
    }
}

void ArchiveWriter::writeAll(const void* data, size_t len) {
    const char* p = static_cast<const char*>(data);
    while (len > 0) {
        ssize_t n = ::write(fd_.get(), p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            throw IncompleteError("writing " + final_.string() + " failed: " + std::strerror(err) +
                                  (err == ENOSPC ? " (disk full: free space or write elsewhere)" : ""));
        }
        p += n;
        len -= static_cast<size_t>(n);
    }
}

void ArchiveWriter::flush() {
    writeAll(buffer_.data(), buffer_.size());
    buffer_.clear();
}

uint64_t ArchiveWriter::append(std::string_view frame) {
    uint64_t at = offset_;
    constexpr size_t kBufferBytes = 1u << 20;
    if (frame.size() >= kBufferBytes) {
        flush();
        writeAll(frame.data(), frame.size());
    } else {
        buffer_.append(frame);
        if (buffer_.size() >= kBufferBytes) flush();
    }
    offset_ += frame.size();
    return at;
}

void ArchiveWriter::commit(const Manifest& manifest) {
    // UTF-8 whatever the database encoding: names and values converted from the encoding the manifest records.
    std::string body;
    try {
        body = OutputEncoding::documentText(manifest.toJson(), -1);
    } catch (const std::runtime_error& e) {
        throw IncompleteError("cannot write the manifest of " + final_.string() + ": " + e.what());
    }
    OutputEncoding::setData(TextEncoding::ofSettings(manifest.settings));
    archive::Trailer trailer;
    trailer.manifestOffset = offset_;
    trailer.manifestLength = body.size();
    trailer.manifestChecksum = XXH3_64bits(body.data(), body.size());
    unsigned char header[archive::kSkippableHeaderSize];
    archive::putLE32(header, archive::kManifestFrameMagic);
    archive::putLE32(header + 4, static_cast<uint32_t>(body.size()));
    flush();
    writeAll(header, sizeof header);
    writeAll(body.data(), body.size());
    auto t = archive::encodeTrailer(trailer);
    writeAll(t.data(), t.size());
    offset_ += sizeof header + body.size() + t.size();
    if (::fsync(fd_.get()) != 0)
        throw IncompleteError("syncing " + temp_.string() + " failed: " + std::strerror(errno));
    fd_.reset();
    if (::rename(temp_.c_str(), final_.c_str()) != 0)
        throw IncompleteError("cannot move " + temp_.string() + " to " + final_.string() + ": " + std::strerror(errno));
    committed_ = true;
    fs::path dir = final_.parent_path().empty() ? fs::path(".") : final_.parent_path();
    FileDescriptor dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dfd) ::fsync(dfd.get());
}

}  // namespace pgproof
