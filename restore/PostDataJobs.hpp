#pragma once
// The archive's post-data entries as scheduler jobs:
//   - each index, key and other constraint of a table starts once that table's rows are loaded (an entry
//     on a table without rows in the archive, or one the parser does not understand, once all are);
//     several indexes of one table build at once (SHARE does not conflict with SHARE), primary keys and
//     unique constraints as an index build plus a brief ADD CONSTRAINT ... USING INDEX (PostDataStatement);
//   - each foreign key starts once its table's rows and every index and key of the referenced table
//     are there; its SHARE ROW EXCLUSIVE locks keep it apart from conflicting work on both tables;
//   - the rest (triggers, rules, index attachments, comments, grants, ...) runs in script order on one
//     connection once all of the above are done, as pg_restore runs it last;
//   - with --analyze, ANALYZE of each table once its indexes are built (expression indexes get their
//     statistics too).
#include <map>
#include <string>
#include <vector>

#include "DumpScript.hpp"
#include "Manifest.hpp"
#include "RestoreScheduler.hpp"
#include "UncreatedConstraints.hpp"

namespace pgproof {

struct PostDataJobs {
    size_t done = 0;  // milestone: every post-data entry has run
    std::map<QualifiedName, std::vector<size_t>> keysOf;  // the index and key jobs of each table
    // A post-data entry that might write rows (a materialized view's REFRESH, an event trigger, a
    // subscription): then the proof reads wait for all of post-data. "" when there is none.
    std::string writesRows;
};

// A key or foreign key the archive's rows violate is recorded in `uncreated`, not a failure of the run.
// `rowsLoaded`: the milestone of each manifest table's rows; `allRows`: rows of all tables, sequences and
// large objects. `leader` tells partitioned tables (ADD CONSTRAINT ... USING INDEX is not supported on them).
PostDataJobs addPostDataJobs(RestoreScheduler& scheduler, const std::vector<ScriptEntry>& entries, const Manifest& manifest,
                             const std::map<QualifiedName, size_t>& rowsLoaded, size_t allRows, const PgConnection& leader, UncreatedConstraints& uncreated);

// ANALYZE of one table (as the connecting user), after `after`.
size_t addAnalyzeJob(RestoreScheduler& scheduler, const TableEntry& table, std::vector<size_t> after, bool asConnectingUser);

}  // namespace pgproof
