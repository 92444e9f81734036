#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>

#include "DumpSplitter.hpp"
#include "Errors.hpp"

using namespace pgproof;

namespace {
// Feeds `text` to a splitter in pieces of `piece` bytes (to exercise chunk and line boundaries).
std::vector<DumpChunk> splitAll(const std::string& text, size_t target, size_t piece, DumpSplitter** keep = nullptr) {
    size_t pos = 0;
    static std::unique_ptr<DumpSplitter> s;
    s = std::make_unique<DumpSplitter>(
        [&, piece](char* buf, size_t cap) {
            size_t n = std::min({cap, piece, text.size() - pos});
            std::memcpy(buf, text.data() + pos, n);
            pos += n;
            return n;
        },
        target);
    std::vector<DumpChunk> out;
    while (auto c = s->next()) out.push_back(std::move(*c));
    if (keep) *keep = s.get();
    return out;
}

const std::string kHead = "--\n-- PostgreSQL database dump\n--\n\nSET x = 1;\n\n";
const std::string kTail = "\n--\n-- PostgreSQL database dump complete\n--\n\n";
const std::string kDataFor = "--\n-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: me\n--\n\n";
}  // namespace

TEST_CASE("splitter reassembles the exact stream and finds every table") {
    std::string rows;
    for (int i = 0; i < 500; ++i) rows += std::to_string(i) + "\tvalue with \\\\. inside " + std::to_string(i) + "\n";
    std::string dump = kHead +
                       "--\n-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: me\n--\n\n"
                       "COPY public.t (a, \"B c\") FROM stdin;\n" + rows + "\\.\n\n"
                       "--\n-- Data for Name: leaf_1; Type: TABLE DATA; Schema: s; Owner: me\n--\n\n"
                       "-- load via partition root s.root\nCOPY s.root (k) FROM stdin;\n\\.\n"
                       "--\n-- Data for Name: z; Type: TABLE DATA; Schema: public; Owner: me\n--\n\n"
                       "COPY public.z  FROM stdin;\n\n\n\\.\n"
                       "--\n-- Name: My Seq; Type: SEQUENCE SET; Schema: public; Owner: me\n--\n\n"
                       "SELECT pg_catalog.setval('public.\"My Seq\"', 42, true);\n" + kTail;
    for (size_t piece : {size_t(7), size_t(100), size_t(1) << 20}) {
        DumpSplitter* s = nullptr;
        auto chunks = splitAll(dump, 256, piece, &s);
        std::string joined;
        std::vector<DumpTable> tables;
        uint64_t rowBytes = 0;
        for (const auto& c : chunks) {
            joined += c.bytes;
            if (c.opensTable) tables.push_back(*c.opensTable);
            if (c.kind == DumpChunk::Kind::Rows) {
                rowBytes += c.bytes.size();
                REQUIRE((c.bytes.empty() || c.bytes.back() == '\n'));
            }
        }
        REQUIRE(joined == dump);
        REQUIRE(rowBytes == rows.size() + 2);
        REQUIRE(tables.size() == 3);
        CHECK(tables[0].id == QualifiedName{"public", "t"});
        CHECK(tables[0].columns == std::vector<std::string>{"a", "B c"});
        CHECK(tables[1].id == QualifiedName{"s", "leaf_1"});  // keyed by the leaf, not the root
        CHECK(tables[1].copyLine == "COPY s.root (k) FROM stdin;");
        CHECK(tables[2].id == QualifiedName{"public", "z"});
        CHECK(tables[2].columns.empty());
        REQUIRE(s->sequences().size() == 1);
        CHECK(s->sequences()[0].id == QualifiedName{"public", "My Seq"});
        CHECK(s->sequences()[0].lastValue == 42);
    }
}

TEST_CASE("splitter rejects what is not a plain pg_dump") {
    REQUIRE_THROWS_AS(splitAll("PGDMP\x01\x0e", 256, 100), BadInputError);
    REQUIRE_THROWS_AS(splitAll("hello world\n", 256, 100), BadInputError);
    REQUIRE_THROWS_AS(splitAll(kHead + kDataFor + "INSERT INTO public.t VALUES (1);\n" + kTail, 256, 100), BadInputError);
    REQUIRE_THROWS_AS(splitAll("", 256, 100), IncompleteError);
}

TEST_CASE("splitter notices a truncated dump") {
    std::string dump = kHead + kDataFor + "COPY public.t (a) FROM stdin;\n1\n2\n";
    REQUIRE_THROWS_AS(splitAll(dump, 256, 100), IncompleteError);
    REQUIRE_THROWS_AS(splitAll(kHead + "SELECT 1;\n", 256, 100), IncompleteError);  // no "dump complete"
}

TEST_CASE("rows longer than a frame stay whole") {
    std::string big(10000, 'x');
    std::string dump = kHead + kDataFor + "COPY public.t (a) FROM stdin;\n" + big + "\nshort\n\\.\n" + kTail;
    auto chunks = splitAll(dump, 256, 333);
    size_t rowsSeen = 0;
    for (const auto& c : chunks)
        if (c.kind == DumpChunk::Kind::Rows)
            for (char ch : c.bytes) rowsSeen += ch == '\n';
    REQUIRE(rowsSeen == 2);
}

TEST_CASE("COPY line and header parsing") {
    auto t = parseCopyLine("COPY \"Ünï Schema\".\"Täble \"\"q\"\" Name\" (id, \"Mixed Case\") FROM stdin;");
    REQUIRE(t);
    CHECK(t->id == QualifiedName{"Ünï Schema", "Täble \"q\" Name"});
    CHECK(t->columns == std::vector<std::string>{"id", "Mixed Case"});
    auto h = parseDataHeader("-- Data for Name: a; b; Type: TABLE DATA; Schema: s x; Owner: -");
    REQUIRE(h);
    CHECK(h->name == "a; b");
    CHECK(h->schema == "s x");
}

TEST_CASE("lines inside function bodies are never taken for data") {
    std::string body = "--\n-- Name: f(); Type: FUNCTION; Schema: public; Owner: me\n--\n\n"
                       "CREATE FUNCTION public.f() RETURNS void LANGUAGE sql AS $$\n"
                       "INSERT INTO public.log VALUES (1);\n"
                       "COPY public.log (x) FROM stdin;\n"
                       "SELECT pg_catalog.setval('public.s', 5, true);\n$$;\n";
    DumpSplitter* s = nullptr;
    auto chunks = splitAll(kHead + body + kTail, 256, 100, &s);
    for (const auto& c : chunks) REQUIRE(c.kind == DumpChunk::Kind::Sql);
    REQUIRE(s->sequences().empty());
}

TEST_CASE("a dump cut before its \\unrestrict line is truncated") {
    std::string head = "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc\n\n";
    REQUIRE_NOTHROW(splitAll(head + kTail + "\\unrestrict abc\n\n", 256, 100));
    REQUIRE_THROWS_AS(splitAll(head + kTail, 256, 100), IncompleteError);
}

TEST_CASE("a row longer than the long line goes out in pieces that make one frame, and the rest stay whole lines") {
    const std::string longRow = "1\t" + std::string(1000, 'x') + "\\\\.";  // ends like a terminator, but is data
    const std::string rows = "0\tshort\n" + longRow + "\n2\tafter\n";
    const std::string dump = kHead + kDataFor + "COPY public.t (a, b) FROM stdin;\n" + rows + "\\.\n" + kTail;
    for (size_t piece : {size_t{7}, size_t{4096}}) {
        size_t pos = 0;
        DumpSplitter s(
            [&](char* buf, size_t cap) {
                size_t n = std::min({cap, piece, dump.size() - pos});
                std::memcpy(buf, dump.data() + pos, n);
                pos += n;
                return n;
            },
            64, 256);
        DumpChunk c;
        std::string joined, frame, rowsSeen;
        std::vector<std::string> frames;  // rows frames as the pipeline makes them
        bool open = false;
        while (s.next(c)) {
            joined += c.bytes;
            if (c.kind != DumpChunk::Kind::Rows) continue;
            rowsSeen += c.bytes;
            REQUIRE(c.continuesFrame == open);  // a piece continues exactly the frame left open
            frame += c.bytes;
            open = c.frameGoesOn;
            if (!open) {
                REQUIRE((frame.empty() || frame.back() == '\n'));
                frames.push_back(frame);
                frame.clear();
            }
        }
        REQUIRE_FALSE(open);
        REQUIRE(joined == dump);
        REQUIRE(rowsSeen == rows);
        REQUIRE(std::find(frames.begin(), frames.end(), longRow + "\n") != frames.end());
        REQUIRE(s.tableCount() == 1);
    }
}
