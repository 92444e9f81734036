#include "S3ObjectSource.hpp"

#include <cstring>

#include "Errors.hpp"
#include "S3Client.hpp"
#include "S3Url.hpp"

namespace pgproof {

namespace {

class S3ObjectSource final : public ArchiveSource {
public:
    S3ObjectSource(std::shared_ptr<S3Client> client, S3Url object, uint64_t size)
        : ArchiveSource(object.text(), object.text()), client_(std::move(client)), object_(std::move(object)), size_(size) {}
    bool randomAccess() const override { return true; }
    uint64_t size() const override { return size_; }
    void readAt(void* buffer, size_t length, uint64_t offset) const override {
        if (length == 0) return;
        if (offset > size_ || length > size_ - offset)
            throw ProofFailedError(name() + " is shorter than its manifest says: the object is truncated");
        thread_local std::string got;
        client_->getRange(object_, offset, length, got);
        if (got.size() != length)
            throw IncompleteError("reading " + name() + " returned " + std::to_string(got.size()) + " bytes of " +
                                  std::to_string(length) + ": the object changed while it was read");
        std::memcpy(buffer, got.data(), length);
    }

private:
    std::shared_ptr<S3Client> client_;
    S3Url object_;
    uint64_t size_;
};

}  // namespace

std::unique_ptr<ArchiveSource> openArchiveObject(const std::string& url) {
    S3Url object = S3Url::parseObject(url);  // BadInputError for a malformed URL
    auto client = S3Client::fromEnvironment();
    auto info = client->head(object);
    if (!info)
        throw BadInputError("no object " + object.text() + " in bucket " + object.bucket + ": check the name (aws s3 ls s3://" +
                            object.bucket + "/" + object.key.substr(0, object.key.rfind('/') + 1) + ")");
    return std::make_unique<S3ObjectSource>(std::move(client), std::move(object), info->size);
}

}  // namespace pgproof
