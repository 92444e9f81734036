#pragma once
// One object written to S3 as a stream of bytes of unknown length, through a multipart upload, with
// bounded memory: bytes collect in a part buffer; a full part is uploaded by a worker thread while the
// next fills, at most `partsInFlight` parts at once. Memory is at most (partsInFlight + 1) x the part size.
//
// Part size: 8 MiB by default (PGPROOF_S3_PART_SIZE, in MiB, 5 to 5120), doubled after every 1,000 parts,
// so that S3's limit of 10,000 parts is never reached below the 5 TiB object limit (8 MiB parts take the
// first 8 GiB, 16 MiB parts the next 16 GiB, ...). An object smaller than one part is sent in one PUT.
//
// Nothing exists under the final name until commit() succeeds: S3 publishes a multipart object only when
// the upload is completed. Any failure, an exception unwinding past this object, or Ctrl-C aborts the
// upload (AbortMultipartUpload), so no object and no pending upload is left behind. A process killed
// with SIGKILL cannot abort: a bucket lifecycle rule (AbortIncompleteMultipartUpload) removes its parts.
//
// An existing object is refused (BadInputError naming it and --force) unless `overwrite`: checked when
// the upload starts and again just before it completes.
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "S3Client.hpp"

namespace pgproof {

class S3ObjectUpload {
public:
    struct Options {
        bool overwrite = false;
        size_t partSize = 0;  // 0: PGPROOF_S3_PART_SIZE or 8 MiB
        int partsInFlight = 4;
    };
    S3ObjectUpload(std::shared_ptr<S3Client> client, S3Url object, Options options);
    // Aborts the upload unless commit() succeeded.
    ~S3ObjectUpload();
    S3ObjectUpload(const S3ObjectUpload&) = delete;
    S3ObjectUpload& operator=(const S3ObjectUpload&) = delete;

    // Throws IncompleteError or InterruptedError (the upload is then aborted).
    void write(const void* data, size_t len);
    // Uploads the last part and completes the upload: the object exists once this returns.
    void commit();
    // Aborts now (also what the destructor does); safe to call twice.
    void abort() noexcept;

    const S3Url& object() const { return object_; }
    uint64_t bytesWritten() const { return written_; }
    int partsUploaded() const { return static_cast<int>(etags_.size()); }
    // The part size of part `number` (from 1) for a first part size of `first`.
    static size_t partSizeFor(int number, size_t first);
    static size_t defaultPartSize();

private:
    void refuseExisting() const;
    void sendPart();
    void collect(bool all);

    std::shared_ptr<S3Client> client_;
    S3Url object_;
    Options options_;
    std::string buffer_;
    std::string uploadId_;
    std::vector<std::future<std::string>> inFlight_;
    std::vector<std::string> etags_;
    int nextPart_ = 1;
    uint64_t written_ = 0;
    bool committed_ = false;
    bool failed_ = false;
};

}  // namespace pgproof
