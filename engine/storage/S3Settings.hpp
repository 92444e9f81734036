#pragma once
// Where and as whom pgproof talks to S3, found the way the AWS CLI finds it:
//   credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); else the profile
//     AWS_PROFILE (or "default") in the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
//     ~/.aws/credentials), then in the config file (AWS_CONFIG_FILE, else ~/.aws/config, section
//     [profile NAME] or [default]);
//   region: AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`, else us-east-1;
//   endpoint: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's `endpoint_url`, else AWS itself
//     (https://s3.REGION.amazonaws.com);
//   addressing: virtual-hosted (BUCKET.s3.REGION.amazonaws.com) on AWS for a bucket without dots;
//     path-style (ENDPOINT/BUCKET/KEY) on a custom endpoint or for a dotted bucket; the profile's
//     `addressing_style = path|virtual` (under `s3 =`) overrides.
// Single sign-on, role assumption, credential_process and instance metadata are not read: a command
// that finds no keys says so (IncompleteError) and names the variables to set. The secret and the session
// token are held here only; describe() never shows them.
#include <string>

namespace pgproof {

struct S3Settings {
    std::string accessKeyId;
    std::string secretAccessKey;
    std::string sessionToken;
    std::string credentialsFrom;  // "environment", or "profile NAME in FILE": for messages
    std::string region;
    std::string endpoint;  // scheme://host[:port], no trailing slash
    bool customEndpoint = false;
    std::string addressingStyle;  // "path", "virtual" or "" (auto)

    // Reads the environment and the AWS files. Throws IncompleteError when no credentials are found,
    // BadInputError for an AWS_PROFILE that no file defines or an endpoint that is not an http(s) URL.
    static S3Settings fromEnvironment();

    // True when BUCKET goes in the path rather than in the host name.
    bool pathStyle(const std::string& bucket) const;
    // Endpoint, region and where the credentials came from (never the secret), for logs and messages.
    std::string describe() const;
};

}  // namespace pgproof
