"""A read-only SPARQL 1.1 Protocol endpoint over the embedded store.

Each query runs in a forked child process with a time limit: a runaway query is killed while
other clients keep being served. Updates, LOAD and SERVICE are refused; results are capped at a
row limit; the server binds to loopback unless told otherwise.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import sys
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import pyoxigraph as ox

from .querylib import to_json
from .store import QueryResult, collect

MAX_BODY = 1 << 20
_FORBIDDEN = re.compile(r"(?<![?$:\w])(SERVICE|LOAD|INSERT|DELETE|DROP|CLEAR|CREATE|COPY|MOVE|ADD)(?![:\w-])",
                        re.IGNORECASE)
_STRINGS_AND_COMMENTS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*|<[^>\s]*>')
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Limits:
    timeout: float = 10.0
    max_rows: int = 10_000


def refused_keyword(query: str) -> str | None:
    """The first update or federation keyword in the query's code (outside strings, IRIs and comments)."""
    code = _STRINGS_AND_COMMENTS.sub(" ", query)
    match = _FORBIDDEN.search(code)
    return match.group(1).upper() if match else None


def _run_in_child(store: ox.Store, query: str, max_rows: int, conn) -> None:
    try:
        result = store.query(query)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows, truncated = [], False
            for solution in result:
                if len(rows) == max_rows:
                    truncated = True
                    break
                rows.append(tuple(solution[v] for v in variables))
            conn.send(("ok", _to_wire(QueryResult("select", variables, rows)), truncated))
        else:
            conn.send(("ok", _to_wire(collect(result)), False))
    except SyntaxError as exc:
        conn.send(("syntax", str(exc), False))
    except Exception as exc:  # noqa: BLE001 - reported to the client as a 500
        conn.send(("error", f"{type(exc).__name__}: {exc}", False))
    finally:
        conn.close()


def _to_wire(result: QueryResult) -> dict:
    """pyoxigraph terms cannot cross the pipe; send their N-Triples form and rebuild them in the parent."""
    return {"kind": result.kind, "variables": result.variables, "boolean": result.boolean,
            "rows": [[None if t is None else str(t) for t in row] for row in result.rows],
            "triples": "".join(f"{t} .\n" for t in result.triples)}


def _term(text: str | None):
    if text is None:
        return None
    return next(iter(ox.parse(f"<urn:s> <urn:p> {text} .", format=ox.RdfFormat.N_TRIPLES))).object


def _from_wire(data: dict) -> QueryResult:
    triples = [t for t in ox.parse(data["triples"], format=ox.RdfFormat.N_TRIPLES)] if data["triples"] else []
    return QueryResult(data["kind"], data["variables"], [tuple(_term(t) for t in row) for row in data["rows"]],
                       data["boolean"], triples)


def run_with_limit(store: ox.Store, query: str, limits: Limits) -> tuple[str, object, bool]:
    """Run ``query`` in a forked child; ("timeout", ...) if it outlives the limit."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_run_in_child, args=(store, query, limits.max_rows, child), daemon=True)
    proc.start()
    child.close()
    if parent.poll(limits.timeout):
        try:
            status, payload, truncated = parent.recv()
        except EOFError:
            status, payload, truncated = "error", "query process ended without an answer", False
        proc.join(5)
    else:
        proc.kill()
        proc.join()
        status, payload, truncated = "timeout", f"query exceeded the time limit of {limits.timeout:g} s", False
    parent.close()
    if status == "ok":
        payload = _from_wire(payload)
    return status, payload, truncated


# -- result serialisation -----------------------------------------------------------------------------

def _csv_cell(term, tsv: bool) -> str:
    if term is None:
        return ""
    if tsv:
        return str(term).replace("\t", "\\t").replace("\n", "\\n")
    value = term.value
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"\n\r') else value


def _xml(result: QueryResult) -> str:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    if result.kind == "ask":
        out += ["</head>", f"<boolean>{'true' if result.boolean else 'false'}</boolean>", "</sparql>"]
        return "\n".join(out) + "\n"
    out += [f'<variable name="{escape(v)}"/>' for v in result.variables] + ["</head>", "<results>"]
    for row in result.rows:
        out.append("<result>")
        for v, t in zip(result.variables, row):
            if t is None:
                continue
            if isinstance(t, ox.NamedNode):
                body = f"<uri>{escape(t.value)}</uri>"
            elif isinstance(t, ox.BlankNode):
                body = f"<bnode>{escape(t.value)}</bnode>"
            elif t.language:
                body = f'<literal xml:lang="{escape(t.language)}">{escape(t.value)}</literal>'
            else:
                body = f'<literal datatype="{escape(t.datatype.value)}">{escape(t.value)}</literal>'
            out.append(f'<binding name="{escape(v)}">{body}</binding>')
        out.append("</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"


SELECT_TYPES = {
    "application/sparql-results+json": lambda r: json.dumps(to_json(r)),
    "application/json": lambda r: json.dumps(to_json(r)),
    "text/csv": lambda r: "\r\n".join([",".join(r.variables)] + [",".join(_csv_cell(t, False) for t in row)
                                                                 for row in r.rows]) + "\r\n",
    "text/tab-separated-values": lambda r: "\n".join(["\t".join("?" + v for v in r.variables)]
                                                     + ["\t".join(_csv_cell(t, True) for t in row)
                                                        for row in r.rows]) + "\n",
    "application/sparql-results+xml": _xml,
    "application/xml": _xml,
}
GRAPH_TYPES = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE,
               "application/rdf+xml": ox.RdfFormat.RDF_XML}


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


def make_handler(store: ox.Store, limits: Limits):
    class Handler(BaseHTTPRequestHandler):
        server_version = "prc-kg-sparql/1"

        def log_message(self, fmt: str, *args) -> None:  # quiet by default; errors still reach the client
            pass

        def _send(self, code: int, body: str | bytes, ctype: str = "text/plain; charset=utf-8",
                  extra: dict[str, str] | None = None) -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Content-Type-Options", "nosniff")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _discard(self, length: int) -> None:
            """Read and drop an oversized body (up to a bound), so the client reads our 413
            instead of a broken pipe; anything beyond the bound is cut off with the connection."""
            remaining = min(length, 16 * MAX_BODY)
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 16))
                if not chunk:
                    break
                remaining -= len(chunk)

        def do_GET(self) -> None:
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
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._discard(length)
                self._send(413, f"request too large: at most {MAX_BODY} bytes\n", extra={"Connection": "close"})
                self.close_connection = True
                return
            body = self.rfile.read(length).decode("utf-8", "replace")
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
            keyword = refused_keyword(query)
            if keyword is not None:
                self._send(403, f"refused: {keyword} is not allowed on this read-only endpoint\n")
                return
            status, payload, truncated = run_with_limit(store, query, limits)
            if status == "syntax":
                self._send(400, f"SPARQL syntax error: {payload}\n")
                return
            if status == "timeout":
                self._send(503, f"{payload}\n")
                return
            if status != "ok":
                self._send(500, f"{payload}\n")
                return
            result: QueryResult = payload
            extra = {"X-Result-Truncated": "true"} if truncated else {}
            accept = self.headers.get("Accept") or ""
            if result.kind == "graph":
                media = negotiate(accept, list(GRAPH_TYPES))
                if media is None:
                    self._send(406, f"cannot answer with {accept}; offered: {', '.join(GRAPH_TYPES)}\n")
                    return
                data = ox.serialize(result.triples, format=GRAPH_TYPES[media]) if result.triples else b""
                self._send(200, data, f"{media}; charset=utf-8", extra)
                return
            media = negotiate(accept, list(SELECT_TYPES))
            if media is None:
                self._send(406, f"cannot answer with {accept}; offered: {', '.join(SELECT_TYPES)}\n")
                return
            self._send(200, SELECT_TYPES[media](result), f"{media}; charset=utf-8", extra)

    return Handler


def make_server(store: ox.Store, host: str = "127.0.0.1", port: int = 7878, limits: Limits | None = None,
                allow_remote: bool = False) -> ThreadingHTTPServer:
    if host not in LOOPBACK and not allow_remote:
        raise ValueError(f"refusing to bind {host}: only loopback by default; pass --allow-remote to expose "
                         "the endpoint on the network")
    if host not in LOOPBACK:
        print(f"warning: the endpoint is reachable from other machines at {host}:{port}", file=sys.stderr)
    server = ThreadingHTTPServer((host, port), make_handler(store, limits or Limits()))
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


__all__ = ["Limits", "make_server", "negotiate", "refused_keyword", "serve_in_thread"]
