#include "RowDigests.hpp"

#include <fcntl.h>
#include <unistd.h>
#include "XxHash.hpp"
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "Errors.hpp"
#include "TableFingerprint.hpp"
#include "TextLines.hpp"

namespace pgproof {

namespace {
constexpr int kLevel = 3;

[[noreturn]] void writeFailed(const std::filesystem::path& file, int err) {
    throw IncompleteError("cannot write the row digests " + file.string() + ": " + std::strerror(err) +
                          (err == ENOSPC ? " (the disk is full: free space there, or take the snapshot without --rows)" : ""));
}
}  // namespace

// One table's rows become digest lines, compressed into frames of their own.
class RowDigestSink : public RowSink {
public:
    RowDigestSink(RowDigestFile& file, size_t index, RowLayout layout) : file_(file), header_("# " + std::to_string(index) + "\n"), layout_(std::move(layout)) {}
    void addRows(std::string_view rows) override { addRowsFingerprinted(rows); }
    TableFingerprint addRowsFingerprinted(std::string_view rows) override {
        TableFingerprint fp;
        std::string text = header_;
        text.reserve(rows.size() / 2 + 64);
        std::string scratch;
        forEachLine(rows, [&](std::string_view row, size_t) {
            XXH128_hash_t h = XXH3_128bits(row.data(), row.size());
            const uint128_t hash = (static_cast<uint128_t>(h.high64) << 64) | h.low64;
            fp.sum += hash;  // the fingerprint's row hash is the digest
            ++fp.rows;
            text += TableFingerprint::toHex(hash);
            if (layout_.keyed()) {
                thread_local std::vector<std::string_view> fields;  // no allocation per row
                copyFields(row, fields);
                for (size_t k : layout_.keyFields) {
                    text += '\t';
                    text.append(fields.at(k));
                }
            }
            text += '\n';
        });
        file_.writeFrame(text);
        return fp;
    }
    void finish() override {}

private:
    RowDigestFile& file_;
    std::string header_;
    RowLayout layout_;
};

RowDigestFile::RowDigestFile(std::filesystem::path path) : path_(std::move(path)) {
    tmp_ = path_;
    tmp_ += ".partial-" + std::to_string(::getpid());
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) throw BadInputError("cannot write " + path_.string() + ": " + std::strerror(errno) + " (check that its folder exists and is writable)");
}

RowDigestFile::~RowDigestFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) {
        std::error_code ec;
        std::filesystem::remove(tmp_, ec);
    }
}

std::unique_ptr<RowSink> RowDigestFile::table(size_t index, const std::vector<std::string>& columns, const std::vector<std::string>& key) {
    return std::make_unique<RowDigestSink>(*this, index, RowLayout::of(columns, key, columns));
}

void RowDigestFile::writeFrame(std::string_view text) {
    std::string out(ZSTD_compressBound(text.size()), '\0');
    size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), kLevel);
    if (ZSTD_isError(n)) throw IncompleteError(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    std::lock_guard lock(mutex_);
    size_t done = 0;
    while (done < n) {
        ssize_t w = ::write(fd_, out.data() + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) writeFailed(path_, w < 0 ? errno : EIO);
        done += static_cast<size_t>(w);
    }
    bytes_ += n;
}

void RowDigestFile::commit() {
    if (::fsync(fd_) != 0) writeFailed(path_, errno);
    if (::close(fd_) != 0) {
        fd_ = -1;
        writeFailed(path_, errno);
    }
    fd_ = -1;
    std::error_code ec;
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) throw IncompleteError("cannot put the row digests at " + path_.string() + ": " + ec.message());
    committed_ = true;
}

void readRowDigests(const std::filesystem::path& file, const std::map<size_t, RowSpill*>& spills) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw BadInputError("cannot open the snapshot's row digests " + file.string() +
                            ": keep the .rows.zst file beside the snapshot it belongs to");
    std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    std::vector<char> inBuf(ZSTD_DStreamInSize()), outBuf(ZSTD_DStreamOutSize());
    std::string carry;  // a line cut at the end of a decompressed chunk
    RowSpill* current = nullptr;
    bool anyTable = false;
    std::map<RowSpill*, std::string> pending;
    const std::string source = file.string();
    auto flushPending = [&](bool all) {
        for (auto& [spill, text] : pending)
            if (all || text.size() >= (1u << 20)) {
                spill->addDigests(text, source);
                text.clear();
            }
    };
    auto takeLines = [&](std::string_view text) {
        forEachLine(text, [&](std::string_view line, size_t) {
            if (!line.empty() && line[0] == '#') {
                size_t index = 0;
                try {
                    index = std::stoul(std::string(line.substr(1)));
                } catch (const std::exception&) {
                    throw BadInputError(source + ": malformed table line '" + std::string(line.substr(0, 40)) + "'");
                }
                auto it = spills.find(index);
                current = it == spills.end() ? nullptr : it->second;
                anyTable = true;
                return;
            }
            if (!anyTable) throw BadInputError(source + " is not a pgproof row digest file (it does not start with a table line)");
            if (current) {
                std::string& p = pending[current];
                p.append(line);
                p += '\n';
            }
        });
        flushPending(false);
    };
    size_t lastRet = 0;
    while (in) {
        in.read(inBuf.data(), static_cast<std::streamsize>(inBuf.size()));
        size_t got = static_cast<size_t>(in.gcount());
        if (got == 0) break;
        ZSTD_inBuffer zin{inBuf.data(), got, 0};
        while (zin.pos < zin.size) {
            ZSTD_outBuffer zout{outBuf.data(), outBuf.size(), 0};
            lastRet = ZSTD_decompressStream(dctx.get(), &zout, &zin);
            if (ZSTD_isError(lastRet)) throw BadInputError(source + " is damaged: " + ZSTD_getErrorName(lastRet));
            carry.append(outBuf.data(), zout.pos);
            size_t cut = carry.rfind('\n');
            if (cut != std::string::npos) {
                takeLines(std::string_view(carry).substr(0, cut + 1));
                carry.erase(0, cut + 1);
            }
        }
    }
    // The decompressor may still hold output when the input ran out with its buffer full.
    while (lastRet != 0) {
        ZSTD_inBuffer zin{nullptr, 0, 0};
        ZSTD_outBuffer zout{outBuf.data(), outBuf.size(), 0};
        lastRet = ZSTD_decompressStream(dctx.get(), &zout, &zin);
        if (ZSTD_isError(lastRet)) throw BadInputError(source + " is damaged: " + ZSTD_getErrorName(lastRet));
        if (zout.pos == 0) break;
        carry.append(outBuf.data(), zout.pos);
        size_t cut = carry.rfind('\n');
        if (cut != std::string::npos) {
            takeLines(std::string_view(carry).substr(0, cut + 1));
            carry.erase(0, cut + 1);
        }
    }
    if (lastRet != 0 || !carry.empty()) throw BadInputError(source + " is truncated: its last frame is incomplete");
    flushPending(true);
    for (const auto& [index, spill] : spills) spill->finish();
}

}  // namespace pgproof
