#pragma once
// Which PostgreSQL servers pgproof works with, and what it may rely on per version.
// One place, so that a version-dependent choice is never guessed twice.
// Versions are libpq's numbers (PQserverVersion): 150004 is 15.4, 120000 is 12.0.
#include <string>

namespace pgproof {

class ServerVersion {
public:
    static constexpr int kOldestSupported = 120000;  // pg_export_snapshot, pg_sequence, attgenerated, REPEATABLE READ exports

    explicit ServerVersion(int number) : number_(number) {}
    int number() const { return number_; }
    int major() const { return number_ / 10000; }
    bool supported() const { return number_ >= kOldestSupported; }
    // TID range scans (ctid >= '(p,0)' AND ctid < '(q,0)' read only those pages) exist from 14 on;
    // below, such a filter scans the whole table for every range.
    bool hasTidRangeScans() const { return number_ >= 140000; }
    // The transaction_timeout setting exists from 17 on (setting it on an older server is an error).
    bool hasTransactionTimeout() const { return number_ >= 170000; }
    // "15.4": for messages.
    std::string display() const { return std::to_string(major()) + "." + std::to_string(number_ % 10000); }

private:
    int number_;
};

}  // namespace pgproof
