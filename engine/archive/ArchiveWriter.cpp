#include "ArchiveWriter.hpp"

#include "XxHash.hpp"

#include "ArchiveFormat.hpp"
#include "Errors.hpp"
#include "OutputEncoding.hpp"

namespace pgproof {

ArchiveWriter::ArchiveWriter(const std::filesystem::path& target, bool overwrite)
    : output_(ArchiveOutput::open(target, overwrite)) {}

ArchiveWriter::~ArchiveWriter() = default;  // the output abandons an uncommitted archive

void ArchiveWriter::flush() {
    output_->write(buffer_.data(), buffer_.size());
    buffer_.clear();
}

uint64_t ArchiveWriter::append(std::string_view frame) {
    uint64_t at = offset_;
    constexpr size_t kBufferBytes = 1u << 20;
    if (frame.size() >= kBufferBytes) {
        flush();
        output_->write(frame.data(), frame.size());
    } else {
        buffer_.append(frame);
        if (buffer_.size() >= kBufferBytes) flush();
    }
    offset_ += frame.size();
    return at;
}

void ArchiveWriter::commit(const Manifest& manifest) {
    // UTF-8 whatever the database encoding: names and values converted from the encoding the manifest records.
    std::string body;
    try {
        body = OutputEncoding::documentText(manifest.toJson(), -1);
    } catch (const std::runtime_error& e) {
        throw IncompleteError("cannot write the manifest of " + output_->name() + ": " + e.what());
    }
    OutputEncoding::setData(TextEncoding::ofSettings(manifest.settings));
    archive::Trailer trailer;
    trailer.manifestOffset = offset_;
    trailer.manifestLength = body.size();
    trailer.manifestChecksum = XXH3_64bits(body.data(), body.size());
    unsigned char header[archive::kSkippableHeaderSize];
    archive::putLE32(header, archive::kManifestFrameMagic);
    archive::putLE32(header + 4, static_cast<uint32_t>(body.size()));
    flush();
    output_->write(header, sizeof header);
    output_->write(body.data(), body.size());
    auto t = archive::encodeTrailer(trailer);
    output_->write(t.data(), t.size());
    offset_ += sizeof header + body.size() + t.size();
    output_->commit();
}

}  // namespace pgproof
