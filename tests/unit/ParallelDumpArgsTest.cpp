// The parallel dump's two pure decisions: which pg_dump arguments it honours (any other sends the backup
// down pg_dump's own path), and the --exclude-table-data pattern that matches exactly one table.
#include <catch2/catch.hpp>

#include "ParallelDump.hpp"

using pgproof::exactPgDumpPattern;
using pgproof::parallelDumpRefusal;

TEST_CASE("parallel dump: pg_dump arguments that leave data entries alone are honoured") {
    CHECK_FALSE(parallelDumpRefusal({}));
    CHECK_FALSE(parallelDumpRefusal({"--no-owner", "-x", "--clean", "--if-exists", "--create", "-b", "--no-comments"}));
    CHECK_FALSE(parallelDumpRefusal({"-t", "public.a", "-Tpublic.b", "--schema=app", "--exclude-schema", "tmp", "-n", "x"}));
    CHECK_FALSE(parallelDumpRefusal({"--load-via-partition-root", "--no-unlogged-table-data", "--lock-wait-timeout=5s"}));
    CHECK_FALSE(parallelDumpRefusal({"-F", "p", "--format=plain", "-Fp"}));
}

TEST_CASE("parallel dump: arguments that change data entries or their selection are named") {
    for (const char* a : {"-a", "--data-only", "-s", "--schema-only", "--section=data", "--disable-triggers",
                          "--quote-all-identifiers", "-v", "--verbose", "--role=r", "--exclude-table-data=x",
                          "--use-set-session-authorization", "--serializable-deferrable", "-Z", "--something-new"}) {
        auto why = parallelDumpRefusal({"--no-owner", a});
        REQUIRE(why);
        CHECK(*why == std::string("pg_dump argument ") + a);
    }
    // A value is not mistaken for an argument, but a non-plain format still is one.
    CHECK_FALSE(parallelDumpRefusal({"-t", "--data-only"}));
    CHECK(parallelDumpRefusal({"-F", "c"}));
}

TEST_CASE("parallel dump: a table's pattern quotes both names, so dots, wildcards and quotes are literal") {
    CHECK(exactPgDumpPattern({"public", "t"}) == "\"public\".\"t\"");
    CHECK(exactPgDumpPattern({"a", "b.c"}) == "\"a\".\"b.c\"");
    CHECK(exactPgDumpPattern({"S p", "x*y?"}) == "\"S p\".\"x*y?\"");
    CHECK(exactPgDumpPattern({"public", "We\"ird"}) == "\"public\".\"We\"\"ird\"");
    CHECK(exactPgDumpPattern({"Ünï", "UPPER"}) == "\"Ünï\".\"UPPER\"");
}
