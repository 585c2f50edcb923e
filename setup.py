"""Build hook: the project's data travels inside the wheel as package data.

setuptools packages only files below src/prc_kg/, but the ontology, the query library, the examples
and CHANGELOG.md live at the top of the repository (where editors, Protégé and the docs expect them).
This copies them into ``prc_kg/_project/`` of the build tree, where ``prc_kg.paths`` finds them when
the package is installed from a wheel. The sdist carries the same files (MANIFEST.in), so a wheel
built from the sdist holds them too. An editable install reads them in place and copies nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
TARGET = Path("prc_kg") / "_project"  # prc_kg.paths.PACKAGED_FOLDER
FOLDERS = ("ontology", "queries", "examples")
SUFFIXES = {".ttl", ".xml", ".tsv", ".rq", ".yaml", ".csv", ".txt", ".md"}  # keep in step with MANIFEST.in
FILES = ("CHANGELOG.md",)


def project_files() -> list[Path]:
    """The data files to ship, relative to the repository root; hidden files and stray suffixes left out."""
    found = [Path(name) for name in FILES]
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            rel = path.relative_to(ROOT)
            if path.is_file() and path.suffix in SUFFIXES and not any(p.startswith(".") for p in rel.parts):
                found.append(rel)
    missing = [str(p) for p in (Path("ontology") / "prc-kg.ttl", *map(Path, FILES)) if not (ROOT / p).is_file()]
    if missing:
        raise SystemExit(f"prc-kg build: {', '.join(missing)} missing below {ROOT}; "
                         "build from a checkout or from the sdist")
    return found


class build_py_with_project(build_py):
    """build_py, then the project's data copied into the package (not for editable installs)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / TARGET
        if target.exists():  # a build folder left from an earlier build: no stale files in the wheel
            shutil.rmtree(target)
        for rel in project_files():
            self.mkpath(str((target / rel).parent))
            self.copy_file(str(ROOT / rel), str(target / rel))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        return outputs + [str(Path(self.build_lib) / TARGET / rel) for rel in project_files()]


setup(cmdclass={"build_py": build_py_with_project})
