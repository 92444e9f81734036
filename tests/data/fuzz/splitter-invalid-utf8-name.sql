--
-- PostgreSQL database dump
--

SET client_encoding = 'UTF8';

--
-- Data for Name: tå; Type: TABLE DATA; Schema: public; Owner: me
--

COPY public."tå" (a) FROM stdin;
1
\.

--
-- PostgreSQL database dump complete
--

