--
-- PostgreSQL database dump
--

-- Dumped from database version 14.4
-- Dumped by pg_dump version 14.4

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
-- Data for Name: actor; Type: TABLE DATA; Schema: public; Owner: postgres
--

SET SESSION AUTHORIZATION DEFAULT;

ALTER TABLE public.actor DISABLE TRIGGER ALL;

COPY public.actor (actor_id, first_name, last_name, last_update) FROM stdin;
1	PENELOPE	GUINESS	2006-02-15 09:34:33
2	NICK	WAHLBERG	2006-02-15 09:34:33
3	ED	CHASE	2006-02-15 09:34:33
\.


ALTER TABLE public.actor ENABLE TRIGGER ALL;

--
-- Data for Name: language; Type: TABLE DATA; Schema: public; Owner: postgres
--

ALTER TABLE public.language DISABLE TRIGGER ALL;

COPY public.language (language_id, name, last_update) FROM stdin;
1	English             	2006-02-15 10:02:19
2	Italian             	2006-02-15 10:02:19
3	Japanese            	2006-02-15 10:02:19
\.


ALTER TABLE public.language ENABLE TRIGGER ALL;

--
-- Data for Name: film; Type: TABLE DATA; Schema: public; Owner: postgres
--

ALTER TABLE public.film DISABLE TRIGGER ALL;

COPY public.film (film_id, title, description, release_year, language_id, original_language_id, rental_duration, rental_rate, length, replacement_cost, rating, last_update, special_features, fulltext) FROM stdin;
1	ACADEMY DINOSAUR	A Epic Drama of a Feminist And a Mad Scientist who must Battle a Teacher in The Canadian Rockies	2006
2	ACE GOLDFINGER	A Astounding Epistle of a Database Administrator And a Explorer who must Find a Car in Ancient China	20
3	ADAPTATION HOLES	A Astounding Reflection of a Lumberjack And a Car who must Sink a Lumberjack in A Baloon Factory	2006
\.


ALTER TABLE public.film ENABLE TRIGGER ALL;

--
-- Data for Name: payment_p2007_01; Type: TABLE DATA; Schema: public; Owner: postgres
--

ALTER TABLE public.payment_p2007_01 DISABLE TRIGGER ALL;

COPY public.payment_p2007_01 (payment_id, customer_id, staff_id, rental_id, amount, payment_date) FROM stdin;
5	1	2	1476	9.99	2007-01-08 03:50:47.893575
9	1	1	3284	3.99	2007-01-10 02:01:28.512662
33	2	1	320	4.99	2007-01-30 00:32:58.497686
\.


ALTER TABLE public.payment_p2007_01 ENABLE TRIGGER ALL;

--
-- Data for Name: payment_p2007_02; Type: TABLE DATA; Schema: public; Owner: postgres
--

ALTER TABLE public.payment_p2007_02 DISABLE TRIGGER ALL;

COPY public.payment_p2007_02 (payment_id, customer_id, staff_id, rental_id, amount, payment_date) FROM stdin;
6	1	1	1725	4.99	2007-02-26 20:14:30.761969
7	1	1	2308	4.99	2007-02-03 08:22:04.571656
13	1	1	5326	4.99	2007-02-06 11:04:50.349133
\.


ALTER TABLE public.payment_p2007_02 ENABLE TRIGGER ALL;

--
-- Name: actor_actor_id_seq; Type: SEQUENCE SET; Schema: public; Owner: postgres
--

SELECT pg_catalog.setval('public.actor_actor_id_seq', 200, true);


--
-- Name: film_film_id_seq; Type: SEQUENCE SET; Schema: public; Owner: postgres
--

SELECT pg_catalog.setval('public.film_film_id_seq', 1000, true);


--
-- PostgreSQL database dump complete
--

