"""One query process: forked from the server, sandboxed once, then answers queries sent down its pipe
(keyword check, query, serialised answer) until it retires. The pool (querypool.py) starts, reuses and
kills these processes; this module is what runs inside one and the handle the server keeps to it."""

from __future__ import annotations

import faulthandler
import gc
import os
import signal
import threading
from dataclasses import dataclass

import pyoxigraph as ox

from ..store.results import write_ask, write_solutions, write_triples
from ..store.sparqlerror import explain
from .keywords import refused_keyword
from .limits import Limits
from .sandbox import close_inherited_sockets, deny_network, limit_memory, rss_bytes

_WORKER_QUERIES = 1000  # a query process retires after this many queries
_WORKER_GROWTH = 256 << 20  # or when it has grown by this many bytes
_FORK_LOCK = threading.Lock()


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
        return Answer("syntax", explain(query, str(exc)))
    except MemoryError:
        return Answer("died", f"the query needed more than the memory limit of {limits.max_memory_mb} MiB")
    except Exception as exc:  # noqa: BLE001 - reported to the client as a 500
        return Answer("error", f"{type(exc).__name__}: {exc}")


def _worker_main(store: ox.Store, limits: Limits, conn) -> None:
    """A query process: sandboxed once, then answers queries from the server until told to stop.
    It retires itself (the server starts a fresh one) after many queries or when it has grown."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    faulthandler.disable()  # running out of memory aborts this process by design: no traceback dump
    close_inherited_sockets(conn.fileno())
    deny_network()
    limit_memory(limits.max_memory_mb)
    gc.freeze()  # the objects inherited from the server are never collected here: fewer pages copied
    start_rss, served = rss_bytes(), 0
    try:
        while True:
            try:
                query, select_media, graph_media, check_keywords = conn.recv()
            except (EOFError, OSError):
                break
            answer = _answer_query(store, query, limits, select_media, graph_media, check_keywords)
            served += 1
            answer.retire = served >= _WORKER_QUERIES or rss_bytes() - start_rss > _WORKER_GROWTH
            try:
                conn.send(answer)
            except (OSError, MemoryError):
                break
            if answer.retire:
                break
    finally:
        os._exit(0)  # skip the interpreter's exit: locks copied from the server's other threads may be held


class QueryProcess:
    """The server's handle to one query process: its pipe, the process, and which store it reads."""

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
        """Kill the process if it still runs, reap it and close the pipe."""
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()


__all__ = ["Answer", "QueryProcess"]
