"""`prc-kg serve` and the findings of issue 10: the Host check (DNS rebinding), IPv6 and 127/8
loopback, the result cap in bytes of the answer, ASK in every format, keywords as whole tokens,
query slots and connections shared fairly between clients, and a store replaced under the server."""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import socket
import sys
import threading
import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import pyoxigraph as ox
import pytest
from conftest import ROOT

from prc_kg.endpoint.server import Limits, QueryPool, make_server, refused_keyword, run_with_limit, serve_in_thread

sys.path.insert(0, str(ROOT / "benchmarks"))
import endpoint_load as load

pytestmark = pytest.mark.slow  # real servers and clients

ASK = "ASK { ?s ?p ?o }"
SELECT_MEDIA = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"]
GRAPH_MEDIA = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE,
               "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD}


@contextmanager
def serving(store: ox.Store, limits: Limits | None = None, host: str = "127.0.0.1", **kw):
    """An in-process endpoint on a free port of ``host``; yields the server and its URL."""
    server = make_server(store, host, 0, limits or Limits(timeout=10), **kw)
    serve_in_thread(server)
    name = f"[{host}]" if ":" in host else host
    try:
        yield server, f"http://{name}:{server.server_address[1]}/sparql"
    finally:
        server.shutdown()
        server.server_close()


def query(url: str, text: str, accept: str = load.ACCEPT, host: str | None = None):
    headers = {"Content-Type": "application/sparql-query", "Accept": accept}
    if host is not None:
        headers["Host"] = host
    return load.http_request(url, "POST", text.encode(), headers, timeout=60)


def small_store(*values: str) -> ox.Store:
    store = ox.Store()
    for i, value in enumerate(values):
        store.add(ox.Quad(ox.NamedNode(f"urn:x:s{i}"), ox.NamedNode("urn:x:p"), ox.Literal(value)))
    return store


# -- 1. Host: a page that points its own name at loopback is not answered -------------------------------------

def test_a_host_header_of_another_name_is_refused_with_421():
    with serving(small_store("a")) as (server, url):
        port = server.server_address[1]
        status, _, body = query(url, ASK, host=f"rebind.example:{port}")
        assert status == 421 and b"rebind.example" in body and b"--allowed-host" in body
        assert query(url, ASK, host=f"127.0.0.1:{port + 1 if port < 65535 else 1}")[0] == 421  # another port
        for name in (f"127.0.0.1:{port}", f"localhost:{port}", f"LocalHost:{port}", f"[::1]:{port}"):
            assert query(url, ASK, host=name)[0] == 200, name


def test_allowed_host_adds_a_name():
    with serving(small_store("a"), allowed_hosts=("kg.example",)) as (server, url):
        port = server.server_address[1]
        assert query(url, ASK, host=f"kg.example:{port}")[0] == 200
        assert query(url, ASK, host=f"other.example:{port}")[0] == 421


def test_host_check_for_a_remote_address():
    from prc_kg.endpoint.hostcheck import HostCheck

    check = HostCheck("192.0.2.5", 7878, ["kg.example", "proxy.example:8443"])
    assert check.accepts("192.0.2.5:7878") and check.accepts("kg.example:7878") and check.accepts("kg.example")
    assert check.accepts("proxy.example:8443") and not check.accepts("proxy.example:7878")
    assert not check.accepts("localhost:7878") and not check.accepts("rebind.example:7878")
    everywhere = HostCheck("0.0.0.0", 7878)
    assert everywhere.accepts("198.51.100.1:7878") and everywhere.accepts("[2001:db8::1]:7878")
    assert everywhere.accepts("localhost:7878") and not everywhere.accepts("rebind.example:7878")


def test_cli_takes_allowed_host(capsys):
    from prc_kg.cli.main import main

    assert main(["serve", "--host", "0.0.0.0", "--port", "0", "--allowed-host", "kg.example"]) == 1
    assert "--allow-remote" in capsys.readouterr().err  # the option parses; binding still needs the flag


# -- 6. IPv6 loopback and the whole 127.0.0.0/8 ------------------------------------------------------------------

@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6 on this machine")
def test_serves_on_ipv6_loopback():
    with serving(small_store("a"), host="::1") as (server, url):
        assert server.address_family == socket.AF_INET6
        status, _, body = query(url, ASK)
        assert status == 200 and b"true" in body


def test_serves_on_another_loopback_address():
    with serving(small_store("a"), host="127.0.0.2") as (_, url):
        status, _, body = query(url, ASK)
        assert status == 200 and b"true" in body


# -- 2. the result cap counts bytes of the answer, in every format --------------------------------------------

def _rows(body: bytes, media: str) -> int:
    if media.endswith("json"):
        return len(json.loads(body)["results"]["bindings"])
    if media.endswith("xml"):
        return len(ET.fromstring(body).findall(".//{http://www.w3.org/2005/sparql-results#}result"))
    if media == "text/csv":
        csv.field_size_limit(1 << 24)
        return len(list(csv.reader(io.StringIO(body.decode())))) - 1
    return len(body.decode().splitlines()) - 1


CASES = {  # many short rows (the answer is far larger than its terms), and one literal that grows when
    # escaped: 240 KB as N-Triples, 600 KB in XML
    "short rows": ([f"v{i}" for i in range(3000)], 40_000),
    "escaped literal": (['"<&' * 60_000], 500_000),
    "astral literal": ([chr(0x1F600) * 50_000], 150_000),  # 50,000 characters; 200 KB as UTF-8
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("media", SELECT_MEDIA)
def test_select_answers_stop_at_the_byte_cap(case, media):
    values, cap = CASES[case]
    store, text = small_store(*values), "SELECT ?s ?o WHERE { ?s ?p ?o }"
    whole = run_with_limit(store, text, Limits(max_result_bytes=1 << 30), select_media=media)
    answer = run_with_limit(store, text, Limits(max_result_bytes=cap), select_media=media)
    assert answer.status == "ok" and len(answer.body) <= cap
    assert answer.truncated == (len(whole.body) > cap)  # cut exactly when the whole answer is larger
    assert (_rows(answer.body, media) < len(values)) == answer.truncated  # and still well-formed


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("media", GRAPH_MEDIA)
def test_graph_answers_stop_at_the_byte_cap(case, media):
    values, cap = CASES[case]
    store, text = small_store(*values), "CONSTRUCT WHERE { ?s ?p ?o }"
    whole = run_with_limit(store, text, Limits(max_result_bytes=1 << 30), select_media=None, graph_media=media)
    answer = run_with_limit(store, text, Limits(max_result_bytes=cap), select_media=None, graph_media=media)
    assert answer.status == "ok" and len(answer.body) <= cap
    assert answer.truncated == (len(whole.body) > cap)
    kept = list(ox.parse(answer.body, format=GRAPH_MEDIA[media])) if answer.body else []
    assert (len(kept) < len(values)) == answer.truncated


def test_an_answer_under_the_cap_is_whole_and_not_marked():
    answer = run_with_limit(small_store("a", "b"), "SELECT ?o WHERE { ?s ?p ?o }", Limits(), select_media="text/csv")
    assert not answer.truncated and sorted(answer.body.decode().split()) == ["a", "b", "o"]


def test_the_http_answer_says_it_was_cut():
    with serving(small_store(*CASES["short rows"][0]), Limits(max_result_bytes=40_000)) as (_, url):
        status, headers, body = query(url, "SELECT ?s ?o WHERE { ?s ?p ?o }", "application/sparql-results+json")
        assert status == 200 and headers.get("x-result-truncated") == "true" and len(body) <= 40_000


# -- 4. ASK in every format offered --------------------------------------------------------------------------

@pytest.mark.parametrize("media,expected", [
    ("text/csv", b"_askResult\r\ntrue\r\n"),
    ("text/tab-separated-values", b"?_askResult\ntrue\n"),
    ("application/sparql-results+json", b'{"head": {}, "boolean": true}'),
])
def test_ask_is_answered_in_every_format(media, expected):
    with serving(small_store("a")) as (_, url):
        status, headers, body = query(url, ASK, media)
        assert status == 200 and headers["content-type"].startswith(media) and body == expected
        assert query(url, "ASK { ?s ?p 'nothing' }", media)[2] == expected.replace(b"true", b"false")


def test_ask_in_xml():
    with serving(small_store("a")) as (_, url):
        status, _, body = query(url, ASK, "application/sparql-results+xml")
        assert status == 200
        assert ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"


# -- 5. refused keywords are whole tokens ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "PREFIX address: <http://example.org/address#> SELECT ?o WHERE { ?s address:street ?o }",
    "PREFIX dropbox: <http://example.org/dropbox#> SELECT ?o WHERE { ?s dropbox:file ?o }",
    "SELECT ?s WHERE { ?s ?p 'x'@en-x-caddy }",
    "SELECT ?s WHERE { ?s ?p 'x'@en-x-load }",
    "PREFIX copy: <http://example.org/copy#> SELECT ?s WHERE { ?s copy:of ?o }",
])
def test_words_that_contain_an_update_keyword_are_allowed(text):
    assert refused_keyword(text) is None
    with serving(small_store("a")) as (_, url):
        assert query(url, text)[0] == 200


@pytest.mark.parametrize("text,keyword", [
    ("LOAD <http://example.org/x.ttl>", "LOAD"),
    ("PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b ex:c }", "INSERT"),
    ("SELECT * WHERE { ?s ?p 'x'@en SERVICE <http://example.org/sparql> { ?a ?b ?c } }", "SERVICE"),
    ("SELECT * WHERE { ?s ?p 'x'@enSERVICE<http://example.org/sparql>{ ?a ?b ?c } }", "SERVICE"),
    ("PREFIX servicex: <http://e/> SELECT * WHERE { SERVICEservicex:a { ?a ?b ?c } }", "SERVICE"),
])
def test_keywords_are_still_found(text, keyword):
    assert refused_keyword(text) == keyword


# -- 3. query slots are shared between clients -----------------------------------------------------------------

def _wait_for(condition, what: str) -> None:
    for _ in range(600):  # bounded: 60 s, never reached unless the server is broken
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


def test_one_client_with_runaway_queries_does_not_hold_every_query_slot(kg_store):
    """Client A fills every query slot with runaway queries (the time limit is long); client B's ASK
    is answered while all of A's queries are still running."""
    pool = QueryPool(kg_store.ox, Limits(timeout=120, max_queries=4))
    answers: list = []

    def run_runaway() -> None:
        try:
            answers.append(pool.run(load.RUNAWAY, client="A"))
        except Exception as exc:  # noqa: BLE001 -- recorded, so the final check says what went wrong
            answers.append(exc)

    runaway = [threading.Thread(target=run_runaway) for _ in range(4)]
    try:
        for thread in runaway:
            thread.start()
        _wait_for(lambda: pool.slots.held("A") == 4, "A holds every query slot")
        answer = pool.run("ASK { ?s ?p ?o }", client="B")
        assert answer.status == "ok" and b"true" in answer.body
        assert answers == [] and all(t.is_alive() for t in runaway)  # none of A's has ended, by time limit or not
        assert pool.slots.held("A") == 4
    finally:
        pool.close()  # stops A's runaway queries
        for thread in runaway:
            thread.join(60)
    assert len(answers) == 4 and all(getattr(a, "status", None) in ("died", "busy") for a in answers), answers


def test_a_query_that_got_its_slot_just_before_the_pool_closed_never_starts(kg_store, monkeypatch):
    """close() kills the query processes it knows of; one still being forked for a query that had
    its slot must not start after it (under load that query ran on to its time limit)."""
    from prc_kg.endpoint import querypool

    pool = QueryPool(kg_store.ox, Limits(timeout=120, max_queries=2))
    started = []

    class ForkedAfterClose(querypool.QueryProcess):
        def __init__(self, *args, **kwargs):
            pool.close()  # the server stops while this query's process is being made
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(querypool, "QueryProcess", ForkedAfterClose)
    answer = pool.run(load.RUNAWAY, client="A")
    assert answer.status == "busy" and "stopping" in answer.body
    assert len(started) == 1
    started[0].proc.join(10)
    assert not started[0].proc.is_alive()
    assert pool.slots.held("A") == 0


def test_a_freed_query_slot_goes_to_the_client_holding_fewest():
    from prc_kg.endpoint.fairslots import FairSlots

    slots = FairSlots(2, 2)
    assert slots.acquire("A", 0) and slots.acquire("A", 0)
    a_waits, b_waits = slots.request("A"), slots.request("B")  # A asked first
    slots.release("A")
    assert b_waits.granted and not a_waits.granted


# -- 8. connections beyond a client's share wait instead of failing ---------------------------------------------

def test_parallel_requests_beyond_the_share_wait_and_are_all_answered(kg_store):
    limits = Limits(timeout=30, max_connections=8, max_connections_per_client=2, request_timeout=30)
    with serving(kg_store.ox, limits) as (server, url):
        host, port, _ = load._split(url)
        idle = [socket.create_connection((host, port), timeout=30) for _ in range(2)]  # the whole share
        _wait_for(lambda: server.connections.held(f"uid {os.getuid()}") == 2, "both idle connections accepted")
        results: list = []
        threads = [threading.Thread(target=lambda: results.append(query(url, load.SIMPLE)[0])) for _ in range(5)]
        for thread in threads:
            thread.start()
        _wait_for(lambda: server.connections.waiting() == 5, "five requests wait in line")
        for sock in idle:  # the client's own connections end: the line moves
            sock.close()
        for thread in threads:
            thread.join(60)
        assert results == [200] * 5


def test_past_a_full_line_the_client_is_told_why():
    limits = Limits(timeout=30, max_connections=2, max_connections_per_client=1, request_timeout=30)
    with serving(small_store("a"), limits) as (server, url):
        host, port, _ = load._split(url)
        held = [socket.create_connection((host, port), timeout=30) for _ in range(3)]  # 1 served, 2 in line
        _wait_for(lambda: server.connections.waiting() == 2, "two connections wait")
        status, _, body = query(url, ASK)
        assert status == 503 and f"too many connections from uid {os.getuid()}: 1 open and 2 waiting".encode() in body
        for sock in held:
            sock.close()


# -- 7. a store replaced under the server -------------------------------------------------------------------

def _make_store(path, value: str) -> None:
    store = ox.Store(str(path))
    store.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal(value)))
    store.flush()
    del store
    gc.collect()


def test_a_store_replaced_by_load_is_reopened(tmp_path, capfd):
    path = tmp_path / "store"
    _make_store(path, "old rating")
    with serving(ox.Store.read_only(str(path)), store_path=path) as (_, url):
        assert b"old rating" in query(url, "SELECT ?o WHERE { ?s ?p ?o }")[2]
        _make_store(tmp_path / "new", "new rating")
        os.rename(path, tmp_path / "old")  # what `load --store` does: the new folder takes the old one's name
        os.rename(tmp_path / "new", path)
        status, _, body = query(url, "SELECT ?o WHERE { ?s ?p ?o }")
        assert status == 200 and b"new rating" in body and b"old rating" not in body
        assert f"the store at {path} was replaced" in capfd.readouterr().err
        os.rename(path, tmp_path / "gone")
        status, _, body = query(url, "SELECT ?o WHERE { ?s ?p ?o }")
        assert status == 503 and b"is gone" in body and b"restart" in body


def test_over_http_another_users_ask_is_answered_while_one_user_runs_runaway_queries(kg_store):
    """The same through the server: the key is the local user (uid), so this needs root to run B."""
    from test_endpoint_abuse import AS_ANOTHER_USER, _as_user

    if AS_ANOTHER_USER.args[0]:
        pytest.skip(AS_ANOTHER_USER.kwargs["reason"])
    with serving(kg_store.ox, Limits(timeout=120, max_queries=4)) as (server, url):
        statuses: list = []
        runaway = [threading.Thread(target=lambda: statuses.append(query(url, load.RUNAWAY)[0])) for _ in range(4)]
        for thread in runaway:
            thread.start()
        me = f"uid {os.getuid()}"
        _wait_for(lambda: server.pool.slots.held(me) == 4, "runaway queries in every slot")
        assert _as_user(65534, lambda: query(url, ASK)[0]) == 200
        assert statuses == []  # all four still running
        server.pool.close()
        for thread in runaway:
            thread.join(60)
        assert statuses == [503] * 4


def test_cli_serve_on_127_0_0_2_reopens_a_replaced_store(tmp_path):
    """Through `prc-kg serve --store`: another loopback address, and the store swapped under it."""
    import select
    import subprocess
    from pathlib import Path

    path = tmp_path / "store"
    _make_store(path, "old rating")
    exe = Path(sys.executable).parent / "prc-kg"
    proc = subprocess.Popen([str(exe), "serve", "--store", str(path), "--host", "127.0.0.2", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert select.select([proc.stdout], [], [], 60)[0], "prc-kg serve printed nothing in 60 s"
        banner = proc.stdout.readline()
        url = "http://127.0.0.2:" + banner.split("127.0.0.2:")[1].split("/")[0] + "/sparql"
        assert b"old rating" in query(url, "SELECT ?o WHERE { ?s ?p ?o }")[2]
        _make_store(tmp_path / "new", "new rating")
        os.rename(path, tmp_path / "old")
        os.rename(tmp_path / "new", path)
        status, _, body = query(url, "SELECT ?o WHERE { ?s ?p ?o }")
        assert status == 200 and b"new rating" in body and b"old rating" not in body
        proc.terminate()  # the note is written before the answer; standard error holds the access log too
        assert f"the store at {path} was replaced" in proc.communicate(timeout=30)[1]
    finally:
        proc.terminate()
        proc.wait(10)


def test_stopping_the_server_sends_the_line_away():
    from prc_kg.endpoint.fairslots import FairSlots

    slots = FairSlots(1, 1, max_waiting=4)
    assert slots.acquire("A", 0)
    waiting = slots.request("B")
    slots.close()
    assert waiting.event.is_set() and not waiting.granted and slots.request("C") is None
