// The list `pgproof diff` writes (verify/DiffReportWriter), in text, CSV and JSON, from row differences
// and a comparison built by hand: every difference named under its table, then the tables and
// sequences that differ and the totals. No server needed.
#include <catch2/catch.hpp>

#include "DiffReportWriter.hpp"

using namespace pgproof;

namespace {

DiffReport comparison() {
    DiffReport r;
    r.baseline = "monday.sql.zst";
    r.other = "db:shop";
    TableDiff orders{{"public", "orders"}, TableDiff::Status::Differs, "1 lost, 1 changed", 3, 2, RowDiffSummary{}};
    orders.rows->key = {"id"};
    orders.rows->lost = 1;
    orders.rows->changed = 1;
    r.tables.push_back(orders);
    r.tables.push_back({{"public", "customers"}, TableDiff::Status::Equal, "", 10, 10, std::nullopt});
    r.tables.push_back({{"app", "audit"}, TableDiff::Status::Missing, "not in db:shop", 4, std::nullopt, std::nullopt});
    r.sequences.push_back({{"public", "orders_id_seq"}, SequenceDiff::Status::Lower, 3, 1, "went back: new rows could reuse old ids"});
    r.seconds = 0.25;
    return r;
}

RowDifference lost() {
    RowDifference d;
    d.kind = RowDifference::Kind::Lost;
    d.key = "id=3";
    d.row = "3\t9.50";
    return d;
}

RowDifference changed() {
    RowDifference d;
    d.kind = RowDifference::Kind::Changed;
    d.key = "id=1";
    d.row = "1\t10.00";
    d.changes = {{"amount", "10.00", "12.50"}};
    return d;
}

std::string written(DiffFormat format, bool verbose = false) {
    std::string out;
    DiffListWriter list(format, [&out](const std::string& text) { out += text; }, verbose);
    list.begin();
    list.row({"public", "orders"}, lost());
    list.row({"public", "orders"}, changed());
    list.finish(comparison());
    return out;
}

}  // namespace

TEST_CASE("diff text: each row under its table, then the tables and sequences that differ and the totals") {
    std::string text = written(DiffFormat::Text);
    CHECK(text.rfind("public.orders\n  " + describeRowDifference(lost(), 200) + " (3, 9.50)\n  " + describeRowDifference(changed(), 200) + "\n\n", 0) == 0);
    CHECK(text.find("monday.sql.zst against db:shop\n"
                    "TABLE          STATUS   BEFORE  AFTER  DETAILS\n"
                    "public.orders  differs  3       2      1 lost, 1 changed\n"
                    "app.audit      missing  4       -      not in db:shop\n") != std::string::npos);
    CHECK(text.find("public.orders_id_seq  lower") != std::string::npos);
    CHECK(text.find("public.customers") == std::string::npos);  // equal: listed with --verbose only
    CHECK(text.substr(text.rfind("3 table(s)")) ==
          "3 table(s) compared: 1 equal, 1 differ, 1 missing, 0 added; 1 sequence(s): 0 equal, 1 differ (0.2 s)\n");
    CHECK(written(DiffFormat::Text, true).find("public.customers  equal") != std::string::npos);
}

TEST_CASE("diff text with nothing different says so, and an uncompared table leaves the question open") {
    DiffReport r;
    r.baseline = "a.sql.zst";
    r.other = "b.sql.zst";
    r.tables.push_back({{"public", "t"}, TableDiff::Status::Equal, "", 1, 1, std::nullopt});
    std::string out;
    DiffListWriter list(DiffFormat::Text, [&out](const std::string& text) { out += text; });
    list.finish(r);
    CHECK(out == "a.sql.zst against b.sql.zst\n1 table(s) compared: 1 equal, 0 differ, 0 missing, 0 added: no difference (0.0 s)\n");
    r.tables.push_back({{"public", "u"}, TableDiff::Status::Error, "the connection was lost", 1, std::nullopt, std::nullopt});
    out.clear();
    list.finish(r);
    CHECK(out.find(", 1 could not be compared: INCOMPLETE, not every table was compared (0.0 s)\n") != std::string::npos);
}

TEST_CASE("diff CSV: a header, one line per changed column, tables and sequences whose rows are not listed") {
    std::string csv = written(DiffFormat::Csv);
    CHECK(csv ==
          "table,kind,key,count,column,before,after,row,detail\n"
          "public.orders,lost,id=3,1,,,,3\t9.50,\n"
          "public.orders,changed,id=1,1,amount,10.00,12.50,1\t10.00,\n"
          "app.audit,table missing,,,,,,,not in db:shop\n"
          "public.orders_id_seq,sequence lower,,,,3,1,,went back: new rows could reuse old ids\n");
}

TEST_CASE("diff JSON is one document: the differences, the tables, the summary and the exit code") {
    auto j = nlohmann::json::parse(written(DiffFormat::Json));
    CHECK(j["report"] == "pgproof-diff");
    REQUIRE(j["differences"].size() == 2);
    CHECK(j["differences"][0]["table"] == "public.orders");
    CHECK(j["differences"][1]["kind"] == "changed");
    CHECK(j["tables"][0]["lost"] == 1);
    CHECK(j["tables"][2]["rows_after"].is_null());
    CHECK(j["sequences"][0]["status"] == "lower");
    CHECK(j["summary"]["differences_listed"] == 2);
    CHECK(j["summary"]["missing"] == 1);
    CHECK(j["exit_code"] == 1);
}

TEST_CASE("diff --format takes text, csv or json") {
    CHECK(parseDiffFormat("csv") == DiffFormat::Csv);
    CHECK_THROWS_WITH(parseDiffFormat("xml"), "--format must be text, csv or json, got 'xml'");
}
