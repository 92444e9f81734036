#include <catch2/catch.hpp>

#include "DumpScript.hpp"

using namespace pgproof;

namespace {
const std::string kScript =
    "--\n-- PostgreSQL database dump\n--\n\n\\restrict KEY\n\nSET client_encoding = 'UTF8';\n"
    "SELECT pg_catalog.set_config('search_path', '', false);\n\n"
    "--\n-- Name: t; Type: TABLE; Schema: public; Owner: me\n--\n\nCREATE TABLE public.t (id int);\n\n"
    "SET default_tablespace = fast;\n\n"
    "--\n-- Name: u; Type: TABLE; Schema: public; Owner: me\n--\n\nCREATE TABLE public.u (id int, t_id int);\n\n"
    "--\n-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: me\n--\n\nCOPY public.t (id) FROM stdin;\n\\.\n\n"
    "--\n-- Name: s; Type: SEQUENCE SET; Schema: public; Owner: me\n--\n\nSELECT pg_catalog.setval('public.s', 3, true);\n\n"
    "--\n-- Name: t t_pkey; Type: CONSTRAINT; Schema: public; Owner: me\n--\n\n"
    "ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n\n"
    "--\n-- Name: u_idx; Type: INDEX; Schema: public; Owner: me\n--\n\nCREATE INDEX u_idx ON public.u USING btree (t_id);\n\n"
    "--\n-- Name: u u_t_fkey; Type: FK CONSTRAINT; Schema: public; Owner: me\n--\n\n"
    "ALTER TABLE ONLY public.u\n    ADD CONSTRAINT u_t_fkey FOREIGN KEY (t_id) REFERENCES public.t(id);\n\n"
    "--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict KEY\n\n";
}

TEST_CASE("dump script splits into entries and sections") {
    DumpScript s = DumpScript::parse(kScript);
    REQUIRE(s.entries.size() == 7);
    CHECK(s.preamble.find("SET client_encoding") != std::string::npos);
    CHECK(s.preamble.find("\\restrict") == std::string::npos);  // psql meta-commands are not SQL
    CHECK(s.entries[0].type == "TABLE");
    CHECK(s.entries[0].section == ScriptEntry::Section::PreData);
    // A SET written just before a header prepares the next entry, not the previous one.
    CHECK(s.entries[0].sql.find("default_tablespace") == std::string::npos);
    CHECK(s.entries[1].sql.find("SET default_tablespace = fast;") != std::string::npos);
    CHECK(s.entries[2].type == "TABLE DATA");
    CHECK(s.entries[2].section == ScriptEntry::Section::Data);
    CHECK(s.entries[2].sql.find("\\.") == std::string::npos);
    CHECK(s.entries[3].section == ScriptEntry::Section::Data);
    CHECK(s.entries[4].section == ScriptEntry::Section::PostData);
    CHECK(s.entries[6].type == "FK CONSTRAINT");
    CHECK(s.entries[6].label() == "FK CONSTRAINT public.u u_t_fkey");
}

TEST_CASE("post-data statements name the tables they lock") {
    DumpScript s = DumpScript::parse(kScript);
    CHECK(lockedTables(s.entries[4]) == std::vector<std::string>{"public.t"});
    CHECK(lockedTables(s.entries[5]) == std::vector<std::string>{"public.u"});
    CHECK(lockedTables(s.entries[6]) == std::vector<std::string>{"public.u", "public.t"});
    ScriptEntry quoted;
    quoted.sql = "CREATE INDEX \"Idx\" ON ONLY \"Sch\".\"My \"\"T\"\"\" USING btree (a);\n";
    CHECK(lockedTables(quoted) == std::vector<std::string>{"\"Sch\".\"My \"\"T\"\"\""});
}
