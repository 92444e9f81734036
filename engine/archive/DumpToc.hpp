#pragma once
// One model of a plain pg_dump script's table of contents: every entry pg_dump
// wrote ("-- Name: X; Type: T; Schema: S; Owner: O[; Tablespace: TS]", or
// "-- Data for Name: ..."), with its section and its byte range in the script.
// Built once, at backup time, by the splitter (TocBuilder sees every SQL line),
// recorded in the manifest, and used by check, restore and verify; nothing
// else parses pg_dump's headers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "SqlIdentifier.hpp"

namespace pgproof {

enum class TocSection { PreData, Data, PostData };

struct TocEntry {
    using Section = TocSection;
    std::string type;        // "TABLE", "TABLE DATA", "INDEX", "FK CONSTRAINT", "ACL", ...
    std::string schema;      // "" when pg_dump wrote "-"
    std::string name;        // as in the header ("t t_pkey" for constraints, "TABLE t" for ACLs)
    std::string owner;       // "" when pg_dump wrote "-"
    std::string tablespace;  // from the header; "" for the default
    TocSection section = TocSection::PreData;
    uint64_t offset = 0;     // first byte of the entry in the script (its preparing SET lines included)
    uint64_t length = 0;
    int table = -1;          // TABLE DATA: index into Manifest::tables
    bool viaRoot = false;    // TABLE DATA loaded via the partition root (COPY names the root)
    // Session state pg_dump had set when the entry starts (SET default_tablespace /
    // default_table_access_method): what an entry run on another connection needs first.
    std::optional<std::string> defaultTablespace;
    std::optional<std::string> accessMethod;

    bool isData() const { return section == TocSection::Data; }
    QualifiedName id() const { return {schema, name}; }
    std::string label() const { return type + " " + (schema.empty() ? "" : schema + ".") + name; }
};

const char* sectionName(TocSection s);
nlohmann::json tocToJson(const std::vector<TocEntry>& toc);
std::vector<TocEntry> tocFromJson(const nlohmann::json& j);  // throws on malformed input

// Whether a line is one of pg_dump's entry headers; fills type, schema, name, owner, tablespace.
bool parseTocHeader(std::string_view line, TocEntry& out);

class TocBuilder {
public:
    // Every line of the script outside COPY rows, in order, without its '\n', at its script offset.
    void line(std::string_view line, uint64_t offset);
    // The current entry (a TABLE DATA entry) holds the rows of manifest table `table`.
    void attachTable(int table, bool viaRoot);
    // The entry being read, if any.
    size_t count() const { return entries_.size(); }
    const TocEntry* current() const { return entries_.empty() ? nullptr : &entries_.back(); }
    // Whether the line just given is the current entry's own first statement: SET lines, comments, psql
    // meta-commands and, in TABLE DATA, --disable-triggers' ALTER TABLE come before it. Only that line
    // says what the entry holds (the COPY ... FROM stdin of its rows, a setval, a lo_create); a line
    // inside a function body that happens to start with COPY never does. The splitter and the stream
    // readers (ScriptFollower) ask this, so that they agree on where rows are.
    bool firstStatement() const { return firstStatement_; }
    // The same, for the COPY ... FROM stdin line that opens a TABLE DATA entry's rows.
    bool opensRows(std::string_view line) const;
    // Where the first entry starts (the preamble ends); the script size if there is none.
    std::vector<TocEntry> finish(uint64_t scriptSize);

private:
    std::vector<TocEntry> entries_;
    bool inComment_ = false;
    bool sawText_ = false;
    uint64_t blockStart_ = 0;
    std::optional<uint64_t> setRunStart_;  // first SET line of the run just before a header
    std::optional<TocEntry> pendingHeader_;
    std::optional<std::string> tablespace_, accessMethod_;
    TocSection lastSection_ = TocSection::PreData;
    bool awaitingStatement_ = false;  // the current entry's first statement has not been seen yet
    bool firstStatement_ = false;     // the last line was it
};

}  // namespace pgproof
