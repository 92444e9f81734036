#pragma once
// The one way pgproof puts a file in place (archives, reports, diff lists, row digests, the repository's
// marker and pins, metrics): written under a temporary name beside the target, then committed with
// fsync of the file (its writeback started as it is written), rename over the target, fsync of the folder. A reader never sees half a file, a
// crash leaves the old file or the new one, and an AtomicFile destroyed without commit() removes its
// temporary. The temporary is `.TARGET.partial-PID` in the target's folder: hidden from `ls` and from
// globs such as *.prom, and the name removeStalePartials (OutputFile.hpp) clears after a killed run.
//
// Errors name the target (never only the temporary): BadInputError when the path cannot be a file
// (its folder does not exist, it is a folder, it exists and replacing was not allowed), IncompleteError
// when the bytes cannot be written or synced (disk full says so). A folder that refuses the file
// (permissions, read-only) is Options::unwritable. One process writes a target through one AtomicFile
// at a time: a second one for the same target is refused (BadInputError) while the first is open.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "Errors.hpp"
#include "FileDescriptor.hpp"

namespace pgproof {

// How an AtomicFile names itself and what it refuses (outside the class so that it can be a default argument).
struct AtomicFileOptions {
    // How messages name the file: "report out.json", "the metrics file m.prom"; empty: the target path.
    std::string label = {};
    // Refuse a target that exists (before writing, and again at the rename, which never replaces a
    // file that appeared meanwhile); the message names `option` and --force, as -o does.
    bool refuseExisting = false;
    std::string option = "-o";
    // Permission bits of the new file (before the umask).
    mode_t mode = 0666;
    // Exit code when the folder does not take the file (permissions, read-only, the rename refused).
    ExitCode unwritable = ExitCode::BadInput;
    // Appended to a write error caused by a full disk: what the user can do.
    std::string diskFullHint = " (disk full: free space or write elsewhere)";
};

class AtomicFile {
public:
    using Options = AtomicFileOptions;

    // Creates the temporary. Throws as described above.
    AtomicFile(std::filesystem::path target, Options options);
    explicit AtomicFile(std::filesystem::path target) : AtomicFile(std::move(target), Options{}) {}
    ~AtomicFile();  // removes the temporary unless committed
    AtomicFile(AtomicFile&& other) noexcept;
    AtomicFile& operator=(AtomicFile&&) = delete;
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // Appends bytes (not thread-safe), through a small buffer: lines may be written one by one. Throws
    // IncompleteError naming the target.
    void write(const void* data, size_t len);
    void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
    // fsync, rename onto the target, fsync of the folder. Throws IncompleteError (sync failed),
    // BadInputError (refuseExisting and the target appeared), or Options::unwritable (rename refused);
    // the temporary is removed on failure.
    void commit();
    // Removes the temporary now (what the destructor does); nothing is left of this file.
    void abandon() noexcept;

    const std::filesystem::path& target() const { return target_; }
    const std::filesystem::path& temporary() const { return temporary_; }

    // Stage and commit in one call, for content already in memory.
    static void writeWhole(const std::filesystem::path& target, std::string_view content, Options options = {});
    // The temporary name of `target`: `.NAME.partial-PID` beside it, for this process.
    static std::filesystem::path temporaryFor(const std::filesystem::path& target);

private:
    static constexpr size_t kBufferBytes = 64 * 1024;
    void flush();
    void writeOut(const void* data, size_t len);
    [[noreturn]] void writeFailed(int err);
    std::filesystem::path target_, temporary_;
    Options options_;
    FileDescriptor fd_;
    std::string buffer_;
    bool open_ = false;  // the temporary exists and is ours
    // Early writeback: every kWritebackBytes written, the kernel is asked to start writing them out
    // (sync_file_range, as PostgreSQL's *_flush_after settings do), so commit()'s fsync waits for the
    // tail only instead of the whole file (half a second for a 1 GB archive).
    static constexpr uint64_t kWritebackBytes = 32ull << 20;
    uint64_t written_ = 0, writebackFrom_ = 0;
};

}  // namespace pgproof
