#include "S3ObjectUpload.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

#include "Errors.hpp"

namespace pgproof {

namespace {
constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kMaxPart = 5120 * kMiB;
}  // namespace

size_t S3ObjectUpload::defaultPartSize() {
    const char* set = std::getenv("PGPROOF_S3_PART_SIZE");
    if (!set || !*set) return 8 * kMiB;
    char* end = nullptr;
    unsigned long mib = std::strtoul(set, &end, 10);
    if (*end != '\0' || mib < 5 || mib > 5120)
        throw BadInputError(std::string("PGPROOF_S3_PART_SIZE=") + set + " is not a part size in MiB from 5 to 5120");
    return mib * kMiB;
}

size_t S3ObjectUpload::partSizeFor(int number, size_t first) {
    int doublings = std::min((number - 1) / 1000, 20);
    return std::min(kMaxPart, first << doublings);
}

S3ObjectUpload::S3ObjectUpload(std::shared_ptr<S3Client> client, S3Url object, Options options)
    : client_(std::move(client)), object_(std::move(object)), options_(options) {
    if (options_.partSize == 0) options_.partSize = defaultPartSize();
    options_.partsInFlight = std::max(1, options_.partsInFlight);
    refuseExisting();
    buffer_.reserve(options_.partSize);
}

S3ObjectUpload::~S3ObjectUpload() {
    if (!committed_) abort();
}

void S3ObjectUpload::refuseExisting() const {
    if (options_.overwrite) return;
    if (client_->head(object_))
        throw BadInputError(object_.text() + " already exists: pgproof never replaces an archive; choose another name or pass --force");
}

void S3ObjectUpload::write(const void* data, size_t len) {
    const char* p = static_cast<const char*>(data);
    while (len > 0) {
        size_t room = partSizeFor(nextPart_, options_.partSize) - buffer_.size();
        size_t n = std::min(room, len);
        buffer_.append(p, n);
        p += n;
        len -= n;
        written_ += n;
        if (buffer_.size() == partSizeFor(nextPart_, options_.partSize)) sendPart();
    }
}

void S3ObjectUpload::sendPart() {
    try {
        if (uploadId_.empty()) uploadId_ = client_->createMultipartUpload(object_);
        if (nextPart_ > 10000) throw IncompleteError(object_.text() + " would need more than 10,000 parts");
        // Wait for the oldest part when the limit is reached: memory stays bounded.
        if (static_cast<int>(inFlight_.size()) >= options_.partsInFlight) collect(false);
        auto part = std::make_shared<std::string>(std::move(buffer_));
        buffer_ = std::string();
        buffer_.reserve(partSizeFor(nextPart_ + 1, options_.partSize));
        inFlight_.push_back(std::async(std::launch::async, [client = client_, object = object_, id = uploadId_, number = nextPart_, part] {
            return client->uploadPart(object, id, number, *part);
        }));
        ++nextPart_;
    } catch (...) {
        failed_ = true;
        abort();
        throw;
    }
}

// Takes the ETags of finished parts in order: the oldest only, or all of them.
void S3ObjectUpload::collect(bool all) {
    while (!inFlight_.empty()) {
        etags_.push_back(inFlight_.front().get());  // rethrows a part's failure
        inFlight_.erase(inFlight_.begin());
        if (!all) break;
    }
}

void S3ObjectUpload::commit() {
    try {
        if (uploadId_.empty()) {
            // Smaller than one part: one PUT, checked by its Content-MD5.
            refuseExisting();
            client_->put(object_, buffer_);
        } else {
            if (!buffer_.empty() || nextPart_ == 1) sendPart();
            collect(true);
            refuseExisting();
            client_->completeMultipartUpload(object_, uploadId_, etags_);
            spdlog::debug("S3 upload of {} complete: {} parts, {} bytes", object_.text(), etags_.size(), written_);
        }
        committed_ = true;
    } catch (...) {
        failed_ = true;
        abort();
        throw;
    }
}

void S3ObjectUpload::abort() noexcept {
    // Parts still in flight finish (or fail) first: an abort while a part is being stored may leave it.
    for (auto& f : inFlight_) {
        try {
            f.wait();
        } catch (...) {
        }
    }
    inFlight_.clear();
    if (uploadId_.empty()) return;
    std::string id = std::move(uploadId_);
    uploadId_.clear();
    try {
        client_->abortMultipartUpload(object_, id);
        spdlog::debug("S3 upload of {} aborted", object_.text());
    } catch (const std::exception& e) {
        spdlog::error("could not abort the unfinished upload of {} (upload id {}): {}; remove it with aws s3api abort-multipart-upload",
                      object_.text(), id, e.what());
    }
}

}  // namespace pgproof
