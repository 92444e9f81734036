#pragma once
// What PostgreSQL's own parser (libpg_query) says a post-data entry's SQL does, for scheduling it:
// the tables its statement locks and in which mode, and whether a primary key or unique constraint
// can be built as CREATE UNIQUE INDEX first and attached with ALTER TABLE ... ADD CONSTRAINT ...
// USING INDEX (so that several indexes of one table build at once, as plain indexes already can).
#include <optional>
#include <string>
#include <vector>

#include "DumpScript.hpp"
#include "RestoreScheduler.hpp"

namespace pgproof {

struct PostDataStatement {
    // The statement was parsed and is one the scheduler knows the locks of (CREATE INDEX, ALTER TABLE
    // ADD CONSTRAINT); false: run it without known locks, after all rows are loaded.
    bool understood = false;
    std::optional<QualifiedName> table;       // the table the index, key or foreign key is on
    std::optional<QualifiedName> referenced;  // a foreign key's referenced table
    std::vector<TableLock> locks;
    // A primary key or unique constraint built in two steps, each with the entry's SET lines first:
    // an index build under SHARE (parallel with the table's other indexes and its proof read), then the
    // brief ALTER TABLE under ACCESS EXCLUSIVE that makes it the constraint. Only where the result is
    // the same as ADD CONSTRAINT's: not deferrable, no NULLS NOT DISTINCT, no USING INDEX TABLESPACE
    // (default_tablespace applies to both alike), b-tree on plain columns, simple WITH options. The
    // caller still has to rule out partitioned tables (USING INDEX is not supported on them).
    std::optional<std::string> keyIndexSql, keyConstraintSql;
};

PostDataStatement describePostData(const ScriptEntry& entry);

}  // namespace pgproof
