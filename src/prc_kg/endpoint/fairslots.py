"""Slots shared fairly between clients: connections, and query processes.

A client (a local user, told apart by uid, or a remote address) may hold at most ``share`` of the
``capacity`` slots; what it asks beyond that waits in line instead of being refused, so a client that
runs many requests in parallel is slowed to its share, not failed. When a slot frees, it goes to the
waiting client that holds the fewest, the longest-waiting first, and a few reserve slots go only to
clients that hold none: one client's burst of runaway queries cannot keep a second client's ASK
waiting behind it. The line itself is bounded (``max_waiting``); only past that is a request refused
at once."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass


@dataclass(eq=False)
class Ticket:
    """One request for a slot; ``granted`` once the slot is its own."""

    client: str
    order: int
    granted: bool = False
    event: threading.Event | None = None  # made only for a ticket that waits (most are granted at once)


class FairSlots:
    """``reserve`` slots beyond the capacity go only to a client that holds none: a newcomer is served
    at once even while another client holds every regular slot (with long-running queries, say)."""

    def __init__(self, capacity: int, share: int, max_waiting: int | None = None, reserve: int = 0):
        self.capacity, self.share, self.reserve = capacity, max(1, min(share, capacity)), reserve
        self.max_waiting = max_waiting
        self.lined_up = 0  # requests that have had to wait, ever (for tests and reports)
        self._held: dict[str, int] = {}
        self._in_use = 0
        self._waiting: list[Ticket] = []
        self._order = itertools.count()
        self._lock = threading.Lock()

    def held(self, client: str) -> int:
        with self._lock:
            return self._held.get(client, 0)

    def waiting(self, client: str | None = None) -> int:
        with self._lock:
            return sum(1 for t in self._waiting if client is None or t.client == client)

    def request(self, client: str) -> Ticket | None:
        """A ticket, granted now if the client is under its share and a slot is free, else waiting;
        None when the line is full."""
        with self._lock:
            ticket = Ticket(client, next(self._order))
            self._waiting.append(ticket)
            self._dispatch()
            if not ticket.granted and self.max_waiting is not None and len(self._waiting) > self.max_waiting:
                self._waiting.remove(ticket)
                return None
            if not ticket.granted:  # made under the lock: whoever grants it later finds it
                ticket.event = threading.Event()
                self.lined_up += 1
            return ticket

    def wait(self, ticket: Ticket, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the slot; False (and out of the line) if it did not come
        or the slots were closed."""
        if ticket.granted:
            return True
        if not ticket.event.wait(timeout):
            with self._lock:
                if ticket.granted:
                    return True
                if ticket in self._waiting:
                    self._waiting.remove(ticket)
                return False
        return ticket.granted

    def close(self) -> None:
        """Send everyone in line away (the server is stopping); later requests are refused."""
        with self._lock:
            self.capacity = self.reserve = self.max_waiting = 0
            for ticket in self._waiting:
                if ticket.event is not None:
                    ticket.event.set()
            self._waiting.clear()

    def acquire(self, client: str, timeout: float) -> bool:
        ticket = self.request(client)
        return ticket is not None and self.wait(ticket, timeout)

    def release(self, client: str) -> None:
        with self._lock:
            left = self._held.pop(client) - 1
            if left:
                self._held[client] = left
            self._in_use -= 1
            self._dispatch()

    def _dispatch(self) -> None:
        """Give free slots to waiting clients under their share: fewest held first, then oldest; the
        reserve only to clients that hold none."""
        while self._in_use < self.capacity + self.reserve:
            regular = self._in_use < self.capacity
            eligible = [t for t in self._waiting if self._held.get(t.client, 0) < self.share
                        and (regular or self._held.get(t.client, 0) == 0)]
            if not eligible:
                return
            ticket = min(eligible, key=lambda t: (self._held.get(t.client, 0), t.order))
            self._waiting.remove(ticket)
            self._held[ticket.client] = self._held.get(ticket.client, 0) + 1
            self._in_use += 1
            ticket.granted = True
            if ticket.event is not None:
                ticket.event.set()


__all__ = ["FairSlots", "Ticket"]
