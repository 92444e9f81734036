#include "RowDigests.hpp"

#include "XxHash.hpp"
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include "Errors.hpp"
#include "TableFingerprint.hpp"
#include "TextLines.hpp"

namespace pgproof {

namespace {
constexpr int kLevel = 3;
// The first frame: a zstd skippable frame (variant D; archives use E and F) whose payload is this
// prefix, the file's id (32 hex digits) and a newline.
constexpr uint32_t kIdFrameMagic = 0x184D2A5D;
constexpr uint32_t kZstdFrameMagic = 0xFD2FB528;
constexpr std::string_view kIdPrefix = "pgproof-row-digests 1 ";
constexpr size_t kIdPayload = kIdPrefix.size() + 32 + 1;
constexpr size_t kIdFrameBytes = 8 + kIdPayload;
constexpr const char* kRetake = "take a new snapshot --rows (verify --no-rows still proves the counts and fingerprints)";

uint32_t le32(const unsigned char* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24); }

std::string randomId() {
    std::random_device random;
    uint128_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 32) | random();
    return TableFingerprint::toHex(v);
}

std::string hexOf(XXH128_hash_t h) { return TableFingerprint::toHex((static_cast<uint128_t>(h.high64) << 64) | h.low64); }

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
    bool takesRowHashes() const override { return true; }
    void addRowHash(uint128_t rowHash, const std::vector<std::string_view>& fields) override {
        std::string text = header_ + TableFingerprint::toHex(rowHash);
        if (layout_.keyed())
            for (size_t k : layout_.keyFields) {
                text += '\t';
                text.append(fields.at(k));
            }
        text += '\n';
        file_.writeFrame(text);
    }

private:
    RowDigestFile& file_;
    std::string header_;
    RowLayout layout_;
};

struct RowDigestFile::Checksum {
    XXH3_state_t* state = XXH3_createState();
    Checksum() { XXH3_128bits_reset(state); }
    ~Checksum() { XXH3_freeState(state); }
};

RowDigestFile::RowDigestFile(std::filesystem::path path)
    : path_(std::move(path)),
      file_(path_, {.label = "the row digests " + path_.string(), .mode = 0600,
                    .diskFullHint = " (the disk is full: free space there, or take the snapshot without --rows)"}),
      id_(randomId()), checksum_(std::make_unique<Checksum>()) {
    std::string frame(8, '\0');
    for (int i = 0; i < 4; ++i) {
        frame[static_cast<size_t>(i)] = static_cast<char>(kIdFrameMagic >> (8 * i));
        frame[static_cast<size_t>(4 + i)] = static_cast<char>(kIdPayload >> (8 * i));
    }
    frame += std::string(kIdPrefix) + id_ + "\n";
    std::lock_guard lock(mutex_);
    writeBytes(frame);
}

RowDigestBinding RowDigestFile::binding() const { return {id_, bytes_, hexOf(XXH3_128bits_digest(checksum_->state))}; }

RowDigestFile::~RowDigestFile() = default;

std::unique_ptr<RowSink> RowDigestFile::table(size_t index, const std::vector<std::string>& columns, const std::vector<std::string>& key) {
    return std::make_unique<RowDigestSink>(*this, index, RowLayout::of(columns, key, columns));
}

void RowDigestFile::writeFrame(std::string_view text) {
    std::string out(ZSTD_compressBound(text.size()), '\0');
    size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), kLevel);
    if (ZSTD_isError(n)) throw IncompleteError(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    std::lock_guard lock(mutex_);
    writeBytes(std::string_view(out.data(), n));
}

void RowDigestFile::writeBytes(std::string_view bytes) {
    file_.write(bytes);
    XXH3_128bits_update(checksum_->state, bytes.data(), bytes.size());
    bytes_ += bytes.size();
}

void RowDigestFile::commit() { file_.commit(); }

void checkRowDigestFile(const std::filesystem::path& file, const std::filesystem::path& snapshot,
                        const std::optional<RowDigestBinding>& binding) {
    const std::string f = file.string(), snap = snapshot.string();
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw BadInputError("cannot open the row digests " + f + " of the snapshot " + snap +
                            ": keep the .rows.zst file beside the snapshot it was written with");
    if (!binding) return;  // an older snapshot: each table's digests are still checked against its count and fingerprint
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(file, ec);
    if (ec) throw BadInputError("cannot read the size of the row digests " + f + ": " + ec.message());
    if (size == 0)
        throw IncompleteError("the row digests " + f + " are empty (the snapshot " + snap + " recorded " + std::to_string(binding->bytes) +
                              " bytes): they were emptied or damaged; " + kRetake);
    unsigned char head[kIdFrameBytes] = {};
    in.read(reinterpret_cast<char*>(head), sizeof head);
    const auto got = static_cast<size_t>(in.gcount());
    const uint32_t magic = got >= 4 ? le32(head) : 0;
    const std::string putBeside = ": put the .rows.zst written with " + snap + " beside it, or " + kRetake;
    if (magic == kZstdFrameMagic)
        throw BadInputError("the row digests " + f + " were not written with the snapshot " + snap +
                            " (they carry no snapshot id: an older pgproof's or another snapshot's)" + putBeside);
    if (magic != kIdFrameMagic || (got >= 8 && le32(head + 4) != kIdPayload))
        throw BadInputError(f + " is not a pgproof row digest file" + putBeside);
    if (got < kIdFrameBytes)
        throw IncompleteError("the row digests " + f + " are cut short (" + std::to_string(size) + " bytes, the snapshot " + snap +
                              " recorded " + std::to_string(binding->bytes) + "); " + kRetake);
    const std::string_view payload(reinterpret_cast<const char*>(head) + 8, kIdPayload);
    if (payload.substr(0, kIdPrefix.size()) != kIdPrefix || payload.back() != '\n')
        throw BadInputError(f + " is not a pgproof row digest file" + putBeside);
    const std::string id(payload.substr(kIdPrefix.size(), 32));
    if (id != binding->id)
        throw BadInputError("the row digests " + f + " belong to another snapshot (their id " + id + ", the snapshot " + snap +
                            " was written with " + binding->id + ")" + putBeside);
    if (size != binding->bytes)
        throw IncompleteError("the row digests " + f + " are " + std::to_string(size) + " bytes, the snapshot " + snap + " recorded " +
                              std::to_string(binding->bytes) + ": they were cut short or damaged; " + kRetake);
}

std::map<size_t, TableFingerprint> readRowDigests(const std::filesystem::path& file, const std::filesystem::path& snapshot,
                                                  const std::optional<RowDigestBinding>& binding,
                                                  const std::map<size_t, RowSpill*>& spills) {
    checkRowDigestFile(file, snapshot, binding);
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw BadInputError("cannot open the row digests " + file.string() + " of the snapshot " + snapshot.string() +
                            ": keep the .rows.zst file beside the snapshot it was written with");
    std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
    std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> checksum(XXH3_createState(), XXH3_freeState);
    XXH3_128bits_reset(checksum.get());
    std::vector<char> inBuf(ZSTD_DStreamInSize()), outBuf(ZSTD_DStreamOutSize());
    std::string carry;  // a line cut at the end of a decompressed chunk
    RowSpill* current = nullptr;
    bool anyTable = false;
    std::map<RowSpill*, std::string> pending;
    std::map<RowSpill*, TableFingerprint> sums;
    const std::string source = file.string();
    auto flushPending = [&](bool all) {
        for (auto& [spill, text] : pending)
            if (all || text.size() >= (1u << 20)) {
                sums[spill].add(spill->addDigests(text, source));
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
                    throw IncompleteError("the row digests " + source + " are damaged (malformed table line '" +
                                          std::string(line.substr(0, 40)) + "'); " + kRetake);
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
        XXH3_128bits_update(checksum.get(), inBuf.data(), got);
        ZSTD_inBuffer zin{inBuf.data(), got, 0};
        while (zin.pos < zin.size) {
            ZSTD_outBuffer zout{outBuf.data(), outBuf.size(), 0};
            lastRet = ZSTD_decompressStream(dctx.get(), &zout, &zin);
            if (ZSTD_isError(lastRet)) throw IncompleteError("the row digests " + source + " are damaged (" + ZSTD_getErrorName(lastRet) + "); " + kRetake);
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
        if (ZSTD_isError(lastRet)) throw IncompleteError("the row digests " + source + " are damaged (" + ZSTD_getErrorName(lastRet) + "); " + kRetake);
        if (zout.pos == 0) break;
        carry.append(outBuf.data(), zout.pos);
        size_t cut = carry.rfind('\n');
        if (cut != std::string::npos) {
            takeLines(std::string_view(carry).substr(0, cut + 1));
            carry.erase(0, cut + 1);
        }
    }
    if (lastRet != 0 || !carry.empty())
        throw IncompleteError("the row digests " + source + " are cut short (their last frame is incomplete); " + kRetake);
    if (binding && hexOf(XXH3_128bits_digest(checksum.get())) != binding->checksum)
        throw IncompleteError("the row digests " + source + " do not match the checksum the snapshot " + snapshot.string() +
                              " recorded: they were altered or damaged; " + kRetake);
    flushPending(true);
    std::map<size_t, TableFingerprint> out;
    for (const auto& [index, spill] : spills) {
        spill->finish();
        out[index] = sums[spill];
    }
    return out;
}

}  // namespace pgproof
