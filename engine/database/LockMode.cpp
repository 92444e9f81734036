#include "LockMode.hpp"

namespace pgproof {

std::string lockName(LockMode m) {
    switch (m) {
        case LockMode::None: return "none";
        case LockMode::AccessShare: return "ACCESS SHARE";
        case LockMode::RowShare: return "ROW SHARE";
        case LockMode::RowExclusive: return "ROW EXCLUSIVE";
        case LockMode::ShareUpdateExclusive: return "SHARE UPDATE EXCLUSIVE";
        case LockMode::Share: return "SHARE";
        case LockMode::ShareRowExclusive: return "SHARE ROW EXCLUSIVE";
        case LockMode::Exclusive: return "EXCLUSIVE";
        case LockMode::AccessExclusive: return "ACCESS EXCLUSIVE";
    }
    return "none";
}

bool locksConflict(LockMode a, LockMode b) {
    // PostgreSQL's LockConflicts (lock.c): for each mode, the modes it conflicts with, as bits 1 << mode.
    constexpr auto bit = [](LockMode m) { return 1u << static_cast<unsigned>(m); };
    using M = LockMode;
    static const unsigned conflicts[] = {
        /* None */ 0,
        /* AccessShare */ bit(M::AccessExclusive),
        /* RowShare */ bit(M::Exclusive) | bit(M::AccessExclusive),
        /* RowExclusive */ bit(M::Share) | bit(M::ShareRowExclusive) | bit(M::Exclusive) | bit(M::AccessExclusive),
        /* ShareUpdateExclusive */
        bit(M::ShareUpdateExclusive) | bit(M::Share) | bit(M::ShareRowExclusive) | bit(M::Exclusive) | bit(M::AccessExclusive),
        /* Share */ bit(M::RowExclusive) | bit(M::ShareUpdateExclusive) | bit(M::ShareRowExclusive) | bit(M::Exclusive) |
            bit(M::AccessExclusive),
        /* ShareRowExclusive */ bit(M::RowExclusive) | bit(M::ShareUpdateExclusive) | bit(M::Share) | bit(M::ShareRowExclusive) |
            bit(M::Exclusive) | bit(M::AccessExclusive),
        /* Exclusive */ bit(M::RowShare) | bit(M::RowExclusive) | bit(M::ShareUpdateExclusive) | bit(M::Share) |
            bit(M::ShareRowExclusive) | bit(M::Exclusive) | bit(M::AccessExclusive),
        /* AccessExclusive */ bit(M::AccessShare) | bit(M::RowShare) | bit(M::RowExclusive) | bit(M::ShareUpdateExclusive) |
            bit(M::Share) | bit(M::ShareRowExclusive) | bit(M::Exclusive) | bit(M::AccessExclusive),
    };
    return (conflicts[static_cast<unsigned>(a)] & bit(b)) != 0;
}

}  // namespace pgproof
