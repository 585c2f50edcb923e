"""The endpoint's access log: one line per request, to standard error or a file.

A line holds the time (UTC), the client's address, the method and the path without its query string,
the status, the bytes of the answer body and the milliseconds taken to make it (the line is written
as the answer goes out, so a client that has its answer finds the line): a log says who used the
server and how, not what they asked. The query text is logged only when the operator asks (``--log-queries``),
as queries can hold what a user would not want kept. Every field from the request is written as a JSON
string, so a path or query cannot forge a line or reach a terminal as a control sequence."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import TextIO


class AccessLog:
    """Writes access lines to ``stream`` (standard error by default), one write per line under a lock."""

    def __init__(self, stream: TextIO | None = None, log_queries: bool = False):
        self.stream, self.log_queries = stream, log_queries
        self._lock = threading.Lock()

    def line(self, client: str, method: str | None, path: str | None, status: int, size: int, ms: float,
             query: str | None = None) -> str:
        """One access line (without its newline)."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        fields = [stamp, client, json.dumps(method or "-"), json.dumps(path or "-"), str(status), str(size),
                  f"{ms:.1f}ms"]
        if self.log_queries and query is not None:
            fields.append("query=" + json.dumps(query, ensure_ascii=False))
        return " ".join(fields)

    def write(self, *args, **kw) -> None:
        text = self.line(*args, **kw) + "\n"
        stream = self.stream or sys.stderr
        with self._lock:
            try:
                stream.write(text)
                stream.flush()
            except (OSError, ValueError):  # a full disk or a closed file must not stop the server
                pass


__all__ = ["AccessLog"]
