"""`prc-kg serve` under load and abuse — what tests/test_endpoint.py does not already cover.

A short run of `benchmarks/endpoint_load.py` (8 clients for 3 s on an in-process server, with the same
abuse cases and the runaway query), the keyword check against every way found of hiding SERVICE, the
query process's sandbox (no network, memory limit, result caps), the connection caps (in all and per
client) and cut-off of slow clients, and the loopback rule through the command line.
"""

from __future__ import annotations

# loaded before the forks below: a child that drops to another user cannot import the codec from a
# private Python prefix, and name lookups need it
import encodings.idna  # noqa: F401
import gc
import os
import platform
import select
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT

from prc_kg.endpoint.server import Limits, make_server, refused_keyword, run_with_limit, serve_in_thread

sys.path.insert(0, str(ROOT / "benchmarks"))
import endpoint_load as load  # the benchmark is the library of these cases

pytestmark = pytest.mark.slow  # servers under load and abuse

REQUEST_TIMEOUT = 1.0
QUERY_TIMEOUT = 2.5
MEMORY_HOG = "SELECT ?o ?e WHERE { ?a ?b ?o . ?c ?d ?e } ORDER BY ?o ?e"  # sorts a cross product in memory


@contextmanager
def serving(store, limits: Limits):
    """An in-process endpoint on a free loopback port; yields its URL."""
    server = make_server(store.ox, "127.0.0.1", 0, limits)
    serve_in_thread(server)
    url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    SERVERS[url] = server
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        del SERVERS[url]


SERVERS: dict = {}  # each running test server by its URL, for tests that watch its line of connections


def waits_in_line(url: str, n: int) -> bool:
    """True once ``n`` connections have had to wait for a place (counted by the server when they
    lined up, so a check that comes late still sees them; bounded: 60 s, never reached unless broken)."""
    for _ in range(600):
        if SERVERS[url].connections.lined_up == n:
            return True
        time.sleep(0.1)
    return False


def hold_idle(url: str, n: int) -> list[socket.socket]:
    """``n`` connections that send nothing, accepted by the server before anything opened later."""
    host, port, _ = load._split(url)
    idle = [socket.create_connection((host, port), timeout=5) for _ in range(n)]
    time.sleep(0.2)
    return idle


@pytest.fixture(scope="module")
def endpoint(kg_store):
    with serving(kg_store, Limits(timeout=QUERY_TIMEOUT, request_timeout=REQUEST_TIMEOUT)) as url:
        yield url


@pytest.fixture(scope="module")
def canary():
    listener = load.Canary()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def session(endpoint, canary) -> load.Session:
    return load.run_session(endpoint, load.library_requests(), clients=8, seconds=3, runaway_at=0.1,
                            abuse=load.abuse_cases(canary.url, REQUEST_TIMEOUT), canary=canary, abuse_at=0.1)


# -- the short load run -----------------------------------------------------------------------------------

def test_valid_queries_under_load_get_no_errors(session):
    assert len({s.name for s in session.samples}) == len(load.library_requests())  # the whole library ran
    assert [s for s in session.samples if s.status != 200] == []


def test_abuse_requests_are_refused_with_the_right_status_and_a_message(session):
    wrong = [(o.case, o.expected, o.status, o.message) for o in session.outcomes if not o.ok]
    assert wrong == []
    assert len(session.outcomes) == len(load.abuse_cases("http://127.0.0.1:9/sparql", REQUEST_TIMEOUT))
    slow = [o for o in session.outcomes if o.expected == (408,)]
    # cut off by the server (the message says at which deadline), not left until the client gave up
    assert slow and all(o.seconds < REQUEST_TIMEOUT + 10 for o in slow)


@pytest.mark.huge_input
def test_a_200_mb_request_body_is_refused_after_reading_a_bounded_part(endpoint):
    """A client streams a 200 MB body (its Content-Length says so): the server reads at most 16 MiB
    of it, answers 413, closes, and keeps serving everyone else."""
    host, port, path = load._split(endpoint)
    huge = 200 << 20
    sock = socket.create_connection((host, port), timeout=30)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/sparql-query\r\n"
                 f"Content-Length: {huge}\r\n\r\n".encode())
    reply = bytearray()

    def read() -> None:
        try:
            while data := sock.recv(1 << 16):
                reply.extend(data)
        except OSError:
            pass

    reader = threading.Thread(target=read)
    reader.start()
    sent, chunk, start = 0, b"#" * (1 << 20), time.perf_counter()
    try:
        while sent < huge:
            sock.sendall(chunk)
            sent += len(chunk)
    except OSError:  # the server closed the connection
        pass
    reader.join(30)
    sock.close()
    print(f"\nsent {sent >> 20} MiB of {huge >> 20} MiB before the server closed; {time.perf_counter() - start:.1f} s")
    assert bytes(reply).startswith(b"HTTP/1.0 413"), bytes(reply[:200])
    assert b"request too large" in reply
    assert sent < 64 << 20, f"the client could send {sent >> 20} MiB before being cut off"
    assert time.perf_counter() - start < 30
    assert load.http_request(endpoint, "POST", load.SIMPLE.encode(), load.QUERY, timeout=5)[0] == 200


def test_runaway_query_gets_503_while_a_concurrent_simple_query_gets_200(session):
    assert session.runaway.status == 503 and f"time limit of {QUERY_TIMEOUT:g} s" in session.runaway.message
    assert session.probe.status == 200 and session.probe.message == "5 rows"
    lo, hi = session.runaway_window
    during = [s for s in session.samples if lo <= s.start < hi]
    assert during and all(s.status == 200 for s in during)


def test_no_service_request_reaches_the_outside(session, canary):
    assert session.canary_hits == 0 and canary.hits == 0


# -- the keyword check and the query process's sandbox ------------------------------------------------------

MORE_SPELLINGS = [  # keywords glued to a number, a boolean or an empty local name; readings of <, \\ and quotes
    "SELECT * WHERE { ?s ?p 1SERVICE<http://example.org/sparql>{ ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p trueSERVICE<http://example.org/sparql>{ ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p 1.5SERVICE<http://example.org/sparql>{ ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p ?o FILTER(1<2)#>\nSERVICE<http://example.org/sparql>{ ?s ?p ?o } }",
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ?p ex:.SERVICE<http://example.org/sparql>{ ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p <http://a\\u0041#> . SERVICE <http://example.org/sparql> { ?a ?b ?c } }",
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ?p ex:a\\#b . SERVICE <http://example.org/sparql> { ?a ?b ?c } }",
    "SELECT * WHERE { ?s ?p <http://x/'> . SERVICE <http://example.org/sparql> { ?a ?b ?c } } #'",
    'SELECT * WHERE { BIND("""x"y""" AS ?x) SERVICE <http://example.org/sparql> { ?s ?p ?o } }',
]


@pytest.mark.parametrize("query", [q for _, q in load.service_variants("http://example.org/sparql")] + MORE_SPELLINGS)
def test_every_spelling_of_service_is_found(query):
    assert refused_keyword(query) == "SERVICE"


@pytest.mark.parametrize("query", [
    'SELECT ?add WHERE { BIND("""DROP ALL; SERVICE <http://x>""" AS ?add) }',
    "SELECT * WHERE { ?s <http://example.org/load> ?o ; <http://example.org/service#SERVICE> ?x }",
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:service ?o ; ex:loadFactor ?l ; ex:Add ?a }",
    "SELECT ?service ?delete $drop WHERE { ?service ?delete $drop } # SERVICE <http://x>",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1 && ?p IN (<http://x/a>, <http://x/load>)) }",
])
def test_keywords_in_iris_names_strings_and_comments_are_allowed(query):
    assert refused_keyword(query) is None


def test_no_library_query_is_refused():
    assert [name for name, text in load.library_requests() if refused_keyword(text)] == []


@pytest.mark.skipif(sys.platform != "linux" or platform.machine() not in ("x86_64", "aarch64"),
                    reason="the network sandbox uses seccomp on Linux x86-64 and arm64")
def test_service_past_the_keyword_check_cannot_open_a_socket(kg_store, canary):
    before = canary.hits
    answer = run_with_limit(kg_store.ox, f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}",
                            Limits(timeout=10), check_keywords=False)
    assert answer.status == "error" and "not permitted" in str(answer.body)
    assert canary.hits == before


def test_a_query_that_eats_memory_is_stopped_by_the_memory_limit(kg_store):
    start = time.perf_counter()
    answer = run_with_limit(kg_store.ox, MEMORY_HOG, Limits(timeout=30, max_memory_mb=200))
    assert answer.status == "died" and "200 MiB" in str(answer.body)
    assert time.perf_counter() - start < 30


def test_graph_results_and_result_bytes_are_capped(kg_store):
    answer = run_with_limit(kg_store.ox, "CONSTRUCT WHERE { ?s ?p ?o }", Limits(max_rows=50))
    assert answer.status == "ok" and answer.truncated
    assert len(answer.body.decode().splitlines()) == 50
    answer = run_with_limit(kg_store.ox, "SELECT * WHERE { ?s ?p ?o }", Limits(max_result_bytes=2000),
                            select_media="text/csv")
    assert answer.truncated and 1 < len(answer.body.decode().splitlines()) < 50


# -- connections ---------------------------------------------------------------------------------------------

@pytest.fixture()
def small_server(kg_store):
    with serving(kg_store, Limits(timeout=5, max_connections=2, max_queries=1, request_timeout=REQUEST_TIMEOUT)) as url:
        yield url


def _request_in_thread(url: str) -> tuple[threading.Thread, dict]:
    """A simple query from another thread; its status and body land in the dict."""
    out: dict = {}

    def run() -> None:
        out["status"], _, out["body"] = load.http_request(url, "POST", load.SIMPLE.encode(), load.QUERY, timeout=60)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def _cut_off(idle: list[socket.socket]) -> None:
    """Read each idle connection's answer: 408 at the request deadline."""
    for sock in idle:
        assert sock.recv(1000).startswith(b"HTTP/1.0 408")
        sock.close()


def test_idle_connections_hold_their_places_until_cut_off_then_the_next_is_served(small_server):
    idle = hold_idle(small_server, 2)
    thread, out = _request_in_thread(small_server)
    assert waits_in_line(small_server, 1)  # both places are taken: it waits instead of being refused
    _cut_off(idle)  # cut off at the request deadline, told why
    thread.join(60)
    assert out["status"] == 200


@pytest.fixture()
def fair_server(kg_store):
    with serving(kg_store, Limits(timeout=5, max_connections=8, max_connections_per_client=2, max_queries=1,
                                  request_timeout=REQUEST_TIMEOUT)) as url:
        yield url


def test_one_local_user_beyond_its_share_waits_for_its_own_connections(fair_server):
    idle = hold_idle(fair_server, 2)  # this user's share: its next connection waits instead of failing
    thread, out = _request_in_thread(fair_server)
    assert waits_in_line(fair_server, 1)
    _cut_off(idle)
    thread.join(60)
    assert out["status"] == 200


AS_ANOTHER_USER = pytest.mark.skipif(
    not hasattr(os, "setuid") or os.geteuid() != 0 or not Path("/proc/net/tcp").exists(),
    reason="needs root (to run a client as another user) and Linux's socket table")


def _become(uid: int) -> None:
    """In a forked child: drop every group and become ``uid`` (the parent stays root)."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _as_user(uid: int, call) -> int:
    """Run ``call`` in a forked child under another uid and return the number it returns (-1 on error)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop to the other user, call, report, exit without running any cleanup
        try:
            _become(uid)
            os.write(write, str(call()).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as fh:
        out = fh.read()
    os.waitpid(pid, 0)
    return int(out) if out else -1


@AS_ANOTHER_USER
def test_another_local_user_is_still_served_while_one_is_at_the_cap(fair_server):
    idle = hold_idle(fair_server, 2)
    status = _as_user(65534, lambda: load.http_request(fair_server, "POST", load.SIMPLE.encode(), load.QUERY,
                                                       timeout=10)[0])
    assert status == 200  # answered while this user's two idle connections are still open
    thread, mine = _request_in_thread(fair_server)  # this user's third waits for one of its own to end
    assert waits_in_line(fair_server, 1)
    _cut_off(idle)
    thread.join(60)
    assert mine["status"] == 200


@AS_ANOTHER_USER
@pytest.mark.parametrize("family,host", [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")])
def test_both_lookups_name_the_user_of_the_client_socket(family, host):
    """netlink (the fast path) and /proc/net/tcp (the fallback) must name the client's owner, not
    the server's: a child running as uid 65534 connects and holds the connection while we ask."""
    from prc_kg.endpoint.peers import netlink_uid, table_uid

    with socket.socket(family) as listener:
        listener.bind((host, 0))
        listener.listen()
        ready, done = os.pipe(), os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: connect as the other user, say so (or why not), hold on until told
            try:
                os.close(ready[0])
                os.close(done[1])
                _become(65534)
                client = socket.socket(family)
                client.connect(listener.getsockname())  # a numeric address: no name lookup as nobody
                os.write(ready[1], b"connected")
                os.read(done[0], 1)  # returns at end of file
                client.close()
            except Exception as exc:  # noqa: BLE001 - whatever it is, the parent must hear of it
                os.write(ready[1], repr(exc).encode()[:500])
            finally:
                os._exit(0)
        os.close(ready[1])
        os.close(done[0])
        try:
            said = os.read(ready[0], 1000)
            assert said == b"connected", said
            conn, address = listener.accept()
            with conn:
                server = conn.getsockname()
                assert netlink_uid(family, address, server) == 65534
                assert table_uid(family, address, server) == 65534
        finally:
            os.close(done[1])  # end of file: the child closes its end and exits
            os.waitpid(pid, 0)
            os.close(ready[0])


def test_remote_clients_are_told_apart_by_address():
    from prc_kg.endpoint.peers import peer_of

    with socket.socket() as sock:
        assert peer_of(sock, ("192.0.2.7", 40000)) == "192.0.2.7"
        assert peer_of(sock, ("2001:db8::1", 40000, 0, 0)) == "2001:db8::1"


def test_a_client_reading_to_the_end_is_not_held_by_the_query_process(small_server):
    """The first query forks the query process while this client's connection is open; the process
    must not keep a copy of the connection, or the client never sees it close."""
    host, port, path = load._split(small_server)
    request = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/sparql-query\r\n"
               f"Content-Length: {len(load.SIMPLE)}\r\n\r\n{load.SIMPLE}").encode()
    start = time.perf_counter()
    status, body = load.raw_exchange(small_server, [(0, request)], timeout=10)
    assert status == 200 and b"Section1" in body
    assert time.perf_counter() - start < 5


# -- the loopback rule through the command line ---------------------------------------------------------------

def test_cli_refuses_a_non_loopback_address_without_the_flag(capsys):
    from prc_kg.cli.main import main

    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert "refusing to bind 0.0.0.0" in err and "--allow-remote" in err


def test_cli_with_allow_remote_warns_and_serves(tmp_path):
    import pyoxigraph as ox

    from prc_kg.store.backends import EmbeddedStore

    store = EmbeddedStore(tmp_path / "store")
    store.ox.bulk_load(input=b"<urn:a> <urn:b> <urn:c> .\n", format=ox.RdfFormat.N_TRIPLES)
    store.flush()
    del store
    gc.collect()
    exe = Path(sys.executable).parent / "prc-kg"
    proc = subprocess.Popen([str(exe), "serve", "--store", str(tmp_path / "store"), "--host", "0.0.0.0", "--port", "0",
                             "--allow-remote"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for stream in (proc.stderr, proc.stdout):  # never wait for ever on a server that did not start
            assert select.select([stream], [], [], 60)[0], "prc-kg serve printed nothing in 60 s"
        warning = proc.stderr.readline()
        banner = proc.stdout.readline()
        assert warning.startswith("warning: the endpoint is reachable from other machines at 0.0.0.0:")
        port = int(banner.split("0.0.0.0:")[1].split("/")[0])
        status, _, body = load.http_request(f"http://127.0.0.1:{port}/sparql", "POST", b"ASK { <urn:a> ?p ?o }",
                                            load.QUERY, timeout=10)
        assert status == 200 and b"true" in body
    finally:
        proc.terminate()
        proc.wait(10)
