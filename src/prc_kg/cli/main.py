"""The ``prc-kg`` command: argument parsing only. Each command group lives in its own module
(``cli_ontology``, ``cli_data``, ``cli_sparql``, ``cli_viz``); the work is done by the library."""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .. import paths
from ..errors import InputError, JavaMissingError, PrcKgError
from . import corpus as cli_corpus
from . import corpus_import as cli_corpus_import
from . import data as cli_data
from . import diff as cli_diff
from . import ontology as cli_ontology
from . import search as cli_search
from . import sparql as cli_sparql
from . import viz as cli_viz
from .common import EXIT_FAILED, EXIT_INPUT, EXIT_NO_JAVA


def package_version() -> str:
    """The installed package's version (importlib.metadata); a checkout run without installing says so."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("prc-kg")
    except PackageNotFoundError:
        return "unknown (not installed: run from a checkout without `pip install`)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prc-kg", description="Knowledge graph of the psychotherapy process.")
    parser.add_argument("--project", type=Path, default=None,
                        help="project folder holding ontology/, queries/, examples/ and CHANGELOG.md (default: "
                             f"${paths.ENV_VAR}, else the checkout prc-kg runs from, else the copy installed with it)")
    parser.add_argument("--version", action="version", version=f"prc-kg {package_version()}",
                        help="print the version of prc-kg and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (cli_ontology, cli_data, cli_corpus_import, cli_sparql, cli_search, cli_viz, cli_corpus, cli_diff):
        group.register(sub)
    for command in sub.choices.values():  # every command: its steps on stderr (cli/progress.py) unless quiet
        command.add_argument("-q", "--quiet", action="store_true",
                             help="print no progress on standard error (results and errors still come)")
    return parser


# Output paths checked before any work, so a folder given where a file belongs (or the reverse) is
# refused at once and leaves nothing half-written.
OUTPUT_FILES = {"import": "out", "import-utterances": "out", "export-ratings": "out", "generate-study": "out",
                "qc": "report"}
OUTPUT_FOLDERS = {"build": "out", "load": "store"}


def check_output_paths(args: argparse.Namespace) -> None:
    """Refuse an output file that is a folder, an output folder that is a file, or a path below a file."""
    for table, want_folder in ((OUTPUT_FILES, False), (OUTPUT_FOLDERS, True)):
        path = getattr(args, table.get(args.command, ""), None)
        if path is None:
            continue
        path = Path(path)
        if path.is_dir() and not want_folder:
            raise InputError(path, "is a folder; expected the name of a file to write")
        if path.exists() and not path.is_dir() and want_folder:
            raise InputError(path, "is a file; expected a folder")
        above = next((p for p in path.parents if p.exists()), None)
        if above is not None and not above.is_dir():
            raise InputError(path, f"{above} is a file, so no folder can be made for this path")


def _os_message(exc: OSError) -> str:
    """``path: reason`` for a refused file operation (read-only folder, missing folder, no space)."""
    if exc.filename is None:
        return str(exc)
    path = Path(str(exc.filename))
    staged = re.fullmatch(r"\.(.+)\.[^.]+\.tmp", path.name)  # the temporary file an output is written to first
    name = path.with_name(staged.group(1)) if staged else path
    target = f" -> {exc.filename2}" if exc.filename2 else ""
    return f"{name}{target}: {exc.strerror or exc}"


def _terminated(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


def _default_sigterm_in_child() -> None:
    """Processes forked from prc-kg (the endpoint's query workers) die on SIGTERM as before."""
    if signal.getsignal(signal.SIGTERM) is _terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_default_sigterm_in_child)


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """SIGTERM (``kill``, a service manager, a CI timeout) raises SystemExit as Ctrl-C raises
    KeyboardInterrupt, so every ``finally`` runs and no temporary file or folder is left behind.
    Only where no handler is set already (an embedding program keeps its own), in the main thread."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL):
        yield
        return
    signal.signal(signal.SIGTERM, _terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with _sigterm_raises():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from ..progress import reporting
    from .progress import listener_for

    steps = listener_for(getattr(args, "quiet", False))
    try:
        with paths.chosen_project(args.project), reporting(steps):
            check_output_paths(args)
            return args.func(args)
    except JavaMissingError as exc:
        print(f"prc-kg: {exc}", file=sys.stderr)
        return EXIT_NO_JAVA
    except InputError as exc:
        print(f"prc-kg: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except PrcKgError as exc:
        print(f"prc-kg: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"prc-kg: {_os_message(exc)}", file=sys.stderr)
        return EXIT_INPUT
    except SyntaxError as exc:  # pyoxigraph's complaint about an RDF data file; it names the file and line
        print(f"prc-kg: RDF syntax error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    finally:
        if steps is not None:
            steps.close()


if __name__ == "__main__":
    sys.exit(main())
