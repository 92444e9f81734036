#pragma once
// The backup data path: one stream of pg_dump bytes through a oneTBB pipeline
//   split (serial) -> fingerprint rows + compress frame (parallel) -> write (serial, in order)
// Memory is bounded by the number of frames in flight, not by the database size.
#include <cstdint>
#include <functional>

#include "ArchiveWriter.hpp"
#include "DumpSplitter.hpp"
#include "Manifest.hpp"

namespace pgproof {

struct BackupPipelineOptions {
    int jobs = 2;
    int level = 3;
    size_t frameSize = 4u << 20;  // raw bytes per frame; frames hold whole lines
};

struct BackupPipelineResult {
    std::vector<SegmentEntry> segments;
    std::vector<TableEntry> tables;
    std::vector<DumpSequence> sequences;
    uint64_t largeObjects = 0;
    TableFingerprint largeObjectData;  // oids and contents of the large objects (BLOBS entries)
    std::vector<TocEntry> toc;
    std::string serverVersion;  // from the dump's header comments
    std::string pgDumpVersion;
    std::string clientEncoding;  // from the dump's SET client_encoding (the encoding of its bytes)
};

// Runs the pipeline to the end of the stream. Throws BadInputError / IncompleteError from the
// splitter and IncompleteError from the writer; the writer is left uncommitted.
BackupPipelineResult runBackupPipeline(DumpSplitter::ReadFunction read, ArchiveWriter& writer,
                                       const BackupPipelineOptions& options);

}  // namespace pgproof
