#include "S3Settings.hpp"

#include <cstdlib>
#include <fstream>
#include <map>

#include "Errors.hpp"

namespace pgproof {

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// The keys of one section of an INI file as the AWS CLI writes them ("key = value"; nested lines under
// "s3 =" are indented and read as plain keys too). Empty when the file or the section is missing.
std::map<std::string, std::string> iniSection(const std::string& file, const std::string& section, bool& found) {
    std::map<std::string, std::string> keys;
    std::ifstream in(file);
    std::string line;
    bool inside = false;
    while (std::getline(in, line)) {
        std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == ';') continue;
        if (t.front() == '[' && t.back() == ']') {
            inside = trim(t.substr(1, t.size() - 2)) == section;
            found = found || inside;
            continue;
        }
        if (!inside) continue;
        auto eq = t.find('=');
        if (eq == std::string::npos) continue;
        keys[trim(t.substr(0, eq))] = trim(t.substr(eq + 1));
    }
    return keys;
}

std::string homeFile(const char* variable, const char* underHome) {
    std::string set = env(variable);
    if (!set.empty()) return set;
    std::string home = env("HOME");
    return home.empty() ? "" : home + "/" + underHome;
}

}  // namespace

S3Settings S3Settings::fromEnvironment() {
    S3Settings s;
    std::string profile = env("AWS_PROFILE");
    bool profileNamed = !profile.empty();
    if (!profileNamed) profile = "default";
    std::string credentialsFile = homeFile("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
    std::string configFile = homeFile("AWS_CONFIG_FILE", ".aws/config");
    bool inCredentials = false, inConfig = false;
    auto credentials = credentialsFile.empty() ? std::map<std::string, std::string>{} : iniSection(credentialsFile, profile, inCredentials);
    auto config = configFile.empty() ? std::map<std::string, std::string>{}
                                     : iniSection(configFile, profile == "default" ? "default" : "profile " + profile, inConfig);
    if (profileNamed && !inCredentials && !inConfig && env("AWS_ACCESS_KEY_ID").empty())
        throw BadInputError("AWS_PROFILE=" + profile + " names a profile that neither " + credentialsFile + " nor " + configFile +
                            " defines: add it (aws configure --profile " + profile + ") or unset AWS_PROFILE");

    if (!env("AWS_ACCESS_KEY_ID").empty() || !env("AWS_SECRET_ACCESS_KEY").empty()) {
        s.accessKeyId = env("AWS_ACCESS_KEY_ID");
        s.secretAccessKey = env("AWS_SECRET_ACCESS_KEY");
        s.sessionToken = env("AWS_SESSION_TOKEN");
        s.credentialsFrom = "the environment (AWS_ACCESS_KEY_ID)";
        if (s.accessKeyId.empty() || s.secretAccessKey.empty())
            throw IncompleteError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together: one of them is empty");
    } else {
        for (auto* source : {&credentials, &config}) {
            auto id = source->find("aws_access_key_id"), secret = source->find("aws_secret_access_key");
            if (id == source->end() || secret == source->end()) continue;
            s.accessKeyId = id->second;
            s.secretAccessKey = secret->second;
            if (auto t = source->find("aws_session_token"); t != source->end()) s.sessionToken = t->second;
            s.credentialsFrom = "profile " + profile + " in " + (source == &credentials ? credentialsFile : configFile);
            break;
        }
    }
    if (s.accessKeyId.empty())
        throw IncompleteError("no AWS credentials found for S3: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE "
                              "with its keys in ~/.aws/credentials (profile " + profile + " has none)");

    s.region = env("AWS_REGION");
    if (s.region.empty()) s.region = env("AWS_DEFAULT_REGION");
    if (s.region.empty() && config.count("region")) s.region = config["region"];
    if (s.region.empty()) s.region = "us-east-1";

    std::string endpoint = env("AWS_ENDPOINT_URL_S3");
    if (endpoint.empty()) endpoint = env("AWS_ENDPOINT_URL");
    if (endpoint.empty() && config.count("endpoint_url")) endpoint = config["endpoint_url"];
    if (!endpoint.empty()) {
        if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0)
            throw BadInputError("the S3 endpoint " + endpoint + " (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL) is not an http:// or https:// URL");
        while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
        s.endpoint = endpoint;
        s.customEndpoint = true;
    } else {
        s.endpoint = "https://s3." + s.region + ".amazonaws.com";
    }
    if (config.count("addressing_style")) s.addressingStyle = config["addressing_style"];
    return s;
}

bool S3Settings::pathStyle(const std::string& bucket) const {
    if (addressingStyle == "path") return true;
    if (addressingStyle == "virtual") return false;
    return customEndpoint || bucket.find('.') != std::string::npos;
}

std::string S3Settings::describe() const {
    return "endpoint " + endpoint + ", region " + region + ", credentials from " + credentialsFrom;
}

}  // namespace pgproof
