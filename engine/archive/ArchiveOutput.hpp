#pragma once
// Where an archive's bytes go, written strictly in order (the writer never seeks back):
//   a local file: an AtomicFile (mode 0600): written under a temporary name next to the target, synced
//     and renamed into place on commit(), removed if never committed, so no partial archive sits at the
//     final path;
//   a sequential stream (stdout, "-"): bytes go out as they come, for `| aws s3 cp - s3://...`. A stream
//     cannot be taken back: a run that fails leaves it without the trailer, which every reader reports
//     as an incomplete archive (and the pipe's consumer sees pgproof's non-zero exit with pipefail);
//   an object in a bucket (s3://BUCKET/KEY): a multipart upload (S3ObjectUpload) that completes on
//     commit() and is aborted otherwise, so no object appears under the key unless the archive is whole.
#include <filesystem>
#include <memory>
#include <string>

namespace pgproof {

class ArchiveOutput {
public:
    virtual ~ArchiveOutput() = default;
    // Throws IncompleteError (naming the target; disk full says so) when the bytes cannot be written.
    virtual void write(const void* data, size_t len) = 0;
    // Makes the complete archive visible at its target. Throws IncompleteError.
    virtual void commit() = 0;
    // The target as given: a path, or "-" for stdout.
    virtual const std::string& name() const = 0;

    // "-" is stdout; s3://BUCKET/KEY an object; anything else a local file. A file or object that exists
    // is refused (BadInputError naming it and --force) unless `overwrite`; stale temporaries of killed
    // runs in a local folder are removed.
    static std::unique_ptr<ArchiveOutput> open(const std::filesystem::path& target, bool overwrite);
};

}  // namespace pgproof
