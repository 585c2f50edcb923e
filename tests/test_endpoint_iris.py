"""Resolvable IRIs: `prc-kg serve` answers a prc-kg IRI's path with the term's page or its description,
and the release's w3id.htaccess sends the permanent IRIs to the release's files and documentation."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from prc_kg.endpoint.server import Limits, make_server, serve_in_thread
from prc_kg.release.redirects import w3id_htaccess
from prc_kg.views.docgraph import DocGraph
from prc_kg.vocab import PRC_IRI

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PREFIXES = ("PREFIX prc: <https://w3id.org/prc-kg/ontology/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ")


def http(url: str, accept: str | None = None):
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


class _Links(HTMLParser):
    """The page's links by section (the h2 they follow), its h1, and its definition paragraph."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {"": []}
        self.current, self.h1, self.definition, self._in = "", "", "", None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("h1", "h2") or (tag == "p" and attrs.get("class") == "definition"):
            self._in = tag if tag != "p" else "definition"
            if tag == "h2":
                self.current = ""
        if tag == "a":
            self.sections.setdefault(self.current, []).append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "p"):
            if self._in == "h2":
                self.sections.setdefault(self.current, [])
            self._in = None

    def handle_data(self, data):
        if self._in == "h1":
            self.h1 += data
        elif self._in == "h2":
            self.current += data
        elif self._in == "definition":
            self.definition += data


@pytest.fixture(scope="module")
def site(kg_store):
    server = make_server(kg_store.ox, "127.0.0.1", 0, Limits(timeout=20))
    serve_in_thread(server)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _values(store, query: str) -> list[str]:
    return sorted(row[0].value for row in store.query(PREFIXES + query).rows)


@pytest.mark.slow
def test_a_class_iri_gives_its_page_with_label_definition_parents_and_children(site, kg_store):
    status, headers, body = http(site + "/ontology/TherapistIntervention", BROWSER)
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src" not in headers["content-security-policy"] and "default-src 'none'" in headers[
        "content-security-policy"]
    page = _Links()
    page.feed(body.decode("utf-8"))
    assert page.h1 == _values(kg_store, "SELECT ?l WHERE { prc:TherapistIntervention rdfs:label ?l }")[0]
    assert page.definition == _values(kg_store, "SELECT ?d WHERE { prc:TherapistIntervention skos:definition ?d }")[0]
    assert page.sections["Parents"] == ["/ontology/TherapistContribution"]
    children = _values(kg_store, "SELECT ?c WHERE { ?c rdfs:subClassOf prc:TherapistIntervention }")
    assert sorted(page.sections["Children"]) == sorted(c.removeprefix("https://w3id.org/prc-kg") for c in children)
    assert len(children) > 5
    status, _, child = http(site + page.sections["Children"][0], BROWSER)  # the links lead on
    assert status == 200 and b"/ontology/TherapistIntervention" in child


@pytest.mark.slow
@pytest.mark.parametrize("accept,rdf", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                        ("application/rdf+xml", "xml"), ("application/n-triples", "nt")])
def test_an_rdf_client_gets_the_terms_description(site, kg_store, accept, rdf):
    status, headers, body = http(site + "/ontology/TherapistIntervention", accept)
    assert status == 200 and headers["content-type"].startswith(accept)
    g = Graph().parse(data=body, format=rdf)
    expected = Graph().parse(data=ox.serialize(kg_store.ox.query(f"DESCRIBE <{PRC_IRI}TherapistIntervention>"),
                                               format=ox.RdfFormat.N_TRIPLES), format="nt")
    assert isomorphic(g, expected) and len(g) > 5
    if rdf == "turtle":
        assert re.search(rb"^prc:TherapistIntervention [a-z]+:", body, re.MULTILINE)
        assert b"<https://w3id.org/prc-kg/ontology/TherapistIntervention>" not in body


@pytest.mark.slow
def test_data_iris_and_the_ontology_iri_resolve_and_unknown_ones_do_not(site, kg_store):
    turn = _values(kg_store, "SELECT ?t WHERE { ?t a prc:TransferenceInterpretation . "
                             "FILTER(STRSTARTS(STR(?t), 'https://w3id.org/prc-kg/data/')) }")[0]
    status, _, body = http(site + turn.removeprefix("https://w3id.org/prc-kg"), BROWSER)
    assert status == 200 and b'href="/ontology/TransferenceInterpretation"' in body
    status, _, body = http(site + "/ontology", "text/turtle")
    assert status == 200 and (URIRef("https://w3id.org/prc-kg/ontology"), None, None) in Graph().parse(
        data=body, format="turtle")
    for path in ("/ontology/NoSuchTerm", "/data/nothing/here"):
        status, _, body = http(site + path, BROWSER)
        assert status == 404 and b"nothing is known about" in body
    assert http(site + "/elsewhere/x", BROWSER)[0] == 404
    assert http(site + "/ontology/TherapistIntervention?format=turtle", BROWSER)[1]["content-type"].startswith(
        "text/turtle")


def test_labels_from_the_data_are_escaped_on_the_page():
    store = ox.Store()
    hostile = '<img src=x onerror=alert(1)>"'
    store.add(ox.Quad(ox.NamedNode(PRC_IRI + "X"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                      ox.Literal(hostile)))
    store.add(ox.Quad(ox.NamedNode(PRC_IRI + "X"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
                      ox.NamedNode('javascript:alert(1)')))
    server = make_server(store, "127.0.0.1", 0, Limits(timeout=10))
    serve_in_thread(server)
    try:
        status, _, body = http(f"http://127.0.0.1:{server.server_address[1]}/ontology/X", BROWSER)
    finally:
        server.shutdown()
        server.server_close()
    text = body.decode()
    assert status == 200 and "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;&quot;" in text
    assert 'href="javascript:' not in text  # only web IRIs become links


# -- the w3id redirects ---------------------------------------------------------------------------------------

def _rewrite(htaccess: str, path: str, accept: str) -> str | None:
    """Where Apache's mod_rewrite sends ``path`` (below /prc-kg/) for ``accept``: the subset of rules the
    file uses (RewriteCond on %{HTTP_ACCEPT}, RewriteRule with $n and %{ENV:…}, [E=…], [R=303,L])."""
    env, conds = {}, []
    for line in htaccess.splitlines():
        if line.startswith("RewriteCond %{HTTP_ACCEPT} "):
            conds.append(line.split(" ", 2)[2])
            continue
        if not line.startswith("RewriteRule "):
            continue
        _, pattern, target, flags = line.split(" ")
        ok, conds = all(re.search(c, accept) for c in conds), []
        m = re.search(pattern, path)
        if not (ok and m):
            continue
        if target == "-":
            name, value = flags.strip("[]").removeprefix("E=").split(":", 1)
            env[name] = value
            continue
        assert "R=303" in flags and "L" in flags.strip("[]").split(",")
        target = re.sub(r"%\{ENV:(\w+)\}", lambda e: env[e.group(1)], target)
        return re.sub(r"\$(\d)", lambda g, m=m: m.group(int(g.group(1))), target)
    return None


@pytest.mark.parametrize("path,accept,target", [
    ("ontology", "text/turtle", "1.2.0/prc-kg-1.2.0.ttl"),
    ("ontology", "application/rdf+xml, text/n3;q=0.9", "1.2.0/prc-kg-1.2.0.owl"),
    ("ontology", BROWSER, "1.2.0/index.html"),
    ("ontology/releases/2026-11-26", "application/ld+json", "1.2.0/prc-kg-1.2.0.jsonld"),
    ("ontology/module/core", "text/turtle", "1.2.0/prc-kg-1.2.0.ttl"),
    ("ontology/TherapistIntervention", BROWSER, "1.2.0/index.html#c-TherapistIntervention"),
    ("ontology/hasAim", BROWSER, "1.2.0/index.html#p-hasAim"),
    ("ontology/hasAim", "text/turtle", "1.2.0/prc-kg-1.2.0.ttl"),
    ("source/PRCManual", BROWSER, "1.2.0/index.html#src-PRCManual"),
    ("data/case/annie/session/1", "text/turtle", "1.2.0/prc-kg-1.2.0-examples.ttl"),
    ("data/case/annie/session/1", BROWSER, "1.2.0/index.html"),
    ("", BROWSER, "1.2.0/index.html"),
])
def test_w3id_htaccess_sends_each_iri_to_the_release_by_content_negotiation(path, accept, target):
    rules = w3id_htaccess("1.2.0", "prc-kg-1.2.0", "ontology/releases/2026-11-26", "https://example.org/r").decode()
    assert _rewrite(rules, path, accept) == "https://example.org/r/" + target


@pytest.mark.parametrize("url", ["https://example.org/r x", "https://example.org/r]", "ftp://example.org/r",
                                 "https://example.org/r\nRewriteRule ^ http://evil/", "example.org/r"])
def test_a_releases_url_that_would_change_the_rules_is_refused(url, capsys):
    from prc_kg.cli.main import main

    with pytest.raises(ValueError, match="expected http"):
        w3id_htaccess("1.2.0", "prc-kg-1.2.0", None, url)
    with pytest.raises(SystemExit) as exc:
        main(["release", "--out", "unused", "--releases-url", url])
    assert exc.value.code == 2 and "expected http(s)://host" in capsys.readouterr().err


def test_the_releases_url_is_the_one_rule_that_names_the_host():
    rules = w3id_htaccess("1.2.0", "prc-kg-1.2.0", None, "https://releases.example.org/prc-kg/").decode()
    assert "RewriteRule ^ - [E=RELEASES:https://releases.example.org/prc-kg]" in rules.splitlines()
    assert _rewrite(rules, "ontology", "text/turtle") == "https://releases.example.org/prc-kg/1.2.0/prc-kg-1.2.0.ttl"


@pytest.mark.slow
def test_the_redirect_anchors_are_the_documentation_pages_anchors(kg_store):
    """The rules tell a class from a property by the case of its first letter and build the page's
    anchor from the name: both must hold for every term of the ontology."""
    assert DocGraph.anchor("c", URIRef(PRC_IRI + "TherapistIntervention")) == "c-TherapistIntervention"
    assert DocGraph.anchor("p", URIRef(PRC_IRI + "hasAim")) == "p-hasAim"
    classes = _values(kg_store, "SELECT ?c WHERE { ?c a <http://www.w3.org/2002/07/owl#Class> . "
                                "FILTER(STRSTARTS(STR(?c), STR(prc:))) }")
    properties = _values(kg_store, "SELECT ?p WHERE { VALUES ?t { <http://www.w3.org/2002/07/owl#ObjectProperty> "
                                   "<http://www.w3.org/2002/07/owl#DatatypeProperty> "
                                   "<http://www.w3.org/2002/07/owl#AnnotationProperty> } ?p a ?t . "
                                   "FILTER(STRSTARTS(STR(?p), STR(prc:))) }")
    names = lambda iris: [i.removeprefix(PRC_IRI) for i in iris if "/" not in i.removeprefix(PRC_IRI)]
    assert len(classes) > 100 and len(properties) > 20
    assert [n for n in names(classes) if not re.fullmatch(r"[A-Z][A-Za-z0-9_.-]*", n)] == []
    assert [n for n in names(properties) if not re.fullmatch(r"[a-z][A-Za-z0-9_.-]*", n)] == []
