"""The check every command makes on its outputs before it does any work.

An output is written by moving a new file over the old name, so an output that names an input
replaces the input (`import X.csv --out X.csv` turned the ratings into N-Triples), and an output in
a source folder replaces or litters the sources (`build --out ontology` replaced the hand-written
main file). Paths are compared after resolving links and ``..``, and existing files by identity
(``os.path.samefile``), so a second name or a hard link for an input is caught too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .files import OutputError, check_regular_or_absent

ELSEWHERE = "write outputs outside the source folders (for example under build/)"


def _resolved(path: Path) -> Path:
    return Path(os.path.abspath(path)).resolve()


def _same_file(a: Path, b: Path) -> bool:
    if _resolved(a) == _resolved(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # either is missing: only the resolved names can be compared
        return False


def check_outputs(files: Iterable[Path] = (), folders: Iterable[Path] = (), inputs: Iterable[Path] = (),
                  sources: Iterable[tuple[str, Path]] = ()) -> None:
    """Refuse, naming both paths and what to do instead:

    * an output file that is the same file as an input, or lies inside a source folder;
    * an existing output file that is not a regular file (a link, a device, a FIFO, a folder);
    * an output folder that is a source folder, lies inside one, or contains one or an input.

    ``sources`` pairs what a folder is ("ontology folder") with its path.
    """
    inputs = [Path(p) for p in inputs]
    sources = [(what, Path(folder), _resolved(folder)) for what, folder in sources]
    for out in map(Path, folders):
        here = _resolved(out)
        for what, folder, there in sources:
            if here == there:
                raise OutputError(out, f"is the {what} this command reads; {ELSEWHERE}")
            if here.is_relative_to(there):
                raise OutputError(out, f"is inside the {what} {folder}, which this command reads; {ELSEWHERE}")
            if there.is_relative_to(here):
                raise OutputError(out, f"contains the {what} {folder}, which this command reads; choose an "
                                       "output folder that holds no sources (for example build/)")
        for given in inputs:
            if _resolved(given).is_relative_to(here):
                raise OutputError(out, f"contains the input {given}; choose an output folder that holds no inputs")
    for out in map(Path, files):
        for given in inputs:
            if _same_file(out, given):
                raise OutputError(out, f"is the same file as the input {given}; prc-kg never writes over its "
                                       "inputs: choose another output file")
        here = _resolved(out)
        for what, folder, there in sources:
            if here.is_relative_to(there):
                raise OutputError(out, f"is inside the {what} {folder}, which this command reads; {ELSEWHERE}")
        check_regular_or_absent(out)
