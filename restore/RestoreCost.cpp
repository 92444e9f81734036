#include "RestoreCost.hpp"

#include <string>

namespace pgproof {

namespace {

// Bytes of plain COPY text a value of this type costs besides its own length (rough, per value).
uint64_t extraValueCost(const std::string& type) {
    if (type.size() > 2 && type.compare(type.size() - 2, 2, "[]") == 0) return 30;  // arrays: parsed element by element
    if (type == "jsonb" || type == "json") return 120;
    if (type == "xml") return 120;
    if (type.rfind("numeric", 0) == 0) return 20;
    if (type.rfind("time", 0) == 0 || type == "date" || type == "interval") return 20;  // time, timetz, timestamp[tz]
    if (type == "inet" || type == "cidr" || type == "uuid" || type == "tsvector" || type == "tsquery") return 20;
    return 0;
}

}  // namespace

uint64_t extraRowCost(const TableEntry& table) {
    uint64_t extra = 0;
    for (const auto& type : table.types) extra += extraValueCost(type);
    return extra;
}

uint64_t restoreWeight(const TableEntry& table, uint64_t bytes) {
    if (table.rawBytes == 0) return bytes;
    const uint64_t extra = extraRowCost(table) * table.rows;
    // bytes * (rawBytes + extra) / rawBytes, without overflow for any table size.
    return static_cast<uint64_t>(static_cast<unsigned __int128>(bytes) * (table.rawBytes + extra) / table.rawBytes);
}

}  // namespace pgproof
