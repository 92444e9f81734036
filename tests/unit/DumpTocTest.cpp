#include <catch2/catch.hpp>

#include "DumpToc.hpp"

using namespace pgproof;

namespace {
std::vector<TocEntry> tocOf(const std::string& script) {
    TocBuilder b;
    size_t pos = 0;
    while (pos < script.size()) {
        size_t nl = script.find('\n', pos);
        b.line(std::string_view(script).substr(pos, nl - pos), pos);
        pos = nl + 1;
    }
    return b.finish(script.size());
}
}  // namespace

TEST_CASE("TOC headers of --verbose dumps, tablespaces and owners are read, and entries tile the script") {
    const std::string script =
        "--\n-- PostgreSQL database dump\n--\n\n-- Started on 2026-12-02 05:00:00 UTC\n\nSET client_encoding = 'UTF8';\n\n"
        "--\n-- TOC entry 215 (class 1259 OID 16390)\n-- Name: t; Type: TABLE; Schema: public; Owner: bob\n--\n\n"
        "CREATE TABLE public.t (id int);\n\nALTER TABLE public.t OWNER TO bob;\n\n"
        "SET default_tablespace = fast;\n\n"
        "--\n-- TOC entry 3 (class 1259 OID 16400)\n-- Dependencies: 215\n-- Name: t_idx; Type: INDEX; Schema: public; Owner: bob; "
        "Tablespace: fast\n--\n\nCREATE INDEX t_idx ON public.t (id);\n\n"
        "--\n-- Name: TABLE t; Type: ACL; Schema: public; Owner: bob\n--\n\nGRANT SELECT ON TABLE public.t TO alice;\n\n"
        "--\n-- PostgreSQL database dump complete\n--\n\n";
    auto toc = tocOf(script);
    REQUIRE(toc.size() == 3);
    CHECK(toc[0].type == "TABLE");
    CHECK(toc[0].owner == "bob");
    CHECK(toc[0].section == TocSection::PreData);
    CHECK(toc[1].type == "INDEX");
    CHECK(toc[1].tablespace == "fast");
    CHECK(toc[1].defaultTablespace == std::optional<std::string>("fast"));
    CHECK(toc[1].section == TocSection::PostData);
    CHECK(toc[2].type == "ACL");
    CHECK(toc[2].name == "TABLE t");
    CHECK(toc[2].section == TocSection::PostData);  // follows its object's section
    // The SET that prepares the index belongs to the index's entry; the entries tile the rest of the script.
    CHECK(script.substr(toc[1].offset, 30).rfind("SET default_tablespace = fast;", 0) == 0);
    for (size_t i = 0; i + 1 < toc.size(); ++i) CHECK(toc[i].offset + toc[i].length == toc[i + 1].offset);
    CHECK(toc.back().offset + toc.back().length == script.size());
    // The JSON form round-trips.
    auto again = tocFromJson(tocToJson(toc));
    REQUIRE(again.size() == 3);
    CHECK(again[1].defaultTablespace == toc[1].defaultTablespace);
    CHECK(again[1].offset == toc[1].offset);
}
