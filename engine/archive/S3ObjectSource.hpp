#pragma once
// An archive in a bucket as a random-access ArchiveSource: openArchiveSource gives it for
// "s3://BUCKET/KEY". One HEAD for the size, then one ranged GET per read, from any number of threads
// (S3Client is safe to share), so readers fetch frames in parallel as from a file and download nothing
// they do not read. Credentials, region and endpoint come from the environment (S3Settings).
#include <memory>
#include <string>

#include "ArchiveSource.hpp"

namespace pgproof {

// BadInputError (exit 2) for a malformed URL or a missing key; IncompleteError (exit 3) when the bucket
// cannot be reached or refuses the credentials. A read past the object's end is ProofFailedError (the
// archive is truncated), a short answer IncompleteError (the object changed while it was read).
std::unique_ptr<ArchiveSource> openArchiveObject(const std::string& url);

}  // namespace pgproof
