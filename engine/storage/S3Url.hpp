#pragma once
// An object or a prefix in a bucket, written the AWS CLI way: s3://BUCKET/KEY. The bucket follows S3's
// naming rules (3 to 63 characters: lowercase letters, digits, dots, hyphens; a letter or digit at each
// end); the key is everything after the first '/' after the bucket, kept as given (it may be empty: the
// whole bucket). A malformed URL is a BadInputError (exit 2) naming it and the expected form.
#include <string>

namespace pgproof {

struct S3Url {
    std::string bucket;
    std::string key;

    // True for anything that starts with "s3://": such an argument is an S3 URL or an error, never a path.
    static bool is(const std::string& text);
    static S3Url parse(const std::string& text);
    // The same, also refusing an empty key or one that ends in '/': the name of one object (for -o).
    static S3Url parseObject(const std::string& text);
    std::string text() const { return "s3://" + bucket + (key.empty() ? "" : "/" + key); }
};

}  // namespace pgproof
