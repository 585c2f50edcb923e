"""The endpoint's query processes as a pool: reused from query to query, bounded in number, shared
fairly between clients, killed at the time limit and replaced when they die or the store is replaced."""

from __future__ import annotations

import multiprocessing
import threading

import pyoxigraph as ox

from .answercache import AnswerCache, cacheable
from .fairslots import FairSlots
from .limits import Limits
from .queryprocess import Answer, QueryProcess
from .storewatch import StoreWatch


class QueryPool:
    """Query processes forked from the server and reused from query to query (a fork costs 5-10 ms,
    more than most library queries): ``limits.query_slots()`` at once, started when needed, shared
    fairly between clients: a freed one goes to the waiting client that holds the fewest, and half as
    many again are kept for clients that hold none, so one client's runaway queries do not keep
    another's waiting. A process that outlives the time limit is killed, one that dies is replaced.
    With a ``watch``, a store replaced under the server is reopened and the processes that read the
    old one are retired. Answers of the unchanged store are kept in an answer cache (``limits.cache_mb``)
    and a repeated query is answered from it, without a query process."""

    def __init__(self, store: ox.Store, limits: Limits, watch: StoreWatch | None = None):
        self.store, self.limits, self.size, self.watch = store, limits, limits.query_slots(), watch
        # one client may use every slot; half as many again are kept for clients that hold none
        self.slots = FairSlots(self.size, self.size, reserve=max(1, self.size // 2))
        self._ctx = multiprocessing.get_context("fork")
        self.cache = AnswerCache(limits.cache_mb << 20) if limits.cache_mb > 0 else None
        self._idle: list[QueryProcess] = []
        self._busy: set[QueryProcess] = set()
        self._closed = False
        self._lock = threading.Lock()

    def _checkout(self, client: str, store: ox.Store, generation: int) -> QueryProcess | None:
        """A query process for a client that holds a slot: an idle one reading this store, or a new one;
        None once the pool is closed (a query that got its slot just before close() never starts)."""
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
            worker = QueryProcess(self._ctx, store, self.limits, generation)  # fork outside the lock
        with self._lock:
            closed = self._closed  # checked with the add, so close() either kills it or it is never used
            if not closed:
                self._busy.add(worker)
        if closed:
            worker.stop()
            return None
        return worker

    def _release(self, client: str, worker: QueryProcess, reuse: bool = False) -> None:
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
        key = (generation, query, select_media, graph_media, check_keywords)
        if self.cache is not None and cacheable(query):
            cached = self.cache.get(key)
            if cached is not None:
                return cached
        else:
            key = None
        answer = self._run(query, store, generation, select_media, graph_media, check_keywords, client)
        if key is not None:
            self.cache.put(key, answer)
        return answer

    def _run(self, query: str, store: ox.Store, generation: int, select_media: str | None,
             graph_media: str | None, check_keywords: bool, client: str) -> Answer:
        """The answer from a query process (no cache)."""
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
            if worker is None:
                self.slots.release(client)
                return Answer("busy", "the server is stopping")
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


__all__ = ["QueryPool", "run_with_limit"]
