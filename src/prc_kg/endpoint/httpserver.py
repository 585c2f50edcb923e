"""The endpoint's HTTP server: bounds the connections each client holds, cuts off slow or silent
clients with a watchdog, answers 503 to those beyond the line, and owns the query pool."""

from __future__ import annotations

import queue
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox

from .fairslots import FairSlots, Ticket
from .hostcheck import HostCheck, family_of
from .limits import Limits
from .peers import peer_of
from .querypool import QueryPool
from .storewatch import StoreWatch


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
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()  # connections for the handler threads
        self._idle_handlers = 0  # handler threads waiting for a connection
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
            self._hand_off(request, client_address)  # to a thread of its own, which waits its turn
        except BaseException:
            with self._lock:
                self._peers.pop(request, None)
            if self.connections.wait(ticket, 0):
                self.connections.release(peer)
            raise

    def _hand_off(self, request: socket.socket, client_address) -> None:
        """Give the connection to an idle handler thread, or to a new one when none is idle. Handler
        threads are kept for the next connection (a thread started per connection made the accepting
        thread wait for each start); as many are kept idle as connections may be open at once."""
        with self._lock:
            idle = self._idle_handlers > 0
            self._idle_handlers -= idle
        if not idle:  # started before the connection is queued: if it cannot start, nothing is left queued
            threading.Thread(target=self._handler_loop, name="prc-kg-serve-handler", daemon=True).start()
        self._jobs.put((request, client_address))

    def _handler_loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            self.process_request_thread(*job)
            with self._lock:
                if self._closed.is_set() or self._idle_handlers >= self.limits.max_connections:
                    return
                self._idle_handlers += 1

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
        with self._lock:
            idle, self._idle_handlers = self._idle_handlers, 0
        for _ in range(idle):  # the idle handler threads end; busy ones end after their connection
            self._jobs.put(None)
        self.connections.close()
        self.pool.slots.close()
        self.pool.close()
        with self._lock:
            for sock, _ in self._refused:
                sock.close()
            self._refused = []


__all__ = ["EndpointServer"]
