"""`prc-kg release`: a versioned, checked and documented release in ``build/release/<version>/``.

Everything is assembled in memory and checked first (rdflib reads all three syntaxes, owlready2
reads the RDF/XML, then every gate of gates.py: QC finds no error, the privacy check finds no personal
identifier in the examples, SHACL finds no violation); only then are the files written,
all or none: the folder is written complete under a temporary name and swapped in with one step.
A failed check writes nothing, so an existing release folder stays as it was.

The version and date come from the ontology header unless given, never from the clock, and every
file is serialised in a fixed order: the same sources give the same bytes on every run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from .. import paths
from ..checks.gates import RELEASE_GATES, GateInputs, GateSources, run_gates, shapes_beside
from ..errors import InputError, PrcKgError
from ..fileio.files import read_utf8
from ..fileio.folders import (
    FolderKind,
    Report,
    carry_over,
    default_modes,
    replace_folder,
    report_on_stderr,
    write_file,
)
from ..ontology.bnodes import same_graph
from ..ontology.build import FORMATS, RELEASE_NAME, canonical, merged_release_graph, serialise
from ..ontology.source import OntologySource
from ..progress import stepped
from ..vocab import PRC_IRI
from .redirects import DEFAULT_RELEASES, W3ID_BASE, W3ID_FILE, w3id_htaccess

DEFAULT_OUT = Path("build") / "release"
CHANGELOG_FILE = "CHANGELOG.md"
PAGE_FILE = "index.html"
MANIFEST_FILE = "manifest.json"
SUMS_FILE = "SHA256SUMS"
# A version becomes part of file names and of the version IRI: digits first, then a short run of
# letters, digits, dots, plus and minus signs (1.2.0, 1.2.0-rc.1, 2026-11-26), never a path.
_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+-]{0,63}$")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Keep a Changelog headings: "## [1.2.0] - 2026-11-26" (brackets and date optional).
_ENTRY_HEADING = re.compile(r"^##\s+\[?(?P<version>[^\]\s]+)\]?(?:\s+-\s+.*)?\s*$")
_LINK_REFERENCE = re.compile(r"^\[[^\]]+\]:\s")
_MEDIA_TYPES = {"ttl": "text/turtle", "owl": "application/rdf+xml", "jsonld": "application/ld+json",
                "html": "text/html", "md": "text/markdown", "json": "application/json", "htaccess": "text/plain"}


class ReleaseError(PrcKgError):
    """The release failed a check; nothing was written."""


def default_changelog() -> Path:
    """The project's ``CHANGELOG.md`` (see paths: a chosen project, this checkout, or the wheel's copy)."""
    return paths.changelog()


def check_version(text: str) -> str:
    """A version safe to put in file names and IRIs, or ValueError saying what is expected."""
    if not _VERSION.match(text) or ".." in text:
        raise ValueError(f"version '{text}' is not of the form X.Y.Z (digits first, then letters, digits, . + -)")
    return text


def check_date(text: str) -> str:
    """A calendar date written YYYY-MM-DD, or ValueError."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"date '{text}' is not of the form YYYY-MM-DD")
    try:
        dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"date '{text}' is not a calendar date ({exc})") from exc
    return text


@dataclass(frozen=True)
class ReleaseVersion:
    """What the release is called and when it is dated, with the version IRI its header carries."""

    version: str
    date: str
    version_iri: URIRef

    @property
    def stem(self) -> str:
        return f"{RELEASE_NAME}-{self.version}"


def resolve_version(g: Graph, ontology_iri: URIRef, version: str | None = None,
                    date: str | None = None) -> ReleaseVersion:
    """Version and date: as given, else from owl:versionInfo and the date in owl:versionIRI.

    The date comes from the header, not the clock, so rebuilding an old version gives the same bytes.
    With a date other than the header's, the version IRI gets the new date in place of the old.
    """
    info = _first(g.objects(ontology_iri, OWL.versionInfo))
    header_iri = _first(g.objects(ontology_iri, OWL.versionIRI))
    header_date = _DATE.search(str(header_iri)) if header_iri is not None else None
    if version is None:
        if info is not None:
            version = str(info).strip()
        elif header_iri is not None:
            version = str(header_iri).rstrip("/").rsplit("/", 1)[-1]
        else:
            raise ReleaseError(f"the ontology header <{ontology_iri}> has no owl:versionInfo or owl:versionIRI; "
                               "pass --version")
    if date is None:
        if header_date is None:
            raise ReleaseError(f"the version IRI of <{ontology_iri}> holds no YYYY-MM-DD date; pass --date")
        date = header_date.group(0)
    try:
        check_version(version)
        check_date(date)
    except ValueError as exc:
        raise ReleaseError(str(exc)) from exc
    if header_iri is None:
        version_iri = URIRef(f"{ontology_iri}/releases/{date}")
    elif header_date is not None and header_date.group(0) != date:
        text = str(header_iri)
        version_iri = URIRef(text[: header_date.start()] + date + text[header_date.end():])
    else:
        version_iri = URIRef(header_iri)
    return ReleaseVersion(version, date, version_iri)


def _first(terms) -> object | None:
    """The smallest of several values, so a header with two values still gives one stable answer."""
    found = sorted(terms, key=str)
    return found[0] if found else None


def changelog_entry(path: Path, version: str) -> str:
    """The ``## [version]`` entry of a Keep a Changelog file, heading included.

    A release without an entry would ship undocumented changes, so a missing or empty entry is an
    error that names the heading to add.
    """
    lines = read_utf8(path, "a changelog in Keep a Changelog style").splitlines()
    start = next((i for i, line in enumerate(lines)
                  if (m := _ENTRY_HEADING.match(line)) and m.group("version") == version), None)
    if start is None:
        raise InputError(path, f"no entry for version {version}: add a section headed '## [{version}] - YYYY-MM-DD' "
                               "saying what changed")
    body: list[str] = []
    for line in lines[start + 1:]:
        if line.startswith("## ") or _LINK_REFERENCE.match(line):
            break
        body.append(line)
    text = "\n".join(body).strip()
    if not text:
        raise InputError(path, f"the entry for version {version} is empty", line=start + 1)
    return f"{lines[start].strip()}\n\n{text}\n"


def stamp_header(g: Graph, ontology_iri: URIRef, rv: ReleaseVersion) -> Graph:
    """The release graph with the header's owl:versionInfo and owl:versionIRI set to this release.

    Only the release copy changes; the source files are never rewritten.
    """
    if (set(g.objects(ontology_iri, OWL.versionInfo)) == {Literal(rv.version)}
            and set(g.objects(ontology_iri, OWL.versionIRI)) == {rv.version_iri}):
        return g
    out = Graph()
    out += g
    out.set((ontology_iri, OWL.versionInfo, Literal(rv.version)))
    out.set((ontology_iri, OWL.versionIRI, rv.version_iri))
    return canonical(out)


@dataclass(frozen=True)
class CheckResult:
    """One release check: whether it passed and what it found (timing is printed, never written)."""

    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class ReleaseBundle:
    """A checked release, still in memory: file name → bytes, in the order the files are listed."""

    version: ReleaseVersion
    files: dict[str, bytes]
    checks: list[CheckResult] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@stepped(lambda name, run: f"checking: {name}")
def _timed(name: str, run: Callable[[], tuple[bool, str]]) -> CheckResult:
    start = time.perf_counter()
    try:
        ok, detail = run()
    except Exception as exc:  # noqa: BLE001 - a parser or loader blowing up is a failed check, reported as such
        ok, detail = False, f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    return CheckResult(name, ok, detail, time.perf_counter() - start)


def _rdflib_check(data: bytes, fmt: str, expected: Graph) -> tuple[bool, str]:
    g = Graph().parse(data=data, format=fmt)
    if not same_graph(g, expected):
        return False, (f"reads back {len(g)} triples, not the {len(expected)} of the release graph"
                       f"{_kinds_differing(g, expected)}")
    return True, f"{len(g)} triples, same graph"


def _kinds_differing(back: Graph, expected: Graph) -> str:
    """Which kinds of statement (predicate, and class for rdf:type) the read-back lost or gained, so a
    failed check says where to look (an OWLAPI save's ``rdf:type rdf:List`` cells, for one)."""
    from collections import Counter

    def kinds(g: Graph) -> Counter:
        return Counter((p, o if p == RDF.type else None) for _, p, o in g)

    lost, gained = kinds(expected) - kinds(back), kinds(back) - kinds(expected)
    if not lost and not gained:
        return ""

    def show(counts: Counter) -> str:
        return ", ".join(f"{n} × {expected.namespace_manager.normalizeUri(p)}"
                         + (f" {expected.namespace_manager.normalizeUri(o)}" if o is not None else "")
                         for (p, o), n in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:5])

    return "".join([f"; lost {show(lost)}" if lost else "", f"; gained {show(gained)}" if gained else ""])


def _owlready_check(rdfxml: bytes, g: Graph) -> tuple[bool, str]:
    """owlready2 (the reasoner's loader) reads the RDF/XML file and sees every prc: class."""
    import owlready2

    expected = {str(c) for c in g.subjects(RDF.type, OWL.Class) if str(c).startswith(PRC_IRI)}
    with tempfile.TemporaryDirectory(prefix="prc-kg-release-") as tmp:
        path = Path(tmp) / "release.owl"
        path.write_bytes(rdfxml)
        world = owlready2.World()
        try:
            world.get_ontology(path.as_uri()).load()
            seen = {c.iri for c in world.classes()}
        finally:
            world.close()
    missing = sorted(expected - seen)
    if missing:
        return False, f"{len(missing)} classes missing, e.g. {', '.join(missing[:5])}"
    return True, f"{len(expected)} prc: classes"


def assemble_release(source: OntologySource, examples_dir: Path | None = None, changelog: Path | None = None,
                     version: str | None = None, date: str | None = None,
                     qc_dir: Path | None = None, allow: Sequence[Path] = (),
                     corpora: Sequence[Path] = (), releases_url: str = DEFAULT_RELEASES) -> ReleaseBundle:
    """Build every release file in memory, check that each reads back, run the gates (``allow``: further
    allow-lists for the privacy gate; ``corpora``: imported corpora whose utterance texts and conversation
    attributes the privacy gate checks too, though the release does not ship them; ``releases_url``: where
    the release folders are published, for the w3id redirects); ReleaseError naming each failed check."""
    from ..instances.examples import load_examples
    from ..views.docpage import render_page

    timings: dict[str, float] = {}
    start = time.perf_counter()
    iri = source.ontology_iri
    merged = merged_release_graph(source)
    rv = resolve_version(merged, iri, version, date)
    entry = changelog_entry(changelog or default_changelog(), rv.version)
    graph = stamp_header(merged, iri, rv)
    loaded = load_examples(graph, examples_dir)
    examples = canonical(loaded.graph)
    timings["load"] = time.perf_counter() - start

    start = time.perf_counter()
    files: dict[str, bytes] = {f"{rv.stem}.{ext}": serialise(graph, fmt) for ext, fmt in FORMATS.items()}
    files[f"{rv.stem}-examples.ttl"] = serialise(examples, "turtle")
    files[f"CHANGELOG-{rv.version}.md"] = entry.encode("utf-8")
    timings["serialise"] = time.perf_counter() - start
    start = time.perf_counter()
    downloads = [(name, len(data)) for name, data in files.items()]
    files[PAGE_FILE] = render_page(graph, examples, iri, rv.version, rv.date, entry, downloads)
    files[W3ID_FILE] = w3id_htaccess(rv.version, rv.stem, str(rv.version_iri).removeprefix(W3ID_BASE)
                                     if str(rv.version_iri).startswith(W3ID_BASE) else None, releases_url)
    timings["page"] = time.perf_counter() - start

    checks = [_timed(f"rdflib reads {rv.stem}.{ext}", lambda ext=ext, fmt=fmt: _rdflib_check(
        files[f"{rv.stem}.{ext}"], fmt, graph)) for ext, fmt in FORMATS.items()]
    checks.append(_timed(f"rdflib reads {rv.stem}-examples.ttl",
                         lambda: _rdflib_check(files[f"{rv.stem}-examples.ttl"], "turtle", examples)))
    checks.append(_timed("owlready2 reads the RDF/XML", lambda: _owlready_check(files[f"{rv.stem}.owl"], graph)))
    # The gates validate runs and more, each once; SHACL takes most of the time and is skipped once a
    # cheaper check has failed, as the release is refused anyway.
    inputs = GateInputs(graph, examples, len(loaded.files), examples_dir, allow=allow, corpora=tuple(corpora),
                        shapes_dir=shapes_beside(source), qc_dir=qc_dir)
    gates = run_gates(RELEASE_GATES, inputs, skip_costly_after_failure=True, failed_before=not all(c.ok for c in checks),
                      sources=GateSources(source.main_path.parent, examples_dir, inputs.shapes_dir, qc_dir, (), allow,
                                          tuple(corpora), f"{rv.version} {rv.date} {rv.version_iri}", f"engine={inputs.engine}"))
    checks += [CheckResult(r.name, r.ok, r.reason(), r.seconds) for r in gates.results]
    failed = [c for c in checks if not c.ok]
    if failed:
        reasons = "\n".join(f"  {c.name}: {c.detail}" for c in failed)
        skipped = f"\n  not run, as a check failed: {', '.join(gates.skipped)}" if gates.skipped else ""
        raise ReleaseError(f"release {rv.version} not written, {len(failed)} check(s) failed:\n{reasons}{skipped}")

    files[MANIFEST_FILE] = _manifest(graph, iri, rv, files, checks)
    files[SUMS_FILE] = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                               for name, data in sorted(files.items())).encode("utf-8")
    return ReleaseBundle(rv, files, checks, timings)


def _manifest(g: Graph, iri: URIRef, rv: ReleaseVersion, files: dict[str, bytes],
              checks: list[CheckResult]) -> bytes:
    """What the release is, which checks it passed, and each file with its size and SHA-256."""
    title = _first(g.objects(iri, DCTERMS.title)) or _first(g.objects(iri, RDFS.label))
    doc = {
        "name": RELEASE_NAME,
        "title": str(title) if title is not None else RELEASE_NAME,
        "version": rv.version,
        "date": rv.date,
        "ontology": str(iri),
        "versionIRI": str(rv.version_iri),
        "license": str(_first(g.objects(iri, DCTERMS.license)) or ""),
        "classes": sum(1 for c in set(g.subjects(RDF.type, OWL.Class)) if str(c).startswith(PRC_IRI)),
        "triples": len(g),
        "checks": [{"name": c.name, "result": c.detail} for c in checks],
        "files": [{"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                   "mediaType": _MEDIA_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")}
                  for name, data in sorted(files.items())],
    }
    return (json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def is_release_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a release prc-kg wrote: its manifest.json names prc-kg and lists files."""
    try:
        doc = json.loads((Path(folder) / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("name") == RELEASE_NAME and isinstance(doc.get("files"), list)


RELEASE = FolderKind("release", MANIFEST_FILE, is_release_folder, "a release folder made by `prc-kg release` "
                     "(with its manifest.json), an empty folder or a new path")


@stepped(lambda bundle, out, *a, **k: f"writing release {bundle.version.version} into {out}")
def write_release(bundle: ReleaseBundle, out: Path, keep_apart: Iterable[tuple[str, Path]] = (),
                  report: Report = report_on_stderr) -> Path:
    """Write the bundle into ``out/<version>/`` and return the folder.

    The folder is written complete under a temporary name beside it and swapped in with one step,
    so ``out/<version>/`` holds the old release or the new one, each matching its SHA256SUMS, even
    when the run is killed. An existing folder is replaced only when prc-kg wrote it (manifest.json)
    or it is empty, and not when it is, holds or lies inside one of ``keep_apart`` (InputError).
    Files in it that the release did not write are kept (hard links into the new folder).
    """
    folder = Path(out) / bundle.version.version
    folder_mode, file_mode = default_modes()

    def build(tmp: Path) -> None:
        # the manifest first: from then on a leftover of a killed run is recognisably prc-kg's
        for name in sorted(bundle.files, key=lambda name: name != MANIFEST_FILE):
            write_file(tmp / name, bundle.files[name], file_mode)
        _keep_strays(Path(os.path.realpath(folder)), tmp, bundle, report)

    replace_folder(folder, build, RELEASE, keep_apart=keep_apart, folder_mode=folder_mode, report=report)
    return folder


def _keep_strays(old: Path, new: Path, bundle: ReleaseBundle, report: Report) -> None:
    """Carry files the user put in the old release folder into the new one; drop the temporary
    files an interrupted earlier write of the release's own files left behind."""
    staged = re.compile("|".join(rf"\.{re.escape(name)}\.(?:[a-z0-9_]+\.tmp|\d+\.bak)" for name in bundle.files))

    def skip(path: Path) -> bool:
        if staged.fullmatch(path.name) and path.is_file():
            report(f"dropped {path}: a temporary file left by an interrupted earlier release")
            return True
        return path.name in bundle.files

    carry_over(old, new, skip)


def stray_files(folder: Path, bundle: ReleaseBundle) -> list[Path]:
    """Files in the release folder that this release did not write (left alone, but worth a warning)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name not in bundle.files)
