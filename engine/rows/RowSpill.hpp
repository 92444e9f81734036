#pragma once
// Rows of one table, one side of a comparison (a baseline archive's rows, or a live COPY), spilled to
// temporary files in partitions by the hash of each row's key, so that two sides can be joined one
// partition at a time in bounded memory (docs/REPORTS.md "Row-level differences").
//
// A record is [compare hash: 16][length: 4][row: length] (host byte order: the files never outlive
// the process); with a key-only layout the row is only the key's fields. The key hash, which chose the
// record's partition, is not stored: it is computed again from the row when a partition is read back
// (only partitions that differ are). The key hash covers the key fields (joined by a tab, as COPY writes
// them); for a table without a key it is the compare hash, so equal rows meet in one partition. The
// compare hash is XXH3-128 of the compared fields (the whole row unless columns are excluded).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "TableFingerprint.hpp"

namespace pgproof {

// Where rows read once go besides the fingerprint (row-level comparison, snapshot --rows): whole COPY
// text rows, each ending in '\n', from several threads at once; finish() once all are in.
class RowSink {
public:
    virtual ~RowSink() = default;
    virtual void addRows(std::string_view rows) = 0;
    // The same, returning the rows' fingerprint (a sink that hashes every row anyway computes it once).
    virtual TableFingerprint addRowsFingerprinted(std::string_view rows) {
        addRows(rows);
        return fingerprintRows(rows);
    }
    virtual void finish() = 0;
    // Whether the sink can take a row by its hash and its small fields alone (addRowHash): it keeps
    // only the row hash and key fields of each row, never the row. A reader then need not hold a row
    // with a huge value whole (HugeValues.hpp).
    virtual bool takesRowHashes() const { return false; }
    // One row: `rowHash` is the XXH3-128 of its bytes (the fingerprint's row hash), `fields` its COPY text
    // fields, those of huge values empty (never a key's). Only when takesRowHashes().
    virtual void addRowHash(uint128_t rowHash, const std::vector<std::string_view>& fields);
};

// Where one side's COPY rows hold the key and the compared columns.
struct RowLayout {
    std::vector<size_t> keyFields;      // field positions of the key columns, in key order; empty: no key
    std::vector<size_t> compareFields;  // field positions of the compared columns, in comparison order
    bool wholeRow = true;               // compareFields are all fields in order: compare the row bytes
    // A side known only by digests (snapshot --rows): its "rows" are the key's fields (none without a
    // key) and its compare hashes were computed when the snapshot was taken; no column values.
    bool digest = false;
    // With digest: the rows are compared by key alone, not content (a plan declares columns changed,
    // and a digest covers every column): each record's compare hash is that of no fields at all, as
    // a side compared on no columns computes it.
    bool contentIgnored = false;
    // The spill keeps only the key's fields of each row (with its hashes), not the row: a verify
    // that needs only the first differences fetches their rows afterwards, by key, at the same
    // snapshot (completeKeyOnlyRows). Written with the full layout and this flag; read back as
    // keyOnlyStored(), where the "rows" are the key's fields.
    bool keyOnly = false;
    // With keyOnly: each record also holds where its row is in the archive (frame and offset: addRowsAt),
    // so the first differences' baseline rows can be read again from those frames alone.
    bool located = false;
    bool keyed() const { return !keyFields.empty(); }
    static RowLayout digestOf(size_t keyColumns);
    static RowLayout keyOnlyStored(size_t keyColumns);
    // The layout of rows with `columns`, keyed by `key` and compared on `compared` (names of some of them).
    static RowLayout of(const std::vector<std::string>& columns, const std::vector<std::string>& key,
                        const std::vector<std::string>& compared);
    // Positions of `names` in `columns`; throws std::invalid_argument naming a column that is absent.
    static std::vector<size_t> positions(const std::vector<std::string>& columns, const std::vector<std::string>& names);
};

// The fields of one COPY text row (split at tabs; escapes untouched).
std::vector<std::string_view> copyFields(std::string_view row);
// The same into `out` (cleared first), for loops that should not allocate per row; with `limit`, only
// the first `limit` fields.
void copyFields(std::string_view row, std::vector<std::string_view>& out, size_t limit = SIZE_MAX);

// The bytes of one partition read back: grown, never zero-filled, reused from partition to partition.
class SpillBuffer {
public:
    char* prepare(size_t bytes);  // room for `bytes`, the old contents dropped
    const char* data() const { return data_.get(); }

private:
    std::unique_ptr<char[]> data_;
    size_t capacity_ = 0;
};

struct SpilledRow {
    uint64_t keyHash = 0;
    uint128_t compareHash = 0;
    std::string_view row;
    uint64_t locator = UINT64_MAX;  // a located spill's (frame << 32) | offset of the row in that frame's rows
};

// A temporary folder of its own under `base` (pgproof-rows.XXXXXX), removed with everything in it when
// the object goes, on every exit path that unwinds (errors, Ctrl-C). It holds the owner's pid, so a
// later run removes folders left by a killed one (removeStale).
//
// The rows themselves go to one file in it, shared by every spill of the folder: each flush appends a
// block at an offset reserved atomically (no open or close per flush), and a spill that goes punches
// its blocks out of the file, so that its space is given back.
class SpillFolder {
public:
    explicit SpillFolder(const std::filesystem::path& base);
    ~SpillFolder();
    // Appends `bytes` to the shared file; returns where they are. Thread-safe. Throws IncompleteError
    // naming the file when it cannot be written (disk full: the message says so and names --tmpdir).
    uint64_t append(std::string_view bytes);
    // Appends `parts` one after the other (one block, contiguous), without joining them first.
    uint64_t append(std::initializer_list<std::string_view> parts);
    // Reads `size` bytes at `offset` into `to`; throws IncompleteError when they are not all there.
    void read(uint64_t offset, size_t size, char* to) const;
    // Gives the space of a block back (best effort).
    void release(uint64_t offset, size_t size);
    std::filesystem::path rowsFile() const { return path_ / "rows"; }
    SpillFolder(const SpillFolder&) = delete;
    SpillFolder& operator=(const SpillFolder&) = delete;
    const std::filesystem::path& path() const { return path_; }
    // The folder rows are spilled to by default: $TMPDIR, else /tmp.
    static std::filesystem::path defaultBase();
    // Removes pgproof-rows.* folders under `base` whose owner process is gone; returns how many.
    static int removeStale(const std::filesystem::path& base);

private:
    std::filesystem::path path_;
    std::mutex openMutex_;
    std::atomic<int> fd_{-1};
    std::atomic<uint64_t> end_{0};
};

class RowSpill : public RowSink {
public:
    // `partitions`: the same for both sides of a comparison (partitionsFor).
    RowSpill(SpillFolder& folder, const std::string& name, RowLayout layout, unsigned partitions);
    // How many partitions both sides of one table's comparison share, chosen once from the table's size
    // (the larger side's): about 16 MiB of table per partition when either side keeps whole rows, 2 MiB
    // when both keep only keys or digests (their records are a fraction of a row). A side never
    // chooses its own: a whole-row side and a digest side of one table would partition differently.
    static unsigned partitionsFor(uint64_t tableBytes, const RowLayout& before, const RowLayout& after);
    ~RowSpill();
    RowSpill(const RowSpill&) = delete;
    RowSpill& operator=(const RowSpill&) = delete;

    // Thread-safe. `rows` holds whole rows, each ending in '\n'. Throws IncompleteError when the
    // temporary folder cannot take them (disk full), naming it.
    void addRows(std::string_view rows) override;
    TableFingerprint addRowsFingerprinted(std::string_view rows) override;
    // A live side that keeps keys only, comparing whole rows: its records are the row hash and the key.
    bool takesRowHashes() const override;
    void addRowHash(uint128_t rowHash, const std::vector<std::string_view>& fields) override;
    // The rows of one archive frame (its number among the table's frames; kept with each record by a
    // located layout), returning their fingerprint.
    TableFingerprint addRowsAt(std::string_view rows, uint32_t frame);
    // For a digest layout: lines "HASH32HEX[\tKEY FIELDS]" (docs/REPORTS.md "Snapshots that name rows"),
    // returning their count and the sum of their digests (the rows' fingerprint: a digest is the row
    // hash). Throws IncompleteError naming `source` for a malformed line (a damaged file).
    TableFingerprint addDigests(std::string_view lines, const std::string& source);
    // Writes out what is buffered; afterwards the partitions can be read. Same errors as addRows.
    void finish() override;

    unsigned partitions() const { return static_cast<unsigned>(parts_.size()); }
    const RowLayout& layout() const { return layout_; }
    uint64_t rows() const;
    // Whether partition `p` holds the same (key hash, compare hash) records here as in `other`
    // (partitioned alike): the same number, and the same sum of each record's XXH3-128 digest, the
    // fingerprint's own multiset test. Equal partitions need not be read back and joined.
    bool samePartition(const RowSpill& other, unsigned p) const;
    // Partition `p` back into `arena` (its row bytes) and `out` (views into the arena).
    void readPartition(unsigned p, SpillBuffer& arena, std::vector<SpilledRow>& out) const;

private:
    struct Partition {
        std::mutex mutex;
        std::vector<std::pair<uint64_t, uint32_t>> blocks;  // in the folder's file: offset, size
        uint64_t fileBytes = 0;
        std::string buffer;
        uint64_t rows = 0;
        uint128_t digest = 0;  // sum of entryDigest over the partition's records
    };
    // One batch's records per partition, before they are delivered under the partitions' locks.
    struct Local {
        std::vector<std::string> bytes;
        std::vector<uint64_t> counts;
        std::vector<uint128_t> digests;
        void reset(size_t partitions);
    };
    static uint128_t entryDigest(uint64_t key, uint128_t compare);
    void flush(Partition& part);  // caller holds part.mutex
    void append(uint64_t key, uint128_t compare, std::string_view row, Local& local, const uint64_t* locator = nullptr);
    TableFingerprint add(std::string_view rows, const uint32_t* frame);
    void deliver(Local& local);

    SpillFolder& folder_;
    size_t flushBytes_ = 0;  // a partition's buffer is written out once it holds this much
    RowLayout layout_;
    std::vector<std::unique_ptr<Partition>> parts_;
};

}  // namespace pgproof
