#include "AgeEncryption.hpp"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <mutex>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "ArchiveOutput.hpp"
#include "Errors.hpp"
#include "FileDescriptor.hpp"
#include "S3Client.hpp"
#include "S3Url.hpp"
#include "XxHash.hpp"

namespace pgproof {

namespace fs = std::filesystem;

namespace {

constexpr size_t kPumpBytes = 1u << 20;

// age's messages may quote what it was given; a secret key never goes further than this.
std::string redacted(std::string line) {
    static const std::regex secret("AGE-SECRET-KEY-[0-9A-Za-z]+");
    return std::regex_replace(line, secret, "AGE-SECRET-KEY-(redacted)");
}

// The line of age's stderr that says what went wrong, without its "age: error: " prefix.
std::string ageError(const ChildProcess& age) {
    std::string all = age.errorOutput(), found;
    size_t pos = 0;
    while (pos < all.size()) {
        size_t nl = all.find('\n', pos);
        std::string line = all.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (auto at = line.find("age: error: "); at != std::string::npos) found = line.substr(at + 12);
        if (nl == std::string::npos) break;
        pos = nl + 1;
    }
    if (found.empty()) found = age.lastErrorLine();
    return redacted(found.empty() ? "it failed without saying why" : found);
}

bool writeAll(int fd, const char* p, size_t len) {
    while (len > 0) {
        ssize_t n = ::write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= static_cast<size_t>(n);
    }
    return true;
}

std::pair<FileDescriptor, FileDescriptor> makePipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw IncompleteError(std::string("cannot create a pipe for age: ") + std::strerror(errno));
    return {FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

// The public keys of --encrypt-to in a recipients file of our own (0600), so that age gets every
// recipient through -R and its command line names files only. Removed when this goes.
class RecipientsFile {
public:
    explicit RecipientsFile(const std::vector<std::string>& keys) {
        if (keys.empty()) return;
        const char* tmp = std::getenv("TMPDIR");
        std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/pgproof-recipients-XXXXXX";
        int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
        if (fd < 0) throw IncompleteError("cannot create a recipients file in " + fs::path(tmpl).parent_path().string() + ": " + std::strerror(errno));
        FileDescriptor f(fd);
        path_ = tmpl;
        std::string text;
        for (const auto& k : keys) text += k + "\n";
        if (!writeAll(fd, text.data(), text.size())) throw IncompleteError("cannot write the recipients file " + path_);
    }
    ~RecipientsFile() {
        if (!path_.empty()) ::unlink(path_.c_str());
    }
    RecipientsFile(const RecipientsFile&) = delete;
    RecipientsFile& operator=(const RecipientsFile&) = delete;
    void addTo(std::vector<std::string>& argv) const {
        if (!path_.empty()) argv.insert(argv.end(), {"-R", path_});
    }

private:
    std::string path_;
};

std::vector<std::string> encryptArgv(const AgeRecipients& r, const RecipientsFile& keys) {
    std::vector<std::string> argv = {"age", "--encrypt"};
    keys.addTo(argv);
    for (const auto& f : r.files) argv.insert(argv.end(), {"-R", f.string()});
    return argv;
}

// age --encrypt between the ArchiveWriter and the real output: the writer's bytes go into age's stdin, a
// pump thread moves age's stdout into `inner`. The inner output commits only after age exited 0.
class EncryptingSink final : public ArchiveOutput {
public:
    EncryptingSink(std::unique_ptr<ArchiveOutput> inner, const AgeRecipients& r) : inner_(std::move(inner)), keys_(r.keys) {
        auto [inRead, inWrite] = makePipe();
        auto [outRead, outWrite] = makePipe();
        age_ = std::make_unique<ChildProcess>(encryptArgv(r, keys_), std::map<std::string, std::string>{},
                                              ChildStreams{.stdinFrom = inRead.get(), .stdoutTo = outWrite.get()});
        in_ = std::move(inWrite);
        out_ = std::move(outRead);
        pump_ = std::thread([this] { pump(); });
    }
    ~EncryptingSink() override {
        in_.reset();
        if (pump_.joinable()) {
            age_->terminate();  // never committed: stop age, the pump then sees the end of its output
            pump_.join();
        }
    }
    void write(const void* data, size_t len) override {
        if (!writeAll(in_.get(), static_cast<const char*>(data), len)) failed();
    }
    void commit() override {
        in_.reset();  // age sees the end of the archive and writes its last chunk
        pump_.join();
        if (pumpError_) std::rethrow_exception(pumpError_);
        if (int status = age_->wait(); status != 0)
            throw IncompleteError("age could not encrypt " + inner_->name() + ": " + ageError(*age_) + " (exit status " +
                                  std::to_string(status) + ")");
        inner_->commit();
    }
    const std::string& name() const override { return inner_->name(); }

private:
    void pump() {
        std::string buf(kPumpBytes, '\0');
        try {
            for (;;) {
                ssize_t n = ::read(out_.get(), buf.data(), buf.size());
                if (n < 0 && errno == EINTR) continue;
                if (n < 0) throw IncompleteError(std::string("reading age's output failed: ") + std::strerror(errno));
                if (n == 0) break;
                inner_->write(buf.data(), static_cast<size_t>(n));
            }
        } catch (...) {
            pumpError_ = std::current_exception();
            out_.reset();  // age stops on its next write; the writer then sees a closed pipe
        }
    }
    // Writing into age failed: the target's own failure (disk full) if the pump met one, else age's.
    [[noreturn]] void failed() {
        in_.reset();
        if (pump_.joinable()) pump_.join();
        if (pumpError_) std::rethrow_exception(pumpError_);
        int status = age_->wait();
        throw IncompleteError("age stopped encrypting " + inner_->name() + ": " + ageError(*age_) + " (exit status " + std::to_string(status) + ")");
    }

    std::unique_ptr<ArchiveOutput> inner_;
    RecipientsFile keys_;
    std::unique_ptr<ChildProcess> age_;
    FileDescriptor in_, out_;
    std::thread pump_;
    std::exception_ptr pumpError_;
};

std::string joinNames(const std::vector<std::string>& files) {
    std::string out;
    for (const auto& f : files) out += (out.empty() ? "" : ", ") + f;
    return out;
}

}  // namespace

bool startsWithAgeHeader(std::string_view bytes) { return bytes.substr(0, kAgeHeaderLine.size()) == kAgeHeaderLine; }

void AgeRecipients::validate() const {
    for (const auto& k : keys) {
        if (k.rfind("AGE-SECRET-KEY-", 0) == 0)
            throw BadInputError("--encrypt-to takes a public key (age1...), and this is a secret key: never put it on a command line; "
                                "give its public key (age-keygen -y KEYFILE)");
        if (k.empty() || k.find_first_of(" \t\r\n") != std::string::npos)
            throw BadInputError("--encrypt-to takes one public key (age1...); for a list of them use --encrypt-to-file FILE");
    }
    for (const auto& f : files) {
        std::ifstream in(f);
        if (!in) throw BadInputError("cannot read the recipients file " + f.string() + " (--encrypt-to-file): no such file or not readable");
    }
    // age itself is the judge of what a recipient is: ask it to encrypt nothing, before any backup starts.
    RecipientsFile keyFile(keys);
    FileDescriptor devNullIn(::open("/dev/null", O_RDONLY | O_CLOEXEC)), devNullOut(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    ChildProcess age(encryptArgv(*this, keyFile), {}, ChildStreams{.stdinFrom = devNullIn.get(), .stdoutTo = devNullOut.get()});
    if (age.wait() != 0) throw BadInputError("age refuses the recipients given with --encrypt-to/--encrypt-to-file: " + ageError(age));
}

std::unique_ptr<ArchiveOutput> encryptingOutput(std::unique_ptr<ArchiveOutput> inner, const AgeRecipients& recipients) {
    return std::make_unique<EncryptingSink>(std::move(inner), recipients);
}

namespace {
std::mutex identitiesMutex;
std::vector<std::string> identityFiles;
}  // namespace

void AgeIdentities::use(std::vector<std::string> files) {
    std::lock_guard lock(identitiesMutex);
    identityFiles = std::move(files);
}

std::vector<std::string> AgeIdentities::current() {
    {
        std::lock_guard lock(identitiesMutex);
        if (!identityFiles.empty()) return identityFiles;
    }
    const char* env = std::getenv("PGPROOF_AGE_IDENTITY");
    if (!env || !*env) return {};
    if (std::string_view(env).find("AGE-SECRET-KEY-") != std::string_view::npos)
        throw BadInputError("PGPROOF_AGE_IDENTITY names an identity file, and it holds a key itself: put the key in a file "
                            "(mode 0600) and set PGPROOF_AGE_IDENTITY to its path");
    return {env};
}

// For stdin: the bytes already read, then the rest of stdin, into age's stdin, on a thread of its own.
struct AgeDecryption::StdinFeed {
    FileDescriptor into;
    std::string head;
    std::atomic<bool> stop{false};
    std::thread thread;

    AgeDecryption::Input input;  // set: the ciphertext comes from here, not from standard input
    std::exception_ptr error;

    void run() {
        if (!writeAll(into.get(), head.data(), head.size())) return into.reset();
        std::string buf(kPumpBytes, '\0');
        if (input) {
            try {
                while (!stop) {
                    size_t n = input(buf.data(), buf.size());
                    if (n == 0 || !writeAll(into.get(), buf.data(), n)) break;
                }
            } catch (...) {
                error = std::current_exception();
            }
            return into.reset();
        }
        while (!stop) {
            pollfd p{STDIN_FILENO, POLLIN, 0};
            int r = ::poll(&p, 1, 200);
            if (r < 0 && errno != EINTR) break;
            if (r <= 0) continue;
            ssize_t n = ::read(STDIN_FILENO, buf.data(), buf.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0 || !writeAll(into.get(), buf.data(), static_cast<size_t>(n))) break;
        }
        into.reset();
    }
};

std::vector<std::string> AgeDecryption::requireIdentities(const std::string& name) {
    std::vector<std::string> identities = AgeIdentities::current();
    if (identities.empty())
        throw BadInputError(name + " is encrypted (age): pass the key it was encrypted to with --identity FILE or PGPROOF_AGE_IDENTITY=FILE");
    for (const auto& id : identities) {
        std::ifstream in(id);
        if (!in) throw BadInputError("cannot read the identity file " + id + " (--identity / PGPROOF_AGE_IDENTITY): no such file or not readable");
    }
    return identities;
}

AgeDecryption::AgeDecryption(const std::string& file, std::string name, std::string alreadyRead) : file_(file), name_(std::move(name)) {
    std::vector<std::string> argv = {"age", "--decrypt"};
    for (const auto& id : requireIdentities(name_)) argv.insert(argv.end(), {"-i", id});
    if (file == "-") {
        auto [readEnd, writeEnd] = makePipe();
        age_ = std::make_unique<ChildProcess>(argv, std::map<std::string, std::string>{}, ChildStreams{.stdinFrom = readEnd.get()});
        feed_ = std::make_unique<StdinFeed>();
        feed_->into = std::move(writeEnd);
        feed_->head = std::move(alreadyRead);
        feed_->thread = std::thread([f = feed_.get()] { f->run(); });
    } else {
        argv.push_back(file);
        age_ = std::make_unique<ChildProcess>(argv, std::map<std::string, std::string>{});
    }
}

AgeDecryption::AgeDecryption(Input input, std::string name) : file_("-"), name_(std::move(name)) {
    std::vector<std::string> argv = {"age", "--decrypt"};
    for (const auto& id : requireIdentities(name_)) argv.insert(argv.end(), {"-i", id});
    auto [readEnd, writeEnd] = makePipe();
    age_ = std::make_unique<ChildProcess>(argv, std::map<std::string, std::string>{}, ChildStreams{.stdinFrom = readEnd.get()});
    feed_ = std::make_unique<StdinFeed>();
    feed_->into = std::move(writeEnd);
    feed_->input = std::move(input);
    feed_->thread = std::thread([f = feed_.get()] { f->run(); });
}

// The input's own failure (a storage error while feeding age) comes first: age only saw its input end.
void AgeDecryption::rethrowInputFailure() {
    if (!feed_ || !feed_->input) return;
    feed_->stop = true;
    if (feed_->thread.joinable()) feed_->thread.join();
    if (feed_->error) std::rethrow_exception(feed_->error);
}

AgeDecryption::~AgeDecryption() {
    age_->closeStdout();
    age_->terminate();
    age_->wait();
    if (feed_) {
        feed_->stop = true;
        if (feed_->thread.joinable()) feed_->thread.join();
    }
}

void AgeDecryption::throwAgeFailure(int status) {
    std::string why = ageError(*age_);
    std::vector<std::string> ids = AgeIdentities::current();
    if (why.find("no identity matched") != std::string::npos)
        throw BadInputError(name_ + " is encrypted to other keys: no identity in " + joinNames(ids) +
                            " matches (pass the key it was encrypted to with --identity FILE)");
    if (why.rfind("reading ", 0) == 0 || why.find("identity") != std::string::npos)
        throw BadInputError(name_ + ": age cannot use the identity given (" + why + "): pass an age identity file with --identity FILE");
    throw ProofFailedError(name_ + " is damaged: age " + why + " (exit status " + std::to_string(status) +
                           "); the encrypted archive was changed or cut short; nothing is proven");
}

void AgeDecryption::finish() {
    int status = age_->wait();
    rethrowInputFailure();
    if (status != 0) throwAgeFailure(status);
}

void AgeDecryption::throwIfAgeFailed() {
    age_->closeStdout();  // if age is still writing, it stops now (SIGPIPE): that is no failure of its own
    int status = age_->wait();
    rethrowInputFailure();
    if (status != 0 && status < 128) throwAgeFailure(status);
}

std::optional<std::string> ciphertextIdentity(const fs::path& file) {
    std::string head;
    uint64_t size = 0;
    if (S3Url::is(file.string())) {
        // An object: its size and first bytes by HEAD and one ranged GET (a missing key has no identity).
        const S3Url object = S3Url::parse(file.string());
        auto client = S3Client::fromEnvironment();
        auto info = client->head(object);
        if (!info) return std::nullopt;
        size = info->size;
        client->getRange(object, 0, std::min<uint64_t>(size, 64 * 1024), head);
    } else {
        std::ifstream in(file, std::ios::binary);
        if (!in) return std::nullopt;
        head.assign(64 * 1024, '\0');
        in.read(head.data(), static_cast<std::streamsize>(head.size()));
        head.resize(static_cast<size_t>(in.gcount()));
        std::error_code ec;
        size = fs::file_size(file, ec);
        if (ec) return std::nullopt;
    }
    if (!startsWithAgeHeader(head)) return std::nullopt;
    // The header ends with "--- MAC\n": everything up to there is bound by the MAC.
    size_t mac = head.find("\n--- ");
    size_t end = mac == std::string::npos ? std::string::npos : head.find('\n', mac + 1);
    if (end == std::string::npos) return std::nullopt;
    return fmt::format("age:{:016x}:{}", XXH3_64bits(head.data(), end + 1), size);
}

}  // namespace pgproof
