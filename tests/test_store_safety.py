"""Folders prc-kg makes, never at the cost of the user's (issue 10): a store or release is swapped in
whole, a killed run leaves nothing the next run does not clean, and `load` finds the ratings beside
the sources from any folder.

The kills are real: `load` or `release` runs in a child process that is sent SIGKILL, either when
its temporary folder appears on disk, or at an exact step (the child wraps one function, such as
the folder exchange, and kills itself just before or after its n-th call). Whatever the moment,
after the next run there is no leftover and the folder at its name is the old one or the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DATA, ROOT, copy_ontology

from prc_kg.cli.main import main
from prc_kg.fileio.folders import clean_leftovers, exchange
from prc_kg.ontology.source import load_source
from prc_kg.release.bundle import RELEASE, assemble_release, write_release
from prc_kg.store.storedir import MARKER, read_marker

pytestmark = pytest.mark.slow  # loads and releases killed in child processes

EXTRA = "".join(f"<urn:prc-kg-test:s{i}> <urn:prc-kg-test:p> \"old store {i}\" .\n" for i in range(3))
COUNT_QUERY = "# title: count\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }\n"
# Run the CLI in a child that kills itself at one step: "before|after:TARGET:N" wraps TARGET
# (exchange: the one-step folder swap; move: os.rename and os.replace; unlink: os.unlink; fsync:
# os.fsync) and sends itself SIGKILL at its n-th call; "+no-exchange" makes the swap fall back
# to two renames, as on a system without renameat2.
KILLER = """
import os, signal, sys
import prc_kg.fileio.folders as folders
spec, argv = sys.argv[1], sys.argv[2:]
if spec.endswith("+no-exchange"):
    spec = spec[: -len("+no-exchange")]
    folders.exchange = lambda a, b: False
when, target, n = spec.split(":")
calls = [0]
def wrap(owner, name):
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        calls[0] += 1
        if when == "before" and calls[0] == int(n):
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if when == "after" and calls[0] == int(n):
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    setattr(owner, name, wrapper)
targets = {"exchange": [(folders, "exchange")], "move": [(os, "rename"), (os, "replace")],
           "unlink": [(os, "unlink")], "fsync": [(os, "fsync")]}
from prc_kg.cli.main import main
for owner, name in targets[target]:
    wrap(owner, name)
sys.exit(main(argv))
"""


def _child(argv: list[str], cwd: Path, spec: str | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-c", KILLER, spec, *argv] if spec else [sys.executable, "-m", "prc_kg.cli.main", *argv]
    return subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))


def _wait_for(proc: subprocess.Popen, ready, limit: float = 300.0) -> bool:
    """Poll (bounded) until ``ready()`` or the child ends; True when ready while it still runs."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        if ready():
            return True
        time.sleep(0.005)
    return False


def _temporaries(parent: Path, name: str) -> list[Path]:
    return sorted(parent.glob(f".{name}.new-*"))


def _count(store: Path, tmp: Path, capsys) -> tuple[int, str]:
    """The next run: `prc-kg query` on the store; the number of triples and what it said on stderr."""
    query = tmp / "count.rq"
    query.write_text(COUNT_QUERY, encoding="utf-8")
    capsys.readouterr()
    assert main(["query", str(query), "--store", str(store), "--format", "csv"]) == 0
    out = capsys.readouterr()
    return int(out.out.splitlines()[1]), out.err


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> tuple[Path, int, int]:
    """A store made by `load` with three extra triples (the old one), and the triple count of the
    store `load` makes without them (the new one)."""
    base = tmp_path_factory.mktemp("stores")
    extra = base / "extra.nt"
    extra.write_text(EXTRA, encoding="utf-8")
    assert main(["load", "--store", str(base / "old"), "--data", str(extra)]) == 0
    assert main(["load", "--store", str(base / "new"), "--data"]) == 0
    from prc_kg.store.backends import EmbeddedStore

    counts = [len(EmbeddedStore(base / name, read_only=True)) for name in ("old", "new")]
    assert counts[0] == counts[1] + 3
    return base / "old", counts[0], counts[1]


def _old_store(stores, tmp_path: Path) -> Path:
    parent = tmp_path / "w"
    parent.mkdir()
    shutil.copytree(stores[0], parent / "store")
    return parent / "store"


# -- kills during load ---------------------------------------------------------------------------------

MOMENTS = {  # name: (kill spec, which store the name holds after the next run)
    "before the exchange": ("before:exchange:1", "old"),
    "after the exchange": ("after:exchange:1", "new"),
    "while the old store is deleted": ("before:unlink:3", "new"),
    "between the two renames (no exchange)": ("before:move:2+no-exchange", "old"),
    "after the two renames (no exchange)": ("after:move:2+no-exchange", "new"),
}


@pytest.mark.parametrize("moment", MOMENTS)
def test_kill_at_each_step_of_the_swap_leaves_one_whole_store(moment, stores, tmp_path, capsys):
    spec, expected = MOMENTS[moment]
    store = _old_store(stores, tmp_path)
    proc = _child(["load", "--store", str(store), "--data"], tmp_path, spec)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL, out + err
    count, said = _count(store, tmp_path, capsys)
    assert count == {"old": stores[1], "new": stores[2]}[expected]
    assert sorted(os.listdir(store.parent)) == ["store"], said
    assert read_marker(store) is not None
    if "between the two renames" in moment:
        assert f"restored {store} from .store.old-{proc.pid}-" in said
    else:
        assert f"removed {store.parent}/.store." in said and f"left by process {proc.pid}, which has ended" in said


@pytest.mark.parametrize("when", ["as its temporary folder appears", "once the bulk load has written to it"])
def test_kill_while_the_new_store_is_filled_leaves_the_old_one(when, stores, tmp_path, capsys):
    store = _old_store(stores, tmp_path)
    proc = _child(["load", "--store", str(store), "--data"], tmp_path)
    temps = lambda: _temporaries(store.parent, "store")
    ready = (lambda: bool(temps())) if when.startswith("as") else (lambda: any(t.glob("*.sst") for t in temps()))
    killed = _wait_for(proc, ready)
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=600)
    count, said = _count(store, tmp_path, capsys)
    assert sorted(os.listdir(store.parent)) == ["store"], said
    assert count in (stores[1], stores[2])
    if killed:  # killed while still building: the old store stays, the partial new one is removed
        assert count == stores[1]


def test_next_load_restores_a_store_moved_aside_and_then_replaces_it(stores, tmp_path, capsys):
    store = _old_store(stores, tmp_path)
    proc = _child(["load", "--store", str(store), "--data"], tmp_path, "before:move:2+no-exchange")
    proc.communicate(timeout=600)
    assert not store.exists() and len(list(store.parent.glob(".store.old-*"))) == 1
    assert main(["load", "--store", str(store), "--data"]) == 0
    assert f"restored {store} from .store.old-{proc.pid}-" in capsys.readouterr().err
    assert sorted(os.listdir(store.parent)) == ["store"]
    assert _count(store, tmp_path, capsys)[0] == stores[2]


def test_sigterm_during_load_removes_the_new_store(stores, tmp_path, capsys):
    store = _old_store(stores, tmp_path)
    proc = _child(["load", "--store", str(store), "--data"], tmp_path)
    if not _wait_for(proc, lambda: bool(_temporaries(store.parent, "store"))):
        pytest.fail(f"load ended before its temporary store appeared: {proc.communicate()}")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 128 + signal.SIGTERM, out + err
    assert "Traceback" not in err
    assert sorted(os.listdir(store.parent)) == ["store"]  # nothing left, before any next run
    assert _count(store, tmp_path, capsys) == (stores[1], "")


def test_leftovers_of_live_runs_and_folders_without_the_marker_are_left_alone(stores, tmp_path, capsys):
    store = _old_store(stores, tmp_path)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    try:
        live = store.parent / f".store.new-{sleeper.pid}-abcdefgh"  # another load still building
        live.mkdir()
        (live / MARKER).write_text("{}", encoding="utf-8")
        foreign = store.parent / f".store.new-{ended.pid}-abcdefgh"  # named like ours, holds the user's file
        foreign.mkdir()
        (foreign / "notes.txt").write_text("mine", encoding="utf-8")
        _, said = _count(store, tmp_path, capsys)
        assert live.exists() and (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"
        assert f"left {foreign} in place" in said and str(live) not in said
    finally:
        sleeper.kill()
        sleeper.wait()


def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a", encoding="utf-8")
    (b / "y").write_text("b", encoding="utf-8")
    if not exchange(a, b):
        pytest.skip("this OS or file system cannot exchange two folders in one step (two renames are used)")
    assert sorted(os.listdir(a)) == ["y"] and sorted(os.listdir(b)) == ["x"]


# -- the default data files ------------------------------------------------------------------------------

def test_load_from_another_folder_finds_the_ratings_beside_the_sources(tmp_path, capsys):
    tree = tmp_path / "tree"
    onto = copy_ontology(tree)
    shutil.copytree(ROOT / "examples", tree / "examples")
    ratings = tree / "build" / "ratings" / "two_raters.nt"
    assert main(["import", str(DATA / "ratings" / "two_raters.csv"), "--ontology", str(onto), "--out",
                 str(ratings)]) == 0
    sources = ["--ontology", str(onto), "--examples", str(tree / "examples")]
    assert main(["load", "--store", str(tmp_path / "explicit"), *sources, "--data", str(ratings)]) == 0
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "build" / "ratings").mkdir(parents=True)
    (elsewhere / "build" / "ratings" / "stray.nt").write_text(EXTRA, encoding="utf-8")
    capsys.readouterr()
    cwd = os.getcwd()
    os.chdir(elsewhere)
    try:
        assert main(["load", "--store", str(tmp_path / "default"), *sources]) == 0
    finally:
        os.chdir(cwd)
    said = capsys.readouterr()
    assert f"data files from {tree / 'build' / 'ratings'}: two_raters.nt" in said.out
    assert "1 data files" in said.out
    assert ("build/ratings in the current folder holds 1 data file(s) that are not loaded (stray.nt)"
            in said.err)
    assert _count(tmp_path / "default", tmp_path, capsys)[0] == _count(tmp_path / "explicit", tmp_path, capsys)[0]
    bare = copy_ontology(tmp_path / "bare")
    assert main(["load", "--store", str(tmp_path / "none"), "--ontology", str(bare), "--data"]) == 0
    assert main(["load", "--store", str(tmp_path / "none"), "--ontology", str(bare)]) == 0
    assert f"data files: none found in {tmp_path / 'bare' / 'build' / 'ratings'}" in capsys.readouterr().out


# -- releases ------------------------------------------------------------------------------------------

def _verifies(folder: Path) -> str:
    """The release's date, after checking every file SHA256SUMS lists."""
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["date"]


@pytest.fixture(scope="module")
def bundle():
    return assemble_release(load_source(ROOT / "ontology"))


def test_release_refuses_a_folder_prc_kg_did_not_make(bundle, tmp_path):
    from prc_kg.errors import InputError

    folder = tmp_path / "out" / bundle.version.version
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match=r"holds 1 file or folder that prc-kg did not make \(notes\.txt\); "
                                         r"expected a release folder made by `prc-kg release`"):
        write_release(bundle, tmp_path / "out")
    assert os.listdir(folder) == ["notes.txt"] and os.listdir(tmp_path / "out") == [bundle.version.version]


def test_failed_write_leaves_the_old_release_folder_untouched(bundle, tmp_path, monkeypatch):
    folder = write_release(bundle, tmp_path / "out")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    before = {p.name: (p.stat().st_ino, p.read_bytes()) for p in folder.iterdir()}
    real_fsync, calls = os.fsync, []

    def full_disk(fd):
        calls.append(fd)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_release(bundle, tmp_path / "out")
    monkeypatch.undo()
    assert {p.name: (p.stat().st_ino, p.read_bytes()) for p in folder.iterdir()} == before
    assert os.listdir(tmp_path / "out") == [bundle.version.version]
    assert _verifies(folder) == bundle.version.date


RELEASE_KILLS = {
    "while files are written": "before:fsync:5",
    "between the two renames (no exchange)": "before:move:2+no-exchange",
}


@pytest.mark.parametrize("moment", RELEASE_KILLS)
def test_kill_during_release_keeps_a_release_that_verifies(moment, bundle, tmp_path, capsys):
    out = tmp_path / "out"
    folder = write_release(bundle, out)
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    proc = _child(["release", "--out", str(out), "--date", "2030-01-02"], tmp_path, RELEASE_KILLS[moment])
    stdout, stderr = proc.communicate(timeout=900)
    assert proc.returncode == -signal.SIGKILL, stdout + stderr
    capsys.readouterr()
    clean_leftovers(folder, RELEASE)  # what the next release run does first
    assert _verifies(folder) == bundle.version.date  # the old release, whole
    assert os.listdir(out) == [folder.name]
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    said = capsys.readouterr().err
    assert (f"restored {folder}" if "renames" in moment else f"left by process {proc.pid}, which has ended") in said
    write_release(bundle, out)  # the next run replaces it as usual
    assert _verifies(folder) == bundle.version.date and os.listdir(out) == [folder.name]
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_load_onto_a_named_pipe_is_refused(tmp_path, capsys):
    """Not a row of the bad-input table: its snapshot would block reading the pipe."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert main(["load", "--store", str(fifo), "--data"]) == 2
    assert f"{fifo}: is a file; expected a folder" in capsys.readouterr().err
    assert os.listdir(tmp_path) == ["fifo"] and fifo.is_fifo()


def test_load_onto_a_symbolic_link_to_nothing_is_refused(tmp_path, capsys):
    """Not a row of the bad-input table: its snapshot cannot read a link to nothing."""
    link = tmp_path / "link"
    link.symlink_to("nowhere")
    assert main(["load", "--store", str(link), "--data"]) == 2
    assert f"{link}: is a symbolic link to nothing (nowhere); expected a store made by" in capsys.readouterr().err
    assert os.listdir(tmp_path) == ["link"] and os.readlink(link) == "nowhere"


def test_load_store_dot_in_a_folder_of_ones_own_files_is_refused(tmp_path, capsys):
    """`--store .` once gave a traceback and left a 4 MB `..new-*` folder."""
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["load", "--store", ".", "--data"]) == 2
    finally:
        os.chdir(cwd)
    assert (".: is the current folder; expected a store made by `prc-kg load --store`, an empty folder or a new path"
            in capsys.readouterr().err)
    assert os.listdir(tmp_path) == ["notes.txt"]
