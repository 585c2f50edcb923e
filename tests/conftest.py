"""Shared fixtures: the real ontology source, its release graph, and the Java tool chain."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from prc_kg.ontology.build import build_release, merged_release_graph
from prc_kg.ontology.source import OntologySource, default_ontology_dir, load_source

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
JAVA_SRC = Path(__file__).resolve().parent / "java" / "OwlApiCheck.java"
SHARE_JAVA = Path("/usr/share/java")
# Debian ships several slf4j bindings; only the API and the no-op binding go on the class path.
_EXCLUDED_JARS = ("slf4j-jcl", "slf4j-jdk14", "slf4j-log4j12", "slf4j-simple", "slf4j-migrator",
                  "log4j-over-slf4j", "maven3-slf4j", "osgidistribution")


@pytest.fixture(scope="session", autouse=True)
def _own_cache(tmp_path_factory):
    """Every test session keeps its caches (paths.cache_dir) in a folder of its own, subprocesses too,
    so a test never reads what another run of the suite or the developer's checkout left there."""
    from prc_kg import paths

    before = os.environ.get(paths.CACHE_ENV_VAR)
    os.environ[paths.CACHE_ENV_VAR] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop(paths.CACHE_ENV_VAR, None)
    else:
        os.environ[paths.CACHE_ENV_VAR] = before


@pytest.fixture(scope="session")
def source() -> OntologySource:
    return load_source(default_ontology_dir())


@pytest.fixture(scope="session")
def release_graph(source):
    return merged_release_graph(source)


@pytest.fixture(scope="session")
def built(source, tmp_path_factory):
    """The release files, built once per test session into a temporary folder."""
    paths, _ = build_release(source, tmp_path_factory.mktemp("build"))
    return paths


@pytest.fixture(scope="session")
def reference_components() -> list[dict[str, str]]:
    with open(DATA / "reference_components.tsv", encoding="utf-8") as fh:
        return list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))


def copy_ontology(dest: Path) -> Path:
    """A scratch copy of the ontology source, for tests that break or rewrite it."""
    target = dest / "ontology"
    shutil.copytree(default_ontology_dir(), target)
    return target


def owlapi_classpath() -> str | None:
    """Class path for Debian's OWLAPI 5 (libowlapi-java), or None when it is not installed."""
    if not (SHARE_JAVA / "owlapi-distribution.jar").exists():
        return None
    jars = [p for p in sorted(SHARE_JAVA.glob("*.jar"))
            if not any(x in p.name for x in _EXCLUDED_JARS) and not _versioned(p.name)]
    return ":".join(str(p) for p in jars)


def _versioned(name: str) -> bool:
    """Debian installs foo-1.2.3.jar plus a foo.jar link; keep only the links."""
    stem = name[:-4]
    parts = stem.rsplit("-", 1)
    return len(parts) == 2 and parts[1][:1].isdigit()


@pytest.fixture(scope="session")
def owlapi_checker(tmp_path_factory):
    """Compile tests/java/OwlApiCheck.java against OWLAPI; returns a function that runs it."""
    classpath = owlapi_classpath()
    javac, java = shutil.which("javac"), shutil.which("java")
    if classpath is None or javac is None or java is None:
        pytest.skip("needs javac and Debian's libowlapi-java (.ci/run installs both)")
    out = tmp_path_factory.mktemp("owlapi-classes")
    subprocess.run([javac, "-d", str(out), "-cp", classpath, str(JAVA_SRC)], check=True, capture_output=True)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([java, "-cp", f"{out}:{classpath}", "OwlApiCheck", *args],
                              check=False, capture_output=True, text=True, timeout=600)

    return run


@pytest.fixture(scope="session")
def examples(release_graph):
    from prc_kg.instances.examples import load_examples

    return load_examples(release_graph)


@pytest.fixture(scope="session")
def terms(release_graph):
    from prc_kg.ontology.terms import TermIndex

    return TermIndex(release_graph)


@pytest.fixture(scope="session")
def study_ratings(terms, tmp_path_factory) -> Path:
    """The example study (examples/study/ratings.csv) imported as `prc-kg import` writes it."""
    from prc_kg.instances.ratings import import_ratings

    ratings = tmp_path_factory.mktemp("ratings") / "example-study.nt"
    import_ratings(ROOT / "examples" / "study" / "ratings.csv", ratings, terms)
    return ratings


@pytest.fixture(scope="session")
def kg(study_ratings):
    """The whole graph built in memory through the Python API: ontology, examples, the imported
    example study, and the materialised inferences, as `prc-kg query` builds it without --store."""
    from prc_kg import KnowledgeGraph

    return KnowledgeGraph.from_sources(data=[study_ratings])


@pytest.fixture(scope="session")
def kg_store(kg):
    """The embedded store of ``kg``."""
    return kg.store


def run_library_query(store, name: str, **params: str):
    """Run a library query by name with parameters given as strings, as `prc-kg query` does."""
    from prc_kg.store.querylib import find_query

    q = find_query(name)
    return store.query(q.text, q.bindings(params))


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory) -> Path:
    """A persistent store as a user builds it: `prc-kg import` of the example study, then `prc-kg load`."""
    from prc_kg.cli.main import main

    tmp = tmp_path_factory.mktemp("cli-store")
    ratings = tmp / "example-study.nt"
    assert main(["import", str(ROOT / "examples" / "study" / "ratings.csv"), "--out", str(ratings)]) == 0
    assert main(["load", "--store", str(tmp / "store"), "--data", str(ratings)]) == 0
    return tmp / "store"


HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="session")
def hostile_views(release_graph, examples, tmp_path_factory):
    """The HTML views built from a graph whose labels and texts carry markup."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import RDFS

    from prc_kg.vocab import PRC, PRC_IRI

    ontology = release_graph.__class__()
    for triple in release_graph:
        ontology.add(triple)
    for term in (URIRef(PRC_IRI + name) for name in ("InterpretationOfDefense", "TherapeuticAlliance", "APS_PAT-PROD")):
        ontology.remove((term, RDFS.label, None))
        ontology.add((term, RDFS.label, Literal(HOSTILE)))
    data = examples.graph.__class__()
    for s, p, o in examples.graph:
        data.add((s, p, Literal(HOSTILE + "</script><script>alert(2)</script>") if p == PRC.text else o))
    tmp = tmp_path_factory.mktemp("hostile")
    from prc_kg.instances.ratings import import_ratings
    from prc_kg.ontology.terms import TermIndex
    from prc_kg.store.dataset import load_dataset
    from prc_kg.views.build import build_views

    ratings = tmp / "ratings.nt"
    import_ratings(ROOT / "examples" / "study" / "ratings.csv", ratings, TermIndex(release_graph))
    store, _ = load_dataset(ontology, data, [ratings])
    build_views(store, tmp / "html")
    return tmp / "html"


# -- Chromium, for the browser tests ----------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package: Playwright drives it, and downloads no browser of its own
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for one test module; CI must have it (.ci/run installs it), elsewhere the test skips."""
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (.ci/run does)")
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()
