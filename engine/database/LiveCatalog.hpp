#pragma once
// What the live database holds, read from the catalog in the current
// transaction (so under the exported snapshot): the tables whose rows pg_dump
// would dump, with their columns as COPY lists them, and the sequences.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "PgConnection.hpp"
#include "SqlIdentifier.hpp"

namespace pgproof {

struct LiveColumn {
    std::string name;
    std::string type;
};

struct LiveTable {
    QualifiedName id;
    uint32_t oid = 0;
    uint64_t bytes = 0;   // to order and split the work: an estimate (relpages), exact once locked (TableLocking)
    uint64_t pages = 0;
    std::vector<LiveColumn> columns;  // non-dropped, non-generated, attnum order
    std::string filter;               // for an extension's configuration table: the condition pg_dump applies
    // The row identity: the primary key's columns, else those of the narrowest unique index whose columns
    // are all NOT NULL (not partial, no expressions); empty when the table has neither.
    std::vector<std::string> key;
};

struct LiveSequence {
    QualifiedName id;
    int64_t lastValue = 0;
    bool isCalled = false;
    std::optional<QualifiedName> ownedBy;  // the table of a serial/identity column (dropped with it)
};

std::vector<LiveTable> readLiveTables(const PgConnection& conn);
// The names of one table's columns as COPY lists them (non-dropped, non-generated, attnum order), as the
// catalog holds them (in the database's encoding), read on `conn`. Throws IncompleteError when that fails.
std::vector<std::string> readColumnNames(const PgConnection& conn, const QualifiedName& table);
// With `only`, the values of just those sequences are read (verify needs the baseline's, and a role may
// lack SELECT on others); the rest are not returned.
std::vector<LiveSequence> readLiveSequences(const PgConnection& conn, const std::set<QualifiedName>* only = nullptr);
// The sequences and their owners, without their values: no sequence is read, so none is locked (a
// backup's leader, beside the pg_dump that reads and locks them).
std::vector<LiveSequence> listLiveSequences(const PgConnection& conn);

}  // namespace pgproof
