#pragma once
// Encryption at rest with age (https://age-encryption.org, docs/ENCRYPTION.md). An encrypted archive is
// the age encryption of the whole .sql.zst archive, so `age -d -i KEY A.sql.zst.age | zstd -dc | psql`
// restores it without pgproof. The cryptography is the `age` program's, run as a child process; pgproof
// only moves bytes through it. Keys never reach a command line: recipients go to age in a recipients
// file (-R), identities as identity files (-i FILE), both files the user named or pgproof wrote (0600).
//
// Writing: encryptingOutput() wraps any ArchiveOutput (file, stream) so that what the ArchiveWriter writes
// leaves as ciphertext; the wrapped output commits only once age has finished cleanly.
// Reading: openArchiveSource (ArchiveSource.hpp) recognises age's header and hands the archive over as a
// sequential source of `age -d`'s stdout; age authenticates every 64 KiB chunk before it hands it on, so
// a flipped byte anywhere stops the reading. AgeDecryption then says why the plaintext ended: no
// identity or none that matches (BadInputError, exit 2, one line), a damaged ciphertext (ProofFailedError,
// exit 1).
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ChildProcess.hpp"

namespace pgproof {

class ArchiveOutput;

// age's header line: every age file starts with it.
inline constexpr std::string_view kAgeHeaderLine = "age-encryption.org/v1\n";
bool startsWithAgeHeader(std::string_view bytes);

// Who a backup is encrypted to: public keys (--encrypt-to, age1...) and recipients files (--encrypt-to-file).
struct AgeRecipients {
    std::vector<std::string> keys;
    std::vector<std::filesystem::path> files;
    bool empty() const { return keys.empty() && files.empty(); }
    // Refuses (BadInputError, one line) a secret key given as a recipient, a recipients file that cannot be
    // read, and anything age itself refuses (it is asked with an empty input, before the backup starts).
    void validate() const;
};

// Bytes written to the returned output are encrypted by age to `recipients` and go to `inner`.
std::unique_ptr<ArchiveOutput> encryptingOutput(std::unique_ptr<ArchiveOutput> inner, const AgeRecipients& recipients);

// The identity files readers decrypt with: --identity FILE (repeatable) when given, else the file that
// PGPROOF_AGE_IDENTITY names. Set once by the command line, read by every reader that meets an age file.
class AgeIdentities {
public:
    static void use(std::vector<std::string> files);
    static std::vector<std::string> current();
};

// `age -d` of one encrypted archive (a file, or "-" for stdin), its plaintext on fd().
class AgeDecryption {
public:
    // `name` names the archive in messages. Throws BadInputError (one line) when no identity was given
    // or an identity file cannot be read. For stdin, `alreadyRead` are the bytes taken off it to
    // recognise the header; they are handed to age before the rest of stdin.
    AgeDecryption(const std::string& file, std::string name, std::string alreadyRead = {});
    // Reading the ciphertext from `input` (e.g. an object's ranged reads), called on a thread of its own
    // until it returns 0. An exception of `input` (the storage failed) is the one finish() throws, not a
    // "damaged" archive.
    using Input = std::function<size_t(char* buffer, size_t length)>;
    AgeDecryption(Input input, std::string name);
    // What the constructor refuses before age runs: no identity given, an identity file that cannot be
    // read (BadInputError, one line naming `name`). Returns the identity files.
    static std::vector<std::string> requireIdentities(const std::string& name);
    ~AgeDecryption();
    AgeDecryption(const AgeDecryption&) = delete;
    AgeDecryption& operator=(const AgeDecryption&) = delete;

    int fd() const { return age_->stdoutFd(); }
    // The plaintext was read to its end: age must have ended cleanly too. Throws as below if it did not.
    void finish();
    // Reading stopped with an error: if age failed first, throws age's failure instead (the real cause);
    // returns when age did not fail (the caller rethrows its own error).
    void throwIfAgeFailed();

private:
    [[noreturn]] void throwAgeFailure(int status);
    void rethrowInputFailure();
    std::string file_, name_;
    std::unique_ptr<ChildProcess> age_;
    struct StdinFeed;
    std::unique_ptr<StdinFeed> feed_;
};

// What ties records to an encrypted file without its key: age's header (which ends in a MAC over it, a
// new one for every file) and the file's size, as "age:XXXXXXXXXXXXXXXX:SIZE". nullopt when the file is
// not an age file or cannot be read. An s3:// name is read by HEAD and one ranged GET (S3 errors are thrown).
std::optional<std::string> ciphertextIdentity(const std::filesystem::path& file);

}  // namespace pgproof
