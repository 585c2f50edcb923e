"""The endpoint's query page (YASGUI at `/`): its routes and files, then the page in Debian's Chromium
against a real server, with every request that is not to 127.0.0.1 blocked and counted: a library
query run with a parameter, a CONSTRUCT shown as Turtle, CSV downloaded, labels shown as text."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import urllib.parse
from pathlib import Path

import pytest
from conftest import ROOT, run_library_query
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from prc_kg.endpoint.limits import Limits
from prc_kg.endpoint.querypage import STATIC, WEB, route
from prc_kg.store.backends import bind_with_values
from prc_kg.store.querylib import find_query, load_library
from prc_kg.vocab import PRC, PREFIXES

SCREENSHOTS = ROOT / "build" / "screenshots"
LIMITS = Limits(timeout=30, max_rows=10_000)
SECTIONS_CONSTRUCT = ("PREFIX prc: <https://w3id.org/prc-kg/ontology/>\n"
                      "CONSTRUCT { ?s a prc:ManualSection } WHERE { ?s a prc:ManualSection }")


# -- the routes, without a server ------------------------------------------------------------------

def test_library_listing_gives_each_query_with_its_parameters():
    reply = route("/library", "", LIMITS)
    assert reply.status == 200 and reply.media.startswith("application/json")
    listing = {q["name"]: q for q in json.loads(reply.body)}
    library = load_library()
    assert list(listing) == list(library)
    cq05 = listing["cq05_component_moments"]
    assert cq05["title"] == library["cq05_component_moments"].title and "(CQ 5)" in cq05["question"]
    assert cq05["params"] == [{"name": "component", "kind": "iri", "default": "prc:Support"},
                              {"name": "case", "kind": "iri", "default": "data:case/annie"}]


def test_library_query_is_bound_as_prc_kg_query_binds_it():
    reply = route("/library/cq08_alliance_instruments.rq", "construct=prc%3ARuptureRepair", LIMITS)
    query = find_query("cq08_alliance_instruments")
    assert reply.status == 200
    assert reply.body == bind_with_values(query.text, query.bindings({"construct": "prc:RuptureRepair"}))
    assert "VALUES ?construct { <https://w3id.org/prc-kg/ontology/RuptureRepair> }" in reply.body
    defaults = route("/library/cq08_alliance_instruments", "", LIMITS)  # ".rq" optional, defaults used
    assert "<https://w3id.org/prc-kg/ontology/TherapeuticAlliance>" in defaults.body
    hostile = route("/library/cq28_definition_provenance.rq", "label=x%22+%7D+DROP+ALL+%23", LIMITS)
    assert 'VALUES ?label { "x\\" } DROP ALL #" }' in hostile.body  # one literal, never query text


def test_bad_library_requests_say_what_was_wrong():
    bad = route("/library/cq08_alliance_instruments.rq", "construct=not+an+iri", LIMITS)
    assert bad.status == 400
    assert bad.body == ("cq08_alliance_instruments.rq [construct]: parameter 'construct' expects iri: "
                        "'not an iri' is not an absolute IRI\n")  # no server path in it
    unknown = route("/library/cq08_alliance_instruments.rq", "constrict=prc%3ABond", LIMITS)
    assert unknown.status == 400 and "unknown parameter(s) constrict; this query takes: construct" in unknown.body
    missing = route("/library/no_such_query.rq", "", LIMITS)
    assert missing.status == 404 and "no query named 'no_such_query'" in missing.body


def test_only_the_listed_files_are_served():
    for name, media in STATIC.items():
        reply = route("/web/" + name, "", LIMITS)
        assert reply.status == 200 and reply.media == media and reply.body == (WEB / name).read_bytes()
    for name in ("../querypage.py", "yasgui/../querypage.js", "yasgui/yasgui.min.js.map", "%2e%2e/limits.py", ""):
        assert route("/web/" + name, "", LIMITS).status == 404
    prefixes = route("/web/prefixes.json", "", LIMITS)
    assert json.loads(prefixes.body) == PREFIXES
    assert route("/elsewhere", "", LIMITS) is None  # left to the handler (/sparql, its 404)


def test_vendored_yasgui_is_the_published_bundle():
    """VENDOR.txt records what tools/vendor_yasgui.sh copied; a bundle edited by hand fails here."""
    vendor = (WEB / "yasgui" / "VENDOR.txt").read_text(encoding="utf-8")
    assert "version: 4.6.2" in vendor and "licence: MIT" in vendor
    for line in vendor.splitlines():
        if line.endswith((".js", ".css")):
            digest, name = line.split()
            assert hashlib.sha256((WEB / "yasgui" / name).read_bytes()).hexdigest() == digest, name
    assert "MIT License" in (WEB / "yasgui" / "LICENSE.txt").read_text(encoding="utf-8")
    assert "codemirror@" in (WEB / "yasgui" / "THIRD-PARTY-LICENSES.txt").read_text(encoding="utf-8")


def test_page_loads_only_its_own_files():
    page = route("/", "", LIMITS)
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "connect-src 'self'" in csp  # no inline script, no other host
    assert 'src="web/yasgui/yasgui.min.js"' in page.body and "Time limit per query: 30 s" in page.body
    assert re.findall(r'(?:src|href)="([^"]*)"', page.body) == [
        "data:,", "web/yasgui/yasgui.min.css", "web/querypage.css", "web/yasgui/yasgui.min.js", "web/querypage.js",
        "web/yasgui/VENDOR.txt", "web/yasgui/LICENSE.txt", "web/yasgui/THIRD-PARTY-LICENSES.txt"]
    config = json.loads(page.body.split('id="prc-config">')[1].split("</script>")[0])
    assert config["prefixes"] == PREFIXES and config["endpoint"] == "sparql"


# -- the page in Chromium ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(kg_store):
    from prc_kg.endpoint.server import make_server, serve_in_thread

    srv = make_server(kg_store.ox, "127.0.0.1", 0, LIMITS)
    serve_in_thread(srv)
    yield f"http://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()
    srv.server_close()



class Visit:
    """The query page with every request not to the test's server blocked, and what it tried."""

    def __init__(self, browser, url: str):
        self.url = url
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.sparql: list[dict] = []  # each POST to /sparql: its Accept header and the answer's media type
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.add_init_script("window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));"
                                  # what the page's CSP stopped before it reached the network (or the route below)
                                  "window.__csp = []; document.addEventListener('securitypolicyviolation', "
                                  "e => window.__csp.push(e.effectiveDirective + ' ' + e.blockedURI));")
        self.page.route("**/*", self._route)
        self.page.on("response", self._response)
        self.page.goto(url)
        self.page.wait_for_selector("body[data-library='loaded']", timeout=60_000)

    def _route(self, route):
        if route.request.url.startswith(self.url):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _response(self, response):
        if response.url == self.url + "sparql":
            self.sparql.append({"accept": response.request.headers.get("accept", ""),
                                "media": response.headers.get("content-type", "")})

    def run(self) -> None:
        """Run the editor's query with YASGUI's own button and wait for its answer to be drawn
        (selectors, not wait_for_function: the page's CSP forbids the eval Playwright polls with)."""
        before, drawn = len(self.sparql), int(self.page.get_attribute("body", "data-answers") or 0)
        self.page.click(".yasqe_queryButton")
        self.page.wait_for_selector(f"body[data-answers='{drawn + 1}']", state="attached", timeout=60_000)
        assert len(self.sparql) == before + 1, "the query was not sent to /sparql"

    def set_param(self, name: str, value: str) -> None:
        """Type a library parameter and wait until the editor holds the query bound with it."""
        field = f"#lib-params input[name='{name}']"
        self.page.fill(field, value)
        self.page.dispatch_event(field, "change")
        bound = urllib.parse.urlencode({i: self.page.input_value(f"#lib-params input[name='{i}']")
                                        for i in self.page.eval_on_selector_all("#lib-params input",
                                                                                "els => els.map(e => e.name)")})
        self.page.wait_for_selector(f"#lib-params[data-bound='{bound}']", state="attached", timeout=30_000)

    def query(self) -> str:
        return self.page.evaluate("prcYasgui.getTab().getYasqe().getValue()")

    def set_query(self, text: str) -> None:
        self.page.evaluate("(text) => prcYasgui.getTab().getYasqe().setValue(text)", text)

    def close(self, expected_error: str | None = None) -> None:
        assert self.blocked == [], f"the page tried to reach the network: {self.blocked}"
        stopped = [v for v in self.page.evaluate("window.__csp") if not v.startswith("script-src-attr ")]
        assert stopped == [], f"the page tried to reach the network (stopped by its CSP): {stopped}"
        assert [e for e in self.errors if not (expected_error and expected_error in e)] == [], self.errors
        assert self.page.evaluate("window.__alerts") == []
        self.context.close()


def table_rows(page) -> list[list[str]]:
    return page.evaluate("""() => [...document.querySelectorAll('.yasr table.dataTable tbody tr')]
        .map(tr => [...tr.querySelectorAll('td')].slice(1).map(td => td.innerText.trim()))""")


@pytest.mark.browser
@pytest.mark.slow
def test_library_query_with_a_parameter(browser, server, kg_store):
    visit = Visit(browser, server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SCREENSHOTS / "query-page.png"))
    visit.page.select_option("#lib-query", "cq08_alliance_instruments")
    visit.page.wait_for_selector("#lib-params input[name='construct']")
    assert visit.page.input_value("#lib-params input[name='construct']") == "prc:TherapeuticAlliance"
    assert "alliance" in visit.page.inner_text("#lib-question").lower()
    visit.set_param("construct", "prc:RuptureRepair")
    assert "VALUES ?construct { <https://w3id.org/prc-kg/ontology/RuptureRepair> }" in visit.query()
    visit.run()
    visit.page.screenshot(path=str(SCREENSHOTS / "query-page-library.png"))
    expected = run_library_query(kg_store, "cq08_alliance_instruments", construct="prc:RuptureRepair")
    rows = table_rows(visit.page)
    assert len(rows) == len(expected.rows) >= 1
    for row, want in zip(rows, expected.rows, strict=True):
        instrument, label = want[0].value, want[1].value
        # the IRI shown by the label the query gives, its prefixed name beside it
        assert row[0] == f"{label} prc:{instrument.rsplit('/', 1)[-1]}"
    assert visit.sparql[-1]["accept"].startswith("application/sparql-results+json")
    visit.page.fill("#lib-params input[name='construct']", "not an iri")
    visit.page.dispatch_event("#lib-params input[name='construct']", "change")
    visit.page.wait_for_selector("#lib-params[data-bound='']", state="attached")
    assert "'not an iri' is not an absolute IRI" in visit.page.inner_text("#lib-error")
    visit.close(expected_error="status of 400 (Bad Request)")  # Chromium logs the refused parameter


@pytest.mark.browser
@pytest.mark.slow
def test_construct_is_asked_and_shown_as_turtle(browser, server, kg_store):
    visit = Visit(browser, server)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visit.set_query(SECTIONS_CONSTRUCT)
    visit.run()
    assert visit.sparql[-1]["accept"].startswith("text/turtle")
    assert visit.sparql[-1]["media"].startswith("text/turtle")
    assert visit.page.evaluate("prcYasgui.getTab().getYasr().selectedPlugin") == "response"
    visit.page.screenshot(path=str(SCREENSHOTS / "query-page-construct.png"))
    shown = visit.page.inner_text(".yasr .CodeMirror-code")
    assert "ManualSection" in shown and "Section3" in shown
    turtle = visit.page.evaluate("prcYasgui.getTab().getYasr().results.getOriginalResponseAsString()")
    graph = Graph().parse(data=turtle, format="turtle")
    sections = {URIRef(PRC + f"Section{i}") for i in range(1, 6)}
    assert set(graph) == {(s, RDF.type, PRC.ManualSection) for s in sections}
    visit.close()


@pytest.mark.browser
@pytest.mark.slow
def test_download_csv_holds_the_rows(browser, server, kg_store):
    visit = Visit(browser, server)
    visit.page.select_option("#lib-query", "cq29_pqs_relationship_items")
    visit.set_param("instrument", "prc:APS")
    with visit.page.expect_download() as info:
        visit.page.click("#dl-csv")
    download = info.value
    assert download.suggested_filename == "cq29_pqs_relationship_items.csv"
    with open(download.path(), encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(io.StringIO(fh.read())))
    expected = run_library_query(kg_store, "cq29_pqs_relationship_items", instrument="prc:APS")
    assert rows[0] == list(expected.variables)
    assert rows[1:] == [[t.value if t is not None else "" for t in r] for r in expected.rows]
    assert len(rows) > 2 and any(r[0] == "APS:AIM-TRANS" for r in rows[1:])
    assert visit.sparql[-1]["accept"] == "text/csv"
    with visit.page.expect_download() as info:
        visit.page.click("#dl-json")
    answer = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert info.value.suggested_filename == "cq29_pqs_relationship_items.json"
    assert answer["head"]["vars"] == rows[0]
    assert [[b.get(v, {}).get("value", "") for v in rows[0]] for b in answer["results"]["bindings"]] == rows[1:]
    visit.close()


@pytest.mark.browser
@pytest.mark.slow
def test_labels_and_values_are_shown_as_text(browser, server):
    visit = Visit(browser, server)
    hostile = "<img src=x onerror=alert(1)>"
    visit.set_query("PREFIX prc: <https://w3id.org/prc-kg/ontology/>\n"
                    f'SELECT ?x ?label WHERE {{ BIND(prc:Bond AS ?x) BIND("{hostile}" AS ?label) }}')
    visit.run()
    rows = table_rows(visit.page)
    assert rows[0][0] == f"{hostile} prc:Bond"
    assert visit.page.evaluate("document.querySelectorAll('.yasr img').length") == 0
    link = visit.page.get_attribute(".yasr a.iri", "href")
    assert link == visit.url + "ontology/Bond"  # our IRIs resolve on this server
    # YASR sanitises the literal with DOMPurify, which parses it in an inert DOMParser document;
    # Chromium reports the onerror attribute found there against the page's CSP. Nothing ran:
    # close() checks that no alert was called, and the CSP has no 'unsafe-inline' for scripts.
    visit.close(expected_error="Executing inline event handler violates the following Content Security Policy")


@pytest.mark.browser
@pytest.mark.slow
def test_prefixes_completed_from_ours_without_the_network(browser, server):
    """Typing a class after `a` would ask lov.linkeddata.es with YASGUI's default completers."""
    visit = Visit(browser, server)
    visit.set_query("SELECT * WHERE { ?observation a ")
    visit.page.click(".CodeMirror-code")
    visit.page.keyboard.press("Control+End")
    visit.page.keyboard.type("sosa:Obs", delay=30)
    # the PREFIX line is added once the completer has our prefixes; LOV would have been asked on each key
    visit.page.locator(".yasqe .CodeMirror-code").get_by_text("PREFIX sosa:").wait_for(timeout=30_000)
    assert visit.query().startswith(f"PREFIX sosa: <{PREFIXES['sosa']}>\n")
    visit.set_query("PREFIX pr")
    visit.set_query("PREFIX pr")
    visit.page.keyboard.press("Control+End")
    visit.page.keyboard.press("Control+Space")
    visit.page.wait_for_selector(".CodeMirror-hints li", timeout=10_000)
    hints = visit.page.evaluate("[...document.querySelectorAll('.CodeMirror-hints li')].map(li => li.innerText)")
    assert f"prc: <{PREFIXES['prc']}>" in hints
    visit.close()
