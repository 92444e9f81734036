#include "LiveLargeObjects.hpp"

#include "Errors.hpp"

namespace pgproof {

TableFingerprint fingerprintLiveLargeObjects(const PgConnection& conn, const LargeObjectRowSink& onRow) {
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
        if (onRow) onRow(row);
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
