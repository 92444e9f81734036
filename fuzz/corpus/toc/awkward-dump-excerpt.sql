--
-- PostgreSQL database dump
--

\restrict Xcu68NUzQhhUwHc01SErk5UJoaYp436f4eYBz8Bh45wyk6KyJ0ED6PDRkjapIhq

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: Ünïcode Schema; Type: SCHEMA; Schema: -; Owner: postgres
--

CREATE SCHEMA "Ünïcode Schema";


ALTER SCHEMA "Ünïcode Schema" OWNER TO postgres;

--
-- Name: mood; Type: TYPE; Schema: public; Owner: postgres
--

CREATE TYPE public.mood AS ENUM (
    'sad',
    'ok',
    'happy'
);


ALTER TYPE public.mood OWNER TO postgres;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: vehicles; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.vehicles (
    id integer NOT NULL,
    name text
);


ALTER TABLE public.vehicles OWNER TO postgres;

--
-- Name: cars; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.cars (
    doors integer
)
INHERITS (public.vehicles);


ALTER TABLE public.cars OWNER TO postgres;

--
-- Name: dropped_and_generated; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.dropped_and_generated (
    id integer,
    keep text,
    twice integer GENERATED ALWAYS AS ((id * 2)) STORED
);


ALTER TABLE public.dropped_and_generated OWNER TO postgres;

--
-- Name: empty_table; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.empty_table (
    id integer,
    note text
);


ALTER TABLE public.empty_table OWNER TO postgres;

--
-- Name: hard_values; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.hard_values (
    id integer NOT NULL,
    t text,
    b bytea,
    j jsonb,
    n numeric,
    ts timestamp with time zone,
    iv interval,
    f double precision,
    arr text[],
    m money,
    u uuid,
    r int4range
);


ALTER TABLE public.hard_values OWNER TO postgres;

--
-- Name: identity_rows; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.identity_rows (
    id bigint NOT NULL,
    v text
);


ALTER TABLE public.identity_rows OWNER TO postgres;

--
-- Name: identity_rows_id_seq; Type: SEQUENCE; Schema: public; Owner: postgres
--

ALTER TABLE public.identity_rows ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.identity_rows_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: measurements; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.measurements (
    id integer,
    taken date NOT NULL,
    value numeric
)
PARTITION BY RANGE (taken);


ALTER TABLE public.measurements OWNER TO postgres;

--
-- Name: measurements_2025; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.measurements_2025 (
    id integer,
    taken date NOT NULL,
    value numeric
);


ALTER TABLE public.measurements_2025 OWNER TO postgres;

--
-- Name: measurements_2026; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.measurements_2026 (
    id integer,
    taken date NOT NULL,
    value numeric
);


ALTER TABLE public.measurements_2026 OWNER TO postgres;

--
-- Name: moods; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.moods (
    m public.mood,
    n integer
)
PARTITION BY HASH (m);


ALTER TABLE public.moods OWNER TO postgres;

--
-- Name: moods_0; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.moods_0 (
    m public.mood,
    n integer
);


ALTER TABLE public.moods_0 OWNER TO postgres;

--
-- Name: moods_1; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.moods_1 (
    m public.mood,
    n integer
);


ALTER TABLE public.moods_1 OWNER TO postgres;

--
-- Name: no_key_duplicates; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.no_key_duplicates (
    a integer,
    b text
);


ALTER TABLE public.no_key_duplicates OWNER TO postgres;

--
-- Name: scratch_unlogged; Type: TABLE; Schema: public; Owner: postgres
--

CREATE UNLOGGED TABLE public.scratch_unlogged (
    id integer,
    payload text
);


ALTER TABLE public.scratch_unlogged OWNER TO postgres;

--
-- Name: standalone_seq; Type: SEQUENCE; Schema: public; Owner: postgres
--

CREATE SEQUENCE public.standalone_seq
    START WITH 100
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.standalone_seq OWNER TO postgres;

--
-- Name: vehicles_id_seq; Type: SEQUENCE; Schema: public; Owner: postgres
--

CREATE SEQUENCE public.vehicles_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


ALTER TABLE public.vehicles_id_seq OWNER TO postgres;

--
-- Name: vehicles_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: postgres
--

ALTER SEQUENCE public.vehicles_id_seq OWNED BY public.vehicles.id;


--
-- Name: zero_columns; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.zero_columns (
);


ALTER TABLE public.zero_columns OWNER TO postgres;

--
-- Name: Täble "quoted" Name; Type: TABLE; Schema: Ünïcode Schema; Owner: postgres
--

CREATE TABLE "Ünïcode Schema"."Täble ""quoted"" Name" (
    id integer NOT NULL,
    "Mixed Case" text,
    "ключ" text
);


ALTER TABLE "Ünïcode Schema"."Täble ""quoted"" Name" OWNER TO postgres;

--
-- Name: measurements_2025; Type: TABLE ATTACH; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.measurements ATTACH PARTITION public.measurements_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');


--
-- Name: measurements_2026; Type: TABLE ATTACH; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.measurements ATTACH PARTITION public.measurements_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');


--
-- Name: moods_0; Type: TABLE ATTACH; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.moods ATTACH PARTITION public.moods_0 FOR VALUES WITH (modulus 2, remainder 0);


--
-- Name: moods_1; Type: TABLE ATTACH; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.moods ATTACH PARTITION public.moods_1 FOR VALUES WITH (modulus 2, remainder 1);


--
-- Name: cars id; Type: DEFAULT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.cars ALTER COLUMN id SET DEFAULT nextval('public.vehicles_id_seq'::regclass);


--
-- Name: vehicles id; Type: DEFAULT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.vehicles ALTER COLUMN id SET DEFAULT nextval('public.vehicles_id_seq'::regclass);


--
-- Name: 16477; Type: BLOB; Schema: -; Owner: postgres
--

SELECT pg_catalog.lo_create('16477');


ALTER LARGE OBJECT 16477 OWNER TO postgres;

--
-- Name: 16478; Type: BLOB; Schema: -; Owner: postgres
--

SELECT pg_catalog.lo_create('16478');


ALTER LARGE OBJECT 16478 OWNER TO postgres;

--
-- Data for Name: cars; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.cars (id, name, doors) FROM stdin;
3	sedan	4
4	coupe	2
\.


--
-- Data for Name: dropped_and_generated; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.dropped_and_generated (id, keep) FROM stdin;
1	k1
2	k2
3	k3
\.


--
-- Data for Name: empty_table; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.empty_table (id, note) FROM stdin;
\.


--
-- Data for Name: hard_values; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.hard_values (id, t, b, j, n, ts, iv, f, arr, m, u, r) FROM stdin;
1	tab\there	\N	{"a": [1, 2, {"b": null}]}	12345678901234567890.123456789	2026-01-01 07:00:00+00	1 year 2 mons 3 days 04:
2	new\nline	\\x00	[]	0.0	1999-12-31 23:59:59.999999+00	-1 days	NaN	{}	-$1.00	\N	empty
3	back\\slash	\\xdeadbeef	"s"	NaN	infinity	00:00:00	-Infinity	{"\\\\N"}	$0.00	\N	\N
\.


--
-- Data for Name: identity_rows; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.identity_rows (id, v) FROM stdin;
1	v1
2	v2
3	v3
\.


--
-- Data for Name: measurements_2025; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.measurements_2025 (id, taken, value) FROM stdin;
1	2025-06-02	1.5
2	2025-06-03	3.0
3	2025-06-04	4.5
\.


--
-- Data for Name: measurements_2026; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.measurements_2026 (id, taken, value) FROM stdin;
214	2026-01-01	321.0
215	2026-01-02	322.5
216	2026-01-03	324.0
\.


--
-- Data for Name: moods_0; Type: TABLE DATA; Schema: public; Owner: postgres
--

-- load via partition root public.moods

COPY public.moods (m, n) FROM stdin;
ok	1
happy	2
sad	3
\.


--
-- Data for Name: moods_1; Type: TABLE DATA; Schema: public; Owner: postgres
--

-- load via partition root public.moods

COPY public.moods (m, n) FROM stdin;
\.


--
-- Data for Name: no_key_duplicates; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.no_key_duplicates (a, b) FROM stdin;
1	same
1	same
2	other
\.


--
-- Data for Name: scratch_unlogged; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.scratch_unlogged (id, payload) FROM stdin;
1	c4ca4238a0b923820dcc509a6f75849b
2	c81e728d9d4c2f636f067f89cc14862c
3	eccbc87e4b5ce2fe28308fd9f2a7baf3
\.


--
-- Data for Name: vehicles; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.vehicles (id, name) FROM stdin;
1	bike
2	cart
\.


--
-- Data for Name: zero_columns; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.zero_columns  FROM stdin;



\.


--
-- Data for Name: Täble "quoted" Name; Type: TABLE DATA; Schema: Ünïcode Schema; Owner: postgres
--

COPY "Ünïcode Schema"."Täble ""quoted"" Name" (id, "Mixed Case", "ключ") FROM stdin;
1	a b	значение
2	C"D	ü
\.


--
-- Name: identity_rows_id_seq; Type: SEQUENCE SET; Schema: public; Owner: postgres
--

SELECT pg_catalog.setval('public.identity_rows_id_seq', 7, true);


--
-- Name: standalone_seq; Type: SEQUENCE SET; Schema: public; Owner: postgres
--

SELECT pg_catalog.setval('public.standalone_seq', 101, true);


--
-- Name: vehicles_id_seq; Type: SEQUENCE SET; Schema: public; Owner: postgres
--

SELECT pg_catalog.setval('public.vehicles_id_seq', 4, true);


--
-- Data for Name: BLOBS; Type: BLOBS; Schema: -; Owner: -
--

BEGIN;

SELECT pg_catalog.lo_open('16477', 131072);
SELECT pg_catalog.lowrite(0, '\x6c61726765206f626a656374206f6e65');
SELECT pg_catalog.lo_close(0);

SELECT pg_catalog.lo_open('16478', 131072);
SELECT pg_catalog.lowrite(0, '\xabababababababababababababababab');
SELECT pg_catalog.lowrite(0, '\xabababababababababababababababab');
SELECT pg_catalog.lowrite(0, '\xabababababababababababababababab');
SELECT pg_catalog.lowrite(0, '\xabababababababababababababababab');
SELECT pg_catalog.lowrite(0, '\xabababababababababababababababab');
SELECT pg_catalog.lowrite(0, '\xabababababababababababababababab');
SELECT pg_catalog.lowrite(0, '\xabababababababababababababababab');
SELECT pg_catalog.lo_close(0);

COMMIT;

--
-- Name: hard_values hard_values_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.hard_values
    ADD CONSTRAINT hard_values_pkey PRIMARY KEY (id);


--
-- Name: vehicles vehicles_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.vehicles
    ADD CONSTRAINT vehicles_pkey PRIMARY KEY (id);


--
-- Name: Täble "quoted" Name Täble "quoted" Name_pkey; Type: CONSTRAINT; Schema: Ünïcode Schema; Owner: postgres
--

ALTER TABLE ONLY "Ünïcode Schema"."Täble ""quoted"" Name"
    ADD CONSTRAINT "Täble ""quoted"" Name_pkey" PRIMARY KEY (id);


--
-- PostgreSQL database dump complete
--

\unrestrict Xcu68NUzQhhUwHc01SErk5UJoaYp436f4eYBz8Bh45wyk6KyJ0ED6PDRkjapIhq

