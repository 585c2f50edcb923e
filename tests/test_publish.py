"""`prc-kg release`: a versioned folder that loads everywhere, documents every class safely, is the
same bytes on every run, and is never written when a check fails."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import ROOT, copy_ontology
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from prc_kg.cli.main import main
from prc_kg.release.bundle import ReleaseError, changelog_entry, resolve_version, stamp_header
from prc_kg.views.docnav import script
from prc_kg.vocab import ONTOLOGY_IRI, PRC_IRI

HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_NOTE = '"></dd></dl><script>alert(2)</script><a href="https://evil.example/">'


def _header(g: Graph) -> tuple[str, str]:
    """Version and date as the source header states them (what the release defaults to)."""
    version = str(g.value(ONTOLOGY_IRI, OWL.versionInfo))
    date = re.search(r"\d{4}-\d{2}-\d{2}", str(g.value(ONTOLOGY_IRI, OWL.versionIRI))).group(0)
    return version, date


@pytest.fixture(scope="module")
def version_date(release_graph) -> tuple[str, str]:
    return _header(release_graph)


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> tuple[Path, Path]:
    """Two releases made at once by the command, under different hash seeds."""
    base = tmp_path_factory.mktemp("releases")
    procs = [subprocess.Popen([sys.executable, "-m", "prc_kg.cli.main", "release", "--out", str(base / seed),
                               "--releases-url", "https://releases.example.org/prc-kg"],
                              cwd=ROOT, env=dict(os.environ, PYTHONHASHSEED=seed),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for seed in ("1", "2")]
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err + out
    folders = [next((base / seed).iterdir()) for seed in ("1", "2")]
    return folders[0], folders[1]


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden temporaries included) with its SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class _Page(HTMLParser):
    """What a browser would act on: tags with their attributes, element ids, and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _scripts(path: Path) -> list[str]:
    """The text of every script element of the page (with or without attributes)."""
    return [m.group(1).removeprefix("\n") for m in re.finditer(r"<script\b[^>]*>(.*?)</script>",
                                                                path.read_text(encoding="utf-8"), re.DOTALL | re.IGNORECASE)]


def _prc_classes(g: Graph) -> set[str]:
    return {str(c) for c in g.subjects(RDF.type, OWL.Class) if str(c).startswith(PRC_IRI)}


# --- the release as written -------------------------------------------------------------------

@pytest.mark.slow
def test_release_files_carry_version_and_date(releases, version_date):
    folder, _ = releases
    version, date = version_date
    stem = f"prc-kg-{version}"
    assert folder.name == version
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        f"{stem}.ttl", f"{stem}.owl", f"{stem}.jsonld", f"{stem}-examples.ttl", f"CHANGELOG-{version}.md",
        "index.html", "manifest.json", "SHA256SUMS", "w3id.htaccess"])
    g = Graph().parse(folder / f"{stem}.ttl", format="turtle")
    assert str(g.value(ONTOLOGY_IRI, OWL.versionInfo)) == version
    assert date in str(g.value(ONTOLOGY_IRI, OWL.versionIRI))
    assert (folder / f"CHANGELOG-{version}.md").read_text(encoding="utf-8").startswith(f"## [{version}]")
    assert "[E=RELEASES:https://releases.example.org/prc-kg]" in (folder / "w3id.htaccess").read_text(encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["version"], manifest["date"]) == (version, date)
    assert {f["name"] for f in manifest["files"]} == {p.name for p in folder.iterdir()} - {"SHA256SUMS", "manifest.json"}
    for entry in manifest["files"]:
        data = (folder / entry["name"]).read_bytes()
        assert (entry["bytes"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    sums = dict(reversed(line.split("  ", 1)) for line in (folder / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {p.name for p in folder.iterdir()} - {"SHA256SUMS"}
    assert all(hashlib.sha256((folder / name).read_bytes()).hexdigest() == h for name, h in sums.items())
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert f"<dt>Version</dt><dd>{version}</dd>" in page and f"<dt>Date</dt><dd>{date}</dd>" in page


@pytest.mark.slow
def test_release_loads_in_rdflib_and_owlready2(releases, version_date, release_graph):
    import owlready2

    folder, _ = releases
    stem = f"prc-kg-{version_date[0]}"
    graphs = [Graph().parse(folder / f"{stem}.{ext}", format=fmt)
              for ext, fmt in (("ttl", "turtle"), ("owl", "xml"), ("jsonld", "json-ld"))]
    for g in graphs:
        assert isomorphic(g, release_graph)
    examples = Graph().parse(folder / f"{stem}-examples.ttl", format="turtle")
    assert len(examples) > 1000
    world = owlready2.World()
    try:
        world.get_ontology((folder / f"{stem}.owl").resolve().as_uri()).load()
        assert _prc_classes(release_graph) <= {c.iri for c in world.classes()}
    finally:
        world.close()


@pytest.mark.slow
def test_page_lists_every_class_and_links_nowhere_outside(releases, version_date):
    folder, _ = releases
    g = Graph().parse(folder / f"prc-kg-{version_date[0]}.ttl", format="turtle")
    page = _parse(folder / "index.html")
    terms = [attrs for tag, attrs in page.tags if tag == "article" and "term" in (attrs.get("class") or "").split()]
    assert len(terms) == len(_prc_classes(g))
    assert {attrs["data-iri"] for attrs in terms} == _prc_classes(g)
    ids = [attrs["id"] for _, attrs in page.tags if attrs.get("id")]
    assert len(ids) == len(set(ids))
    files = {p.name for p in folder.iterdir()}
    links = [(attr, value) for _, attrs in page.tags for attr, value in attrs.items() if attr in ("src", "href")]
    assert links
    for attr, value in links:
        parsed = urlparse(value or "")
        assert not parsed.scheme and not parsed.netloc, (attr, value)
        assert value.startswith("#") and value[1:] in ids or value in files, (attr, value)
    assert not [tag for tag, _ in page.tags if tag in ("link", "img", "iframe", "object", "embed")]
    assert "url(" not in (folder / "index.html").read_text(encoding="utf-8")
    assert _scripts(folder / "index.html") == [script()]  # the search box's, inlined; nothing else runs
    text = "".join(page.text)
    assert "interpretation of defense" in text and "Section 3: what psychotherapists say" in text


@pytest.mark.slow
def test_manifest_lists_every_gate_passed_the_privacy_check_included(releases):
    from prc_kg.checks.gates import RELEASE_GATES

    manifest = json.loads((releases[0] / "manifest.json").read_text(encoding="utf-8"))
    results = {c["name"]: c["result"] for c in manifest["checks"]}
    assert {g.name for g in RELEASE_GATES} <= set(results)
    assert results["privacy"].endswith("files checked, no identifiers found")
    assert results["SHACL on the examples"] == "0 violations, 0 warnings"


@pytest.mark.slow
def test_release_is_the_same_bytes_on_two_runs(releases):
    first, second = releases
    assert _snapshot(first) == _snapshot(second)


# --- hostile text and failed checks -----------------------------------------------------------

@pytest.mark.slow
def test_hostile_label_is_escaped(tmp_path):
    onto = copy_ontology(tmp_path)
    module = onto / "modules" / "therapist.ttl"
    text = module.read_text(encoding="utf-8")
    assert text.count('rdfs:label "interpretation of defense"@en') == 1
    text = text.replace('rdfs:label "interpretation of defense"@en', f'rdfs:label "{HOSTILE}"@en')
    note = HOSTILE_NOTE.replace('"', '\\"')
    module.write_text(text + f'\nprc:InterpretationOfDefense skos:example "{note}"@en .\n', encoding="utf-8")
    assert main(["release", "--ontology", str(onto), "--out", str(tmp_path / "out")]) == 0
    html_path = next((tmp_path / "out").iterdir()) / "index.html"
    page = _parse(html_path)
    assert not [tag for tag, _ in page.tags if tag == "img"]
    assert _scripts(html_path) == [script()]
    assert not [attrs for _, attrs in page.tags if "onerror" in attrs]
    assert not [v for _, attrs in page.tags for k, v in attrs.items() if k in ("src", "href") and "evil" in (v or "")]
    text = "".join(page.text)
    assert HOSTILE in text and HOSTILE_NOTE in text
    raw = html_path.read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in raw


@pytest.mark.slow
def test_missing_changelog_entry_writes_nothing(releases, tmp_path, capsys):
    out = tmp_path / "release"
    shutil.copytree(releases[0].parent, out)
    before = _snapshot(out)
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## [0.0.1] - 2020-01-01\n\n- An old version.\n", encoding="utf-8")
    assert main(["release", "--out", str(out), "--changelog", str(changelog)]) != 0
    assert "no entry for version" in capsys.readouterr().err
    assert _snapshot(out) == before


@pytest.mark.slow
def test_failing_qc_writes_nothing(releases, tmp_path, capsys):
    onto = copy_ontology(tmp_path)
    with open(onto / "modules" / "core.ttl", "a", encoding="utf-8") as fh:
        fh.write("\nprc:PlantedFault a owl:Class .\n")  # no label, definition, parent or source
    out = tmp_path / "release"
    shutil.copytree(releases[0].parent, out)
    before = _snapshot(out)
    assert main(["release", "--ontology", str(onto), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "QC" in err and "missing_label" in err and "PlantedFault" in err and "not written" in err
    assert _snapshot(out) == before


# --- versions and the changelog ---------------------------------------------------------------

def test_version_and_date_default_to_the_header_and_can_be_overridden(release_graph, version_date):
    version, date = version_date
    rv = resolve_version(release_graph, ONTOLOGY_IRI)
    assert (rv.version, rv.date) == (version, date)
    assert stamp_header(release_graph, ONTOLOGY_IRI, rv) is release_graph
    other = resolve_version(release_graph, ONTOLOGY_IRI, "1.2.0", "2030-01-02")
    assert other.version_iri == URIRef(str(release_graph.value(ONTOLOGY_IRI, OWL.versionIRI)).replace(date, "2030-01-02"))
    stamped = stamp_header(release_graph, ONTOLOGY_IRI, other)
    assert set(stamped.objects(ONTOLOGY_IRI, OWL.versionInfo)) == {Literal("1.2.0")}
    assert set(stamped.objects(ONTOLOGY_IRI, OWL.versionIRI)) == {other.version_iri}
    assert len(stamped) == len(release_graph)
    with pytest.raises(ReleaseError, match="X.Y.Z"):
        resolve_version(release_graph, ONTOLOGY_IRI, "../1.0")
    with pytest.raises(ReleaseError, match="calendar date"):
        resolve_version(release_graph, ONTOLOGY_IRI, None, "2026-02-30")


@pytest.mark.parametrize("argv", [["--version", "../x"], ["--version", "1.0/2"], ["--date", "26.11.2026"]])
def test_command_refuses_bad_version_or_date(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["release", *argv])
    assert exc.value.code == 2


def test_changelog_entry_is_cut_at_the_next_version(tmp_path):
    path = tmp_path / "CHANGELOG.md"
    path.write_text("# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2026-12-01\n\n### Added\n\n- New thing.\n\n"
                    "## [1.0.0] - 2026-11-01\n\n- First.\n\n[1.1.0]: https://example.org/1.1.0\n", encoding="utf-8")
    assert changelog_entry(path, "1.1.0") == "## [1.1.0] - 2026-12-01\n\n### Added\n\n- New thing.\n"
    assert changelog_entry(path, "1.0.0") == "## [1.0.0] - 2026-11-01\n\n- First.\n"
    from prc_kg.errors import InputError

    with pytest.raises(InputError, match="is empty"):
        changelog_entry(path, "Unreleased")
    with pytest.raises(InputError, match=r"no entry for version 2\.0\.0"):
        changelog_entry(path, "2.0.0")


def test_repository_changelog_has_an_entry_for_the_header_version(version_date):
    assert changelog_entry(ROOT / "CHANGELOG.md", version_date[0]).startswith(f"## [{version_date[0]}]")
