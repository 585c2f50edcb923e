"""Where the project's data lives: the ontology (modules, shapes, mappings, catalog), the query
library (and its QC checks), the examples (with the default item mapping and the privacy allow-list)
and CHANGELOG.md.

One place decides, so a normal ``pip install`` finds the same files as a checkout. In this order:

1. a folder chosen explicitly: ``prc-kg --project DIR`` (``chosen_project``) or the ``PRC_KG_PROJECT``
   environment variable;
2. the checkout the package runs from (an editable install or ``PYTHONPATH=src``): the folder above
   ``src/`` that holds ``ontology/prc-kg.ttl``, so edits to ``ontology/`` take effect at once;
3. the copy shipped inside the wheel as package data (``prc_kg/_project/``, copied there by setup.py).

Bottom layer: imports nothing from prc_kg but its errors.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError

ENV_VAR = "PRC_KG_PROJECT"
CACHE_ENV_VAR = "PRC_KG_CACHE"
NO_CACHE_ENV_VAR = "PRC_KG_NO_CACHE"
PACKAGED_FOLDER = "_project"  # inside the installed package; the name setup.py copies the data to
MARKER = Path("ontology") / "prc-kg.ttl"  # what makes a folder a prc-kg project
CHANGELOG_FILE = "CHANGELOG.md"
ITEM_MAPPING = Path("mappings") / "items.csv"  # below the examples folder

# The prc_kg package folder, however deep this module sits in it (prc_kg/paths.py or prc_kg/x/paths.py).
PACKAGE_DIR = Path(__file__).resolve().parents[len(__name__.split(".")) - 2]

_chosen: Path | None = None


def _checked(folder: Path, given_as: str) -> Path:
    """An explicitly chosen project folder, refused by name when it holds no ontology."""
    folder = Path(os.path.abspath(folder))
    if not folder.is_dir():
        raise InputError(folder, f"project folder not found (given as {given_as}); expected a folder "
                         f"holding {MARKER}, such as a prc-kg checkout")
    if not (folder / MARKER).is_file():
        raise InputError(folder, f"not a prc-kg project (given as {given_as}): {MARKER} is missing")
    return folder


@contextmanager
def chosen_project(folder: Path | None) -> Iterator[None]:
    """Use ``folder`` as the project while the block runs (``prc-kg --project DIR``); None: no choice.
    Restored afterwards, so one CLI call in a test or notebook does not change the next."""
    global _chosen
    before = _chosen
    if folder is not None:
        _chosen = _checked(folder, "--project")
    try:
        yield
    finally:
        _chosen = before


def checkout_dir() -> Path | None:
    """The checkout this package runs from (``ROOT/src/prc_kg``, with ``ROOT/ontology/prc-kg.ttl``), or None."""
    if PACKAGE_DIR.parent.name != "src":
        return None
    root = PACKAGE_DIR.parents[1]
    return root if (root / MARKER).is_file() else None


def packaged_dir() -> Path:
    """The copy of the project's data shipped inside the wheel."""
    return PACKAGE_DIR / PACKAGED_FOLDER


def project_dir() -> Path:
    """The project folder in use: chosen, else this checkout, else the wheel's copy (see the module text)."""
    if _chosen is not None:
        return _chosen
    env = os.environ.get(ENV_VAR)
    if env:
        return _checked(Path(env), f"{ENV_VAR}={env}")
    found = checkout_dir()
    if found is not None:
        return found
    if (packaged_dir() / MARKER).is_file():
        return packaged_dir()
    raise InputError(PACKAGE_DIR, f"no prc-kg project data found: not a checkout, and the package holds no "
                     f"{PACKAGED_FOLDER}/{MARKER}; pass --project DIR or set {ENV_VAR} to a prc-kg checkout")


def is_packaged() -> bool:
    """True when the data in use is the wheel's copy (read-only, inside site-packages)."""
    return project_dir() == packaged_dir()


def ontology_dir() -> Path:
    return project_dir() / "ontology"


def shapes_dir() -> Path:
    return ontology_dir() / "shapes"


def queries_dir() -> Path:
    return project_dir() / "queries"


def qc_dir() -> Path:
    return queries_dir() / "qc"


def examples_dir() -> Path:
    return project_dir() / "examples"


def item_mapping() -> Path:
    """The default item mapping of ``prc-kg import``."""
    return examples_dir() / ITEM_MAPPING


def changelog() -> Path:
    return project_dir() / CHANGELOG_FILE


def build_dir() -> Path:
    """Where default outputs that later commands read go (``build/ratings``): beside the project
    folder of a checkout or a chosen project, so the same command finds the same files from any
    folder; ``build/`` in the current folder when the data is the wheel's copy, never inside
    site-packages."""
    return Path("build") if is_packaged() else project_dir() / "build"


def cache_dir() -> Path:
    """Where results kept against the hashes of their inputs go (stores, gate runs, reasoner answers):
    ``PRC_KG_CACHE`` if set; else ``build/cache`` of a checkout or chosen project (git ignores
    ``build/``); else, for the wheel's read-only copy, ``$XDG_CACHE_HOME/prc-kg`` (``~/.cache/prc-kg``).
    Everything in it may be deleted at any time: it is rebuilt on the next use."""
    env = os.environ.get(CACHE_ENV_VAR)
    if env:
        return Path(os.path.abspath(env))
    if not is_packaged():
        return project_dir() / "build" / "cache"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "prc-kg"


def caches_disabled() -> bool:
    """``PRC_KG_NO_CACHE`` set to anything but empty or 0: nothing is taken from ``cache_dir()`` or
    kept there (the store of the sources, the gates, HermiT's answers), so every step runs."""
    return os.environ.get(NO_CACHE_ENV_VAR, "") not in ("", "0")
