#include <catch2/catch.hpp>

#include "DumpScript.hpp"
#include "PostDataStatement.hpp"

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

TEST_CASE("post-data statements name the tables they lock, in which mode (PostgreSQL's parser)") {
    DumpScript s = DumpScript::parse(kScript);
    PostDataStatement key = describePostData(s.entries[4]);
    REQUIRE(key.understood);
    CHECK(*key.table == QualifiedName{"public", "t"});
    REQUIRE(key.locks.size() == 1);
    CHECK(key.locks[0].mode == LockMode::AccessExclusive);
    PostDataStatement index = describePostData(s.entries[5]);
    REQUIRE(index.understood);
    CHECK(*index.table == QualifiedName{"public", "u"});
    CHECK(index.locks[0].mode == LockMode::Share);
    CHECK(!index.keyIndexSql);
    PostDataStatement fk = describePostData(s.entries[6]);
    REQUIRE(fk.understood);
    CHECK(*fk.table == QualifiedName{"public", "u"});
    CHECK(*fk.referenced == QualifiedName{"public", "t"});
    REQUIRE(fk.locks.size() == 2);
    CHECK(fk.locks[1].mode == LockMode::ShareRowExclusive);
    ScriptEntry quoted;
    quoted.sql = "CREATE INDEX \"Idx\" ON ONLY \"Sch\".\"My \"\"T\"\"\" USING btree (a);\n";
    CHECK(*describePostData(quoted).table == QualifiedName{"Sch", "My \"T\""});
    ScriptEntry unknown;
    unknown.sql = "CREATE INDEX broken ON;";
    CHECK(!describePostData(unknown).understood);
}

TEST_CASE("a primary key or unique constraint is built as a unique index, then attached USING INDEX") {
    DumpScript s = DumpScript::parse(kScript);
    PostDataStatement key = describePostData(s.entries[4]);
    REQUIRE(key.keyIndexSql);
    CHECK(*key.keyIndexSql == "CREATE UNIQUE INDEX \"t_pkey\" ON \"public\".\"t\" USING btree (\"id\");\n");
    CHECK(*key.keyConstraintSql == "ALTER TABLE ONLY \"public\".\"t\" ADD CONSTRAINT \"t_pkey\" PRIMARY KEY USING INDEX \"t_pkey\";\n");
    ScriptEntry unique;
    unique.sql = "SET default_tablespace = fast;\n\n--\n-- Name: u u_k; Type: CONSTRAINT\n--\n\nALTER TABLE ONLY public.u\n"
                 "    ADD CONSTRAINT u_k UNIQUE (id, \"T id\") INCLUDE (x) WITH (fillfactor='50');\n";
    PostDataStatement u = describePostData(unique);
    REQUIRE(u.keyIndexSql);
    // The entry's SET lines come first in both statements: the index lands in the same tablespace.
    CHECK(u.keyIndexSql->rfind("SET default_tablespace = fast;", 0) == 0);
    CHECK(u.keyIndexSql->find("CREATE UNIQUE INDEX \"u_k\" ON \"public\".\"u\" USING btree (\"id\", \"T id\") INCLUDE (\"x\") "
                              "WITH (fillfactor = '50');") != std::string::npos);
    CHECK(u.keyConstraintSql->find("ADD CONSTRAINT \"u_k\" UNIQUE USING INDEX \"u_k\";") != std::string::npos);
    // Not where the result would differ: deferrable, NULLS NOT DISTINCT, exclusion constraints.
    for (const char* sql : {"ALTER TABLE ONLY public.u ADD CONSTRAINT d UNIQUE (id) DEFERRABLE;",
                            "ALTER TABLE ONLY public.u ADD CONSTRAINT d UNIQUE (id) DEFERRABLE INITIALLY DEFERRED;",
                            "ALTER TABLE ONLY public.u ADD CONSTRAINT d UNIQUE NULLS NOT DISTINCT (id);",
                            "ALTER TABLE ONLY public.u ADD CONSTRAINT d UNIQUE (id) USING INDEX TABLESPACE fast;",
                            "ALTER TABLE ONLY public.u ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&);",
                            "ALTER TABLE ONLY public.u ADD CONSTRAINT c CHECK (id > 0) NOT VALID;"}) {
        ScriptEntry e;
        e.sql = sql;
        INFO(sql);
        PostDataStatement d = describePostData(e);
        CHECK(d.understood);
        CHECK(!d.keyIndexSql);
    }
}

TEST_CASE("a pg_dump -C script's own database entries (CREATE DATABASE, its connect meta-command, ALTER DATABASE) are never part of a restore") {
    const std::string created =
        "--\n-- PostgreSQL database dump\n--\n\nSET client_encoding = 'UTF8';\n\n"
        "--\n-- Name: shop; Type: DATABASE; Schema: -; Owner: shop_owner\n--\n\n"
        "CREATE DATABASE shop WITH TEMPLATE = template0 ENCODING = 'UTF8';\n\n\nALTER DATABASE shop OWNER TO shop_owner;\n\n"
        "\\connect shop\n\nSET client_encoding = 'UTF8';\n\n"
        "--\n-- Name: DATABASE shop; Type: COMMENT; Schema: -; Owner: me\n--\n\nCOMMENT ON DATABASE shop IS 'x';\n\n"
        "--\n-- Name: shop; Type: DATABASE PROPERTIES; Schema: -; Owner: me\n--\n\n"
        "ALTER DATABASE shop SET work_mem TO '3MB';\n\n\\connect shop\n\nSET client_encoding = 'UTF8';\n\n"
        "--\n-- Name: t; Type: TABLE; Schema: public; Owner: me\n--\n\nCREATE TABLE public.t (id int);\n\n\nALTER TABLE public.t OWNER TO me;\n\n";
    DumpScript s = DumpScript::parse(created);
    REQUIRE(s.entries.size() == 1);
    CHECK(s.entries[0].label() == "TABLE public.t");
    CHECK(s.owners() == std::vector<std::string>{"me"});  // the database's owner is not asked for
    // A \connect anywhere else is still refused.
    CHECK_THROWS_WITH(DumpScript::parse("--\n-- Name: t; Type: TABLE; Schema: public; Owner: me\n--\n\nCREATE TABLE t (id int);\n\\connect other\n"),
                      Catch::Contains("psql meta-command pgproof cannot run: \\connect other"));
}
