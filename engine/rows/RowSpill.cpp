#include "RowSpill.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include "XxHash.hpp"

#include "TextLines.hpp"
#include "Errors.hpp"

namespace pgproof {

namespace {
constexpr uint64_t kPartitionBytes = 16u << 20;
// A key-only or digest record is a fraction of its row: partitions of 2 MiB of table keep one partition's records
// and their sort within a core's cache.
constexpr uint64_t kKeyOnlyPartitionBytes = 2u << 20;
constexpr unsigned kMaxPartitions = 512;
constexpr size_t kFlushBytes = 128u << 10;
// What one spill holds in its partitions' buffers at most, all partitions together: with many
// partitions each flushes sooner (but never in pieces under 16 KiB).
constexpr size_t kBufferedBytes = 16u << 20;

constexpr size_t kHeader = 16 + 4;  // compare hash, length
// Rows this long are written to the file from where they lie, each its own block (RowSpill::append).
constexpr size_t kDirectRowBytes = 1u << 20;

uint128_t hash128(std::string_view bytes) {
    XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
    return (static_cast<uint128_t>(h.high64) << 64) | h.low64;
}

// The chosen fields joined by a tab, as COPY would write that row of only those columns.
void joinFields(const std::vector<std::string_view>& fields, const std::vector<size_t>& which, std::string& out) {
    out.clear();
    for (size_t i = 0; i < which.size(); ++i) {
        if (i) out += '\t';
        if (which[i] < fields.size()) out.append(fields[which[i]]);
    }
}

// The key's text of a row split into `fields`: one key column's field as it is (no copy), else the
// key's fields joined in `scratch`.
std::string_view keyTextOf(const std::vector<std::string_view>& fields, const std::vector<size_t>& keyFields, std::string& scratch) {
    if (keyFields.size() == 1) return keyFields[0] < fields.size() ? fields[keyFields[0]] : std::string_view();
    joinFields(fields, keyFields, scratch);
    return scratch;
}

[[noreturn]] void writeFailed(const std::filesystem::path& file, int err) {
    throw IncompleteError("cannot write the row comparison's temporary file " + file.string() + ": " + std::strerror(err) +
                          (err == ENOSPC ? " (the temporary folder is full: free space there or choose another with --tmpdir)" : ""));
}
}  // namespace

std::vector<size_t> RowLayout::positions(const std::vector<std::string>& columns, const std::vector<std::string>& names) {
    std::vector<size_t> out;
    for (const auto& n : names) {
        auto it = std::find(columns.begin(), columns.end(), n);
        if (it == columns.end()) throw std::invalid_argument("column " + n + " is not among the table's columns");
        out.push_back(static_cast<size_t>(it - columns.begin()));
    }
    return out;
}

namespace {
// Rows that are only the key's fields (a digest side, a key-only side read back).
RowLayout keyFieldsOnly(size_t keyColumns) {
    RowLayout l;
    for (size_t i = 0; i < keyColumns; ++i) l.keyFields.push_back(i);
    l.wholeRow = false;
    return l;
}
}  // namespace

RowLayout RowLayout::digestOf(size_t keyColumns) {
    RowLayout l = keyFieldsOnly(keyColumns);
    l.digest = true;
    return l;
}

RowLayout RowLayout::keyOnlyStored(size_t keyColumns) {
    RowLayout l = keyFieldsOnly(keyColumns);
    l.keyOnly = true;
    return l;
}

char* SpillBuffer::prepare(size_t bytes) {
    if (bytes > capacity_) {
        capacity_ = std::max(bytes, capacity_ + capacity_ / 2);
        data_.reset(new char[capacity_]);  // default-initialised: no page is touched before it is read into
    }
    return data_.get();
}

RowLayout RowLayout::of(const std::vector<std::string>& columns, const std::vector<std::string>& key,
                        const std::vector<std::string>& compared) {
    return {positions(columns, key), positions(columns, compared), compared == columns};
}

void copyFields(std::string_view row, std::vector<std::string_view>& out, size_t limit) {
    out.clear();
    size_t from = 0;
    while (true) {
        if (out.size() + 1 == limit) {  // the rest of the row is the last field wanted (or beyond it)
            size_t tab = row.find('\t', from);
            out.push_back(row.substr(from, tab == std::string_view::npos ? std::string_view::npos : tab - from));
            return;
        }
        size_t tab = row.find('\t', from);
        if (tab == std::string_view::npos) {
            out.push_back(row.substr(from));
            return;
        }
        out.push_back(row.substr(from, tab - from));
        from = tab + 1;
    }
}

std::vector<std::string_view> copyFields(std::string_view row) {
    std::vector<std::string_view> out;
    copyFields(row, out);
    return out;
}

// ---- SpillFolder ----

std::filesystem::path SpillFolder::defaultBase() {
    const char* t = std::getenv("TMPDIR");
    return t && *t ? std::filesystem::path(t) : std::filesystem::path("/tmp");
}

SpillFolder::SpillFolder(const std::filesystem::path& base) {
    // The owner's pid is in the name: a folder is never seen without its owner (a pid file written after
    // mkdtemp left a moment in which another run took the new folder for a killed run's and removed it).
    std::string tmpl = (base / ("pgproof-rows." + std::to_string(getpid()) + ".XXXXXX")).string();
    if (!mkdtemp(tmpl.data()))
        throw IncompleteError("cannot create a temporary folder in " + base.string() + " for the row comparison: " +
                              std::strerror(errno) + " (choose another with --tmpdir)");
    path_ = tmpl;
    // Also in a pid file, for the cleanup of older pgproof versions that may share the folder.
    std::ofstream(path_ / "pid") << getpid() << "\n";
}

uint64_t SpillFolder::append(std::string_view bytes) { return append({bytes}); }

uint64_t SpillFolder::append(std::initializer_list<std::string_view> parts) {
    if (fd_.load() < 0) {
        std::lock_guard lock(openMutex_);
        if (fd_.load() < 0) {
            int fd = ::open(rowsFile().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
            if (fd < 0) writeFailed(rowsFile(), errno);
            fd_ = fd;
        }
    }
    uint64_t total = 0;
    for (auto bytes : parts) total += bytes.size();
    const uint64_t at = end_.fetch_add(total);
    uint64_t to = at;
    for (auto bytes : parts) {
        size_t done = 0;
        while (done < bytes.size()) {
            ssize_t n = ::pwrite(fd_.load(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(to + done));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) writeFailed(rowsFile(), n < 0 ? errno : ENOSPC);
            done += static_cast<size_t>(n);
        }
        to += bytes.size();
    }
    return at;
}

void SpillFolder::read(uint64_t offset, size_t size, char* to) const {
    size_t done = 0;
    while (done < size) {
        ssize_t n = fd_.load() < 0 ? -1 : ::pread(fd_.load(), to + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw IncompleteError("cannot read the row comparison's temporary file " + rowsFile().string() + ": it is shorter than written");
        done += static_cast<size_t>(n);
    }
}

void SpillFolder::release(uint64_t offset, size_t size) {
    if (fd_.load() >= 0 && size)
        (void)::fallocate(fd_.load(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset), static_cast<off_t>(size));
}

SpillFolder::~SpillFolder() {
    if (fd_.load() >= 0) ::close(fd_.load());
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

int SpillFolder::removeStale(const std::filesystem::path& base) {
    int removed = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("pgproof-rows.", 0) != 0 || !entry.is_directory(ec)) continue;
        // pgproof-rows.PID.XXXXXX; an older run's pgproof-rows.XXXXXX names its owner in a pid file, and
        // one without that file yet may be a run that is just starting: left alone for an hour.
        long pid = 0;
        const std::string rest = name.substr(std::strlen("pgproof-rows."));
        const size_t dot = rest.find('.');
        if (dot != std::string::npos && dot > 0 && dot < 10 && rest.find_first_not_of("0123456789") == dot) {
            pid = std::stol(rest.substr(0, dot));
        } else if (!(std::ifstream(entry.path() / "pid") >> pid)) {
            auto age = std::filesystem::file_time_type::clock::now() - std::filesystem::last_write_time(entry.path(), ec);
            if (ec || age < std::chrono::hours(1)) continue;
        }
        // kill(pid, 0) fails with ESRCH once the owner is gone (EPERM: alive, someone else's).
        if (pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) continue;
        if (std::filesystem::remove_all(entry.path(), ec) > 0) ++removed;
    }
    return removed;
}

// ---- RowSpill ----

unsigned RowSpill::partitionsFor(uint64_t tableBytes, const RowLayout& before, const RowLayout& after) {
    auto small = [](const RowLayout& l) { return l.keyOnly || l.digest; };
    const uint64_t per = small(before) && small(after) ? kKeyOnlyPartitionBytes : kPartitionBytes;
    return static_cast<unsigned>(std::clamp<uint64_t>((tableBytes + per - 1) / per, 1, kMaxPartitions));
}

RowSpill::RowSpill(SpillFolder& folder, const std::string&, RowLayout layout, unsigned partitions)
    : folder_(folder), layout_(std::move(layout)) {
    const unsigned n = std::clamp(partitions, 1u, kMaxPartitions);
    for (unsigned p = 0; p < n; ++p) parts_.push_back(std::make_unique<Partition>());
    flushBytes_ = std::clamp<size_t>(kBufferedBytes / n, 16u << 10, kFlushBytes);
}

RowSpill::~RowSpill() {
    for (auto& p : parts_)
        for (const auto& [offset, size] : p->blocks) folder_.release(offset, size);
}

void RowSpill::flush(Partition& part) {
    if (part.buffer.empty()) return;
    part.blocks.emplace_back(folder_.append(part.buffer), static_cast<uint32_t>(part.buffer.size()));
    part.fileBytes += part.buffer.size();
    part.buffer.clear();
}

uint128_t RowSpill::entryDigest(uint64_t key, uint128_t compare) {
    char pair[24];
    std::memcpy(pair, &key, 8);
    std::memcpy(pair + 8, &compare, 16);
    return hash128(std::string_view(pair, sizeof pair));
}

void RowSpill::append(uint64_t key, uint128_t compare, std::string_view row, Local& local, const uint64_t* locator) {
    auto p = static_cast<unsigned>((static_cast<uint128_t>(key) * parts_.size()) >> 64);
    auto len = static_cast<uint32_t>(row.size() + (locator ? 8 : 0));
    char header[kHeader];
    std::memcpy(header, &compare, 16);
    std::memcpy(header + 16, &len, 4);
    if (row.size() >= kDirectRowBytes) {
        // A huge row goes to the file as its own block, from where it lies: no batch or partition
        // buffer grows to it (and keeps that size for the rows after it).
        Partition& part = *parts_[p];
        std::lock_guard lock(part.mutex);
        flush(part);
        std::string_view tail = locator ? std::string_view(reinterpret_cast<const char*>(locator), 8) : std::string_view();
        const uint64_t at = folder_.append({std::string_view(header, kHeader), row, tail});
        part.blocks.emplace_back(at, static_cast<uint32_t>(kHeader + len));
        part.fileBytes += kHeader + len;
        part.rows += 1;
        part.digest += entryDigest(key, compare);
        return;
    }
    local.digests[p] += entryDigest(key, compare);
    std::string& out = local.bytes[p];
    out.append(header, kHeader);
    out.append(row);
    if (locator) out.append(reinterpret_cast<const char*>(locator), 8);
    ++local.counts[p];
}

void RowSpill::Local::reset(size_t partitions) {
    bytes.resize(partitions);
    for (auto& b : bytes) b.clear();
    counts.assign(partitions, 0);
    digests.assign(partitions, 0);
}

void RowSpill::deliver(Local& local) {
    for (unsigned p = 0; p < parts_.size(); ++p) {
        if (local.bytes[p].empty()) continue;
        Partition& part = *parts_[p];
        std::lock_guard lock(part.mutex);
        part.buffer += local.bytes[p];
        part.rows += local.counts[p];
        part.digest += local.digests[p];
        if (part.buffer.size() >= flushBytes_) flush(part);
    }
}

void RowSpill::addRows(std::string_view rows) {
    if (layout_.located) throw std::logic_error("a located row spill takes rows with their frame (addRowsAt)");
    add(rows, nullptr);
}

TableFingerprint RowSpill::addRowsFingerprinted(std::string_view rows) {
    if (layout_.located) throw std::logic_error("a located row spill takes rows with their frame (addRowsAt)");
    return add(rows, nullptr);
}

TableFingerprint RowSpill::addRowsAt(std::string_view rows, uint32_t frame) { return add(rows, layout_.located ? &frame : nullptr); }

void RowSink::addRowHash(uint128_t, const std::vector<std::string_view>&) {
    throw std::logic_error("this row sink takes whole rows only");
}

bool RowSpill::takesRowHashes() const { return layout_.wholeRow && layout_.keyed() && layout_.keyOnly && !layout_.located && !layout_.digest; }

void RowSpill::addRowHash(uint128_t rowHash, const std::vector<std::string_view>& fields) {
    if (!takesRowHashes()) throw std::logic_error("this row spill keeps whole rows");
    Local local;
    local.reset(parts_.size());
    std::string scratch;
    const std::string_view keyText = keyTextOf(fields, layout_.keyFields, scratch);
    append(XXH3_64bits(keyText.data(), keyText.size()), rowHash, keyText, local);
    deliver(local);
}

TableFingerprint RowSpill::add(std::string_view rows, const uint32_t* frame) {
    const auto n = static_cast<unsigned>(parts_.size());
    // Reused from call to call on each thread: no allocation per batch once the buffers have grown.
    thread_local Local local;
    thread_local std::string scratch;
    thread_local std::vector<std::string_view> fields;
    local.reset(n);
    // Fields past the last one the key and the comparison use are not split off.
    size_t needed = 0;
    for (size_t f : layout_.keyFields) needed = std::max(needed, f + 1);
    if (!layout_.wholeRow)
        for (size_t f : layout_.compareFields) needed = std::max(needed, f + 1);
    TableFingerprint fp;
    forEachLine(rows, [&](std::string_view row, size_t offset) {
        // The fingerprint's row hash; with the whole row compared it is the compare hash as well.
        const uint128_t rowHash = hash128(row);
        fp.sum += rowHash;
        ++fp.rows;
        uint128_t compare = rowHash;
        uint64_t key;
        if (layout_.wholeRow && !layout_.keyed()) {
            key = static_cast<uint64_t>(compare);
        } else {
            copyFields(row, fields, needed);
            if (!layout_.wholeRow) {
                joinFields(fields, layout_.compareFields, scratch);
                compare = hash128(scratch);
            }
            if (layout_.keyed()) {
                const std::string_view keyText = keyTextOf(fields, layout_.keyFields, scratch);
                key = XXH3_64bits(keyText.data(), keyText.size());
                if (layout_.keyOnly) {
                    uint64_t at = frame ? (static_cast<uint64_t>(*frame) << 32) | offset : 0;
                    append(key, compare, keyText, local, frame ? &at : nullptr);  // the key's fields, not the row
                    return;
                }
            } else {
                key = static_cast<uint64_t>(compare);
            }
        }
        append(key, compare, row, local);
    });
    deliver(local);
    return fp;
}

TableFingerprint RowSpill::addDigests(std::string_view lines, const std::string& source) {
    static const uint128_t noFields = hash128(std::string_view());
    TableFingerprint fp;
    Local local;
    local.reset(parts_.size());
    forEachLine(lines, [&](std::string_view line, size_t) {
        auto hash = TableFingerprint::parseHex(line.substr(0, std::min<size_t>(32, line.size())));
        if (!hash || (line.size() > 32 && line[32] != '\t') || (layout_.keyed() != (line.size() > 32)))
            throw IncompleteError(source + " is damaged: malformed row digest line '" + std::string(line.substr(0, 80)) +
                                  "' (expected 32 hex digits, then a tab and the key's fields for a table with a key)");
        std::string_view keyText = line.size() > 32 ? line.substr(33) : std::string_view();
        uint64_t key = layout_.keyed() ? XXH3_64bits(keyText.data(), keyText.size()) : static_cast<uint64_t>(*hash);
        append(key, layout_.contentIgnored ? noFields : *hash, keyText, local);
        fp.sum += *hash;  // the digest itself (the row hash): the sum is the table's fingerprint
        ++fp.rows;
    });
    deliver(local);
    return fp;
}

void RowSpill::finish() {
    for (auto& p : parts_) {
        std::lock_guard lock(p->mutex);
        flush(*p);
    }
}

bool RowSpill::samePartition(const RowSpill& other, unsigned p) const {
    const Partition& mine = *parts_.at(p);
    const Partition& theirs = *other.parts_.at(p);
    return mine.rows == theirs.rows && mine.digest == theirs.digest;
}

uint64_t RowSpill::rows() const {
    uint64_t n = 0;
    for (const auto& p : parts_) n += p->rows;
    return n;
}

void RowSpill::readPartition(unsigned p, SpillBuffer& arena, std::vector<SpilledRow>& out) const {
    out.clear();
    const Partition& part = *parts_.at(p);
    // The partition's blocks (a partition is a few MiB at most), then anything not flushed.
    const size_t size = static_cast<size_t>(part.fileBytes);
    char* bytes = arena.prepare(size + part.buffer.size());
    size_t at = 0;
    for (const auto& [offset, n] : part.blocks) {
        folder_.read(offset, n, bytes + at);
        at += n;
    }
    if (!part.buffer.empty()) std::memcpy(bytes + size, part.buffer.data(), part.buffer.size());
    const size_t total = size + part.buffer.size();
    const std::string_view all(bytes, total);
    out.reserve(part.rows);
    // The key hash as add() computed it: the compare hash's low half without a key; the hash of the
    // stored key fields (key-only and digest layouts); else of the key's fields of the stored row.
    const bool storedIsKey = layout_.keyOnly || layout_.digest;
    size_t needed = 0;
    for (size_t f : layout_.keyFields) needed = std::max(needed, f + 1);
    std::vector<std::string_view> fields;
    std::string scratch;
    size_t pos = 0;
    while (pos + kHeader <= total) {
        SpilledRow r;
        uint32_t len;
        std::memcpy(&r.compareHash, bytes + pos, 16);
        std::memcpy(&len, bytes + pos + 16, 4);
        pos += kHeader;
        if (pos + len > total) throw IncompleteError("the row comparison's temporary file " + folder_.rowsFile().string() + " is damaged");
        r.row = all.substr(pos, len);
        if (layout_.located && layout_.keyOnly) {
            if (len < 8) throw IncompleteError("the row comparison's temporary file " + folder_.rowsFile().string() + " is damaged");
            r.row.remove_suffix(8);
            std::memcpy(&r.locator, bytes + pos + len - 8, 8);
        }
        if (!layout_.keyed()) {
            r.keyHash = static_cast<uint64_t>(r.compareHash);
        } else if (storedIsKey) {
            r.keyHash = XXH3_64bits(r.row.data(), r.row.size());
        } else {
            copyFields(r.row, fields, needed);
            const std::string_view keyText = keyTextOf(fields, layout_.keyFields, scratch);
            r.keyHash = XXH3_64bits(keyText.data(), keyText.size());
        }
        pos += len;
        out.push_back(r);
    }
}

}  // namespace pgproof
