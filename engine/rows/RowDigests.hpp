#pragma once
// snapshot --rows: what a snapshot keeps of every row so that a later verify or diff can name lost,
// added and changed rows without the rows themselves (docs/REPORTS.md "Snapshots that name rows").
//
// The file (SNAPSHOT.rows.zst) is a sequence of independent zstd frames; `zstd -dc` turns it into
// text. Each frame starts with a line "# N" (N: the table's position in the snapshot's "tables") and
// holds one line per row of that table: the XXH3-128 of the row's COPY text as 32 hex digits (the
// row hash of docs/FINGERPRINT.md), then, for a table with a key, a tab and the key's fields as COPY
// writes them. A table's rows may be spread over many frames, interleaved with other tables'.
//
// The file is tied to the snapshot written with it: its first frame is a zstd skippable frame (which
// `zstd -dc` skips) holding a random id, and the snapshot records that id, the file's size and its
// checksum (RowDigestBinding). A file found beside a snapshot is used only when all three match, and
// each table's digests only when they add up to the snapshot's count and fingerprint of that table.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "AtomicFile.hpp"
#include "RowSpill.hpp"

namespace pgproof {

// What a snapshot records of its row digest file ("rows_file_id", "rows_file_bytes",
// "rows_file_checksum"). Snapshots taken before pgproof recorded it have none.
struct RowDigestBinding {
    std::string id;        // 32 hex digits, random, also in the file's first frame
    uint64_t bytes = 0;    // the file's size
    std::string checksum;  // XXH3-128 of the file's bytes, 32 hex digits
};

class RowDigestFile {
public:
    // Writes to a temporary name beside `path` (an AtomicFile); only commit() puts the file at `path`.
    explicit RowDigestFile(std::filesystem::path path);
    ~RowDigestFile();  // removes the temporary file unless committed
    RowDigestFile(const RowDigestFile&) = delete;
    RowDigestFile& operator=(const RowDigestFile&) = delete;

    // The sink for table number `index`, whose rows have `columns`, keyed by `key` (may be empty).
    std::unique_ptr<RowSink> table(size_t index, const std::vector<std::string>& columns, const std::vector<std::string>& key);
    // Flushes, fsyncs and renames into place. Throws IncompleteError (disk full), naming the file.
    void commit();
    uint64_t bytes() const { return bytes_; }
    const std::filesystem::path& path() const { return path_; }
    // What the snapshot records of this file; complete once committed.
    RowDigestBinding binding() const;

private:
    friend class RowDigestSink;
    void writeFrame(std::string_view text);  // thread-safe
    void writeBytes(std::string_view bytes);  // caller holds mutex_

    std::filesystem::path path_;
    AtomicFile file_;
    std::mutex mutex_;
    uint64_t bytes_ = 0;
    std::string id_;
    struct Checksum;  // XXH3-128 of every byte written, in order
    std::unique_ptr<Checksum> checksum_;
};

// Checks, without reading it whole, that `file` is the digest file `binding` describes (written with
// `snapshot`, named in the messages). Throws BadInputError (exit 2) when it is missing, not a row
// digest file, or another snapshot's; IncompleteError (exit 3) when it is empty, cut short or longer
// than written. Without a binding (an older snapshot) only that it can be opened.
void checkRowDigestFile(const std::filesystem::path& file, const std::filesystem::path& snapshot,
                        const std::optional<RowDigestBinding>& binding);

// Reads `file` once and passes each wanted table's lines to its spill (whose layout is
// RowLayout::digestOf(key columns)), then finishes them. Returns each wanted table's count and sum of
// digests, which is that table's fingerprint when the file is sound: the caller compares it with the
// snapshot's. With a binding, the file's checksum is verified on the way. Throws BadInputError naming
// the file when it is missing or not a digest file (checkRowDigestFile); IncompleteError when it is
// damaged (not zstd, a malformed line, another checksum) or cut short.
std::map<size_t, TableFingerprint> readRowDigests(const std::filesystem::path& file, const std::filesystem::path& snapshot,
                                                  const std::optional<RowDigestBinding>& binding,
                                                  const std::map<size_t, RowSpill*>& spills);

}  // namespace pgproof
