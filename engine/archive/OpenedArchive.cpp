#include "OpenedArchive.hpp"

namespace pgproof {

OpenedArchive::OpenedArchive(const std::string& location) : OpenedArchive(openArchiveSource(location)) {}

OpenedArchive::OpenedArchive(std::unique_ptr<ArchiveSource> source) {
    if (source->randomAccess()) reader_ = std::make_unique<ArchiveReader>(std::move(source));
    else stream_ = std::make_unique<ArchiveStream>(std::move(source));
}

void OpenedArchive::readToManifest() {
    if (!stream_) return;
    std::string frame;
    uint64_t offset = 0;
    while (stream_->next(frame, offset)) {
    }
}

}  // namespace pgproof
