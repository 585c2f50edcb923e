"""A read-only SPARQL 1.1 Protocol endpoint over the embedded store.

Queries run in a few query processes forked from the server (reused from query to query), each with
a time limit, a memory limit and no network: a runaway query is killed while other clients keep
being served, and a SERVICE clause that gets past the keyword check still cannot reach another host.
Updates, LOAD and SERVICE are refused; answers are capped at a row and a byte limit; slow, lying or
oversized requests are cut off; connections and query processes are bounded in number and shared
fairly between clients; the server binds to loopback unless told otherwise and answers only `Host`
names it is bound to; a store that `prc-kg load` replaced is reopened."""

from __future__ import annotations

import bisect
import ctypes
import faulthandler
import gc
import heapq
import multiprocessing
import os
import platform
import re
import resource
import signal
import socket
import stat
import struct
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox

from .fairslots import FairSlots, Ticket
from .hostcheck import HostCheck, family_of, is_loopback
from .peers import peer_of
from .resultwriter import GRAPH_FORMATS, SELECT_FORMATS, write_ask, write_solutions, write_triples
from .storewatch import StoreWatch

MAX_BODY = 1 << 20


@dataclass
class Limits:
    """What one client may cost the server. ``max_queries=0`` means two per core, at least four."""

    timeout: float = 10.0  # seconds a query may run
    max_rows: int = 10_000  # rows (or triples) returned at most
    max_result_bytes: int = 16 << 20  # bytes of the serialised answer at most (any format); cut there
    max_memory_mb: int = 2048  # address space a query process may add to the server's
    max_queries: int = 0  # query processes at once (and half as many for newcomers); more wait up to `timeout`
    max_connections: int = 64  # connections handled at once; as many more may wait, the rest get 503
    max_connections_per_client: int = 16  # per local user (loopback) or per address; more wait their turn
    queue_wait: float = 60.0  # seconds a connection beyond its client's share waits for a place
    request_timeout: float = 10.0  # seconds a client has to send its whole request

    def query_slots(self) -> int:
        return self.max_queries or max(4, 2 * (os.cpu_count() or 1))


# -- refusing updates and federation -----------------------------------------------------------------
#
# The keyword check is the first line (it gives a clear 403); the network sandbox of the query process
# is the second. SPARQL's tokens overlap — `<` opens an IRI or compares, `#` starts a comment or sits in
# an IRI, keywords need no space around them (`SERVICESILENT<…>`, `?o.SERVICE`) — so the check follows
# every reading of each ambiguous character and refuses when any reading shows a keyword as code.

# SERVICE is looked for inside words too: Oxigraph reads a keyword glued to what follows or precedes it
# (`SERVICESILENT`, `1SERVICE`, `SERVICEex:x`), and a SERVICE that runs reaches the network. The update
# keywords cannot run at all (the query parser has no updates; the check only gives a clearer answer than
# a syntax error), so they count only as whole words: `PREFIX address:`, `dropbox:`, `@en-x-caddy` pass.
_SERVICE = re.compile("SERVICE", re.IGNORECASE)
_UPDATE = re.compile(r"(?<!\w)(LOAD|INSERT|DELETE|DROP|CLEAR|CREATE|COPY|MOVE|ADD)(?!\w)", re.IGNORECASE)
_NAME_CHARS = r"\w\u00B7\u0300-\u036F\u203F\u2040"
# a variable (never a keyword), a language tag (read greedily, as the parser does), a prefixed name whose
# prefix is checked and whose local part is not (PN_LOCAL is read greedily; it cannot start with "." or
# "-", so `ex:.SERVICE` is `ex:` then a keyword), or a bare word (keywords, numbers, booleans)
_WORD = re.compile(rf"[?$][{_NAME_CHARS}]*|(?P<lang>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)"
                   rf"|(?P<prefix>[{_NAME_CHARS}.\-%]*):(?:[\w:%][{_NAME_CHARS}.\-:%]*)?"
                   rf"|[{_NAME_CHARS}.\-%]+")
_SPECIAL = re.compile(r"[#\"'<\\]")
_EOL = re.compile(r"[\n\r]")
_IRI = re.compile(r'<(?:[^<>"{}|^`\\\x00-\x20]|\\[\s\S])*>')  # IRIREF, plus any escape (Oxigraph reads \u)
_ECHAR = r"\\(?:[tbnrf\\\"']|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})"
_STRINGS = {  # long form first: the parser tries it first and keeps it when it matches
    '"': (re.compile(rf'"""(?:"{{0,2}}(?:[^"\\]|{_ECHAR}))*"""'), re.compile(rf'"(?:[^"\\\n\r]|{_ECHAR})*"')),
    "'": (re.compile(rf"'''(?:'{{0,2}}(?:[^'\\]|{_ECHAR}))*'''"), re.compile(rf"'(?:[^'\\\n\r]|{_ECHAR})*'")),
}
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _keyword_in_code(text: str, start: int, end: int) -> str | None:
    for word in _WORD.finditer(text, start, end):
        token = word.group(0)
        if token[0] in "?$":
            continue
        name = word.group("lang") or word.group("prefix")
        if name is not None:  # a language tag or a prefix: a name, unless SERVICE is glued to it
            match = _SERVICE.search(name)
        else:
            match = _SERVICE.search(token) or _UPDATE.search(token)
        if match:
            return match.group(0).upper()
    return None


def _scan(text: str) -> str | None:
    """Follow every reading of ``text``: positions where some reading is in code go on a heap."""
    todo, seen, budget = [0], set(), 8 * len(text) + 64
    line_ends = [m.start() for m in _EOL.finditer(text)]
    while todo:
        pos = heapq.heappop(todo)
        if pos in seen or pos >= len(text):
            continue
        seen.add(pos)
        budget -= 1
        if budget < 0:
            return "(an unreadable query)"
        special = _SPECIAL.search(text, pos)
        end = special.start() if special else len(text)
        found = _keyword_in_code(text, pos, end)
        if found or special is None:
            return found
        char, nxt = text[end], []
        if char == "#":
            i = bisect.bisect_left(line_ends, end)
            nxt.append(line_ends[i] if i < len(line_ends) else len(text))
        elif char in "\"'":
            long_form, short_form = _STRINGS[char]
            match = long_form.match(text, end) or short_form.match(text, end)
            nxt.append(match.end() if match else end + 1)  # unterminated: read on as code
        elif char == "\\":  # an escape in a prefixed name (`ex:a\#b`): the next character may be either
            nxt += [end + 1, end + 2]
        else:
            iri = _IRI.match(text, end)
            nxt.append(iri.end() if iri else end + 1)
            if iri:
                # read as less-than instead: the comparison must be closed by ")" before a group keyword
                # can follow, and a comment or string could start inside what the other reading skips
                close = text.find(")", end, iri.end())
                found = _keyword_in_code(text, close + 1, iri.end() - 1) if close >= 0 else None
                if found:
                    return found
                nxt += [m.start() for m in _SPECIAL.finditer(text, end + 1, iri.end() - 1)]
        for p in nxt:
            if p not in seen:
                heapq.heappush(todo, p)
    return None


def refused_keyword(query: str) -> str | None:
    """The first update or federation keyword that some reading of the query has as code.

    Keywords inside strings, IRIs, comments, variable names and the local part of prefixed names are
    allowed. SPARQL's codepoint escapes (``\\u0053ERVICE``) are checked decoded as well.
    """
    found = _scan(query)
    if found is None and ("\\u" in query or "\\U" in query):
        def decode(m: re.Match) -> str:
            code = int(m.group(1) or m.group(2), 16)
            return chr(code) if code <= 0x10FFFF else m.group(0)

        found = _scan(_CODEPOINT.sub(decode, query))
    return found


# -- the query process: sandbox, limits, answer ------------------------------------------------------

_SECCOMP = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}  # audit arch, number of socket()


def _deny_network() -> bool:
    """Forbid this process to create IPv4/IPv6 sockets (seccomp, Linux x86-64/arm64): SERVICE fails
    even if a query got past the keyword check. Pipes and Unix sockets still work. False if unsupported."""
    arch = _SECCOMP.get(platform.machine())
    if sys.platform != "linux" or arch is None:
        return False

    def op(code: int, jt: int, jf: int, k: int) -> bytes:
        return struct.pack("HBBI", code, jt, jf, k)

    ld, jeq, ret = 0x20, 0x15, 0x06
    program = b"".join([
        op(ld, 0, 0, 4), op(jeq, 0, 5, arch[0]),  # another architecture: allow
        op(ld, 0, 0, 0), op(jeq, 0, 3, arch[1]),  # not socket(): allow
        op(ld, 0, 0, 16), op(jeq, 2, 0, socket.AF_INET), op(jeq, 1, 0, socket.AF_INET6),
        op(ret, 0, 0, 0x7FFF0000),  # allow
        op(ret, 0, 0, 0x00050000 | 1),  # fail with EPERM
    ])

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program)
    prog = Program(len(program) // 8, ctypes.addressof(buffer))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2
        return (libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) == 0
                and libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(prog), 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _limit_memory(extra_mb: int) -> None:
    """Cap the address space at what the (forked) process has now plus ``extra_mb``."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            size = next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmSize:"))
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + (extra_mb << 20)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, StopIteration, ValueError):
        pass


@dataclass
class Answer:
    """What a query process sends back: status "ok", "refused", "syntax", "error", "not-acceptable",
    "timeout", "died" or "busy"; for "ok" the serialised body and its media type, else a message."""

    status: str
    body: bytes | str
    media: str | None = None
    truncated: bool = False
    retire: bool = False  # the query process asks to be replaced


def _serialise(result, limits: Limits, select_media: str | None, graph_media: str | None) -> Answer:
    if isinstance(result, ox.QuerySolutions):
        if select_media is None:
            return Answer("not-acceptable", "a SELECT result")
        body, truncated = write_solutions([v.value for v in result.variables], result, select_media,
                                          limits.max_rows, limits.max_result_bytes)
        return Answer("ok", body, select_media, truncated)
    if isinstance(result, ox.QueryBoolean):
        if select_media is None:
            return Answer("not-acceptable", "an ASK result")
        return Answer("ok", write_ask(bool(result), select_media), select_media)
    if graph_media is None:
        return Answer("not-acceptable", "a graph")
    body, truncated = write_triples(result, graph_media, limits.max_rows, limits.max_result_bytes)
    return Answer("ok", body, graph_media, truncated)


def _answer_query(store: ox.Store, query: str, limits: Limits, select_media: str | None, graph_media: str | None,
                  check_keywords: bool) -> Answer:
    try:
        # the keyword check runs here, under the time limit: on a 1 MiB query built to be ambiguous
        # it takes seconds, which the server's own threads should not spend
        keyword = refused_keyword(query) if check_keywords else None
        if keyword is not None:
            return Answer("refused", f"{keyword} is not allowed on this read-only endpoint")
        return _serialise(store.query(query), limits, select_media, graph_media)
    except SyntaxError as exc:
        return Answer("syntax", str(exc))
    except MemoryError:
        return Answer("died", f"the query needed more than the memory limit of {limits.max_memory_mb} MiB")
    except Exception as exc:  # noqa: BLE001 - reported to the client as a 500
        return Answer("error", f"{type(exc).__name__}: {exc}")


def _close_inherited_sockets(keep: int) -> None:
    """Close the server's sockets this forked process inherited (the listening socket, clients'
    connections, other workers' pipes), so a client's connection ends when the server closes it."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in fds:
        if fd == keep:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _worker_main(store: ox.Store, limits: Limits, conn) -> None:
    """A query process: sandboxed once, then answers queries from the server until told to stop.
    It retires itself (the server starts a fresh one) after many queries or when it has grown."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    faulthandler.disable()  # running out of memory aborts this process by design: no traceback dump
    _close_inherited_sockets(conn.fileno())
    _deny_network()
    _limit_memory(limits.max_memory_mb)
    gc.freeze()  # the objects inherited from the server are never collected here: fewer pages copied
    start_rss, served = _rss_bytes(), 0
    try:
        while True:
            try:
                query, select_media, graph_media, check_keywords = conn.recv()
            except (EOFError, OSError):
                break
            answer = _answer_query(store, query, limits, select_media, graph_media, check_keywords)
            served += 1
            answer.retire = served >= _WORKER_QUERIES or _rss_bytes() - start_rss > _WORKER_GROWTH
            try:
                conn.send(answer)
            except (OSError, MemoryError):
                break
            if answer.retire:
                break
    finally:
        os._exit(0)  # skip the interpreter's exit: locks copied from the server's other threads may be held


_WORKER_QUERIES = 1000
_WORKER_GROWTH = 256 << 20


_FORK_LOCK = threading.Lock()


class _Worker:
    def __init__(self, ctx, store: ox.Store, limits: Limits, generation: int = 0):
        self.generation = generation  # which opening of the store this process reads
        # one fork at a time: a process forked while another fork's pipe ends are still open in the
        # server would keep them, and the server would then wait seconds to learn that a killed one died
        with _FORK_LOCK:
            self.conn, child = ctx.Pipe(duplex=True)
            self.proc = ctx.Process(target=_worker_main, args=(store, limits, child), daemon=True)
            self.proc.start()
            child.close()

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class QueryPool:
    """Query processes forked from the server and reused from query to query (a fork costs 5-10 ms,
    more than most library queries): ``limits.query_slots()`` at once, started when needed, shared
    fairly between clients: a freed one goes to the waiting client that holds the fewest, and half as
    many again are kept for clients that hold none, so one client's runaway queries do not keep
    another's waiting. A process that outlives the time limit is killed, one that dies is replaced.
    With a ``watch``, a store replaced under the server is reopened and the processes that read the
    old one are retired."""

    def __init__(self, store: ox.Store, limits: Limits, watch: StoreWatch | None = None):
        self.store, self.limits, self.size, self.watch = store, limits, limits.query_slots(), watch
        # one client may use every slot; half as many again are kept for clients that hold none
        self.slots = FairSlots(self.size, self.size, reserve=max(1, self.size // 2))
        self._ctx = multiprocessing.get_context("fork")
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._closed = False
        self._lock = threading.Lock()

    def _checkout(self, client: str, store: ox.Store, generation: int) -> _Worker:
        """A query process for a client that holds a slot: an idle one reading this store, or a new one."""
        stale = []
        with self._lock:
            worker = None
            while self._idle and worker is None:
                candidate = self._idle.pop()
                if candidate.generation == generation:
                    worker = candidate
                else:
                    stale.append(candidate)
        for old in stale:
            old.stop()
        if worker is None:
            worker = _Worker(self._ctx, store, self.limits, generation)  # fork outside the lock
        with self._lock:
            self._busy.add(worker)
        return worker

    def _release(self, client: str, worker: _Worker, reuse: bool = False) -> None:
        with self._lock:
            self._busy.discard(worker)
            keep = reuse and not self._closed and (self.watch is None or worker.generation == self.watch.generation)
            if keep:
                self._idle.append(worker)
        if not keep:
            worker.stop()
        self.slots.release(client)

    def run(self, query: str, select_media: str | None = "application/sparql-results+json",
            graph_media: str | None = "application/n-triples", check_keywords: bool = True,
            client: str = "") -> Answer:
        """The serialised answer; "busy" when no query process is free for ``client`` within the time
        limit, "replaced" when the store was replaced by one that cannot be opened."""
        store, generation = self.store, 0
        if self.watch is not None:
            store, generation, problem = self.watch.current()
            if problem is not None:
                return Answer("replaced", problem)
        if self._closed or not self.slots.acquire(client, self.limits.timeout):
            return Answer("busy", f"server busy: {self.size} queries running "
                                  f"({self.slots.held(client)} of them yours); try again")
        if self._closed:  # closed while this query waited for its turn
            self.slots.release(client)
            return Answer("busy", "the server is stopping")
        for _ in range(2):  # a process that died while idle (killed from outside) gets one replacement
            try:
                worker = self._checkout(client, store, generation)
            except BaseException:
                self.slots.release(client)
                raise
            try:
                worker.conn.send((query, select_media, graph_media, check_keywords))
                break
            except OSError:
                with self._lock:
                    self._busy.discard(worker)
                worker.stop()
        else:
            self.slots.release(client)
            return Answer("died", "the query processes end as soon as they start")
        answer, reuse = None, False
        try:
            if not worker.conn.poll(self.limits.timeout):
                answer = Answer("timeout", f"query exceeded the time limit of {self.limits.timeout:g} s")
            else:
                answer = worker.conn.recv()
                reuse = not answer.retire
        except (EOFError, OSError):
            worker.proc.join(1)
            answer = Answer("died", f"the query process ended without an answer (exit code {worker.proc.exitcode}); "
                                    f"the memory limit is {self.limits.max_memory_mb} MiB")
        finally:
            self._release(client, worker, reuse)
        return answer

    def close(self) -> None:
        """Stop every query process, the running ones too (their clients are answered 503)."""
        with self._lock:
            self._closed = True
            idle, self._idle, busy = self._idle, [], list(self._busy)
        for worker in busy:  # the thread waiting on it sees the pipe close and releases it
            if worker.proc.is_alive():
                worker.proc.kill()
        for worker in idle:
            worker.stop()


def run_with_limit(store: ox.Store, query: str, limits: Limits,
                   select_media: str | None = "application/sparql-results+json",
                   graph_media: str | None = "application/n-triples", check_keywords: bool = True) -> Answer:
    """Run one query in a fresh sandboxed process (keyword check, no network, capped memory, time
    limit). ``check_keywords=False`` is for testing the sandbox on its own."""
    pool = QueryPool(store, Limits(**{**limits.__dict__, "max_queries": 1}))
    try:
        return pool.run(query, select_media, graph_media, check_keywords)
    finally:
        pool.close()


# -- content negotiation -----------------------------------------------------------------------------

SELECT_TYPES, GRAPH_TYPES = SELECT_FORMATS, GRAPH_FORMATS


def negotiate(accept: str, offered: list[str]) -> str | None:
    """The offered media type the Accept header prefers (q-values honoured; */* takes the first)."""
    if not accept.strip():
        return offered[0]
    best, best_q = None, 0.0
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        for candidate in offered:
            if media == candidate or media == "*/*" or (media.endswith("/*") and candidate.startswith(media[:-1])):
                if q > best_q:
                    best, best_q = candidate, q
                break
    return best


QUERY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>prc-kg SPARQL endpoint</title>
<style>body{font-family:sans-serif;margin:2em;max-width:70em}textarea{width:100%;height:12em;font-family:monospace}
table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
#status{color:#555}</style></head>
<body><h1>prc-kg SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 query endpoint at <code>/sparql</code> (GET or POST). Time limit per query: TIMEOUT s;
at most MAXROWS rows.</p>
<textarea id="q">PREFIX prc: &lt;https://w3id.org/prc-kg/ontology/&gt;
PREFIX rdfs: &lt;http://www.w3.org/2000/01/rdf-schema#&gt;
SELECT ?section ?label WHERE { ?section a prc:ManualSection ; rdfs:label ?label } ORDER BY ?label</textarea>
<p><button id="run">Run</button> <span id="status"></span></p>
<div id="out"></div>
<script>
document.getElementById('run').addEventListener('click', async () => {
  const status = document.getElementById('status'), out = document.getElementById('out');
  status.textContent = 'running…'; out.replaceChildren();
  const response = await fetch('sparql', {method: 'POST', headers: {'Content-Type': 'application/sparql-query',
    'Accept': 'application/sparql-results+json'}, body: document.getElementById('q').value});
  const text = await response.text();
  if (!response.ok) { status.textContent = 'error ' + response.status + ': ' + text; return; }
  const data = JSON.parse(text);
  if ('boolean' in data) { status.textContent = String(data.boolean); return; }
  const table = document.createElement('table'), head = table.insertRow();
  for (const v of data.head.vars) { const th = document.createElement('th'); th.textContent = v; head.appendChild(th); }
  for (const b of data.results.bindings) {
    const row = table.insertRow();
    for (const v of data.head.vars) { row.insertCell().textContent = b[v] ? b[v].value : ''; }
  }
  out.appendChild(table); status.textContent = data.results.bindings.length + ' rows';
});
</script></body></html>
"""



# -- the HTTP server ---------------------------------------------------------------------------------

_CONTENT_LENGTH = re.compile(r"[0-9]{1,15}")


class EndpointServer(ThreadingHTTPServer):
    """A threading HTTP server that bounds what clients can hold: connections (a fixed number at
    once, at most a share of them per client; a client's connections beyond its share wait in line
    for up to ``queue_wait`` seconds, and only past a bounded line are answered 503 at once), query
    processes (shared the same way; the rest wait up to the time limit), and time: a watchdog cuts a
    connection that has not sent its whole request in ``request_timeout`` seconds (slowloris, a
    Content-Length larger than the body) or does not read its answer in time."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler, limits: Limits, store: ox.Store,
                 allowed_hosts: tuple[str, ...] = (), watch: StoreWatch | None = None):
        self.address_family = family_of(address[0])  # ::1 needs an IPv6 socket
        self.limits = limits
        self.connections = FairSlots(limits.max_connections, limits.max_connections_per_client,
                                     max_waiting=limits.max_connections)
        self._peers: dict[socket.socket, tuple[str, Ticket]] = {}  # each accepted connection's key and place
        self.pool = QueryPool(store, limits, watch)
        self._deadlines: dict[BaseHTTPRequestHandler, tuple[float, int]] = {}
        self._refused: list[tuple[socket.socket, float]] = []  # answered 503, being drained
        self._lock = threading.Lock()
        self._closed = threading.Event()
        super().__init__(address, handler)
        self.host_check = HostCheck(address[0], self.server_address[1], allowed_hosts)
        threading.Thread(target=self._watchdog, name="prc-kg-serve-watchdog", daemon=True).start()

    def watch(self, handler: BaseHTTPRequestHandler, seconds: float, how: int = socket.SHUT_RD) -> None:
        with self._lock:
            self._deadlines[handler] = (time.monotonic() + seconds, how)

    def unwatch(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._deadlines.pop(handler, None)

    def _watchdog(self) -> None:
        while not self._closed.wait(0.1):
            now = time.monotonic()
            with self._lock:
                late = [(h, how) for h, (deadline, how) in self._deadlines.items() if deadline < now]
                for handler, _ in late:
                    del self._deadlines[handler]
            for handler, how in late:
                handler.expired = True
                try:  # a blocked read returns end-of-file, so the handler can still answer 408
                    handler.connection.shutdown(how)
                except OSError:
                    pass
            self._drain_refused(now)

    def _drain_refused(self, now: float) -> None:
        """Read and drop what refused clients still send, so they read our 503 rather than a reset."""
        with self._lock:
            pending, self._refused = self._refused, []
        keep = []
        for sock, deadline in pending:
            done = now > deadline
            try:
                for _ in range(16):  # at most 1 MiB a tick: a client that keeps sending is cut at the deadline
                    if not sock.recv(1 << 16):
                        done = True  # end of file: the client has read the answer and closed
                        break
            except BlockingIOError:
                pass
            except OSError:
                done = True
            if done:
                sock.close()
            else:
                keep.append((sock, deadline))
        with self._lock:
            self._refused.extend(keep)

    def process_request(self, request, client_address) -> None:
        peer = peer_of(request, client_address)
        ticket = self.connections.request(peer)
        if ticket is None:  # the line is full: say whose connections fill it
            held, waiting = self.connections.held(peer), self.connections.waiting(peer)
            if held >= self.connections.share:
                self._refuse(request, f"too many connections from {peer}: {held} open and {waiting} waiting")
            else:
                self._refuse(request, f"server busy: {self.limits.max_connections} connections already open")
            return
        with self._lock:
            self._peers[request] = (peer, ticket)
        try:
            super().process_request(request, client_address)  # a thread of its own, which waits its turn
        except BaseException:
            with self._lock:
                self._peers.pop(request, None)
            if self.connections.wait(ticket, 0):
                self.connections.release(peer)
            raise

    def _refuse(self, request: socket.socket, why: str) -> None:
        """Answer 503 from the accepting thread without reading the request; the watchdog drains
        and closes the connection (at most a few hundred such connections, for a second each)."""
        body = f"{why}; try again\n".encode()
        try:
            request.setblocking(False)
            request.send(b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                         b"Retry-After: 1\r\nConnection: close\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            request.shutdown(socket.SHUT_WR)
        except OSError:
            request.close()
            return
        with self._lock:
            if len(self._refused) < 256:
                self._refused.append((request, time.monotonic() + 1.0))
                return
        request.close()

    def process_request_thread(self, request, client_address) -> None:
        with self._lock:
            peer, ticket = self._peers[request]
        if not self.connections.wait(ticket, self.limits.queue_wait):
            with self._lock:
                self._peers.pop(request, None)
            if self._closed.is_set():  # sent away because the server is stopping
                request.close()
                return
            self._refuse(request, f"too many connections from {peer}: waited {self.limits.queue_wait:g} s "
                                  f"for one of its {self.connections.share} places")
            return
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._peers.pop(request, None)
            self.connections.release(peer)

    def peer(self, request: socket.socket) -> str:
        """The per-client key of an accepted connection."""
        with self._lock:
            return self._peers[request][0]

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], OSError):  # the client went away or was cut off: nothing to report
            return
        super().handle_error(request, client_address)

    def server_close(self) -> None:
        self._closed.set()
        super().server_close()
        self.connections.close()
        self.pool.slots.close()
        self.pool.close()
        with self._lock:
            for sock, _ in self._refused:
                sock.close()
            self._refused = []


def make_handler(limits: Limits):
    class Handler(BaseHTTPRequestHandler):
        server_version = "prc-kg-sparql/1"
        timeout = limits.request_timeout + 5  # per socket operation; the watchdog bounds the whole request
        server: EndpointServer

        def log_message(self, fmt: str, *args) -> None:  # quiet by default; errors still reach the client
            pass

        def setup(self) -> None:
            self.expired = self.answered = False
            super().setup()
            self.server.watch(self, limits.request_timeout)

        def finish(self) -> None:
            self.server.unwatch(self)
            try:
                super().finish()
            except OSError:
                pass

        def handle_one_request(self) -> None:
            self.answered, self.requestline, self.command = False, "", None
            super().handle_one_request()
            if self.expired and not self.answered:  # nothing (or half a request line) came in time
                self.request_version = "HTTP/1.0"
                self._too_slow()

        def parse_request(self) -> bool:
            ok = super().parse_request()
            if ok and self.expired:
                self.request_version = "HTTP/1.0"  # a cut-off request line can look like HTTP/0.9
                self._too_slow()
                return False
            if ok:
                hosts = self.headers.get_all("Host") or []
                if len(hosts) > 1 or not self.server.host_check.accepts(hosts[0] if hosts else None):
                    self.close_connection = True
                    self._send(421, self.server.host_check.refusal(", ".join(hosts)), extra={"Connection": "close"})
                    return False
            return ok

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """The standard library's errors (414 URI too long, 431 header flood, 501 …) as plain text."""
            short, long = self.responses.get(code, ("error", ""))
            self.close_connection = True
            self._send(code, f"{message or short}: {explain or long}\n", extra={"Connection": "close"})

        def _too_slow(self) -> None:
            self._send(408, f"request not received within {limits.request_timeout:g} s\n", extra={"Connection": "close"})
            self.close_connection = True

        def _send(self, code: int, body: str | bytes, ctype: str = "text/plain; charset=utf-8",
                  extra: dict[str, str] | None = None) -> None:
            self.answered = True
            data = body.encode("utf-8") if isinstance(body, str) else body
            # a client that does not read its answer is cut off; about 1 MiB/s is the slowest allowed
            self.server.watch(self, limits.request_timeout + len(data) / (1 << 20), socket.SHUT_RDWR)
            try:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-Content-Type-Options", "nosniff")
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                self.close_connection = True

        def _discard(self, length: int) -> None:
            """Read and drop an oversized body (up to a bound), so the client reads our 413
            instead of a broken pipe; anything beyond the bound is cut off with the connection."""
            remaining = min(length, 16 * MAX_BODY)
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 16))
                if not chunk:
                    break
                remaining -= len(chunk)

        def _read_body(self) -> bytes | None:
            """The request body, or None after answering a missing, lying or oversized Content-Length."""
            if self.headers.get("Transfer-Encoding"):
                self._send(411, "send the body with a Content-Length (chunked bodies are not accepted)\n",
                           extra={"Connection": "close"})
                self.close_connection = True
                return None
            values = {v.strip() for v in self.headers.get_all("Content-Length") or []}
            if len(values) > 1 or not all(_CONTENT_LENGTH.fullmatch(v) for v in values):
                self._send(400, "invalid Content-Length: expected one non-negative whole number\n",
                           extra={"Connection": "close"})
                self.close_connection = True
                return None
            length = int(values.pop()) if values else 0
            if length > MAX_BODY:
                self._discard(length)
                self._send(413, f"request too large: at most {MAX_BODY} bytes\n", extra={"Connection": "close"})
                self.close_connection = True
                return None
            body = self.rfile.read(length) if length else b""
            if len(body) < length:
                if self.expired:
                    self._too_slow()
                else:
                    self._send(400, f"request body ended after {len(body)} of the {length} bytes announced\n",
                               extra={"Connection": "close"})
                    self.close_connection = True
                return None
            return body

        def do_GET(self) -> None:
            self.server.unwatch(self)
            url = urllib.parse.urlsplit(self.path)
            if url.path in ("/", "/index.html"):
                page = QUERY_PAGE.replace("TIMEOUT", f"{limits.timeout:g}").replace("MAXROWS", str(limits.max_rows))
                self._send(200, page, "text/html; charset=utf-8",
                           {"Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'; "
                                                       "style-src 'unsafe-inline'"})
                return
            if url.path != "/sparql":
                self._send(404, "not found: the endpoint is /sparql\n")
                return
            params = urllib.parse.parse_qs(url.query)
            if "update" in params:
                self._send(403, "this endpoint is read-only: SPARQL UPDATE is refused\n")
                return
            if "query" not in params:
                self._send(400, "missing 'query' parameter\n")
                return
            self._answer(params["query"][0])

        def do_POST(self) -> None:
            if urllib.parse.urlsplit(self.path).path != "/sparql":
                self._send(404, "not found: the endpoint is /sparql\n")
                return
            raw = self._read_body()
            if raw is None:
                return
            self.server.unwatch(self)
            body = raw.decode("utf-8", "replace")
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if ctype == "application/sparql-update":
                self._send(403, "this endpoint is read-only: SPARQL UPDATE is refused\n")
                return
            if ctype == "application/sparql-query":
                self._answer(body)
                return
            if ctype == "application/x-www-form-urlencoded":
                params = urllib.parse.parse_qs(body)
                if "update" in params:
                    self._send(403, "this endpoint is read-only: SPARQL UPDATE is refused\n")
                    return
                if "query" in params:
                    self._answer(params["query"][0])
                    return
            self._send(400, "expected a query as application/sparql-query or a form field 'query'\n")

        def _answer(self, query: str) -> None:
            if len(query.encode("utf-8")) > MAX_BODY:
                self._send(413, f"query too large: at most {MAX_BODY} bytes\n")
                return
            accept = self.headers.get("Accept") or ""
            select_media, graph_media = negotiate(accept, list(SELECT_TYPES)), negotiate(accept, list(GRAPH_TYPES))
            if select_media is None and graph_media is None:
                self._send(406, f"cannot answer with {accept}; offered: {', '.join([*SELECT_TYPES, *GRAPH_TYPES])}\n")
                return
            answer = self.server.pool.run(query, select_media, graph_media, client=self.server.peer(self.request))
            if answer.status == "ok":
                extra = {"X-Result-Truncated": "true"} if answer.truncated else {}
                self._send(200, answer.body, f"{answer.media}; charset=utf-8", extra)
            elif answer.status == "refused":
                self._send(403, f"refused: {answer.body}\n")
            elif answer.status == "syntax":
                self._send(400, f"SPARQL syntax error: {answer.body}\n")
            elif answer.status == "not-acceptable":
                offered = ", ".join(GRAPH_TYPES if select_media else SELECT_TYPES)
                self._send(406, f"cannot answer {answer.body} with {accept}; offered: {offered}\n")
            elif answer.status == "busy":
                self._send(503, f"{answer.body}\n", extra={"Retry-After": "1"})
            elif answer.status in ("timeout", "died", "replaced"):
                self._send(503, f"{answer.body}\n")
            else:
                self._send(500, f"{answer.body}\n")

    return Handler


def make_server(store: ox.Store, host: str = "127.0.0.1", port: int = 7878, limits: Limits | None = None,
                allow_remote: bool = False, allowed_hosts: tuple[str, ...] = (),
                store_path: Path | None = None) -> EndpointServer:
    """``store_path``: the folder ``store`` was opened from, watched for `prc-kg load` replacing it."""
    check_host(host, allow_remote)
    limits = limits or Limits()
    watch = StoreWatch(store_path, store) if store_path is not None else None
    server = EndpointServer((host.strip("[]"), port), make_handler(limits), limits, store, tuple(allowed_hosts), watch)
    if not is_loopback(host):
        print(f"warning: the endpoint is reachable from other machines at {host}:{server.server_address[1]} "
              "and has no authentication", file=sys.stderr, flush=True)
    return server


def check_host(host: str, allow_remote: bool) -> None:
    """Refuse a non-loopback address unless the user asked for it: the endpoint has no authentication."""
    if not is_loopback(host) and not allow_remote:
        raise ValueError(f"refusing to bind {host}: only loopback by default; pass --allow-remote to expose "
                         "the endpoint on the network")


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


__all__ = ["Answer", "EndpointServer", "Limits", "QueryPool", "check_host", "make_server", "negotiate", "refused_keyword",
           "run_with_limit", "serve_in_thread"]
