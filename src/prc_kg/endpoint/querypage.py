"""What the endpoint serves besides SPARQL: the query page at `/` (YASGUI, vendored in ``web/``),
its static files, our prefixes, and the query library (`/library` lists the queries; `/library/NAME.rq`
gives one with its parameters bound), so the page can offer the library without a second server.

Every answer is computed here from the request path and query string; the handler only sends it.
Static files come from a fixed list, never from a path the client names."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, PrcKgError
from ..store.backends import bind_with_values
from ..store.querylib import QueryFile, load_library
from ..vocab import PREFIXES
from .limits import Limits

WEB = Path(__file__).resolve().parent / "web"
JS, CSS, TEXT = "text/javascript; charset=utf-8", "text/css; charset=utf-8", "text/plain; charset=utf-8"
JSON = "application/json; charset=utf-8"
# The files a client may ask for under /web/, and their media types; nothing else is read from disk.
STATIC = {
    "yasgui/yasgui.min.js": JS,
    "yasgui/yasgui.min.css": CSS,
    "yasgui/LICENSE.txt": TEXT,
    "yasgui/THIRD-PARTY-LICENSES.txt": TEXT,
    "yasgui/VENDOR.txt": TEXT,
    "querypage.js": JS,
    "querypage.css": CSS,
}
# YASGUI builds its editor and tables with inline styles and data: icons; everything else is same-origin.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>prc-kg SPARQL endpoint</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<link rel="stylesheet" href="web/yasgui/yasgui.min.css"><link rel="stylesheet" href="web/querypage.css">
<script type="application/json" id="prc-config">CONFIG</script>
<script src="web/yasgui/yasgui.min.js" defer></script><script src="web/querypage.js" defer></script>
</head><body>
<header><h1>prc-kg SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 endpoint at <code>/sparql</code> (GET or POST). Time limit per query: TIMEOUT s;
at most MAXROWS rows. Ctrl-Enter runs the query.</p></header>
<section id="library" aria-label="Query library">
<label for="lib-query">Library query</label>
<select id="lib-query"><option value="">(write your own query)</option></select>
<p id="lib-question"></p>
<form id="lib-params" hidden></form>
<p id="lib-error" role="alert"></p>
</section>
<div id="downloads">Download the results as <button type="button" id="dl-csv">CSV</button>
<button type="button" id="dl-json">JSON</button> <button type="button" id="dl-turtle">Turtle</button>
<span id="dl-status" role="status"></span></div>
<main id="yasgui"></main>
<footer>Query editor and results: <a href="web/yasgui/VENDOR.txt">YASGUI VERSION</a> (MIT,
<a href="web/yasgui/LICENSE.txt">licence</a>, <a href="web/yasgui/THIRD-PARTY-LICENSES.txt">its dependencies</a>).</footer>
</body></html>
"""


@dataclass(frozen=True)
class Reply:
    """An answer for the handler to send: status, body, media type and extra headers."""
    status: int
    body: bytes | str
    media: str = TEXT
    headers: dict[str, str] = field(default_factory=dict)


def yasgui_version() -> str:
    for line in (WEB / "yasgui" / "VENDOR.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("version:"):
            return line.split(":", 1)[1].strip()
    return "(unknown version)"


def page_config(limits: Limits) -> dict:
    """What the page's script needs from the server, embedded in the page as JSON."""
    return {"prefixes": PREFIXES, "timeout": limits.timeout, "maxRows": limits.max_rows,
            "endpoint": "sparql", "library": "library", "prefixesUrl": "web/prefixes.json"}


def render_page(limits: Limits) -> str:
    # "<" escaped so that no string in the JSON can close the script element
    config = json.dumps(page_config(limits), sort_keys=True).replace("<", "\\u003c").replace("&", "\\u0026")
    return (PAGE.replace("CONFIG", config).replace("TIMEOUT", f"{limits.timeout:g}")
            .replace("MAXROWS", str(limits.max_rows)).replace("VERSION", yasgui_version()))


def library_listing(library: dict[str, QueryFile]) -> list[dict]:
    """Each library query's name, title, question, answer and parameters (name, kind, default)."""
    return [{"name": q.name, "title": q.title, "question": q.question, "answer": q.answer,
             "params": [{"name": p.name, "kind": p.kind, "default": p.default} for p in q.params.values()]}
            for q in library.values()]


def bound_query(query: QueryFile, given: dict[str, str]) -> str:
    """The library query's text with its parameters bound as `prc-kg query --param` binds them
    (a VALUES block, each value checked against the parameter's kind); raises InputError."""
    return bind_with_values(query.text, query.bindings(given))


def route(path: str, query_string: str, limits: Limits, library_dir: Path | None = None) -> Reply | None:
    """The answer to a GET of ``path`` if it is one of the page's routes, else None."""
    if path in ("/", "/index.html"):
        return Reply(200, render_page(limits), "text/html; charset=utf-8", {"Content-Security-Policy": PAGE_CSP})
    if path.startswith("/web/"):
        name = path[len("/web/"):]
        if name == "prefixes.json":  # the editor's prefix completion, in prefix.cc's form
            return Reply(200, json.dumps(PREFIXES, sort_keys=True), JSON)
        if name in STATIC:
            return Reply(200, (WEB / name).read_bytes(), STATIC[name], {"Cache-Control": "no-cache"})
        return Reply(404, f"not found: no file {name!r} under /web/\n")
    if path == "/library" or path.startswith("/library/"):
        return _library(path, query_string, library_dir)
    return None


def _library(path: str, query_string: str, library_dir: Path | None) -> Reply:
    try:
        library = load_library(library_dir)
    except PrcKgError as exc:
        return Reply(500, f"the query library cannot be read: {exc}\n")
    if path == "/library":
        return Reply(200, json.dumps(library_listing(library), ensure_ascii=False, indent=1), JSON)
    name = urllib.parse.unquote(path[len("/library/"):])
    name = name.removesuffix(".rq")
    if name not in library:
        return Reply(404, f"no query named {name!r} in the library; /library lists them\n")
    given = {k: v[-1] for k, v in urllib.parse.parse_qs(query_string, keep_blank_values=True).items()}
    try:
        return Reply(200, bound_query(library[name], given), "application/sparql-query; charset=utf-8")
    except InputError as exc:  # the message without the server's path to the file
        return Reply(400, f"{name}.rq [{exc.field}]: {exc.message}\n")
    except PrcKgError as exc:
        return Reply(400, f"{name}.rq: {exc}\n")


__all__ = ["PAGE_CSP", "STATIC", "Reply", "bound_query", "library_listing", "render_page", "route"]
