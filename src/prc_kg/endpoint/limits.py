"""What one client may cost the endpoint: the time, rows, bytes and memory of a query, and how many
connections and query processes it may hold. One dataclass, read by the query pool, the HTTP server
and its handler, so the numbers a user sets with `prc-kg serve` live in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass


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
    cache_mb: int = 64  # MiB of answers kept for repeated queries (answercache.py); 0: none kept

    def query_slots(self) -> int:
        return self.max_queries or max(4, 2 * (os.cpu_count() or 1))


__all__ = ["Limits"]
