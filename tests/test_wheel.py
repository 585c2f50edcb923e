"""prc-kg installed from a wheel, as a user gets it with a normal `pip install`: the sdist is built
from the sources, the wheel from the sdist, and the wheel installed into a fresh venv outside the
checkout; the commands run there, from an empty folder, must find the ontology, the query library
and the examples shipped inside the package, and write their default outputs to the current folder.

No network: the build uses the running venv's setuptools (--no-build-isolation, --no-index), and the
fresh venv reuses the running venv's installed dependencies through a .pth file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

# What the sdist is built from: the checkout without its build outputs, caches and tests.
_NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "build", "dist", "__pycache__", "*.egg-info",
                                      ".pytest_cache", ".ruff_cache", "tests", "benchmarks")
QUERY = "cq01_session_intervention_types"


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def _setuptools_builds_wheels() -> bool:
    """setuptools 70.1 or later builds wheels on its own (older ones need the separate `wheel` package)."""
    try:
        import setuptools
    except ImportError:
        return False
    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from the sdist, which is built from a copy of the sources (the build writes
    egg-info and build/ beside setup.py: never into the checkout)."""
    if not _setuptools_builds_wheels():
        pytest.fail("building the wheel offline needs setuptools>=70.1 in this venv: pip install -e '.[test]'")
    base = tmp_path_factory.mktemp("wheel-build")
    sources = base / "sources"
    shutil.copytree(ROOT, sources, ignore=_NOT_SOURCES)
    dist = base / "dist"
    _run([sys.executable, "-c", f"from setuptools import build_meta; build_meta.build_sdist({str(dist)!r})"],
         cwd=sources)
    (sdist,) = dist.glob("prc_kg-*.tar.gz")
    with tarfile.open(sdist) as tar:
        tar.extractall(base / "unpacked", filter="data")
    (unpacked,) = (base / "unpacked").iterdir()
    for needed in ("ontology/prc-kg.ttl", "queries/qc", "examples/mappings/items.csv", "CHANGELOG.md", "setup.py"):
        assert (unpacked / needed).exists(), f"the sdist lacks {needed}"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index", "--no-build-isolation",
          "-w", str(base / "wheels"), f"./{unpacked.name}"], cwd=base / "unpacked")
    (built,) = (base / "wheels").glob("prc_kg-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv outside the checkout with the wheel installed; the dependencies are the running
    venv's (a .pth file), the checkout's src/ is not on its path."""
    folder = tmp_path_factory.mktemp("wheel-venv") / "venv"
    assert ROOT not in folder.parents
    _run([sys.executable, "-m", "venv", "--without-pip", str(folder)], cwd=folder.parent)
    python = folder / "bin" / "python"
    purelib = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                        cwd=folder.parent, env=_env(folder)).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *sys.path}
    checkout = [ROOT / "src", ROOT / "tests"]  # the running venv may itself live in the checkout (.venv)
    deps = sorted(p for p in ours if p and Path(p).is_dir() and Path(p).resolve() != ROOT
                  and not any(Path(p).resolve().is_relative_to(c) for c in checkout))
    (purelib / "zz-test-dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
         cwd=folder.parent)
    return folder


def _env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PRC_KG_PROJECT", "PYTHONHOME")}
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture
def prc_kg(venv, tmp_path):
    """Run the installed ``prc-kg`` from an empty folder outside the checkout; returns (stdout, folder)."""
    work = tmp_path / "work"
    work.mkdir()

    def run(*args: str) -> str:
        return _run([str(venv / "bin" / "prc-kg"), *args], cwd=work, env=_env(venv)).stdout
    run.cwd = work
    return run


def test_the_installed_package_is_the_wheels_not_the_checkouts(venv, tmp_path):
    code = ("import prc_kg, prc_kg.paths as p; print(prc_kg.__file__); print(p.project_dir()); "
            "print(p.is_packaged())")
    out = _run([str(venv / "bin" / "python"), "-c", code], cwd=tmp_path, env=_env(venv)).stdout.splitlines()
    assert Path(out[0]).is_relative_to(venv), out
    assert Path(out[1]).is_relative_to(venv) and out[2] == "True", out


def test_summary_is_the_checkouts(prc_kg):
    here = _run([sys.executable, "-m", "prc_kg.cli.main", "summary"], cwd=ROOT,
                env=dict(os.environ, PYTHONPATH=str(ROOT / "src"))).stdout
    assert prc_kg("summary") == here


def test_queries_lists_the_library(prc_kg):
    listed = {line.split()[0] for line in prc_kg("queries").splitlines() if line.strip()}
    assert listed == {p.stem for p in (ROOT / "queries").glob("*.rq")}


def test_query_gets_rows(prc_kg):
    lines = prc_kg("query", QUERY, "--format", "csv").splitlines()
    assert len(lines) > 1, lines


def test_viz_writes_the_pages(prc_kg, tmp_path):
    prc_kg("viz", "--out", str(tmp_path / "html"))
    assert "<html" in (tmp_path / "html" / "index.html").read_text(encoding="utf-8").lower()


def test_import_writes_to_build_in_the_current_folder_where_query_finds_it(prc_kg, venv):
    """The default data folder is ./build/ratings, never inside site-packages."""
    small = prc_kg.cwd / "small.csv"
    small.write_text("".join((ROOT / "examples" / "study" / "ratings.csv").open(encoding="utf-8").readlines()[:9]),
                     encoding="utf-8")
    prc_kg("import", "small.csv")  # the default item mapping is the one shipped in the wheel
    written = prc_kg.cwd / "build" / "ratings" / "small.nt"
    subject = written.read_text(encoding="utf-8").split()[0]
    (prc_kg.cwd / "about.rq").write_text(f"# title: what the imported data says of one subject\n"
                                              f"SELECT ?p ?o WHERE {{ {subject} ?p ?o }}\n", encoding="utf-8")
    assert len(prc_kg("query", "about.rq", "--format", "csv").splitlines()) > 1
    assert not [p for p in venv.rglob("build") if p.is_dir()], "an output went inside the venv"
