"""The endpoint in a real browser (Debian's Chromium through Playwright, every request not to 127.0.0.1
blocked): a page from another origin can query it only with `--cors`, and a term's page reads and
links on with no script and no request elsewhere."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox
import pytest

from prc_kg.endpoint.server import Limits, make_server, serve_in_thread

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("PRC_KG_SHOTS", Path(__file__).resolve().parents[1] / "build" / "screenshots"))
PAGE = b"""<!doctype html><html><body><p id="out">waiting</p><script>
fetch(ENDPOINT, {method: 'POST', headers: {'Content-Type': 'application/sparql-query',
  'Accept': 'application/sparql-results+json'}, body: 'SELECT ?o WHERE { ?s ?p ?o }'})
  .then(r => r.json()).then(d => { document.getElementById('out').textContent = 'rows ' + d.results.bindings.length; })
  .catch(e => { document.getElementById('out').textContent = 'failed ' + e.name; });
</script></body></html>"""



class Visit:
    """A page with every request not to 127.0.0.1 blocked, and what it tried or complained about."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)

    def _route(self, route):
        if route.request.url.startswith("http://127.0.0.1:"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


@contextmanager
def endpoint(store: ox.Store, **kw):
    server = make_server(store, "127.0.0.1", 0, Limits(timeout=20), **kw)
    serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def other_origin(endpoint_url: str):
    """A page on another port of 127.0.0.1 (another origin) that queries the endpoint."""
    body = PAGE.replace(b"ENDPOINT", f"'{endpoint_url}/sparql'".encode())

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("cors,expected", [(True, "rows 1"), (False, "failed TypeError")])
def test_a_page_from_another_origin_can_query_only_with_cors(browser, cors, expected):
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("v")))
    with endpoint(store, cors=cors) as url, other_origin(url) as page_url:
        visit = Visit(browser)
        visit.page.goto(page_url)
        visit.page.wait_for_function("document.getElementById('out').textContent != 'waiting'", timeout=30_000)
        assert visit.page.text_content("#out") == expected
        assert visit.blocked == [] and visit.errors == []
        visit.page.close()


def test_a_term_page_reads_and_links_on_offline(browser, kg_store):
    with endpoint(kg_store.ox) as url:
        visit = Visit(browser)
        visit.page.goto(url + "/ontology/TherapistIntervention")
        heading = visit.page.locator("h1")
        assert heading.text_content().lower() == "therapist intervention"
        assert float(heading.evaluate("h => getComputedStyle(h).fontSize").removesuffix("px")) >= 20
        SHOTS.mkdir(parents=True, exist_ok=True)
        visit.page.screenshot(path=str(SHOTS / "term-page.png"))
        first_child = visit.page.locator("h2:has-text('Children') + ul a").first
        name = first_child.get_attribute("href")
        first_child.click()
        visit.page.wait_for_url(url + name)
        assert visit.page.locator("h2:has-text('Parents') + ul a[href='/ontology/TherapistIntervention']").count() == 1
        assert visit.blocked == [] and visit.errors == []
        visit.page.close()
