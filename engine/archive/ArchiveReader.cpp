#include "ArchiveReader.hpp"

#include "XxHash.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "AgeEncryption.hpp"
#include "ArchiveFormat.hpp"
#include "Errors.hpp"
#include "FrameCodec.hpp"
#include "OutputEncoding.hpp"
#include "S3ObjectSource.hpp"
#include "S3Url.hpp"

namespace pgproof {

// A path is always read by offset: a local file, or an object when it is s3://BUCKET/KEY; never stdin.
ArchiveReader::ArchiveReader(const std::filesystem::path& path)
    : ArchiveReader(S3Url::is(path.string()) ? openArchiveObject(path.string()) : openArchiveFile(path.string())) {}

namespace {
// The end of the archive is read once: the trailer and, unless the manifest is larger, the manifest
// before it. An object store answers every read with a round trip; a file does not mind either way.
constexpr uint64_t kTailBytes = 256u << 10;
}  // namespace

ArchiveReader::ArchiveReader(std::unique_ptr<ArchiveSource> source) : source_(std::move(source)) {
    const ArchiveSource& src = *source_;
    const std::string& p = src.name();
    size_ = src.size();
    const uint64_t tailStart = size_ - std::min(size_, kTailBytes);
    std::string tail(size_ - tailStart, '\0');
    src.readAt(tail.data(), tail.size(), tailStart);
    auto bytesAt = [&](void* out, uint64_t length, uint64_t offset) {
        if (offset >= tailStart) std::memcpy(out, tail.data() + (offset - tailStart), length);
        else src.readAt(out, length, offset);
    };
    unsigned char magic[4] = {};
    if (size_ >= 4) bytesAt(magic, 4, 0);
    if (size_ < 4 || archive::getLE32(magic) != archive::kZstdFrameMagic) {
        // openArchiveSource hands an age file over as a decrypting stream; only a caller that opened
        // the file for random access itself lands here with one.
        std::string head(std::min<uint64_t>(size_, kAgeHeaderLine.size()), '\0');
        bytesAt(head.data(), head.size(), 0);
        if (startsWithAgeHeader(head))
            throw BadInputError(p + " is encrypted (age), and this reads archives at random offsets, which an encrypted one does not "
                                "allow: decrypt it to a file first (age -d -i KEY -o NAME.sql.zst " + p + ")");
        throw BadInputError(p + " is not a pgproof archive (it does not start with a zstd frame)");
    }
    if (size_ < archive::kTrailerSize)
        throw ProofFailedError(p + " has no pgproof trailer: the archive is truncated or was never completed");
    unsigned char tb[archive::kTrailerSize];
    bytesAt(tb, sizeof tb, size_ - archive::kTrailerSize);
    auto trailer = archive::decodeTrailer(tb);
    if (!trailer)
        throw ProofFailedError(p + " has no valid pgproof trailer at its end: the archive is truncated, damaged or was never completed");
    if (trailer->formatVersion != archive::kFormatVersion)
        throw BadInputError(p + " uses archive format version " + std::to_string(trailer->formatVersion) +
                            "; this pgproof reads version " + std::to_string(archive::kFormatVersion));
    const uint64_t mOff = trailer->manifestOffset;
    const uint64_t mLen = trailer->manifestLength;
    if (mOff > size_ || mLen > size_ || mOff + archive::kSkippableHeaderSize + mLen + archive::kTrailerSize != size_)
        throw ProofFailedError(p + ": the trailer's manifest position does not match the file size: the archive is damaged");
    unsigned char mh[archive::kSkippableHeaderSize];
    bytesAt(mh, sizeof mh, mOff);
    if (archive::getLE32(mh) != archive::kManifestFrameMagic || archive::getLE32(mh + 4) != mLen)
        throw ProofFailedError(p + ": the manifest frame header is damaged");
    std::string body(mLen, '\0');
    bytesAt(body.data(), mLen, mOff + archive::kSkippableHeaderSize);
    manifest_ = decodeManifest(body, trailer->manifestChecksum, p);
    manifestOffset_ = mOff;
    manifestChecksum_ = trailer->manifestChecksum;
}

std::string ArchiveReader::manifestChecksumText() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(manifestChecksum_));
    return buf;
}

std::string ArchiveReader::readFrame(const FrameEntry& frame) const {
    if (frame.offset + frame.compressed > manifestOffset_)
        throw ProofFailedError(source_->name() + ": a frame lies outside the data area: the manifest is inconsistent");
    std::string buf(frame.compressed, '\0');
    source_->readAt(buf.data(), buf.size(), frame.offset);
    return buf;
}

void ArchiveReader::decompressFrame(const std::string& compressed, const FrameEntry& frame, const std::string& what,
                                    std::string& raw) {
    std::string damage = FrameCodec::decode(compressed, frame.raw, raw);
    if (!damage.empty()) throw ProofFailedError(what + " is damaged: " + damage);
}

void ArchiveReader::decodeFrameInPieces(const FrameEntry& frame, const std::string& what,
                                        const std::function<void(std::string_view)>& onRaw) const {
    if (frame.offset + frame.compressed > manifestOffset_)
        throw ProofFailedError(source_->name() + ": a frame lies outside the data area: the manifest is inconsistent");
    uint64_t at = 0;
    std::string damage = FrameCodec::decodeInPieces(
        [&](char* buf, size_t cap) {
            size_t n = static_cast<size_t>(std::min<uint64_t>(cap, frame.compressed - at));
            if (n > 0) source_->readAt(buf, n, frame.offset + at);
            at += n;
            return n;
        },
        frame.raw, onRaw);
    if (!damage.empty()) throw ProofFailedError(what + " is damaged: " + damage);
}

Manifest ArchiveReader::decodeManifest(const std::string& body, uint64_t checksum, const std::string& p) {
    if (XXH3_64bits(body.data(), body.size()) != checksum)
        throw ProofFailedError(p + ": the manifest's checksum does not match: the manifest is damaged");
    try {
        // The manifest is UTF-8; its names and values go back to the encoding it records (settings.client_encoding).
        nlohmann::json j = nlohmann::json::parse(body);
        TextEncoding encoding = TextEncoding::ofSettings(j.is_object() ? j.value("settings", nlohmann::json::object()) : nlohmann::json());
        Manifest m = Manifest::fromJson(encoding.documentFromUtf8(j));
        OutputEncoding::setData(encoding);
        return m;
    } catch (const std::exception& e) {
        throw ProofFailedError(p + ": the manifest cannot be read (" + e.what() + ")");
    }
}

}  // namespace pgproof
