"""Benchmark: `prc-kg serve` under concurrent load and abuse, against `oxigraph serve-read-only`, on loopback only.

Usage: python benchmarks/endpoint_load.py [--clients 8] [--seconds 30] [--timeout 10]
                                          [--compare-seconds 15] [--rounds 2] [--no-abuse]
                                          [--baseline-seconds 10] [--seed 1] [--json FILE]

1. Builds the example graph in this process (ontology + examples + the example coded-session study
   imported from ``examples/study/ratings.csv`` + materialised inferences, as `prc-kg load` does),
   writes it to a disk store with `oxigraph load` and copies that folder, so each server reads its
   own copy of the same store: the real command ``prc-kg serve --store COPY --port 0 --timeout T``
   (its triple count is checked), the same with ``--cache-mb 0`` (no answer cache), and the
   engine's own server, ``oxigraph serve-read-only --location COPY --timeout-s T`` (the `oxigraph`
   wheel's binary in the venv, the engine version pyoxigraph has).
2. Comparison: CLIENTS threads send the mix to each server in turn for COMPARE_SECONDS, ROUNDS times,
   the order alternating from round to round so that a change in the machine's load falls on each
   alike; no abuse and no runaway query here. The machine's load average is taken before and after
   each round. Every library query's row count through each server is checked against the store.
3. Baseline: CLIENTS threads run the query mix in process on ``EmbeddedStore.query`` for
   BASELINE_SECONDS (the servers are idle meanwhile).
4. Load with abuse (skipped with --no-abuse): CLIENTS threads send the mix to `prc-kg serve` for
   SECONDS (POST application/sparql-query, one connection per request). The mix is the whole query
   library (``queries/*.rq``, default parameters bound with the same VALUES block the store uses), each
   client in its own seeded order. Every request's latency and status is recorded. At the same time: a
   runaway query (a cross product over all triples) starts at 30 % of the run and must be stopped at
   the time limit (503) while the clients keep being served, and a simple query sent half a second
   after it must get 200; the abuse cases (updates, LOAD, SERVICE and ways of hiding it, oversized body
   and URL, lying Content-Length, slow body, slowloris headers, header flood, chunked body, the result
   cap) start at 10 % of the run, each in its own thread, and each is checked against the status it
   must get. SERVICE targets a loopback canary listener; any connection it receives is a federation
   leak. Last, SERVICE is run with the keyword check switched off, in process, to check that the query
   process has no network.
5. Prints Markdown tables (the comparison with ratios, latency percentiles, throughput, ratios against
   the in-process baseline, abuse outcomes, per-query medians) and writes the raw samples to ``--json``.

The module is also the test library of ``tests/test_endpoint_abuse.py`` (``run_session``,
``abuse_cases``, ``Canary``): the test runs the same cases for a few seconds on an in-process server.
Every loop is bounded by a deadline, every socket is on loopback, and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = ("PREFIX prc: <https://w3id.org/prc-kg/ontology/> "
          "SELECT ?s WHERE { ?s a prc:ManualSection } ORDER BY ?s")
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
QUERY = {"Content-Type": "application/sparql-query", "Accept": ACCEPT}


# -- results -----------------------------------------------------------------------------------------

@dataclass
class Sample:
    """One request of the load: which query, when it started (s from the run's start), how long it took."""

    name: str
    start: float
    seconds: float
    status: int
    size: int


@dataclass
class Outcome:
    """One abuse case: the status it must get, the status it got, the server's message and the time."""

    case: str
    request: str
    expected: tuple[int, ...]
    status: int | None
    message: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.status in self.expected and bool(self.message)


@dataclass
class Session:
    samples: list[Sample]
    outcomes: list[Outcome]
    runaway: Outcome | None = None
    runaway_window: tuple[float, float] | None = None
    probe: Outcome | None = None
    seconds: float = 0.0
    canary_hits: int = 0


def summarise(samples: list[Sample], seconds: float) -> dict:
    """Requests, errors, throughput and latency percentiles (ms) of a set of samples."""
    times = sorted(s.seconds * 1000 for s in samples)
    errors = sum(1 for s in samples if s.status != 200)
    out = {"requests": len(samples), "errors": errors, "rps": len(samples) / seconds if seconds else 0.0}
    if len(times) >= 2:
        q = statistics.quantiles(times, n=100, method="inclusive")
        out.update(p50=q[49], p95=q[94], p99=q[98], max=times[-1])
    elif times:
        out.update(p50=times[0], p95=times[0], p99=times[0], max=times[0])
    else:
        out.update(p50=float("nan"), p95=float("nan"), p99=float("nan"), max=float("nan"))
    return out


# -- the query mix ------------------------------------------------------------------------------------

def library_requests(folder: Path | None = None) -> list[tuple[str, str]]:
    """Every library query as the text a client sends: default parameters bound as a VALUES block."""
    from prc_kg.store.backends import bind_with_values
    from prc_kg.store.querylib import load_library

    return [(name, bind_with_values(q.text, q.bindings({}))) for name, q in sorted(load_library(folder).items())]


# -- HTTP on loopback ---------------------------------------------------------------------------------

def _split(url: str) -> tuple[str, int, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"


def http_request(url: str, method: str = "POST", body: bytes | None = None, headers: dict | None = None,
                 timeout: float = 60) -> tuple[int, dict[str, str], bytes]:
    """One request on its own connection (the endpoint speaks HTTP/1.0)."""
    host, port, path = _split(url)
    target = path + ("?" + urllib.parse.urlsplit(url).query if urllib.parse.urlsplit(url).query else "")
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def raw_exchange(url: str, pieces: list[tuple[float, bytes]], timeout: float) -> tuple[int | None, bytes]:
    """Send raw bytes in pieces (delay before each), stop sending once the server answers or closes,
    then read the answer until it closes the connection or ``timeout`` passes."""
    host, port, _ = _split(url)
    deadline = time.monotonic() + timeout
    data = b""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        for delay, piece in pieces:
            readable, _, _ = select.select([sock], [], [], delay)
            if readable or time.monotonic() > deadline:
                break
            try:
                sock.sendall(piece)
            except OSError:
                break
        while time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], max(0.0, deadline - time.monotonic()))
            if not readable:
                break
            try:
                chunk = sock.recv(1 << 16)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    match = re.match(rb"HTTP/\d\.\d (\d{3})", data)
    return (int(match.group(1)) if match else None), data.split(b"\r\n\r\n", 1)[-1]


def message_of(body: bytes) -> str:
    """The first line of the server's message (empty when there was none)."""
    text = body.decode("utf-8", "replace").strip()
    return text.splitlines()[0][:110] if text else ""


class Canary:
    """A loopback listener standing in for an outside SPARQL service: it counts every connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.hits = 0
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


# -- abuse cases --------------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    request: str
    expected: tuple[int, ...]
    send: Callable[[str], tuple[int | None, bytes]] = field(repr=False)


def _post_query(query: str, ctype: str = "application/sparql-query") -> Callable[[str], tuple[int | None, bytes]]:
    def send(url: str) -> tuple[int | None, bytes]:
        status, _, body = http_request(url, "POST", query.encode("utf-8"), {"Content-Type": ctype, "Accept": ACCEPT})
        return status, body
    return send


def _get(params: dict[str, str]) -> Callable[[str], tuple[int | None, bytes]]:
    def send(url: str) -> tuple[int | None, bytes]:
        status, _, body = http_request(url + "?" + urllib.parse.urlencode(params), "GET", headers={"Accept": ACCEPT})
        return status, body
    return send


def _raw(head: str, body: bytes = b"", then: list[tuple[float, bytes]] | None = None,
         wait: float = 30) -> Callable[[str], tuple[int | None, bytes]]:
    def send(url: str) -> tuple[int | None, bytes]:
        _, _, path = _split(url)
        host = urllib.parse.urlsplit(url).netloc  # the server answers only its own names
        first = head.replace("PATH", path).replace("HOST", host).replace("\n", "\r\n").encode("latin-1") + body
        return raw_exchange(url, [(0, first), *(then or [])], wait)
    return send


def _capped(url: str) -> tuple[int | None, bytes]:
    """The row cap: every triple asked for; the answer must say it was cut."""
    status, headers, body = http_request(url, "POST", b"SELECT * WHERE { ?s ?p ?o }",
                                         {"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    rows = len(body.decode("utf-8").splitlines()) - 1
    if status == 200 and headers.get("x-result-truncated") == "true":
        return status, f"X-Result-Truncated: true, {rows} rows".encode()
    return (None if status == 200 else status), f"not capped ({rows} rows)".encode()


def _simple(url: str) -> tuple[int | None, bytes]:
    status, _, body = http_request(url, "POST", SIMPLE.encode("utf-8"), QUERY)
    if status != 200:
        return status, body
    return status, f"{len(json.loads(body)['results']['bindings'])} rows".encode()


def service_variants(target: str) -> list[tuple[str, str]]:
    """SERVICE spelled the ways a keyword filter can miss (all were parsed by Oxigraph 0.5 as SERVICE)."""
    return [
        ("lower case", f"select * where {{ service <{target}> {{ ?s ?p ?o }} }}"),
        ("no space, empty prefix", f"PREFIX : <{target}#> SELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}"),
        ("no space, prefixed name", f"PREFIX ex: <{target}#> SELECT * WHERE {{ SERVICEex:x {{ ?s ?p ?o }} }}"),
        ("glued to SILENT", f"SELECT * WHERE {{ SERVICESILENT<{target}>{{ ?s ?p ?o }} }}"),
        ("after `<` read as an IRI", f"SELECT * WHERE {{ ?s ?p ?o FILTER(1<2)SERVICE<{target}>{{ ?s ?p ?o }} }}"),
        ("behind `#` in a fake IRI", f"SELECT * WHERE {{ ?s ?p ?o FILTER(1<2)SERVICE#>\n<{target}>{{ ?s ?p ?o }} }}"),
        ("glued to a variable", f"SELECT * WHERE {{ ?s ?p ?o.SERVICE<{target}>{{ ?a ?b ?c }} }}"),
        ("inside FILTER EXISTS", f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{target}> {{ ?a ?b ?c }} }} }}"),
        ("in a subquery", f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }} }} }}"),
        ("codepoint escape", f"SELECT * WHERE {{ \\u0053ERVICE <{target}> {{ ?s ?p ?o }} }}"),
    ]


def abuse_cases(canary_url: str, request_timeout: float) -> list[Case]:
    """Each case with the status the endpoint must answer (the message must not be empty)."""
    wait = request_timeout + 10
    cases = [
        Case("UPDATE (POST application/sparql-update)", "INSERT DATA { … }", (403,),
             _post_query("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "application/sparql-update")),
        Case("UPDATE (form field `update`)", "update=DROP ALL", (403,),
             _post_query(urllib.parse.urlencode({"update": "DROP ALL"}), "application/x-www-form-urlencoded")),
        Case("UPDATE (GET ?update=)", "GET ?update=DROP ALL", (403,), _get({"update": "DROP ALL"})),
        Case("LOAD", "LOAD <http://example.org/data.ttl>", (403,), _post_query("LOAD <http://example.org/data.ttl>")),
        Case("SERVICE to an external host", "SERVICE <http://example.org/sparql>", (403,),
             _post_query("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")),
        Case("SERVICE via GET", "GET ?query=… SERVICE <canary> …", (403,),
             _get({"query": f"SELECT * WHERE {{ SERVICE <{canary_url}> {{ ?s ?p ?o }} }}"})),
    ]
    cases += [Case(f"SERVICE {how}", "POST, SERVICE to the canary", (403,), _post_query(q))
              for how, q in service_variants(canary_url)]
    cases += [
        Case("oversized body", "POST of 2 MiB", (413,),
             _raw("POST PATH HTTP/1.1\nHost: HOST\nContent-Type: application/sparql-query\n"
                  f"Content-Length: {2 << 20}\n\n", b"#" * (2 << 20), wait=wait)),
        Case("oversized URL", "GET with a 100 KiB query string", (414,),
             _raw("GET PATH?query=" + "x" * 100_000 + " HTTP/1.1\nHost: HOST\n\n", wait=wait)),
        Case("Content-Length negative", "Content-Length: -1", (400,),
             _raw("POST PATH HTTP/1.1\nHost: HOST\nContent-Type: application/sparql-query\nContent-Length: -1\n\n",
                  b"ASK {}", wait=wait)),
        Case("Content-Length not a number", "Content-Length: 12abc", (400,),
             _raw("POST PATH HTTP/1.1\nHost: HOST\nContent-Type: application/sparql-query\nContent-Length: 12abc\n\n",
                  b"ASK {}", wait=wait)),
        Case("Content-Length larger than the body", "announces 1000 bytes, sends 6, waits", (408,),
             _raw("POST PATH HTTP/1.1\nHost: HOST\nContent-Type: application/sparql-query\nContent-Length: 1000\n\n",
                  b"ASK {}", wait=wait)),
        Case("slow body", "announces 1000 bytes, sends 1 byte every 0.5 s", (408,),
             _raw("POST PATH HTTP/1.1\nHost: HOST\nContent-Type: application/sparql-query\nContent-Length: 1000\n\n",
                  then=[(0.5, b" ")] * 1000, wait=wait)),
        Case("slowloris headers", "one header line every 0.5 s", (408,),
             _raw("GET PATH?query=ASK%7B%7D HTTP/1.1\nHost: HOST\n",
                  then=[(0.5, f"X-Slow-{i}: x\r\n".encode()) for i in range(1000)], wait=wait)),
        Case("header flood", "200 header lines", (431,),
             _raw("GET PATH?query=ASK%7B%7D HTTP/1.1\nHost: HOST\n" + "".join(f"X-Flood-{i}: x\n" for i in range(200))
                  + "\n", wait=wait)),
        Case("chunked body", "Transfer-Encoding: chunked", (411,),
             _raw("POST PATH HTTP/1.1\nHost: HOST\nContent-Type: application/sparql-query\n"
                  "Transfer-Encoding: chunked\n\n", b"6\r\nASK {}\r\n0\r\n\r\n", wait=wait)),
        Case("result cap", "SELECT * WHERE { ?s ?p ?o }", (200,), _capped),
        Case("Host of another name (DNS rebinding)", "Host: rebind.example", (421,),
             _raw("GET PATH?query=ASK%7B%7D HTTP/1.1\nHost: rebind.example\n\n", wait=wait)),
    ]
    return cases


def run_case(case: Case, url: str) -> Outcome:
    start = time.perf_counter()
    try:
        status, body = case.send(url)
        message = message_of(body)
    except (OSError, http.client.HTTPException) as exc:
        status, message = None, f"{type(exc).__name__}: {exc}"
    return Outcome(case.name, case.request, case.expected, status, message, time.perf_counter() - start)


# -- load ---------------------------------------------------------------------------------------------

def _client(send, mix: list[tuple[str, str]], seed: int, t0: float, deadline: float,
            out: list[Sample], todo: list[tuple[str, str]] | None = None) -> None:
    """One client: the mix in its own seeded order until the deadline; ``send(text)`` gives
    (status, size), so the endpoint and the in-process baseline run the very same loop. Requests in
    ``todo`` (shared by the clients) are sent first, deadline or not: however slow the machine, each
    of them runs once."""
    order = mix[:]
    random.Random(seed).shuffle(order)
    i = 0
    while True:
        try:
            name, text = todo.pop()
        except (AttributeError, IndexError):  # no list, or nothing left in it
            if time.perf_counter() >= deadline:
                break
            name, text = order[i % len(order)]
            i += 1
        start = time.perf_counter()
        status, size = send(text)
        out.append(Sample(name, start - t0, time.perf_counter() - start, status, size))


def _over_http(url: str):
    def send(text: str) -> tuple[int, int]:
        try:
            status, _, body = http_request(url, "POST", text.encode("utf-8"), QUERY)
            return status, len(body)
        except (OSError, http.client.HTTPException):
            return 0, 0
    return send


def _in_process(store):
    def send(text: str) -> tuple[int, int]:
        try:
            result = store.query(text)
            return 200, len(result.rows) + len(result.triples)
        except Exception:  # noqa: BLE001 - counted as an error
            return 500, 0
    return send


def run_session(url: str, mix: list[tuple[str, str]], clients: int, seconds: float, seed: int = 1,
                runaway_at: float | None = 0.3, abuse: list[Case] | None = None,
                canary: Canary | None = None, abuse_at: float = 0.1) -> Session:
    """CLIENTS threads send the whole mix once between them, then keep sending it until SECONDS have
    passed; meanwhile the runaway query (at RUNAWAY_AT of the run) with a simple probe half a second
    after it, and the abuse cases (from ABUSE_AT), each in its own thread."""
    samples: list[Sample] = []
    t0 = time.perf_counter()
    deadline = t0 + seconds
    todo = mix[::-1]  # every request of the mix runs at least once, in the mix's order
    threads = [threading.Thread(target=_client, args=(_over_http(url), mix, seed * 1000 + i, t0, deadline, samples,
                                                      todo), daemon=True)
               for i in range(clients)]
    for t in threads:
        t.start()
    session = Session(samples, [])
    side = ThreadPoolExecutor(max_workers=len(abuse or []) + 2)

    def abuse_case(case: Case) -> Outcome:
        time.sleep(max(0.0, abuse_at * seconds - (time.perf_counter() - t0)))
        return run_case(case, url)

    futures = [side.submit(abuse_case, case) for case in abuse or []]
    if runaway_at is not None:
        def runaway() -> None:
            time.sleep(max(0.0, runaway_at * seconds - (time.perf_counter() - t0)))
            start = time.perf_counter()
            case = Case("runaway query (3-way cross product)", "COUNT over ?a ?b ?c . ?d ?e ?f . ?g ?h ?i", (503,),
                        _post_query(RUNAWAY))
            session.runaway = run_case(case, url)
            session.runaway_window = (start - t0, time.perf_counter() - t0)

        def probe() -> None:
            time.sleep(max(0.0, runaway_at * seconds + 0.5 - (time.perf_counter() - t0)))
            case = Case("simple query during the runaway", "SELECT the five manual sections", (200,), _simple)
            session.probe = run_case(case, url)

        futures += [side.submit(runaway), side.submit(probe)]
    for t in threads:
        t.join(seconds + 120)
    session.outcomes = [r for r in (f.result(timeout=300) for f in futures) if r is not None]
    side.shutdown(wait=True)
    session.seconds = max((s.start + s.seconds for s in samples), default=seconds)  # the load's own span
    if canary is not None:
        session.canary_hits = canary.hits
    return session


def run_in_process(store, mix: list[tuple[str, str]], clients: int, seconds: float, seed: int = 1) -> list[Sample]:
    """The baseline: the same mix on ``EmbeddedStore.query`` in this process, CLIENTS threads."""
    samples: list[Sample] = []
    t0 = time.perf_counter()
    deadline = t0 + seconds
    threads = [threading.Thread(target=_client, args=(_in_process(store), mix, seed * 1000 + i, t0, deadline, samples),
                                daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 120)
    return samples


# -- the benchmark run -----------------------------------------------------------------------------------

def example_graph(workdir: Path):
    """The example graph in memory, and the study's ratings written where `prc-kg serve` looks for them."""
    from prc_kg.instances.examples import load_examples
    from prc_kg.instances.ratings import import_ratings
    from prc_kg.ontology.build import merged_release_graph
    from prc_kg.ontology.source import load_source
    from prc_kg.ontology.terms import TermIndex
    from prc_kg.store.dataset import load_dataset

    ontology = merged_release_graph(load_source(ROOT / "ontology"))
    examples = load_examples(ontology, ROOT / "examples")
    ratings = workdir / "build" / "ratings" / "example-study.nt"
    ratings.parent.mkdir(parents=True)
    import_ratings(ROOT / "examples" / "study" / "ratings.csv", ratings, TermIndex(ontology))
    store, _ = load_dataset(ontology, examples.graph, [ratings])
    return store


def start_server(workdir: Path, timeout: float, store: Path | None = None,
                 options: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str, int]:
    """`prc-kg serve` on a free loopback port (on the disk store ``store``, else built from the sources),
    with further ``options``; returns the process, the endpoint URL and its triple count."""
    cmd = [sys.executable, "-c", "import sys; from prc_kg.cli.main import main; sys.exit(main())"]
    cmd += ["serve", "--port", "0", "--timeout", f"{timeout:g}", "--access-log", str(workdir / "access.log"),
            *options]
    cmd += ["--store", str(store)] if store is not None else ["--ontology", str(ROOT / "ontology"),
                                                              "--examples", str(ROOT / "examples")]
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        readable, _, _ = select.select([proc.stdout], [], [], 1.0)
        if readable:
            line = proc.stdout.readline()
            match = re.search(r"(http://\S+/sparql) \(([\d,]+) triples", line)
            if match:
                return proc, match.group(1), int(match.group(2).replace(",", ""))
            if not line and proc.poll() is not None:
                break
    proc.kill()
    raise RuntimeError(f"prc-kg serve did not start: {proc.stderr.read()[-2000:]}")


OXIGRAPH = Path(sys.executable).parent / "oxigraph"  # the `oxigraph` wheel's server, same engine version
UNCACHED = "prc-kg serve --cache-mb 0"


def disk_stores(store, workdir: Path) -> tuple[Path, Path]:
    """The in-process graph written once to a disk store with `oxigraph load`, and a copy of that
    folder: for `prc-kg serve --store` (and a second copy for it with the answer cache off), and for
    `oxigraph serve-read-only`, the same data for each."""
    import pyoxigraph as ox

    dump = workdir / "graph.nq"
    store.ox.dump(str(dump), format=ox.RdfFormat.N_QUADS)
    ours, theirs = workdir / "store-prc-kg", workdir / "store-oxigraph"
    subprocess.run([str(OXIGRAPH), "load", "--location", str(ours), "--file", str(dump)], check=True,
                   capture_output=True, timeout=300)
    shutil.copytree(ours, theirs)
    shutil.copytree(ours, workdir / "store-prc-kg-uncached")
    return ours, theirs


def start_oxigraph(location: Path, timeout: float) -> tuple[subprocess.Popen, str]:
    """`oxigraph serve-read-only` on a free loopback port, with the same time limit; returns the process
    and its query URL once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([str(OXIGRAPH), "serve-read-only", "--location", str(location), "--bind",
                             f"127.0.0.1:{port}", "--timeout-s", f"{max(1, round(timeout))}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if http_request(url, "POST", b"ASK {}", QUERY, timeout=5)[0] == 200:
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("oxigraph serve-read-only did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class Compared:
    """The clean load (no abuse, no runaway query) on each server: samples and seconds per round,
    with the load average before and after each round."""

    samples: dict[str, list[Sample]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    load: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def compare(urls: dict[str, str], mix: list[tuple[str, str]], clients: int, seconds: float, rounds: int,
            seed: int = 1) -> Compared:
    """The same mix with the same clients on each server in turn, ROUNDS times (the order alternates,
    so a change in the machine's load falls on both alike)."""
    out = Compared()
    names = list(urls)
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            before = os.getloadavg()[0]
            session = run_session(urls[name], mix, clients, seconds, seed + r, runaway_at=None)
            out.samples.setdefault(name, []).extend(session.samples)
            out.seconds[name] = out.seconds.get(name, 0.0) + session.seconds
            out.load.setdefault(name, []).append((before, os.getloadavg()[0]))
            print(f"round {r + 1} {name}: {len(session.samples)} requests", file=sys.stderr)
    return out


def comparison_report(args, compared: Compared, agree: dict[str, tuple[int, int]]) -> str:
    lines = [("| server | clients | rounds × s | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms | "
             "load average (before–after each round) |"), "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    stats = {name: summarise(samples, compared.seconds[name]) for name, samples in compared.samples.items()}
    for name, s in stats.items():
        load = ", ".join(f"{a:.2f}–{b:.2f}" for a, b in compared.load[name])
        lines.append(f"| {name} | {args.clients} | {args.rounds} × {args.compare_seconds:g} | {s['requests']:,} | "
                     f"{s['errors']} | {s['rps']:.1f} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | "
                     f"{s['max']:.0f} | {load} |")
    theirs = stats.get("oxigraph serve-read-only")
    for name in ("prc-kg serve", UNCACHED):
        ours = stats.get(name)
        if ours and theirs:
            lines += ["", (f"{name} / oxigraph serve-read-only: throughput {ours['rps'] / theirs['rps']:.2f}×, "
                          f"p50 {ours['p50'] / theirs['p50']:.2f}×, p95 {ours['p95'] / theirs['p95']:.2f}×, "
                          f"p99 {ours['p99'] / theirs['p99']:.2f}× (throughput ≥ 1 and latencies ≤ 1 meet the "
                          "target).")]
    lines += ["", "Row counts of every library query agree with the in-process store: "
              + "; ".join(f"{name} {a} of {b}" for name, (a, b) in agree.items()) + "."]
    return "\n".join(lines)


def sandbox_outcome(store, canary: Canary) -> Outcome:
    """SERVICE with the keyword check switched off (in process, ``run_with_limit``): the query process
    must fail to open a socket, so the canary sees no connection."""
    from prc_kg.endpoint.server import Limits, run_with_limit

    before = canary.hits
    start = time.perf_counter()
    answer = run_with_limit(store.ox, f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}",
                            Limits(timeout=10), check_keywords=False)
    leaked = canary.hits - before
    status = None if leaked or answer.status == "ok" else 500  # what the handler answers for an "error"
    return Outcome("SERVICE past the keyword check (check off)", "run_with_limit(…, check_keywords=False)",
                   (500,), status,
                   f"{answer.status}: {str(answer.body)[:80]}; canary connections: {leaked}",
                   time.perf_counter() - start)


def _rss_mib(pid: int, field_name: str) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) / 1024 for line in fh if line.startswith(field_name + ":"))
    except (OSError, StopIteration):
        return float("nan")


def _row(label: str, clients: int, seconds: float, s: dict) -> str:
    return (f"| {label} | {clients} | {seconds:.1f} | {s['requests']:,} | {s['errors']} | {s['rps']:.1f} | "
            f"{s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | {s['max']:.0f} |")


def report(args, triples: int, server_triples: int, base: list[Sample], base_seconds: float, session: Session,
           sandbox: Outcome, rss: tuple[float, float], agree: tuple[int, int]) -> str:
    lines = [(f"Command: `.venv/bin/python benchmarks/endpoint_load.py --clients {args.clients} --seconds "
             f"{args.seconds:g} --timeout {args.timeout:g}`"), "",
             (f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}. Graph: the example graph "
             f"({triples:,} triples in process; the server reported {server_triples:,}). Row counts of every "
             f"library query through the endpoint agree with the in-process store: {agree[0]} of {agree[1]}."), ""]
    b = summarise(base, base_seconds)
    whole = summarise(session.samples, session.seconds)
    lines += ["| phase | clients | s | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
              _row("baseline: same mix in process (`EmbeddedStore.query`)", args.clients, base_seconds, b),
              _row("endpoint (`prc-kg serve`), whole run", args.clients, session.seconds, whole)]
    if session.runaway_window:
        lo, hi = session.runaway_window
        during = [s for s in session.samples if lo <= s.start < hi]
        rest = [s for s in session.samples if not lo <= s.start < hi]
        lines += [_row(f"endpoint, while the runaway query ran ({lo:.1f}–{hi:.1f} s)", args.clients, hi - lo,
                       summarise(during, hi - lo)),
                  _row("endpoint, the rest of the run", args.clients, session.seconds - (hi - lo),
                       summarise(rest, session.seconds - (hi - lo)))]
    lines += ["", (f"endpoint / baseline: p50 {whole['p50'] / b['p50']:.1f}×, p95 {whole['p95'] / b['p95']:.1f}×, "
                  f"p99 {whole['p99'] / b['p99']:.1f}×; throughput {whole['rps'] / b['rps']:.2f}× the baseline's. "
                  f"Server resident memory: {rss[0]:.0f} MiB after start, peak {rss[1]:.0f} MiB (the server "
                   "process; its query processes share its pages copy-on-write)."), ""]
    lines += ["| abuse case | request | expected | got | s | server's message |", "|---|---|---:|---:|---:|---|"]
    extra = [o for o in (session.runaway, session.probe) if o is not None]
    for o in [*session.outcomes, *extra, sandbox]:
        got = "—" if o.status is None else str(o.status)
        mark = "" if o.ok else " **(wrong)**"
        lines.append(f"| {o.case} | {o.request.replace('|', '∣')} | {'/'.join(map(str, o.expected))} | {got}{mark} | "
                     f"{o.seconds:.2f} | {o.message.replace('|', '∣')} |")
    lines += ["", (f"Canary (the loopback stand-in for an outside SPARQL service) connections during the run: "
                  f"{session.canary_hits}.")]
    return "\n".join(lines)


def per_query(base: list[Sample], session: Session) -> str:
    names = sorted({s.name for s in base} | {s.name for s in session.samples})
    lines = ["| query | baseline n | baseline median ms | endpoint n | endpoint median ms | ratio |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in names:
        a = [s.seconds * 1000 for s in base if s.name == name]
        b = [s.seconds * 1000 for s in session.samples if s.name == name and s.status == 200]
        if a and b:
            ma, mb = statistics.median(a), statistics.median(b)
            ratio = mb / ma
            shown = f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.2f}×"
            lines.append(f"| {name} | {len(a)} | {ma:.2f} | {len(b)} | {mb:.1f} | {shown} |")
    return "\n".join(lines)


def _row_counts_agree(url: str, store, mix: list[tuple[str, str]]) -> tuple[int, int]:
    same = 0
    for _, text in mix:
        status, headers, body = http_request(url, "POST", text.encode("utf-8"), QUERY)
        here = store.query(text)
        if status != 200:
            continue
        if "json" in headers.get("content-type", ""):
            data = json.loads(body)
            there = len(data["results"]["bindings"]) if "results" in data else None
            same += there == len(here.rows) or (there is None and here.kind == "ask")
        else:
            same += len([line for line in body.decode().splitlines() if line.strip()]) == len(here.triples)
    return same, len(mix)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0, help="the run with abuse cases and a runaway query")
    parser.add_argument("--timeout", type=float, default=10.0, help="the server's time limit per query")
    parser.add_argument("--baseline-seconds", type=float, default=10.0)
    parser.add_argument("--compare-seconds", type=float, default=15.0,
                        help="each round of the clean load on prc-kg serve and on oxigraph serve-read-only")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the clean load on each server")
    parser.add_argument("--no-abuse", action="store_true", help="only the comparison with oxigraph serve-read-only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="write every sample and outcome here")
    args = parser.parse_args(argv)

    mix = library_requests()
    canary = Canary()
    with tempfile.TemporaryDirectory(prefix="prc-kg-endpoint-load-") as tmp:
        workdir = Path(tmp)
        store = example_graph(workdir)
        ours_dir, theirs_dir = disk_stores(store, workdir)
        proc, url, server_triples = start_server(workdir, args.timeout, ours_dir)
        uncached, uncached_url, _ = start_server(workdir, args.timeout, workdir / "store-prc-kg-uncached",
                                                 ("--cache-mb", "0"))
        oxi, oxi_url = start_oxigraph(theirs_dir, args.timeout)
        try:
            rss_start = _rss_mib(proc.pid, "VmRSS")
            urls = {"prc-kg serve": url, UNCACHED: uncached_url, "oxigraph serve-read-only": oxi_url}
            agree = {name: _row_counts_agree(u, store, mix) for name, u in urls.items()}
            compared = compare(urls, mix, args.clients, args.compare_seconds, args.rounds, args.seed)
            stop(oxi)
            stop(uncached)
            session = sandbox = None
            if not args.no_abuse:
                base = run_in_process(store, mix, args.clients, args.baseline_seconds, args.seed)
                print(f"baseline done: {len(base)} queries", file=sys.stderr)
                session = run_session(url, mix, args.clients, args.seconds, args.seed, 0.3,
                                      abuse_cases(canary.url, 10.0), canary)
                sandbox = sandbox_outcome(store, canary)
            rss_peak = _rss_mib(proc.pid, "VmHWM")
        finally:
            stop(oxi)
            stop(uncached)
            stop(proc)
    canary.close()
    print(comparison_report(args, compared, agree))
    if session is not None:
        print()
        print(report(args, len(store), server_triples, base, args.baseline_seconds, session, sandbox,
                     (rss_start, rss_peak), agree["prc-kg serve"]))
        print()
        print(per_query(base, session))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "args": {k: str(v) for k, v in vars(args).items()},
            "compared": {name: [asdict(s) for s in samples] for name, samples in compared.samples.items()},
            "baseline": [asdict(s) for s in base] if session else [],
            "samples": [asdict(s) for s in session.samples] if session else [],
            "outcomes": [asdict(o) for o in session.outcomes] if session else [],
            "runaway": asdict(session.runaway) if session and session.runaway else None,
            "runaway_window": session.runaway_window if session else None,
            "probe": asdict(session.probe) if session and session.probe else None,
            "sandbox": asdict(sandbox) if sandbox else None,
            "canary_hits": session.canary_hits if session else 0}, indent=1), encoding="utf-8")
    failures = [o for o in [*session.outcomes, sandbox] if not o.ok] if session else []
    errors = summarise(compared.samples["prc-kg serve"], 1)["errors"]
    errors += summarise(session.samples, session.seconds)["errors"] if session else 0
    return 1 if failures or errors or (session and session.canary_hits) else 0


if __name__ == "__main__":
    sys.exit(main())
