#include "HugeValues.hpp"

#include <algorithm>
#include <map>

#include "Errors.hpp"
#include "Interrupt.hpp"
#include "RowSpill.hpp"

namespace pgproof {

namespace {

constexpr uint64_t kPieceBytes = 8ull << 20;
// Where the server reads a value from its start for every piece: at most this many pieces.
constexpr uint64_t kMostPiecesFromStart = 8;
// Hex digits and escapes are made and handed on this much input at a time.
constexpr size_t kOutBlock = 1u << 20;

std::string octetLength(const std::string& column) { return "pg_catalog.octet_length(" + quoteIdent(column) + ")"; }

void appendHex(std::string& out, std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    const size_t at = out.size();
    out.resize(at + 2 * bytes.size());
    char* to = out.data() + at;
    for (unsigned char c : bytes) {
        *to++ = kDigits[c >> 4];
        *to++ = kDigits[c & 15];
    }
}

// One piece of a value, as raw bytes (binary result: bytea's bytes, or text in the client encoding).
PgResult readPiece(const PgConnection& conn, const std::string& sql, uint64_t from, uint64_t length, const std::string& tid,
                   const QualifiedName& table) {
    const std::string a = std::to_string(from), b = std::to_string(length);
    const char* values[] = {a.c_str(), b.c_str(), tid.c_str()};
    PgResult r(PQexecParams(conn.get(), sql.c_str(), 3, nullptr, values, nullptr, nullptr, 1));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
        throw IncompleteError("reading a huge value of " + table.display() + " in pieces: " + statementError(conn.get(), r.get()));
    if (r.rows() != 1 || r.isNull(0, 0))
        throw IncompleteError("reading a huge value of " + table.display() + " in pieces: the row at " + tid + " is gone from the snapshot");
    return r;
}

// The COPY text fields of `columns` of the row at `tid` (escaped, as COPY sends them).
std::vector<std::string> copyFieldsOf(const PgConnection& conn, const QualifiedName& table, const std::vector<std::string>& columns,
                                      const std::string& tid) {
    std::string list;
    for (const auto& c : columns) list += (list.empty() ? "" : ", ") + quoteIdent(c);
    const std::string sql =
        "COPY (SELECT " + list + " FROM ONLY " + table.sql() + " WHERE ctid = " + quoteLiteral(tid) + "::pg_catalog.tid) TO STDOUT";
    PgResult start(PQexec(conn.get(), sql.c_str()));
    if (PQresultStatus(start.get()) != PGRES_COPY_OUT)
        throw IncompleteError("reading the row of a huge value of " + table.display() + ": " + statementError(conn.get(), start.get()));
    std::string line;
    size_t lines = 0;
    char* buf = nullptr;
    int n;
    while ((n = PQgetCopyData(conn.get(), &buf, 0)) > 0) {
        line.assign(buf, static_cast<size_t>(n));
        PQfreemem(buf);
        ++lines;
    }
    PgResult end(PQgetResult(conn.get()));
    if (n == -2 || PQresultStatus(end.get()) != PGRES_COMMAND_OK)
        throw IncompleteError("reading the row of a huge value of " + table.display() + ": " + statementError(conn.get(), end.get()));
    while (PGresult* extra = PQgetResult(conn.get())) PQclear(extra);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    std::vector<std::string> fields;
    for (std::string_view f : copyFields(line)) fields.emplace_back(f);
    if (lines != 1 || fields.size() != columns.size())
        throw IncompleteError("reading the row of a huge value of " + table.display() + ": the row at " + tid + " read as " +
                              std::to_string(lines) + " line(s) of " + std::to_string(fields.size()) + " field(s), not one of " +
                              std::to_string(columns.size()));
    return fields;
}

struct HugeValue {
    std::string column;
    bool bytea = false;
    uint64_t length = 0;      // bytes
    uint64_t characters = 0;  // text: its characters (bytea: its bytes)
    bool compressed = false;
};

// PostgreSQL's COPY builds each line, and byteaout each bytea's text, in one allocation of at most
// MaxAllocSize (1 GB - 1): a row over that cannot be dumped by pg_dump or restored by COPY FROM, and
// reading it in pieces must not make it look fine.
constexpr uint64_t kMaxCopyLine = 0x3fffffff;

[[noreturn]] void tooLongForCopy(const QualifiedName& table, const std::string& tid, const std::string& what) {
    throw IncompleteError("the row at " + tid + " of " + table.display() + " " + what +
                          ": PostgreSQL's COPY cannot write it (1 GB at most), so pg_dump cannot dump it and COPY FROM could not load it");
}

// One huge value of the row at `tid`, as its COPY text field, handed to `out` in blocks.
void readValue(const PgConnection& conn, const QualifiedName& table, const HugeValue& v, const std::string& tid,
               const std::function<void(std::string_view)>& out) {
    if (v.bytea && 2 * v.length + 3 > kMaxCopyLine) tooLongForCopy(table, tid, "holds a bytea value of " + std::to_string(v.length) + " bytes in " + quoteIdent(v.column));
    const std::string sql = "SELECT pg_catalog.substr(" + quoteIdent(v.column) + ", $1::pg_catalog.int4, $2::pg_catalog.int4) FROM ONLY " +
                            table.sql() + " WHERE ctid = $3::pg_catalog.tid";
    // bytea stored as it is can be cut where it lies; anything else is read from its start for every piece.
    // text is cut by characters: a piece of an eighth of them holds about an eighth of the bytes.
    const bool fromStart = !v.bytea || v.compressed;
    const uint64_t unit = std::max<uint64_t>(1, v.length / std::max<uint64_t>(1, v.characters));  // bytes a character, on average
    const uint64_t piece = fromStart ? std::max(kPieceBytes / unit, (v.characters + kMostPiecesFromStart - 1) / kMostPiecesFromStart)
                                     : kPieceBytes;
    std::string block;
    block.reserve(2 * kOutBlock + 16);
    if (v.bytea) out("\\\\x");  // "\x" with its backslash escaped, as COPY writes bytea_output = hex
    uint64_t bytes = 0;
    for (uint64_t at = 1; at <= v.characters; at += piece) {
        throwIfInterrupted("reading " + table.display());
        const uint64_t want = std::min(piece, v.characters - at + 1);
        PgResult r = readPiece(conn, sql, at, want, tid, table);
        const std::string_view got(PQgetvalue(r.get(), 0, 0), static_cast<size_t>(PQgetlength(r.get(), 0, 0)));
        if (v.bytea ? got.size() != want : got.empty())
            throw IncompleteError("reading a huge value of " + table.display() + " in pieces: " + std::to_string(got.size()) + " bytes at " +
                                  std::to_string(at) + ", for " + std::to_string(want) + (v.bytea ? " bytes" : " characters"));
        for (size_t i = 0; i < got.size(); i += kOutBlock) {
            block.clear();
            if (v.bytea) appendHex(block, got.substr(i, kOutBlock));
            else appendCopyEscaped(block, got.substr(i, kOutBlock));
            out(block);
        }
        bytes += got.size();
    }
    if (bytes != v.length)
        throw IncompleteError("reading a huge value of " + table.display() + " in pieces: " + std::to_string(bytes) + " bytes read of " +
                              std::to_string(v.length));
}

}  // namespace

void appendCopyEscaped(std::string& out, std::string_view value) {
    size_t from = 0;
    for (size_t i = 0; i < value.size(); ++i) {
        const char c = value[i];
        char e = 0;
        switch (c) {
        case '\\': e = '\\'; break;
        case '\b': e = 'b'; break;
        case '\f': e = 'f'; break;
        case '\n': e = 'n'; break;
        case '\r': e = 'r'; break;
        case '\t': e = 't'; break;
        case '\v': e = 'v'; break;
        default: continue;
        }
        out.append(value.substr(from, i - from));
        out += '\\';
        out += e;
        from = i + 1;
    }
    out.append(value.substr(from));
}

std::string PieceColumns::condition() const {
    std::string c;
    for (const auto& n : names) c += (c.empty() ? "" : " OR ") + octetLength(n) + " >= " + std::to_string(kHugeValueBytes);
    return c;
}

std::string PieceColumns::hugeStored() const {
    if (names.empty()) return "0";
    std::string sum;
    for (const auto& n : names)
        sum += (sum.empty() ? "" : " + ") + std::string("COALESCE(CASE WHEN ") + octetLength(n) + " >= " + std::to_string(kHugeValueBytes) +
               " THEN pg_catalog.pg_column_size(" + quoteIdent(n) + ") END, 0)::pg_catalog.int8";
    return "(" + sum + ")";
}

PieceColumns pieceColumns(const PgConnection& conn, const QualifiedName& table, const std::vector<std::string>& columns) {
    // 17 bytea, 25 text, 1043 varchar; a domain by its base type.
    auto r = conn.execParams(
        "SELECT a.attname, CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END = 17 "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = $1::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "AND CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END IN (17, 25, 1043)",
        {table.sql()}, "reading the column types of " + table.display());
    std::map<std::string, bool> kinds;
    for (int i = 0; i < r.rows(); ++i) kinds[r.value(i, 0)] = r.value(i, 1) == "t";
    PieceColumns out;
    for (const auto& c : columns)
        if (auto k = kinds.find(c); k != kinds.end()) {
            out.names.push_back(c);
            out.bytea.push_back(k->second);
        }
    return out;
}

std::vector<Tid> hugeRowsIn(const PgConnection& conn, const QualifiedName& table, const PieceColumns& huge, const TidRange& range) {
    std::vector<Tid> out;
    if (huge.empty()) return out;
    const std::string bounds = range.whole() ? "" : range.condition() + " AND ";
    auto r = conn.exec("SELECT ctid FROM ONLY " + table.sql() + " WHERE " + bounds + "(" + huge.condition() + ") ORDER BY ctid",
                       "listing the rows of " + table.display() + " that hold huge values");
    for (int i = 0; i < r.rows(); ++i) {
        auto tid = parseTid(r.value(i, 0));
        if (!tid) throw IncompleteError("listing the rows of " + table.display() + " that hold huge values: unreadable ctid " + r.value(i, 0));
        out.push_back(*tid);
    }
    return out;
}

void readHugeRows(const PgConnection& conn, const QualifiedName& table, const std::vector<std::string>& columns, const PieceColumns& huge,
                  const std::string& where, const std::function<void(std::string_view)>& out,
                  const std::function<void(const std::vector<std::string_view>&)>& rowEnd) {
    if (huge.empty()) return;
    // Each value's bytes, stored size, and characters (a text's, counted once by the server; a bytea's bytes).
    std::string sizes;
    for (size_t j = 0; j < huge.names.size(); ++j) {
        const std::string c = quoteIdent(huge.names[j]);
        sizes += ", " + octetLength(huge.names[j]) + ", pg_catalog.pg_column_size(" + c + "), " +
                 (huge.bytea[j] ? octetLength(huge.names[j]) : "pg_catalog.char_length(" + c + ")");
    }
    auto rows = conn.exec("SELECT ctid" + sizes + " FROM ONLY " + table.sql() + where + (where.empty() ? " WHERE (" : " AND (") +
                              huge.condition() + ") ORDER BY ctid",
                          "listing the rows of " + table.display() + " that hold huge values");
    for (int row = 0; row < rows.rows(); ++row) {
        const std::string tid = rows.value(row, 0);
        std::map<std::string, HugeValue> values;
        for (size_t j = 0; j < huge.names.size(); ++j) {
            const int at = 1 + 3 * static_cast<int>(j);
            if (rows.isNull(row, at)) continue;
            HugeValue v{huge.names[j], huge.bytea[j], std::stoull(rows.value(row, at)), std::stoull(rows.value(row, at + 2)), false};
            if (v.length < kHugeValueBytes) continue;
            v.compressed = std::stoull(rows.value(row, at + 1)) < v.length;
            values[v.column] = v;
        }
        std::vector<std::string> others;
        for (const auto& c : columns)
            if (!values.count(c)) others.push_back(c);
        const std::vector<std::string> fields = others.empty() ? std::vector<std::string>{} : copyFieldsOf(conn, table, others, tid);
        size_t next = 0;
        std::vector<std::string_view> all;
        uint64_t lineBytes = 0;
        auto counted = [&](std::string_view piece) {
            lineBytes += piece.size();
            if (lineBytes > kMaxCopyLine) tooLongForCopy(table, tid, "is longer than 1 GB as COPY text");
            out(piece);
        };
        for (size_t i = 0; i < columns.size(); ++i) {
            if (i) counted("\t");
            if (auto v = values.find(columns[i]); v != values.end()) {
                readValue(conn, table, v->second, tid, counted);
                all.emplace_back();
            } else {
                counted(fields[next]);
                all.emplace_back(fields[next++]);
            }
        }
        if (rowEnd) rowEnd(all);
        out("\n");
    }
}

}  // namespace pgproof
