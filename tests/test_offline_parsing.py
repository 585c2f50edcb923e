"""Every parser runs offline and in bounded time (issue 10): no JSON-LD context is fetched or read
from another file, no XML entity is expanded, a long RDF list costs about linear time, a remote
endpoint is http(s) only, and `reason` stops HermiT at a time limit.

Tests that could reach the network run under ``offline``: a loopback HTTP server stands where a
remote context or redirect would lead, and ``socket.connect`` records and refuses every attempt,
so each test checks both that nothing connected and that the server got no request. Tests that ran
for minutes before the fix run the CLI in a child with a 120 s guard against hanging (not a speed
assertion) and a 4 GB address-space limit, so a regression fails instead of taking the machine.
"""

from __future__ import annotations

import functools
import http.server
import itertools
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import ROOT, copy_ontology
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS

import prc_kg
from prc_kg.cli.main import main
from prc_kg.errors import InputError, PrcKgError
from prc_kg.ontology.bnodes import canonical_graph, same_graph, tree_labels
from prc_kg.ontology.source import parse_file
from prc_kg.store.backends import QueryError, RemoteStore
from prc_kg.vocab import PRC_IRI

GUARD = 120  # seconds: only against hanging; every run here takes a few seconds when it works
SRC = str(Path(prc_kg.__file__).resolve().parents[1])  # the children run the code this process imported


# -- no network ---------------------------------------------------------------------------------------

@dataclass
class Offline:
    url: str                                              # a loopback HTTP server's base URL
    requests: list[str] = field(default_factory=list)     # paths it was asked for
    attempts: list[object] = field(default_factory=list)  # addresses anything tried to connect to

    def assert_untouched(self) -> None:
        assert self.attempts == [], f"a connection was attempted: {self.attempts}"
        assert self.requests == [], f"the loopback server was asked for {self.requests}"


@pytest.fixture
def offline(monkeypatch) -> Iterator[Offline]:
    """A loopback server that serves a valid JSON-LD context for any path (so a fetch would succeed
    silently) and redirects /redirect-to/URL; every outgoing connection is recorded and refused."""
    state = Offline("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            state.requests.append(self.path)
            if self.path.startswith("/redirect-to/"):
                self.send_response(302)
                self.send_header("Location", self.path.removeprefix("/redirect-to/"))
                self.end_headers()
                return
            body = json.dumps({"@context": {"label": "http://www.w3.org/2000/01/rdf-schema#label"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"

    def refuse(sock, address):
        state.attempts.append(address)
        raise ConnectionRefusedError(f"test: no network ({address})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _run(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _jsonld(context: object) -> str:
    return json.dumps({"@context": context, "@id": "https://w3id.org/prc-kg/data/x", "label": "Session one"},
                      indent=2) + "\n"


# -- JSON-LD contexts -----------------------------------------------------------------------------------

CONTEXTS = {
    "remote": lambda url: url,
    "in a list": lambda url: [{"label": "http://www.w3.org/2000/01/rdf-schema#label"}, url],
    "scoped in a term definition": lambda url: {"label": {"@id": "http://www.w3.org/2000/01/rdf-schema#label",
                                                          "@context": url}},
    "@import": lambda url: {"@version": 1.1, "@import": url},
}
ENTRIES = {  # (data file, folder with ontology/ and examples/, store folder) -> arguments
    "privacy-check": lambda p, w, s: ["privacy-check", "--examples", str(w / "examples"), str(p)],
    "validate --data": lambda p, w, s: ["validate", "--ontology", str(w / "ontology"), "--examples",
                                        str(w / "examples"), "--data", str(p)],
    "load --data": lambda p, w, s: ["load", "--store", str(s), "--ontology", str(w / "ontology"),
                                    "--examples", str(w / "examples"), "--data", str(p)],
}


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("offline")
    copy_ontology(base)
    shutil.copytree(ROOT / "examples", base / "examples")
    return base


@pytest.mark.slow
@pytest.mark.parametrize("entry", ENTRIES)
@pytest.mark.parametrize("kind", CONTEXTS)
def test_jsonld_context_by_reference_is_refused_before_any_connection(entry, kind, work, offline, tmp_path, capsys):
    url = f"{offline.url}/context.jsonld"
    data = tmp_path / "data.jsonld"
    data.write_text(_jsonld(CONTEXTS[kind](url)), encoding="utf-8")
    code, output = _run(ENTRIES[entry](data, work, tmp_path / "store"), capsys)
    offline.assert_untouched()
    keyword = "@import" if kind == "@import" else "@context"
    assert code == 2, output
    assert f"{data}:" in output and f"JSON-LD {keyword} <{url}> is not inline" in output, output
    assert "copy the context object into this file" in output
    assert not (tmp_path / "store").exists()


def test_jsonld_module_in_the_catalog_is_refused_before_any_connection(offline, tmp_path, capsys):
    onto = copy_ontology(tmp_path)
    url = f"{offline.url}/context.jsonld"
    module = onto / "modules" / "extra.jsonld"
    module.write_text(json.dumps({"@context": url, "@id": "https://w3id.org/prc-kg/ontology/module/extra",
                                  "@type": str(OWL.Ontology)}), encoding="utf-8")
    catalog = onto / "catalog-v001.xml"
    catalog.write_text(catalog.read_text().replace(
        "</catalog>",
        '<uri name="https://w3id.org/prc-kg/ontology/module/extra" uri="modules/extra.jsonld"/>\n</catalog>'))
    main_file = onto / "prc-kg.ttl"
    main_file.write_text(main_file.read_text().replace(
        "owl:imports <https://w3id.org/prc-kg/ontology/module/core> ,",
        "owl:imports <https://w3id.org/prc-kg/ontology/module/extra> , "
        "<https://w3id.org/prc-kg/ontology/module/core> ,"))
    code, output = _run(["qc", "--ontology", str(onto)], capsys)
    offline.assert_untouched()
    assert code == 2
    assert f"{module}:1: JSON-LD @context <{url}> is not inline" in output


@pytest.mark.slow
def test_file_context_elsewhere_on_disk_is_not_read(work, tmp_path, capsys):
    """A ``file:`` context would let a data file pull in any readable file; a valid one is refused too."""
    context = tmp_path / "elsewhere" / "context.jsonld"
    context.parent.mkdir()
    context.write_text(json.dumps({"@context": {"label": str(RDFS.label)}}), encoding="utf-8")
    data = tmp_path / "data.jsonld"
    data.write_text(_jsonld(context.as_uri()), encoding="utf-8")
    code, output = _run(ENTRIES["privacy-check"](data, work, None), capsys)
    assert code == 2
    assert f"{data}:2: JSON-LD @context <{context.as_uri()}> is not inline" in output


def test_inline_context_is_read(tmp_path, offline):
    data = tmp_path / "data.jsonld"
    data.write_text(_jsonld({"label": str(RDFS.label)}), encoding="utf-8")
    g = parse_file(data)
    offline.assert_untouched()
    assert set(g) == {(URIRef("https://w3id.org/prc-kg/data/x"), RDFS.label, Literal("Session one"))}


def test_pyoxigraph_does_not_fetch_a_context_either(offline):
    """Without the check pyoxigraph refuses a remote context by itself (no document loader is set):
    the check in front of it turns that bare syntax error into one naming file, line and context."""
    doc = _jsonld(f"{offline.url}/context.jsonld").encode()
    with pytest.raises(SyntaxError, match="LoadDocumentCallback"):
        ox.Store().bulk_load(input=doc, format=ox.RdfFormat.JSON_LD)
    offline.assert_untouched()


# -- XML entities -------------------------------------------------------------------------------------------

BILLION_LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n <!ENTITY a "' + "a" * 40 + '">\n'
                  + "".join(f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
                  + ']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                  'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
                  '  <rdf:Description rdf:about="https://w3id.org/prc-kg/data/x"><rdfs:label>&j;</rdfs:label>'
                  '</rdf:Description>\n</rdf:RDF>\n')


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def _cli(argv: list[str], cwd: Path, env: dict[str, str] | None = None,
         limit_memory: bool = True) -> subprocess.CompletedProcess:
    """The CLI in a child; the memory limit is off for Java, which reserves more address space than it uses."""
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env or {})}
    return subprocess.run([sys.executable, "-m", "prc_kg.cli.main", *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=GUARD, check=False, env=env, preexec_fn=_limit_memory if limit_memory else None)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): (b"" if p.is_dir() else p.read_bytes()) for p in sorted(root.rglob("*"))}


@pytest.mark.slow
@pytest.mark.parametrize("entry", ENTRIES)
def test_billion_laughs_is_refused_before_parsing_and_before_the_store(entry, work, tmp_path):
    """1 kB that expands to 40 GB: minutes and an abort before; refused at once now, naming file and line."""
    assert len(BILLION_LAUGHS) < 1200
    bomb = tmp_path / "bomb.rdf"
    bomb.write_text(BILLION_LAUGHS, encoding="utf-8")
    store = tmp_path / "store"
    store.mkdir()
    (store / "keep.txt").write_text("the user's store folder as it was\n")
    before = _tree(tmp_path)
    done = _cli(ENTRIES[entry](bomb, work, store), tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"{bomb}:2: XML with a DOCTYPE declaration is refused" in done.stderr
    assert _tree(tmp_path) == before  # no store made or touched, nothing left beside it


def test_entity_declaration_is_found_across_read_chunks(tmp_path):
    """The scan reads 1 MB at a time: a declaration split by a chunk border is still found, on its line."""
    from prc_kg.fileio.rdfread import check_rdf

    head = '<?xml version="1.0"?>\n<!-- ' + "x" * ((1 << 20) - 30) + " -->\n"
    path = tmp_path / "split.rdf"
    path.write_text(head + "<!DOCTYPE rdf:RDF []>\n<rdf:RDF/>\n", encoding="utf-8")
    with pytest.raises(InputError, match="DOCTYPE") as err:
        check_rdf(path)
    assert err.value.line == 3


# -- long RDF lists -------------------------------------------------------------------------------------------

@functools.cache
def existing_classes() -> list[str]:
    """The ontology's own named classes: list items that exist, so QC finds nothing new about them."""
    from prc_kg.ontology.source import default_ontology_dir, load_source

    merged = load_source(default_ontology_dir()).merged()
    return sorted(str(c) for c in merged.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef))


def _with_long_list(dest: Path, n: int, blank_items: bool) -> Path:
    """A scratch ontology whose modalities module gains one class equivalent to a list of ``n`` items."""
    onto = copy_ontology(dest)
    module = onto / "modules" / "modalities.ttl"
    if blank_items:
        items = " ".join(f"[ a owl:Class ; owl:complementOf prc:Psychoanalysis ; rdfs:comment \"item {i}\" ]"
                         for i in range(n))
    else:
        items = " ".join(f"<{iri}>" for iri, _ in zip(itertools.cycle(existing_classes()), range(n)))
    module.write_text(module.read_text(encoding="utf-8")
                      + f'\nprc:LongList a owl:Class ; rdfs:label "long list"@en ;\n'
                      f"    owl:equivalentClass [ a owl:Class ; owl:unionOf ( {items} ) ] .\n", encoding="utf-8")
    return onto


def _qc_lines(onto: Path, cwd: Path) -> tuple[int, set[str]]:
    done = _cli(["qc", "--ontology", str(onto), "--show", "INFO"], cwd)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    return done.returncode, {line.split("  at ")[0] for line in done.stdout.splitlines()  # findings, not
                             if not line.startswith(("QC:", "\t"))}  # the label-and-hint line under each


@pytest.mark.slow
@pytest.mark.parametrize(("n", "blank_items"), [(3000, False), (3000, True)])
def test_qc_on_a_long_list_finishes_with_only_the_new_class_findings(n, blank_items, tmp_path):
    """Before: rdflib's canonical labels were quadratic on a list (3,000 IRIs over 200 s in the issue,
    1,000 blank items 131 s); the guard only stops a hang. The list adds its class's findings, no other."""
    plain = copy_ontology(tmp_path / "plain")
    code, baseline = _qc_lines(plain, tmp_path)
    long_code, found = _qc_lines(_with_long_list(tmp_path / "long", n, blank_items), tmp_path)
    added = found - baseline
    assert added and all("/ontology/LongList\t" in line for line in added), sorted(added)[:5]
    assert baseline <= found
    assert long_code == 1 and code == 0


@pytest.mark.slow
def test_long_list_reads_back_whole_in_the_order_of_a_set(tmp_path):
    from prc_kg.ontology.build import merged_release_graph
    from prc_kg.ontology.source import load_source

    g = merged_release_graph(load_source(_with_long_list(tmp_path, 500, blank_items=True)))
    long_list = URIRef(PRC_IRI + "LongList")
    union = next(g.objects(next(g.objects(long_list, OWL.equivalentClass)), OWL.unionOf))
    items = list(Collection(g, union))
    # whole and each item once; the order is the build's order for a set (unionOf's order means nothing in OWL,
    # and a Protégé re-save drops the written one), the same on every build
    comments = [str(g.value(i, RDFS.comment)) for i in items]
    assert sorted(comments) == sorted(f"item {i}" for i in range(500))
    again = merged_release_graph(load_source(_with_long_list(tmp_path / "again", 500, blank_items=True)))
    union_again = next(again.objects(next(again.objects(long_list, OWL.equivalentClass)), OWL.unionOf))
    assert [str(again.value(i, RDFS.comment)) for i in Collection(again, union_again)] == comments


@pytest.mark.slow
def test_canonical_labels_are_the_same_whatever_the_input_order(source):
    merged = source.merged()
    forward, backward = Graph(), Graph()
    for t in sorted(merged):
        forward.add(t)
    for t in sorted(merged, reverse=True):
        backward.add(t)
    a, b = canonical_graph(forward), canonical_graph(backward)
    assert set(a) == set(b)
    assert isomorphic(a, merged)


@pytest.mark.slow
def test_same_graph_tells_isomorphic_graphs_from_different_ones(source):
    """The release check compares what each syntax reads back with ``same_graph`` (linear on lists)."""
    merged = source.merged()
    relabelled = canonical_graph(merged)
    assert same_graph(merged, relabelled)
    changed = Graph()
    changed += relabelled
    s, p, o = next(t for t in sorted(relabelled) if isinstance(t[0], BNode) and t[1] != RDF.type
                   and isinstance(t[2], URIRef))
    changed.remove((s, p, o))
    changed.add((s, p, URIRef(str(o) + "-changed")))
    assert not same_graph(merged, changed)
    assert isomorphic(merged, relabelled) and not isomorphic(merged, changed)


def test_identical_blank_nodes_stay_apart_and_shared_ones_fall_back():
    ex = "https://example.org/"
    g = Graph()
    for _ in range(2):  # two identical restrictions on one class: two nodes, not one
        r = BNode()
        g.add((URIRef(ex + "C"), RDFS.subClassOf, r))
        g.add((r, RDF.type, OWL.Restriction))
        g.add((r, OWL.onProperty, URIRef(ex + "p")))
    canon = canonical_graph(g)
    assert len(canon) == len(g) == 6
    assert isomorphic(canon, g)
    shared = BNode()  # the object of two triples: not a tree, so rdflib's general algorithm labels it
    g.add((URIRef(ex + "D"), RDFS.subClassOf, shared))
    g.add((URIRef(ex + "E"), RDFS.subClassOf, shared))
    assert tree_labels(g) is None
    assert isomorphic(canonical_graph(g), g)


# -- endpoints --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["file:///etc/hostname", "ftp://127.0.0.1/sparql", "data:,x", "http:///sparql"])
def test_endpoint_url_must_be_http_or_https(url):
    with pytest.raises(PrcKgError, match="expected an http:// or https:// URL"):
        RemoteStore(url)


def test_endpoint_redirect_to_another_scheme_is_not_followed():
    """urllib follows a redirect to ftp: (which connects anywhere); only http(s) redirects are followed."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    accepted: list[object] = []
    try:
        calls = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                calls[self.path] = calls.get(self.path, 0) + 1
                self.send_response(302)
                self.send_header("Location", f"ftp://127.0.0.1:{listener.getsockname()[1]}/x")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            store = RemoteStore(f"http://127.0.0.1:{server.server_address[1]}/sparql", timeout=10)
            with pytest.raises(QueryError, match="redirect to a URL that is not http"):
                store.query("ASK {}")
        finally:
            server.shutdown()
            server.server_close()
        try:
            accepted.append(listener.accept())
        except TimeoutError:
            pass
    finally:
        for conn, _ in accepted:
            conn.close()
        listener.close()
    assert calls == {"/sparql": 1}
    assert accepted == [], "the client connected to the ftp: address it was redirected to"


# -- reason time limit -----------------------------------------------------------------------------------------

def _pigeonhole(n: int, path: Path) -> None:
    """n + 1 pigeons, n holes of one place each: inconsistent, and HermiT needs time exponential in n
    to find out (n = 9: about a minute; n = 11: far beyond the few seconds allowed below)."""
    ex = "http://example.org/pigeons#"
    g = Graph()
    g.add((URIRef("http://example.org/pigeons"), RDF.type, OWL.Ontology))
    holes = [URIRef(f"{ex}Hole{j}") for j in range(n)]
    for j, hole in enumerate(holes):
        place, one, items = URIRef(f"{ex}h{j}"), BNode(), BNode()
        g.add((hole, RDF.type, OWL.Class))
        g.add((place, RDF.type, OWL.NamedIndividual))
        Collection(g, items, [place])
        g.add((one, RDF.type, OWL.Class))
        g.add((one, OWL.oneOf, items))
        g.add((hole, RDFS.subClassOf, one))
    pigeons = [URIRef(f"{ex}p{i}") for i in range(n + 1)]
    for pigeon in pigeons:
        some_hole, members = BNode(), BNode()
        Collection(g, members, holes)
        g.add((some_hole, RDF.type, OWL.Class))
        g.add((some_hole, OWL.unionOf, members))
        g.add((pigeon, RDF.type, OWL.NamedIndividual))
        g.add((pigeon, RDF.type, some_hole))
    distinct, members = BNode(), BNode()
    Collection(g, members, pigeons)
    g.add((distinct, RDF.type, OWL.AllDifferent))
    g.add((distinct, OWL.distinctMembers, members))
    g.serialize(path, format="xml")


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if text in args:
            found.append(args)
    return found


@pytest.mark.slow
@pytest.mark.java
@pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime (.ci/run installs one)")
@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc to look for the Java process")
def test_reason_stops_hermit_at_the_time_limit_and_kills_java(tmp_path):
    path = tmp_path / "pigeons.owl"
    _pigeonhole(11, path)
    scratch = tmp_path / "tmp"  # owlready2 hands HermiT a copy in the temp folder; it names this folder
    scratch.mkdir()
    done = _cli(["reason", "--file", str(path), "--timeout", "3"], tmp_path, env={"TMPDIR": str(scratch)},
                limit_memory=False)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "HermiT did not finish within 3 s and was stopped; the ontology was not checked" in done.stderr
    assert "prc-kg reason --timeout SECONDS" in done.stderr
    assert _processes_mentioning(str(scratch)) == []  # no Java left running
    assert list(scratch.iterdir()) == []  # and no copy of the ontology left behind
