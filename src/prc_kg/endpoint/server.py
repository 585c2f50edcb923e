"""A read-only SPARQL 1.1 Protocol endpoint over the embedded store.

Queries run in a few query processes forked from the server (reused from query to query), each with
a time limit, a memory limit and no network: a runaway query is killed while other clients keep
being served, and a SERVICE clause that gets past the keyword check still cannot reach another host.
Updates, LOAD and SERVICE are refused; answers are capped at a row and a byte limit; slow, lying or
oversized requests are cut off; connections and query processes are bounded in number and shared
fairly between clients; the server binds to loopback unless told otherwise and answers only `Host`
names it is bound to; a store that `prc-kg load` replaced is reopened.

The parts, one concern each: limits.py (what a client may cost), keywords.py (the query guard),
sandbox.py (no network, capped memory), queryprocess.py and querypool.py (the query processes),
answercache.py (answers of the unchanged store, sent again without a query process),
negotiation.py (Accept and format=), querypage.py (the page at `/`), description.py (the service
description), termpage.py (the pages of prc-kg IRIs), cors.py, accesslog.py, httpserver.py and
httphandler.py (HTTP), with hostcheck.py, peers.py, fairslots.py and storewatch.py beside them.
This module puts them together: `make_server`, `check_host`, `serve_in_thread`."""

from __future__ import annotations

import sys
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox

from .accesslog import AccessLog
from .hostcheck import is_loopback
from .httphandler import make_handler
from .httpserver import EndpointServer
from .keywords import refused_keyword
from .limits import Limits
from .negotiation import negotiate
from .querypool import QueryPool, run_with_limit
from .queryprocess import Answer
from .storewatch import StoreWatch


def make_server(store: ox.Store, host: str = "127.0.0.1", port: int = 7878, limits: Limits | None = None,
                allow_remote: bool = False, allowed_hosts: tuple[str, ...] = (),
                store_path: Path | None = None, cors: bool = False,
                access_log: AccessLog | None = None) -> EndpointServer:
    """``store_path``: the folder ``store`` was opened from, watched for `prc-kg load` replacing it;
    ``cors``: answer cross-origin requests from any page; ``access_log``: where a line per request goes."""
    check_host(host, allow_remote)
    limits = limits or Limits()
    watch = StoreWatch(store_path, store) if store_path is not None else None
    server = EndpointServer((host.strip("[]"), port), make_handler(limits, cors, access_log), limits, store, tuple(allowed_hosts), watch)
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
    """Serve in a daemon thread (tests, benchmarks); stop with ``server.shutdown()``."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


__all__ = ["AccessLog", "Answer", "EndpointServer", "Limits", "QueryPool", "check_host", "make_server", "negotiate", "refused_keyword",
           "run_with_limit", "serve_in_thread"]
