"""The conventions clients of Fuseki and Virtuoso rely on, as `prc-kg serve` follows them: the service
description, `format=` / `output=`, JSON-LD and prefixed Turtle for graphs, CORS, the access log, a
syntax error in the user's words; and `prc-kg query --format` for CONSTRUCT answers."""

from __future__ import annotations

import io
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from prc_kg.endpoint.server import AccessLog, Limits, make_server, serve_in_thread
from prc_kg.vocab import PRC_IRI

PRC = Namespace(PRC_IRI)
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
CONSTRUCT = f"CONSTRUCT {{ ?s <{SUBCLASS}> ?o }} WHERE {{ ?s <{SUBCLASS}> ?o }}"
SELECT = f"SELECT ?s ?l WHERE {{ ?s <{RDFS_LABEL}> ?l }} ORDER BY ?s"


def small_store() -> ox.Store:
    store = ox.Store()
    label, sub = ox.NamedNode(RDFS_LABEL), ox.NamedNode(SUBCLASS)
    for name, text, parent in (("Interpretation", "interpretation", "TherapistIntervention"),
                               ("TherapistIntervention", "therapist intervention", "ProcessComponent")):
        store.add(ox.Quad(ox.NamedNode(PRC_IRI + name), label, ox.Literal(text, language="en")))
        store.add(ox.Quad(ox.NamedNode(PRC_IRI + name), sub, ox.NamedNode(PRC_IRI + parent)))
    return store


@contextmanager
def serving(store: ox.Store | None = None, **kw):
    """An in-process endpoint on a free loopback port; yields its /sparql URL."""
    server = make_server(store or small_store(), "127.0.0.1", 0, Limits(timeout=10), **kw)
    serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


def http(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    """Status, headers (lower-case names) and body of one request."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def get(url: str, query: str | None = None, accept: str | None = None, **params: str):
    pairs = {**({"query": query} if query else {}), **params}
    full = url + ("?" + urllib.parse.urlencode(pairs) if pairs else "")
    return http(full, headers={"Accept": accept} if accept else {})


# -- the service description ---------------------------------------------------------------------------------

@pytest.mark.parametrize("accept,rdflib_format", [(None, "turtle"), ("text/turtle", "turtle"),
                                                   ("application/rdf+xml", "xml"),
                                                   ("application/ld+json", "json-ld")])
def test_get_without_a_query_describes_the_service(accept, rdflib_format):
    with serving() as url:
        status, headers, body = get(url, accept=accept)
    assert status == 200 and headers["content-type"].split(";")[0] == (accept or "text/turtle")
    g = Graph().parse(data=body, format=rdflib_format)
    service = g.value(None, SD.endpoint, URIRef(url))
    assert service is not None, "sd:endpoint names the URL the client used"
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    formats = {str(f).rsplit("/", 1)[-1] for f in g.objects(service, SD.resultFormat)}
    assert {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle",
            "N-Triples", "JSON-LD", "RDF_XML"} == formats
    if accept in (None, "text/turtle"):
        assert b"@prefix sd: <http://www.w3.org/ns/sparql-service-description#>" in body


def test_the_service_description_is_the_same_graph_in_every_format_and_names_the_limits():
    with serving() as url:
        graphs = [Graph().parse(data=get(url, format=short)[2], format=fmt)
                  for short, fmt in (("ttl", "turtle"), ("jsonld", "json-ld"), ("rdfxml", "xml"), ("nt", "nt"))]
        assert get(url, format="csv")[0] == 406  # a description is a graph, not a table
    assert all(isomorphic(graphs[0], g) for g in graphs[1:])
    comment = str(next(o for _, p, o in graphs[0] if str(p).endswith("#comment")))
    assert "10 s" in comment and "10000 rows" in comment


# -- format= and output= -------------------------------------------------------------------------------------

@pytest.mark.parametrize("query,param,value,media", [
    (SELECT, "format", "json", "application/sparql-results+json"),
    (SELECT, "output", "json", "application/sparql-results+json"),
    (SELECT, "format", "xml", "application/sparql-results+xml"),
    (SELECT, "format", "csv", "text/csv"),
    (SELECT, "output", "tsv", "text/tab-separated-values"),
    (SELECT, "format", "application/sparql-results+json", "application/sparql-results+json"),  # Virtuoso's way
    (SELECT, "format", "text/csv", "text/csv"),
    (CONSTRUCT, "format", "turtle", "text/turtle"),
    (CONSTRUCT, "output", "ttl", "text/turtle"),
    (CONSTRUCT, "format", "ntriples", "application/n-triples"),
    (CONSTRUCT, "format", "jsonld", "application/ld+json"),
    (CONSTRUCT, "format", "json", "application/ld+json"),  # json on a graph is JSON-LD, as in Fuseki
    (CONSTRUCT, "format", "rdfxml", "application/rdf+xml"),
    (CONSTRUCT, "format", "xml", "application/rdf+xml"),
    (CONSTRUCT, "format", "application/ld+json", "application/ld+json"),
])
def test_a_format_parameter_chooses_the_format_over_accept(query, param, value, media):
    with serving() as url:
        status, headers, body = get(url, query, accept="text/plain", **{param: value})  # Accept alone: 406
        posted = http(url, urllib.parse.urlencode({"query": query, param: value}).encode(),
                      {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and headers["content-type"] == f"{media}; charset=utf-8"
    assert posted[0] == 200 and posted[2] == body  # in a form body too
    if media == "text/csv":
        assert body.decode().splitlines()[0] == "s,l" and len(body.decode().splitlines()) == 3
    elif query is SELECT:
        rows = ox.parse_query_results(body, format={"text/tab-separated-values": ox.QueryResultsFormat.TSV,
                                                    "application/sparql-results+xml": ox.QueryResultsFormat.XML}
                                      .get(media, ox.QueryResultsFormat.JSON))
        assert len(list(rows)) == 2
    else:
        rdf = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
               "application/rdf+xml": "xml"}[media]
        assert len(Graph().parse(data=body, format=rdf)) == 2


def test_an_unescaped_plus_in_a_format_still_reads_as_plus():
    with serving() as url:
        status, headers, _ = http(url + "?query=" + urllib.parse.quote(SELECT) + "&format=application/sparql-results+xml")
    assert status == 200 and headers["content-type"].startswith("application/sparql-results+xml")


def test_an_unknown_or_unfitting_format_is_refused_with_what_is_offered():
    with serving() as url:
        status, _, body = get(url, SELECT, format="yaml")
        assert status == 400 and b"format 'yaml' is not known" in body and b"turtle" in body
        status, _, body = get(url, SELECT, format="turtle")  # a table cannot be Turtle
        assert status == 406 and b"a SELECT result" in body


# -- graph answers: JSON-LD, and Turtle with our prefixes ---------------------------------------------------

def test_sparqlwrapper_asking_json_ld_gets_json_ld():
    from SPARQLWrapper import JSONLD, TURTLE, XML, SPARQLWrapper

    with serving() as url:
        client = SPARQLWrapper(url)
        client.setQuery(CONSTRUCT)
        expected = None
        for fmt in (JSONLD, TURTLE, XML):
            client.setReturnFormat(fmt)
            response = client.query()
            media = {JSONLD: "application/ld+json", TURTLE: "text/turtle", XML: "application/rdf+xml"}[fmt]
            assert response.info()["content-type"].startswith(media)
            g = response.convert()
            g = g if isinstance(g, Graph) else Graph().parse(data=g, format="turtle")
            assert (PRC.Interpretation, URIRef(SUBCLASS), PRC.TherapistIntervention) in g and len(g) == 2
            expected = expected or g
            assert isomorphic(g, expected)


def test_turtle_answers_use_the_project_prefixes():
    with serving() as url:
        turtle = get(url, CONSTRUCT, accept="text/turtle")[2].decode()
        ntriples = get(url, CONSTRUCT, accept="application/n-triples")[2].decode()
        again = get(url, CONSTRUCT, accept="text/turtle")[2].decode()
    assert "@prefix prc: <https://w3id.org/prc-kg/ontology/> ." in turtle
    assert "prc:Interpretation rdfs:subClassOf prc:TherapistIntervention" in turtle
    assert "<https://w3id.org/prc-kg/ontology/" not in turtle.split(" .\n", 2)[-1]  # none written in full
    assert "@prefix sosa:" not in turtle  # only the prefixes it uses
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), Graph().parse(data=ntriples, format="nt"))
    assert turtle == again


# -- CORS --------------------------------------------------------------------------------------------------

PREFLIGHT = {"Origin": "http://127.0.0.1:9", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type"}


def test_cors_is_off_by_default():
    with serving() as url:
        status, headers, _ = http(url, method="OPTIONS", headers=PREFLIGHT)
        assert status == 200 and "access-control-allow-origin" not in headers
        _, headers, _ = get(url, SELECT)
        assert not any(name.startswith("access-control-") for name in headers)


def test_cors_preflight_and_answers_carry_the_headers_fuseki_sets():
    with serving(cors=True) as url:
        status, headers, body = http(url, method="OPTIONS", headers=PREFLIGHT)
        assert status == 200 and body == b""
        assert headers["access-control-allow-origin"] == "*"
        assert "POST" in headers["access-control-allow-methods"].split(", ")
        assert "content-type" in headers["access-control-allow-headers"].lower()
        assert int(headers["access-control-max-age"]) > 0
        status, headers, _ = http(url, SELECT.encode(), {"Content-Type": "application/sparql-query",
                                                         "Origin": "http://127.0.0.1:9"})
        assert status == 200 and headers["access-control-allow-origin"] == "*"
        assert "Content-Type" in headers["access-control-expose-headers"]
        assert "access-control-allow-credentials" not in headers  # no login: browsers send no credentials
        assert get(url, "SELEC ?x")[1]["access-control-allow-origin"] == "*"  # errors too, so pages can read them


# -- the access log ------------------------------------------------------------------------------------------

_LINE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1 "(?P<method>[A-Z]+)" (?P<path>"(?:[^"\\]|\\.)*") '
                   r'(?P<status>\d{3}) (?P<size>\d+) (?P<ms>\d+\.\d)ms(?: query=(?P<query>".*"))?$')


@pytest.mark.parametrize("log_queries", [False, True])
def test_the_access_log_has_a_line_per_request_and_the_query_only_when_asked(log_queries):
    out = io.StringIO()
    secret = 'SELECT ?s WHERE { ?s ?p "private words" }'
    with serving(access_log=AccessLog(out, log_queries)) as url:
        answers = [get(url, secret), get(url, "SELEC ?x"), http(url.replace("/sparql", "/nowhere?x=1")),
                   http(url, secret.encode(), {"Content-Type": "application/sparql-query"})]
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    parsed = [_LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["method"], json.loads(m["path"]), int(m["status"])) for m in parsed] == [
        ("GET", "/sparql", 200), ("GET", "/sparql", 400), ("GET", "/nowhere", 404), ("POST", "/sparql", 200)]
    assert [int(m["size"]) for m in parsed] == [len(body) for _, _, body in answers]
    if log_queries:
        assert [m["query"] and json.loads(m["query"]) for m in parsed] == [secret, "SELEC ?x", None, secret]
    else:
        assert "private words" not in out.getvalue() and all(m["query"] is None for m in parsed)


def test_a_path_cannot_forge_a_log_line():
    import socket

    out = io.StringIO()
    with serving(access_log=AccessLog(out)) as url:
        port = int(url.split(":")[2].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:  # what urllib would refuse to send
            sock.sendall(b'GET /a"\x1b[2J"%0A?q=1 HTTP/1.1\r\nHost: 127.0.0.1:' + str(port).encode()
                         + b"\r\nConnection: close\r\n\r\n")
            while sock.recv(65536):
                pass
    (line,) = out.getvalue().splitlines()
    assert "\x1b" not in line and _LINE.match(line), line
    assert json.loads(_LINE.match(line)["path"]) == '/a"\x1b[2J"%0A'


# -- syntax errors in the user's words -----------------------------------------------------------------------

@pytest.mark.parametrize("query,expected", [
    ("SELEC ?x WHERE { ?x ?p ?o }", "line 1, column 1: found `SELEC` where the query form should be"),
    ("SELEC ?x WHERE { ?x ?p ?o }", "did you mean SELECT?"),
    ("PREFIX prc: <https://w3id.org/prc-kg/ontology/>\nSELECT ?x WHER { ?x a prc:Case }",
     "line 2, column 11: found `WHER`, which is not a SPARQL keyword or function (did you mean WHERE?)"),
    ("SELECT ?x WHERE { ?x rdfs:label ?l }", "line 1, column 22: the prefix `rdfs:` of `rdfs:label` is not declared"),
    ("SELECT ?x WHERE { ?x ?p ?o . FILTR(?x) }", "did you mean FILTER?"),
    ("SELECT ?x WHERE { ?x ?p \"open }", "line 1, column 25: the string opened here is never closed"),
    ("SELECT ?x WHERE { ?x ?p ?o", "line 1, column 17: the `{` opened here is never closed"),
    ("SELECT ?x WHERE { ?x ?p ?o } }", "line 1, column 30: found `}`, which closes nothing"),
    ("SELECT ?x WHERE { ?x ?p ?o ?q }", "found the end of the query after `}`; expected"),
    ("SELECT (COUNT(?x) ?n) WHERE { ?x ?p ?o }", "line 1, column 19: found `?n` where `AS` should come"),
])
def test_a_syntax_error_says_where_what_was_found_and_what_could_come(query, expected):
    with serving() as url:
        status, _, body = get(url, query)
    assert status == 400
    text = body.decode()
    assert text.startswith("SPARQL syntax error: ") and expected in text, text
    assert "[" not in text.split("expected", 1)[-1]  # no parser character classes


def test_no_library_query_trips_the_syntax_checks():
    """The checks that find a mistake themselves must pass every query the project ships."""
    from pathlib import Path

    from prc_kg.store import sparqlerror

    root = Path(__file__).resolve().parents[1]
    files = sorted((root / "queries").rglob("*.rq")) + sorted((root / "src" / "prc_kg" / "store").rglob("*.rq"))
    assert len(files) > 50
    for path in files:
        toks = sparqlerror.tokens(path.read_text(encoding="utf-8"))
        for check in (sparqlerror._unclosed, sparqlerror._form, sparqlerror._undeclared, sparqlerror._unknown_word,
                      sparqlerror._missing_as):
            assert check(toks) is None, (path.name, check(toks))


def test_the_embedded_store_reports_the_same_words():
    from prc_kg.store.backends import EmbeddedStore, QueryError

    with pytest.raises(QueryError, match=r"found `SELEC` .* \(did you mean SELECT\?\)"):
        EmbeddedStore().query("SELEC ?x WHERE { ?x ?p ?o }")


# -- prc-kg query --format on a graph ------------------------------------------------------------------------

def test_format_result_writes_graph_answers_in_the_format_asked_for():
    from prc_kg.store.backends import QueryError, collect
    from prc_kg.store.results import format_result

    store = small_store()
    result = collect(store.query(CONSTRUCT))
    graphs = {fmt: Graph().parse(data=format_result(result, fmt), format=rdf)
              for fmt, rdf in (("turtle", "turtle"), ("table", "turtle"), ("ntriples", "nt"),
                               ("jsonld", "json-ld"), ("json", "json-ld"), ("rdfxml", "xml"))}
    assert all(len(g) == 2 and isomorphic(g, graphs["ntriples"]) for g in graphs.values())
    assert b"@prefix prc:" in format_result(result, "turtle")
    with pytest.raises(QueryError, match="a CONSTRUCT or DESCRIBE answer is a graph, which csv cannot hold"):
        format_result(result, "csv")
    with pytest.raises(QueryError, match="a SELECT answer is not a graph"):
        format_result(collect(store.query(SELECT)), "turtle")


@pytest.mark.slow
@pytest.mark.parametrize("fmt,rdf", [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld")])
def test_prc_kg_query_writes_a_construct_as_asked(store_dir, tmp_path, capsysbinary, fmt, rdf):
    from prc_kg.cli.main import main

    rq = tmp_path / "sections.rq"
    rq.write_text("# title: the manual's sections\nPREFIX prc: <https://w3id.org/prc-kg/ontology/>\n"
                  "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                  "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a prc:ManualSection ; rdfs:label ?l }\n",
                  encoding="utf-8")
    assert main(["query", str(rq), "--store", str(store_dir), "--format", fmt]) == 0
    out = capsysbinary.readouterr().out
    g = Graph().parse(data=out, format=rdf)
    assert len(set(g.subjects())) == 5 and all(str(s).startswith(PRC_IRI + "Section") for s in g.subjects())
    assert all(isinstance(o, Literal) for o in g.objects())
    if fmt == "turtle":
        assert out.startswith(b"@prefix") and b"prc:Section1" in out


# -- prc-kg serve: the flags ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_serve_writes_its_access_log_to_a_file_and_answers_cors_when_asked(tmp_path):
    import select
    import subprocess
    import sys
    from pathlib import Path

    store = ox.Store(str(tmp_path / "store"))
    store.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("v")))
    store.flush()
    del store
    log = tmp_path / "access.log"
    exe = Path(sys.executable).parent / "prc-kg"
    proc = subprocess.Popen([str(exe), "serve", "--store", str(tmp_path / "store"), "--port", "0", "--cors",
                             "--access-log", str(log), "--log-queries"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert select.select([proc.stdout], [], [], 60)[0], "prc-kg serve printed nothing in 60 s"
        url = "http://127.0.0.1:" + proc.stdout.readline().split("127.0.0.1:")[1].split("/")[0] + "/sparql"
        status, headers, _ = get(url, "ASK { ?s ?p ?o }")
        assert status == 200 and headers["access-control-allow-origin"] == "*"
        assert http(url, method="OPTIONS", headers=PREFLIGHT)[1]["access-control-allow-methods"]
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [(_LINE.match(line)["method"], _LINE.match(line)["query"]) for line in lines] == [
        ("GET", json.dumps("ASK { ?s ?p ?o }")), ("OPTIONS", None)]
    assert "ASK" not in err  # the log went to the file, not to standard error


@pytest.mark.parametrize("where", ["folder", "source"])
def test_serve_refuses_an_access_log_it_cannot_or_must_not_write(tmp_path, capsys, where):
    from pathlib import Path

    from prc_kg.cli.main import main

    target = tmp_path if where == "folder" else Path(__file__).resolve().parents[1] / "ontology" / "prc-kg.ttl"
    before = target.read_bytes() if target.is_file() else None
    assert main(["serve", "--port", "0", "--access-log", str(target)]) == 2  # bad input
    err = capsys.readouterr().err
    assert str(target) in err or target.name in err
    if before is not None:
        assert target.read_bytes() == before
