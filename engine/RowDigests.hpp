#pragma once
// snapshot --rows: what a snapshot keeps of every row so that a later verify or diff can name lost,
// added and changed rows without the rows themselves (docs/REPORTS.md "Snapshots that name rows").
//
// The file (SNAPSHOT.rows.zst) is a sequence of independent zstd frames; `zstd -dc` turns it into
// text. Each frame starts with a line "# N" (N: the table's position in the snapshot's "tables") and
// holds one line per row of that table: the XXH3-128 of the row's COPY text as 32 hex digits (the
// row hash of docs/FINGERPRINT.md), then, for a table with a key, a tab and the key's fields as COPY
// writes them. A table's rows may be spread over many frames, interleaved with other tables'.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "RowSpill.hpp"

namespace pgproof {

class RowDigestFile {
public:
    // Writes to a temporary name beside `path`; only commit() puts the file at `path`.
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

private:
    friend class RowDigestSink;
    void writeFrame(std::string_view text);  // thread-safe

    std::filesystem::path path_, tmp_;
    int fd_ = -1;
    std::mutex mutex_;
    uint64_t bytes_ = 0;
    bool committed_ = false;
};

// Reads `file` once and passes each wanted table's lines to its spill (whose layout is
// RowLayout::digestOf(key columns)), then finishes them. Throws BadInputError naming the file when it
// is missing, not zstd or malformed.
void readRowDigests(const std::filesystem::path& file, const std::map<size_t, RowSpill*>& spills);

}  // namespace pgproof
