"""The endpoint's request handler: the SPARQL 1.1 Protocol over GET and POST (read-only), the query
page at `/`, the Host check, request bodies read within their limits, and each query's answer mapped
to an HTTP status with a one-line plain-text message. Beside the protocol, the conventions clients of
Fuseki and Virtuoso rely on: a service description on GET `/sparql` without a query, `format=` /
`output=` parameters, CORS when turned on, an access log, and the pages of prc-kg's own IRIs."""

from __future__ import annotations

import json
import re
import socket
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

from . import cors
from .accesslog import AccessLog
from .description import service_description
from .httpserver import EndpointServer
from .limits import Limits
from .negotiation import GRAPH_TYPES, SELECT_TYPES, UnknownFormat, choose, negotiate, requested_format
from .querypage import route
from .termpage import HTML, describe_query, iri_for_path, links_query, render_term_page

MAX_BODY = 1 << 20
_CONTENT_LENGTH = re.compile(r"[0-9]{1,15}")


def make_handler(limits: Limits, allow_cors: bool = False, access_log: AccessLog | None = None):
    """The handler class; ``allow_cors`` adds the CORS headers, ``access_log`` gets a line per request."""

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
            self.query_text, self.started = None, time.perf_counter()
            super().handle_one_request()
            if self.expired and not self.answered:  # nothing (or half a request line) came in time
                self.request_version = "HTTP/1.0"
                self._too_slow()

        def parse_request(self) -> bool:
            self.started = time.perf_counter()  # from the request line on: not the wait for it
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
            if access_log is not None:  # before the answer goes out: a client that has it finds the line written
                path = urllib.parse.urlsplit(self.path).path if getattr(self, "path", None) else None
                access_log.write(str(self.client_address[0]), self.command, path, code, len(data),
                                 (time.perf_counter() - self.started) * 1000, query=self.query_text)
            if allow_cors:
                extra = {**cors.response_headers(), **(extra or {})}
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

        def do_OPTIONS(self) -> None:
            """A CORS preflight (answered only with CORS on), or what the endpoint allows."""
            if allow_cors:  # 200, as Fuseki answers a preflight (its filter passes it on to the servlet)
                self._send(200, b"", extra=cors.preflight_headers())
            else:
                self._send(200, b"", extra={"Allow": cors.ALLOWED_METHODS})

        def do_GET(self) -> None:
            self.server.unwatch(self)
            url = urllib.parse.urlsplit(self.path)
            page = route(url.path, url.query, limits)  # the query page, its files, the query library
            if page is not None:
                self._send(page.status, page.body, page.media, page.headers)
                return
            params = urllib.parse.parse_qs(url.query)
            iri = iri_for_path(url.path)
            if iri is not None:
                self._term(iri, params)
                return
            if url.path != "/sparql":
                self._send(404, "not found: the endpoint is /sparql\n")
                return
            if "update" in params:
                self._send(403, "this endpoint is read-only: SPARQL UPDATE is refused\n")
                return
            if "query" not in params:
                self._describe(params)
                return
            self._answer(params["query"][0], params)

        def do_POST(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            if url.path != "/sparql":
                self._send(404, "not found: the endpoint is /sparql\n")
                return
            raw = self._read_body()
            if raw is None:
                return
            self.server.unwatch(self)
            body = raw.decode("utf-8", "replace")
            params = urllib.parse.parse_qs(url.query)  # format= may come in the URL of any POST
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if ctype == "application/sparql-update":
                self._send(403, "this endpoint is read-only: SPARQL UPDATE is refused\n")
                return
            if ctype == "application/sparql-query":
                self._answer(body, params)
                return
            if ctype == "application/x-www-form-urlencoded":
                params = {**params, **urllib.parse.parse_qs(body)}
                if "update" in params:
                    self._send(403, "this endpoint is read-only: SPARQL UPDATE is refused\n")
                    return
                if "query" in params:
                    self._answer(params["query"][0], params)
                    return
            self._send(400, "expected a query as application/sparql-query or a form field 'query'\n")

        def _media(self, params: dict[str, list[str]]) -> tuple[str | None, str | None] | None:
            """The SELECT and graph media types asked for, or None after answering 400/406."""
            accept = self.headers.get("Accept") or ""
            try:
                select_media, graph_media = choose(accept, requested_format(params))
            except UnknownFormat as exc:
                self._send(400, f"{exc}\n")
                return None
            if select_media is None and graph_media is None:
                self._send(406, f"cannot answer with {accept}; offered: {', '.join([*SELECT_TYPES, *GRAPH_TYPES])}\n")
                return None
            return select_media, graph_media

        def _endpoint_url(self) -> str:
            host = self.headers.get("Host")  # checked against the bound names before any answer
            if not host:  # HTTP/1.0 without Host: the bound address
                address, port = self.server.server_address[:2]
                host = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
            return f"http://{host}/sparql"

        def _describe(self, params: dict[str, list[str]]) -> None:
            """The service description, in the graph format asked for (Turtle by default)."""
            chosen = self._media(params)
            if chosen is None:
                return
            if chosen[1] is None:
                self._send(406, "the service description is a graph: ask for one of "
                                f"{', '.join(GRAPH_TYPES)}, or send a query\n")
                return
            self._send(200, service_description(self._endpoint_url(), limits, chosen[1]), f"{chosen[1]}; charset=utf-8",
                       {"Vary": "Accept"})

        def _term(self, iri: str, params: dict[str, list[str]]) -> None:
            """A prc-kg IRI: its HTML page, or its description in the graph format asked for."""
            fmt = requested_format(params)
            if fmt is None:
                media = negotiate(self.headers.get("Accept") or "", [HTML, *GRAPH_TYPES])
            else:
                try:
                    media = HTML if fmt.lower() in ("html", HTML) else choose("", fmt)[1]
                except UnknownFormat as exc:
                    self._send(400, f"{exc}\n")
                    return
            if media is None:
                self._send(406, f"offered for {iri}: {', '.join([HTML, *GRAPH_TYPES])}\n")
                return
            client = self.server.peer(self.request)
            if media != HTML:
                self._reply(self.server.pool.run(describe_query(iri), None, media, client=client), None, media,
                            empty_is=f"nothing is known about <{iri}>")
                return
            answer = self.server.pool.run(links_query(iri), "application/sparql-results+json", None, client=client)
            if answer.status != "ok":
                self._reply(answer, "application/sparql-results+json", None)
                return
            bindings = json.loads(answer.body)["results"]["bindings"]
            if not bindings:
                self._send(404, f"nothing is known about <{iri}>\n")
                return
            self._send(200, render_term_page(iri, bindings, answer.truncated), "text/html; charset=utf-8",
                       {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'", "Vary": "Accept"})

        def _answer(self, query: str, params: dict[str, list[str]]) -> None:
            self.query_text = query
            if len(query.encode("utf-8")) > MAX_BODY:
                self._send(413, f"query too large: at most {MAX_BODY} bytes\n")
                return
            chosen = self._media(params)
            if chosen is None:
                return
            select_media, graph_media = chosen
            answer = self.server.pool.run(query, select_media, graph_media, client=self.server.peer(self.request))
            self._reply(answer, select_media, graph_media)

        def _reply(self, answer, select_media: str | None, graph_media: str | None, empty_is: str = "") -> None:
            """A query's answer as the HTTP answer (``empty_is``: a 404 message for an empty graph)."""
            if answer.status == "ok":
                if empty_is and not answer.body:
                    self._send(404, f"{empty_is}\n")
                    return
                extra = {"Vary": "Accept", **({"X-Result-Truncated": "true"} if answer.truncated else {})}
                self._send(200, answer.body, f"{answer.media}; charset=utf-8", extra)
            elif answer.status == "refused":
                self._send(403, f"refused: {answer.body}\n")
            elif answer.status == "syntax":
                self._send(400, f"SPARQL syntax error: {answer.body}\n")
            elif answer.status == "not-acceptable":
                asked = self.headers.get("Accept") or ""
                offered = ", ".join(GRAPH_TYPES if select_media else SELECT_TYPES)
                self._send(406, f"cannot answer {answer.body} with {asked or 'the format asked for'}; "
                                f"offered: {offered}\n")
            elif answer.status == "busy":
                self._send(503, f"{answer.body}\n", extra={"Retry-After": "1"})
            elif answer.status in ("timeout", "died", "replaced"):
                self._send(503, f"{answer.body}\n")
            else:
                self._send(500, f"{answer.body}\n")

    return Handler


__all__ = ["MAX_BODY", "make_handler"]
