#pragma once
// pgproof's one lock model: PostgreSQL's table-level lock modes ("Explicit Locking", 13.3.1), their
// names, and which conflict. Lint and rehearse name the lock a statement takes; restore's scheduler
// never runs two jobs whose locks conflict at once.
#include <string>

namespace pgproof {

// In PostgreSQL's order and numbering (lockdefs.h: AccessShareLock = 1 ... AccessExclusiveLock = 8);
// None: no table lock.
enum class LockMode {
    None,
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
};

std::string lockName(LockMode m);  // "ACCESS EXCLUSIVE", ...; "none"
// PostgreSQL's lock conflict table; None conflicts with nothing.
bool locksConflict(LockMode a, LockMode b);
// Whether the lock blocks writes to the table (SHARE and stronger).
inline bool blocksWrites(LockMode m) { return m >= LockMode::Share; }

}  // namespace pgproof
