"""The caches kept against the hashes of their inputs (paths.cache_dir()): gate outcomes
(checks/gatecache.py) and the store of the sources (store/storecache.py). Each kind of input change
must give a new run or a new store; an unchanged rerun (a touched file included) must reuse the old."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from prc_kg import KnowledgeGraph, paths
from prc_kg.checks import gatecache, gates
from prc_kg.checks.gatecache import GateSources
from prc_kg.checks.gates import ALL_SOURCES, Gate, GateInputs, Outcome, run_gates
from prc_kg.errors import PrcKgError
from prc_kg.fileio import filehash
from prc_kg.store import storecache
from prc_kg.store.backends import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
CQ01 = "cq01_session_intervention_types"


def _touch_later(path: Path) -> None:
    """A new mtime (and ctime), the same bytes: what `touch` or a checkout does to an unchanged file."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    """A cache folder of each test's own, so no test sees what another left."""
    monkeypatch.setenv(paths.CACHE_ENV_VAR, str(tmp_path / "own-cache"))
    monkeypatch.delenv("PRC_KG_NO_CACHE", raising=False)


# -- gate outcomes -------------------------------------------------------------------------------------

@pytest.fixture
def sources(tmp_path) -> GateSources:
    """Small stand-ins for every kind of gate input, each a real file or folder."""
    folders = {}
    for name in ("ontology", "shapes", "qc", "examples"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / f"{name}.txt").write_text(f"{name} v1\n", encoding="utf-8")
        folders[name] = folder
    files = {}
    for name in ("data", "allow", "corpora"):
        files[name] = tmp_path / f"{name}.nt"
        files[name].write_text(f"{name} v1\n", encoding="utf-8")
    return GateSources(folders["ontology"], folders["examples"], folders["shapes"], folders["qc"],
                       [files["data"]], [files["allow"]], [files["corpora"]])


class Counting:
    """A gate body that counts its runs and says what it saw."""

    def __init__(self):
        self.runs = 0

    def __call__(self, inputs: GateInputs) -> Outcome:
        self.runs += 1
        return Outcome(True, "fine", f"counted: run {self.runs}", ("a line",), ())


def _inputs() -> GateInputs:
    from rdflib import Graph

    return GateInputs(Graph(), Graph(), 0)


def test_an_unchanged_rerun_reuses_the_outcome_and_reads_no_input(sources):
    body = Counting()
    gate = Gate("counted", gates.INSTANCES, costly=True, run=body)
    first = run_gates([gate], _inputs, sources=sources)
    read = []
    second = run_gates([gate], lambda: read.append(1) or _inputs(), sources=sources)
    assert body.runs == 1 and not read, "the second run ran the gate or read its inputs"
    assert [r.cached for r in first.results + second.results] == [False, True]
    assert second.results[0].outcome == first.results[0].outcome  # lines and summary as the first run printed


@pytest.mark.parametrize("group", ALL_SOURCES)
def test_each_kind_of_input_change_reruns_the_gate_and_a_touch_does_not(sources, group):
    body = Counting()
    gate = Gate("counted", gates.INSTANCES, costly=True, run=body)
    run_gates([gate], _inputs, sources=sources)
    changed = Path(sources.groups()[group][0])
    _touch_later(changed)
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 1, f"touching the {group} file reran the gate"
    changed.write_text(f"{group} v2\n", encoding="utf-8")
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 2, f"a change to the {group} file did not rerun the gate"


def test_a_gate_reruns_only_for_the_sources_it_reads(sources):
    body = Counting()
    gate = Gate("counted", gates.INSTANCES, costly=True, run=body, reads=("examples",))
    run_gates([gate], _inputs, sources=sources)
    (sources.qc_dir / "qc.txt").write_text("another check\n", encoding="utf-8")
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 1


def test_a_new_file_in_a_folder_a_new_version_or_new_code_reruns_the_gate(sources, tmp_path, monkeypatch):
    body = Counting()
    gate = Gate("counted", gates.INSTANCES, costly=True, run=body)
    run_gates([gate], _inputs, sources=sources)
    (sources.examples_dir / "another.yaml").write_text("x: 1\n", encoding="utf-8")
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 2, "a new example file did not rerun the gate"

    monkeypatch.setattr(filehash, "__version__", "99.0")
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 3, "a new prc-kg version did not rerun the gate"

    installed = gatecache.versions(*gatecache.ENGINES)
    assert installed["version of pyshacl"] not in ("", "not found")
    monkeypatch.setattr(gatecache, "versions", lambda *names: {**installed, "version of pyshacl": "0.0.1"})
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 4, "another pySHACL did not rerun the gate"
    monkeypatch.setattr(gatecache, "versions", lambda *names: installed)
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 4, "back on the installed engines, the outcome kept for them was not reused"

    code = tmp_path / "code"
    shutil.copytree(paths.PACKAGE_DIR / "checks", code / "checks")
    monkeypatch.setattr(filehash, "CODE_ROOT", code)
    monkeypatch.setattr(filehash, "_code", {})
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 5
    monkeypatch.setattr(filehash, "_code", {})
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 5, "the same code reran the gate"
    (code / "checks" / "qc.py").write_text((code / "checks" / "qc.py").read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    monkeypatch.setattr(filehash, "_code", {})  # a new process: the code is hashed again
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 6, "a change in the checks' code did not rerun the gate"
    (code / "checks" / "privacy_data").mkdir(exist_ok=True)
    (code / "checks" / "privacy_data" / "towns.txt").write_text("Sometown\n", encoding="utf-8")
    monkeypatch.setattr(filehash, "_code", {})
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 7, "a new word list of the privacy check did not rerun the gate"
    (code / "views").mkdir()
    (code / "views" / "page.py").write_text("X = 1\n", encoding="utf-8")
    monkeypatch.setattr(filehash, "_code", {})
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 7, "a change in code the gates do not use (the views) reran the gate"


def test_the_release_stamp_reaches_only_the_gates_that_read_the_header(sources):
    qc_body, shacl_body = Counting(), Counting()
    qc = Gate("qc-like", gates.ONTOLOGY, costly=False, run=qc_body)
    shacl = Gate("shacl-like", gates.INSTANCES, costly=True, run=shacl_body)
    run_gates([qc, shacl], _inputs, sources=sources)
    released = GateSources(**{**sources.__dict__, "stamp": "2026-12-07 2026-12-07"})
    run_gates([qc, shacl], _inputs, sources=released)
    assert (qc_body.runs, shacl_body.runs) == (2, 1)


def test_a_crashed_gate_or_no_cache_is_never_reused(sources, monkeypatch):
    calls = []

    def crashing(inputs):
        calls.append(1)
        raise RuntimeError("boom")

    gate = Gate("crashing", gates.INSTANCES, costly=True, run=crashing)
    first = run_gates([gate], _inputs, sources=sources)
    run_gates([gate], _inputs, sources=sources)
    assert not first.ok and "RuntimeError: boom" in first.results[0].outcome.detail and len(calls) == 2

    body = Counting()
    counted = Gate("counted", gates.INSTANCES, costly=True, run=body)
    monkeypatch.setenv("PRC_KG_NO_CACHE", "1")
    run_gates([counted], _inputs, sources=sources)
    run_gates([counted], _inputs, sources=sources)
    assert body.runs == 2


def test_a_cache_entry_left_half_written_or_foreign_is_ignored(sources):
    body = Counting()
    gate = Gate("counted", gates.INSTANCES, costly=True, run=body)
    run_gates([gate], _inputs, sources=sources)
    (entry,) = (paths.cache_dir() / "gates").glob("*.json")
    entry.write_text('{"format": 1, "gate": "counted", "outc', encoding="utf-8")
    run_gates([gate], _inputs, sources=sources)
    assert body.runs == 2 and json.loads(entry.read_text(encoding="utf-8"))["gate"] == "counted"


@pytest.mark.slow
def test_validate_then_release_runs_shacl_once(tmp_path):
    """The shipped gates: validate runs them, then a release on the same sources reports SHACL's result
    as reused, and its outcome is the same."""
    from prc_kg.progress import reporting
    from prc_kg.release.bundle import assemble_release

    kg = KnowledgeGraph.open(cache=False)
    validation = kg.validate()
    assert validation.ok and not any(r.cached for r in validation.results)
    titles = []
    with reporting(lambda event: titles.append(getattr(event, "title", ""))):
        bundle = assemble_release(kg.sources()[0], corpora=())
    assert any(t.startswith(f"checking: {gates.SHACL.name} (inputs unchanged") for t in titles), titles
    shacl = next(c for c in bundle.checks if c.name == gates.SHACL.name)
    assert shacl.ok and shacl.detail == validation.results[-1].reason()
    again = kg.validate()
    assert all(r.cached for r in again.results) and again.lines() == validation.lines()


# -- the store of the sources --------------------------------------------------------------------------

def test_the_store_key_follows_the_bytes_of_every_source(tmp_path):
    ontology, examples = tmp_path / "ontology", tmp_path / "examples"
    shutil.copytree(ROOT / "ontology", ontology)
    shutil.copytree(ROOT / "examples", examples)
    data = tmp_path / "ratings.nt"
    data.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    key = storecache.store_key(ontology, examples, [data])
    for path in (ontology / "modules" / "core.ttl", examples / "cases" / "annie.yaml", data):
        _touch_later(path)
        assert storecache.store_key(ontology, examples, [data]) == key, f"touching {path.name} changed the key"
    assert storecache.store_key(ontology, examples, []) != key
    for path in (ontology / "modules" / "core.ttl", examples / "cases" / "annie.yaml", data):
        before = path.read_bytes()
        path.write_bytes(before + b"\n# edited\n")
        assert storecache.store_key(ontology, examples, [data]) != key, f"editing {path.name} kept the key"
        path.write_bytes(before)
        assert storecache.store_key(ontology, examples, [data]) == key


def _tiny(folder: Path, triple: str = "<urn:a> <urn:b> <urn:c> .\n") -> None:
    store = EmbeddedStore(folder)
    import pyoxigraph as ox

    store.ox.bulk_load(input=triple.encode(), format=ox.RdfFormat.N_TRIPLES)
    store.ox.flush()
    del store


def test_a_rival_that_publishes_the_same_store_first_wins_and_ours_is_dropped(tmp_path):
    data = tmp_path / "d.nt"
    data.write_text("x\n", encoding="utf-8")

    def rival_first(folder: Path) -> None:
        _tiny(folder, "<urn:ours> <urn:b> <urn:c> .\n")
        storecache.cached_store(None, None, [data], lambda f: _tiny(f, "<urn:rival> <urn:b> <urn:c> .\n"),
                                root=tmp_path / "cache")

    store, built = storecache.cached_store(None, None, [data], rival_first, root=tmp_path / "cache")
    assert not built and [str(t.subject) for t in store.ox] == ["<urn:rival>"]
    assert [p.name for p in (tmp_path / "cache" / "stores").iterdir()] == [store.path.name]


def test_a_failed_build_leaves_no_entry_and_nothing_half_built(tmp_path):
    def failing(folder: Path) -> None:
        _tiny(folder)
        raise SyntaxError("bad data file")

    with pytest.raises(SyntaxError):
        storecache.cached_store(None, None, [], failing, root=tmp_path / "cache")
    assert list((tmp_path / "cache" / "stores").iterdir()) == []
    store, built = storecache.cached_store(None, None, [], _tiny, root=tmp_path / "cache")
    assert built and len(store) == 1


def test_the_file_hash_record_is_reused_and_never_written_over_a_file_not_ours(tmp_path, monkeypatch):
    source = tmp_path / "a.ttl"
    source.write_text("x\n", encoding="utf-8")
    monkeypatch.setattr(filehash, "RACY_NS", -1)  # trust a record made at or after the file's last change
    hashed: list[Path] = []
    real = filehash.sha256_file
    monkeypatch.setattr(filehash, "sha256_file", lambda p: hashed.append(p) or real(p))

    ours = tmp_path / "ours" / filehash.MEMO_FILE
    ours.parent.mkdir()
    first = filehash.FileHasher(ours)
    first.digest(source)
    first.save()
    assert json.loads(ours.read_text(encoding="utf-8"))["made by"] == filehash.MEMO_MADE_BY
    assert filehash.FileHasher(ours).digest(source) == real(source) and len(hashed) == 1  # from the record

    for foreign in ('{"a user\'s": "settings"}', "not json at all", '["a", "list"]'):
        theirs = tmp_path / "theirs" / filehash.MEMO_FILE
        theirs.parent.mkdir(exist_ok=True)
        theirs.write_text(foreign, encoding="utf-8")
        hasher = filehash.FileHasher(theirs)
        assert hasher.digest(source) == real(source)
        hasher.save()
        assert theirs.read_text(encoding="utf-8") == foreign
        assert [p.name for p in theirs.parent.iterdir()] == [filehash.MEMO_FILE]  # no temporary file left


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_something_not_ours_under_the_entry_name_is_left_alone_and_named(tmp_path, kind):
    stores = tmp_path / "cache" / "stores"
    entry = stores / storecache.store_key(None, None, [])
    stores.mkdir(parents=True)
    if kind == "folder":
        entry.mkdir()
        (entry / "notes.txt").write_text("a user's file", encoding="utf-8")
    else:
        entry.write_text("a user's file", encoding="utf-8")

    with pytest.raises(PrcKgError, match=rf"{entry.name}: is in the way of the store cache.*--no-cache"):
        storecache.cached_store(None, None, [], _tiny, root=tmp_path / "cache")
    assert [p.name for p in stores.iterdir()] == [entry.name]  # no half-built folder left beside it
    kept = entry / "notes.txt" if kind == "folder" else entry
    assert kept.read_text(encoding="utf-8") == "a user's file"


@pytest.mark.slow
def test_a_graph_from_the_sources_builds_the_cache_once_and_answers_as_in_memory(tmp_path):
    data = tmp_path / "corpus.nt"
    shutil.copy(ROOT / "tests" / "data" / "utterances" / "search-demo.nt", data)
    first = KnowledgeGraph.from_sources(data=[data])
    second = KnowledgeGraph.from_sources(data=[data])
    memory = KnowledgeGraph.from_sources(data=[data], cache=False)
    assert (first.cache_built, second.cache_built, memory.cache_built) == (True, False, None)
    assert second.store.path == first.store.path and memory.store.path is None
    assert second.query(CQ01).to_csv() == memory.query(CQ01).to_csv() != ""
    assert len(second.store) == len(memory.store)
    assert [h.iri for h in second.search("drink")] == [h.iri for h in memory.search("drink")]

    _touch_later(data)
    assert KnowledgeGraph.from_sources(data=[data]).cache_built is False
    data.write_bytes(data.read_bytes() + b"<urn:x> <urn:y> <urn:z> .\n")
    changed = KnowledgeGraph.from_sources(data=[data])
    assert changed.cache_built is True and len(changed.store) == len(memory.store) + 1


@pytest.mark.slow
@pytest.mark.parametrize("how", [["--no-cache"], ["env"]])
def test_no_cache_builds_in_memory_and_leaves_the_cache_alone(tmp_path, how):
    env = {**os.environ, "PRC_KG_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT / "src")}
    if how == ["env"]:
        env["PRC_KG_NO_CACHE"], how = "1", []
    cached = subprocess.run([sys.executable, "-m", "prc_kg.cli", "query", CQ01, "-q", "--format", "csv", "--store",
                             str(tmp_path / "none")], capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert cached.returncode == 2  # (a missing --store folder is refused, as before)
    run = subprocess.run([sys.executable, "-m", "prc_kg.cli", "query", CQ01, *how, "-q", "--format", "csv"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert run.returncode == 0 and run.stdout.startswith("type,label,tos\n"), run.stderr
    assert not (tmp_path / "cache" / "stores").exists()


def test_a_query_from_the_cached_store_imports_no_rdflib_nor_view_code():
    """Every command builds the whole parser (viz's choices come from the view list, which must not pull
    in the page builders: networkx, igraph), and a query on the cached store runs through the modules
    below; rdflib (0.15-0.3 s to import) is for commands that parse the sources."""
    from prc_kg import vocab
    from prc_kg.prefixes import PREFIXES
    from prc_kg.views import registry, transcripts

    assert registry.FOLDER == transcripts.FOLDER and vocab.PREFIXES == PREFIXES
    probe = ("import sys; from prc_kg.cli.main import build_parser; build_parser(); "
             "import prc_kg.api, prc_kg.store.querylib, prc_kg.store.results, prc_kg.store.textindex, "
             "prc_kg.store.storecache, prc_kg.checks.gatecache, prc_kg.cli.tables; "
             "print(sorted({m.split('.')[0] if m.startswith(('rdflib', 'networkx', 'igraph')) else m for m in "
             "sys.modules if m.startswith(('rdflib', 'networkx', 'igraph', 'prc_kg.views.pages', 'prc_kg.store.dataset'))}))")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.slow
def test_a_cache_folder_that_cannot_be_made_builds_the_graph_in_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n", encoding="utf-8")
    monkeypatch.setenv(paths.CACHE_ENV_VAR, str(blocker / "cache"))
    kg = KnowledgeGraph.from_sources(data=[])
    assert kg.cache_built is None and kg.store.path is None and len(kg.query(CQ01)) > 0
