"""`prc-kg serve` and remote stores: the SPARQL protocol with real clients, refusal of writes and
abuse, the time limit, and the same queries on the Oxigraph server engine."""

from __future__ import annotations

import csv
import io
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import run_library_query
from rdflib import Graph, URIRef

from prc_kg.cli.main import main
from prc_kg.endpoint.server import Limits, make_server, serve_in_thread
from prc_kg.store.backends import EmbeddedStore, RemoteStore, bind_with_values
from prc_kg.store.querylib import find_query, read_query

pytestmark = pytest.mark.slow  # real servers and clients

SECTIONS = ("PREFIX prc: <https://w3id.org/prc-kg/ontology/> "
            "SELECT ?s WHERE { ?s a prc:ManualSection } ORDER BY ?s")
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def endpoint(kg_store):
    server = make_server(kg_store.ox, "127.0.0.1", 0, Limits(timeout=3, max_rows=50))
    serve_in_thread(server)
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


def _http(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def test_sparqlwrapper_select_ask_construct(endpoint):
    from SPARQLWrapper import JSON, N3, SPARQLWrapper

    client = SPARQLWrapper(endpoint)
    client.setQuery(SECTIONS)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert [r["s"]["value"].rsplit("/", 1)[-1] for r in rows] == [f"Section{i}" for i in range(1, 6)]
    client.setQuery("PREFIX prc: <https://w3id.org/prc-kg/ontology/> ASK { prc:Section3 a prc:ManualSection }")
    assert client.query().convert()["boolean"] is True
    client.setQuery("PREFIX prc: <https://w3id.org/prc-kg/ontology/> "
                    "CONSTRUCT { ?s a prc:ManualSection } WHERE { ?s a prc:ManualSection }")
    client.setReturnFormat(N3)
    g = Graph().parse(data=client.query().convert(), format="turtle")
    assert len(g) == 5


def test_rdflib_sparqlstore_as_client(endpoint):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    g = Graph(store=SPARQLStore(query_endpoint=endpoint, returnFormat="json"),
              identifier=URIRef("urn:x-prc-kg:default"))
    rows = list(g.query(SECTIONS))
    assert len(rows) == 5
    assert (URIRef("https://w3id.org/prc-kg/ontology/Section1"), None, None) in g


@pytest.mark.parametrize("accept,ctype,check", [
    ("text/csv", "text/csv", lambda b: b.decode().splitlines()[0] == "s" and len(b.decode().splitlines()) == 6),
    ("text/tab-separated-values", "text/tab-separated-values", lambda b: b.decode().splitlines()[0] == "?s"),
    ("application/sparql-results+xml", "application/sparql-results+xml", lambda b: b.count(b"<result>") == 5),
    ("application/sparql-results+json", "application/sparql-results+json", lambda b: b.count(b'"uri"') == 5),
])
def test_content_negotiation(endpoint, accept, ctype, check):
    status, got, body = _http(endpoint + "?" + urllib.parse.urlencode({"query": SECTIONS}), headers={"Accept": accept})
    assert status == 200 and got.startswith(ctype) and check(body)


@pytest.mark.parametrize("data,headers,code,text", [
    (b"DROP ALL", {"Content-Type": "application/sparql-update"}, 403, b"read-only"),
    (urllib.parse.urlencode({"update": "DROP ALL"}).encode(), {"Content-Type": "application/x-www-form-urlencoded"},
     403, b"read-only"),
    (b"LOAD <http://example.org/data.ttl>", {"Content-Type": "application/sparql-query"}, 403, b"LOAD"),
    (b"SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
     {"Content-Type": "application/sparql-query"}, 403, b"SERVICE"),
    (b"SELECT * WHERE { ?s ?p }", {"Content-Type": "application/sparql-query"}, 400, b"syntax error"),
    (b"x" * (2 << 20), {"Content-Type": "application/sparql-query"}, 413, b"too large"),
])
def test_writes_federation_bad_and_oversized_requests_are_refused(endpoint, kg_store, data, headers, code, text):
    size = len(kg_store)
    status, _, body = _http(endpoint, data, headers)
    assert status == code and text in body
    assert len(kg_store) == size


def test_keywords_inside_strings_variables_and_iris_are_not_refused(endpoint):
    query = 'SELECT ?add WHERE { BIND("DROP ALL; SERVICE" AS ?add) }'
    status, _, body = _http(endpoint, query.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 200 and b"DROP ALL; SERVICE" in body


def test_runaway_query_is_stopped_while_others_are_served(endpoint):
    slow: dict = {}

    def run_slow() -> None:
        start = time.perf_counter()
        slow["status"] = _http(endpoint, SLOW.encode(), {"Content-Type": "application/sparql-query"})[0]
        slow["seconds"] = time.perf_counter() - start

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.5)
    start = time.perf_counter()
    status, _, _ = _http(endpoint, SECTIONS.encode(), {"Content-Type": "application/sparql-query"})
    quick = time.perf_counter() - start
    thread.join()
    assert status == 200 and quick < 2.5
    assert slow["status"] == 503 and slow["seconds"] < 6


def test_result_size_is_capped(endpoint):
    status, _, body = _http(endpoint, b"SELECT ?s WHERE { ?s ?p ?o }", {"Content-Type": "application/sparql-query",
                                                                        "Accept": "text/csv"})
    assert status == 200 and len(body.decode().splitlines()) == 51


def test_query_page_works_offline(endpoint):
    status, ctype, body = _http(endpoint.rsplit("/", 1)[0] + "/")
    assert status == 200 and ctype.startswith("text/html")
    assert b"src=\"http" not in body and b"href=\"http" not in body and b'src="web/querypage.js"' in body  # the page: tests/test_querypage_browser.py


def test_non_loopback_needs_an_explicit_flag(kg_store):
    with pytest.raises(ValueError, match="--allow-remote"):
        make_server(kg_store.ox, "0.0.0.0", 0)


def test_remote_store_runs_library_queries_like_the_embedded_one(endpoint, kg_store):
    remote = RemoteStore(endpoint)
    for name, params in (("cq01_session_intervention_types", {}),
                         ("cq01_session_intervention_types", {"session": "data:case/annie/session/1"})):
        here = run_library_query(kg_store, name, **params)
        there = run_library_query(remote, name, **params)
        assert sorted(tuple(map(str, r)) for r in there.rows) == sorted(tuple(map(str, r)) for r in here.rows)
        assert here.rows


# -- one serialiser: `prc-kg query --format` and the endpoint give the same bytes -----------------------------

MEDIA = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/sparql-results+json"}
# IRIs and literals a CSV or TSV writer can get wrong: a comma in an IRI, quotes, a tab, a line break, a
# language tag, a typed number, an unbound variable
AWKWARD = """# title: awkward terms
PREFIX prc: <https://w3id.org/prc-kg/ontology/>
SELECT ?s ?o ?none WHERE {
  VALUES (?s ?o) { (<http://example.org/a,b> "x, \\"y\\"\\n\\tz; é") (<http://example.org/b> "hi"@en-GB)
                   (<http://example.org/c> 3) (<http://example.org/d> 2.50) }
  OPTIONAL { ?s prc:nothing ?none }
} ORDER BY ?s
"""
ASK_SECTIONS = "# title: sections exist\nPREFIX prc: <https://w3id.org/prc-kg/ontology/>\nASK { ?s a prc:ManualSection }\n"


@pytest.fixture(scope="module")
def store_endpoint(store_dir):
    """The endpoint in-process over the same store folder the command line reads."""
    server = make_server(EmbeddedStore(store_dir, read_only=True).ox, "127.0.0.1", 0, Limits(timeout=30))
    serve_in_thread(server)
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql"
    server.shutdown()
    server.server_close()


def _cli_bytes(capsysbinary, *args: str) -> bytes:
    capsysbinary.readouterr()
    assert main(["query", *args]) == 0
    return capsysbinary.readouterr().out


@pytest.mark.parametrize("fmt", sorted(MEDIA))
@pytest.mark.parametrize("name", ["cq01_session_intervention_types", "cq03_section_components",
                                  "cq10_moderated_findings", "awkward", "ask"])
def test_cli_format_gives_the_bytes_the_endpoint_sends(store_dir, store_endpoint, tmp_path, capsysbinary, name, fmt):
    if name in ("awkward", "ask"):
        path = tmp_path / f"{name}.rq"
        path.write_text(AWKWARD if name == "awkward" else ASK_SECTIONS, encoding="utf-8")
        q = read_query(path)
    else:
        q = find_query(name)
    sent = bind_with_values(q.text, q.bindings({}))  # the default parameters, as the command line binds them
    status, ctype, body = _http(store_endpoint, sent.encode(), {"Content-Type": "application/sparql-query",
                                                                "Accept": MEDIA[fmt]})
    assert status == 200 and ctype.startswith(MEDIA[fmt])
    printed = _cli_bytes(capsysbinary, str(q.path) if name in ("awkward", "ask") else name,
                         "--store", str(store_dir), "--format", fmt)
    assert printed == body and len(body) > 12


def test_cli_tsv_writes_terms_in_ntriples_form_and_csv_quotes_what_needs_it(store_dir, tmp_path, capsysbinary):
    path = tmp_path / "awkward.rq"
    path.write_text(AWKWARD, encoding="utf-8")
    tsv = _cli_bytes(capsysbinary, str(path), "--store", str(store_dir), "--format", "tsv").decode().split("\n")
    assert tsv[0] == "?s\t?o\t?none"
    assert tsv[1] == '<http://example.org/a,b>\t"x, \\"y\\"\\n\\tz; é"\t'
    assert tsv[2] == '<http://example.org/b>\t"hi"@en-gb\t'
    assert tsv[3] == '<http://example.org/c>\t"3"^^<http://www.w3.org/2001/XMLSchema#integer>\t'
    rows = list(csv.reader(io.StringIO(_cli_bytes(capsysbinary, str(path), "--store", str(store_dir),
                                                  "--format", "csv").decode(), newline="")))
    assert rows[0] == ["s", "o", "none"] and rows[1] == ["http://example.org/a,b", 'x, "y"\n\tz; é', ""]


@pytest.mark.parametrize("fmt,expected", [("table", b"yes\n"), ("csv", b"_askResult\r\ntrue\r\n"),
                                          ("tsv", b"?_askResult\ntrue\n"),
                                          ("json", b'{"head": {}, "boolean": true}')])
def test_ask_works_in_every_cli_format(store_dir, tmp_path, capsysbinary, fmt, expected):
    path = tmp_path / "ask.rq"
    path.write_text(ASK_SECTIONS, encoding="utf-8")
    assert _cli_bytes(capsysbinary, str(path), "--store", str(store_dir), "--format", fmt) == expected
    path.write_text(ASK_SECTIONS.replace("ManualSection", "NoSuchClass"), encoding="utf-8")
    assert _cli_bytes(capsysbinary, str(path), "--store", str(store_dir), "--format", fmt) == (
        expected.replace(b"true", b"false").replace(b"yes", b"no"))


# -- the Oxigraph server engine (PyPI package `oxigraph`) ------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    binary = shutil.which("oxigraph") or str(Path(__import__("sys").executable).parent / "oxigraph")
    if not Path(binary).exists():
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    port = _free_port()
    proc = subprocess.Popen([binary, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=1)
            break
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


def test_load_pushes_the_graph_to_oxigraph_server_and_queries_agree(oxigraph_server, kg_store, capsys):
    from prc_kg.cli.main import main

    assert main(["load", "--endpoint", oxigraph_server, "--data"]) == 0
    assert "pushed" in capsys.readouterr().out
    remote = RemoteStore(oxigraph_server)
    count = remote.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
    assert int(count.value) > 10_000
    here = run_library_query(kg_store, "cq01_session_intervention_types")
    there = run_library_query(remote, "cq01_session_intervention_types")
    assert sorted(tuple(map(str, r)) for r in there.rows) == sorted(tuple(map(str, r)) for r in here.rows)
