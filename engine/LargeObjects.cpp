#include "LargeObjects.hpp"

#include "Errors.hpp"

namespace pgproof {

namespace {
bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
}  // namespace

void LargeObjectDigest::line(std::string_view line) {
    constexpr std::string_view kOpen = "SELECT pg_catalog.lo_open('";
    constexpr std::string_view kWrite = "SELECT pg_catalog.lowrite(0, ";
    if (startsWith(line, kOpen)) {
        size_t end = line.find('\'', kOpen.size());
        if (end == std::string_view::npos) return;
        row_.assign(line.substr(kOpen.size(), end - kOpen.size()));
        row_ += "\t\\\\x";
        open_ = true;
    } else if (open_ && startsWith(line, kWrite)) {
        // '\x0a0b...' (standard_conforming_strings on) or E'\\x0a0b...' (off).
        std::string_view lit = line.substr(kWrite.size());
        size_t start = lit.find("x");
        size_t end = lit.rfind('\'');
        if (start == std::string_view::npos || end == std::string_view::npos || end <= start) return;
        row_.append(lit.substr(start + 1, end - start - 1));
    } else if (open_ && startsWith(line, "SELECT pg_catalog.lo_close(0);")) {
        fp_.addRow(row_);
        open_ = false;
    }
}

const TableFingerprint& LargeObjectDigest::fingerprint() const {
    if (open_) throw ProofFailedError("a large object's data ends without lo_close: the dump's BLOBS entry is truncated");
    return fp_;
}

TableFingerprint fingerprintLiveLargeObjects(const PgConnection& conn) {
    PgResult start(PQexec(conn.get(), "COPY (SELECT oid, pg_catalog.lo_get(oid) FROM pg_catalog.pg_largeobject_metadata) TO STDOUT"));
    if (PQresultStatus(start.get()) != PGRES_COPY_OUT)
        throw IncompleteError("reading large objects failed: " + firstLine(PQresultErrorMessage(start.get())));
    TableFingerprint fp;
    char* buf = nullptr;
    int n;
    while ((n = PQgetCopyData(conn.get(), &buf, 0)) > 0) {
        std::string_view row(buf, static_cast<size_t>(n));
        if (!row.empty() && row.back() == '\n') row.remove_suffix(1);
        fp.addRow(row);
        PQfreemem(buf);
    }
    if (n == -2) throw IncompleteError("reading large objects failed: " + firstLine(PQerrorMessage(conn.get())));
    PgResult end(PQgetResult(conn.get()));
    if (PQresultStatus(end.get()) != PGRES_COMMAND_OK)
        throw IncompleteError("reading large objects failed: " + firstLine(PQresultErrorMessage(end.get())));
    while (PGresult* extra = PQgetResult(conn.get())) PQclear(extra);
    return fp;
}

uint64_t countLiveLargeObjects(const PgConnection& conn) {
    return std::stoull(conn.exec("SELECT pg_catalog.count(*) FROM pg_catalog.pg_largeobject_metadata", "counting large objects").value(0, 0));
}

}  // namespace pgproof
