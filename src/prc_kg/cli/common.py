"""What the command groups share: exit codes, the common options, and loading the sources."""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
from collections.abc import Callable, Iterable
from pathlib import Path

# 4: a time limit (reason --timeout) stopped the work before it could say yes or no.
EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_NO_JAVA, EXIT_TIMEOUT = 0, 1, 2, 3, 4


def whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type for a whole number in [low, high]: a negative count or port is refused by
    name rather than producing an empty study or a confusing socket error."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            span = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"expected a whole number {span}, got {text!r}")
        return value
    return parse


def number(low: float | None = None, high: float | None = None, *, open_low: bool = False,
           open_high: bool = False) -> Callable[[str], float]:
    """An argparse type for a finite number in a range (each end included unless open; None: no
    bound): NaN or a zero time limit would otherwise be accepted and fail later, or silently."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = math.isfinite(value)
        if ok and low is not None:
            ok = value > low if open_low else value >= low
        if ok and high is not None:
            ok = value < high if open_high else value <= high
        if not ok:
            bounds = []
            if low is not None:
                bounds.append(f"{'above' if open_low else 'at least'} {low:g}")
            if high is not None:
                bounds.append(f"{'below' if open_high else 'at most'} {high:g}")
            raise argparse.ArgumentTypeError(f"expected a finite number{' ' if bounds else ''}"
                                             f"{' and '.join(bounds)}, got {text!r}")
        return value
    return parse


def http_url(text: str) -> str:
    """An argparse type for an endpoint or graph-store URL: http(s) only, so ``file:///etc/passwd``
    is refused by name instead of being read and echoed as a query answer."""
    from ..store.backends import check_http_url

    try:
        return check_http_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def write_rows(columns: list[str], rows: list[list], fmt: str) -> None:
    """Rows on standard output: a table for reading (floats to three places; fitted to the terminal,
    see tables.py), or CSV or JSON (a list of objects) for programs."""
    if fmt == "json":
        print(json.dumps([dict(zip(columns, r)) for r in rows], indent=1, ensure_ascii=False))
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        print(buf.getvalue(), end="")
        return
    from rich.console import Console
    from rich.table import Column, Table
    from rich.text import Text

    from .tables import boxed_widths, shown, terminal_width

    header = [shown(c) for c in columns]
    cells = [[shown("" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)) for v in r] for r in rows]
    width = terminal_width()
    widths = boxed_widths(header, cells, width)
    # Text, not str: a label holding "[bold]" is data, not rich markup; cut cells end in "…"
    table = Table(*(Column(Text(h), width=w, no_wrap=True, overflow="ellipsis") for h, w in zip(header, widths)))
    for r in cells:
        table.add_row(*map(Text, r))
    Console(width=width or sum(widths) + 3 * len(widths) + 1, soft_wrap=False).print(table)


def with_ontology(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--ontology", type=Path, default=None,
                   help="folder holding prc-kg.ttl and catalog-v001.xml (default: the project's ontology/, see --project)")
    return p


def with_examples(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--examples", type=Path, default=None,
                   help="folder of example YAML files (default: the project's examples/, see --project)")
    return p


def with_allow(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--allow", type=Path, action="append", default=[], metavar="FILE",
                   help="a further allow-list of pseudonyms (one a line), besides the examples folder's "
                        "privacy-allowlist.txt; may be repeated")
    return p


def with_store(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("--store", type=Path, default=None, help="persistent embedded store folder (see `load`)")
    p.add_argument("--endpoint", type=http_url, default=None,
                   help="a SPARQL 1.1 query endpoint URL (http or https) instead of the embedded store")
    p.add_argument("--no-cache", action="store_true",
                   help="without --store: build the graph from the sources in memory instead of reusing the store "
                        "cached for them (also PRC_KG_NO_CACHE=1)")
    return p


def source_of(args: argparse.Namespace):
    from ..ontology.source import load_source

    return load_source(args.ontology)


def ontology_and_examples(args: argparse.Namespace):
    """The ontology source, its merged release graph and the examples (see api.KnowledgeGraph.sources)."""
    return graph_for(args).sources()


def graph_for(args: argparse.Namespace):
    """The knowledge graph a command works on (api.KnowledgeGraph.open): --endpoint, --store DIR, or
    the graph built in memory from the sources, opened on first use."""
    from ..api import KnowledgeGraph

    return KnowledgeGraph.open(ontology=getattr(args, "ontology", None), examples=getattr(args, "examples", None),
                               store=getattr(args, "store", None), endpoint=getattr(args, "endpoint", None),
                               queries=getattr(args, "queries", None),
                               cache=False if getattr(args, "no_cache", False) else None)


def default_data_dir(args: argparse.Namespace) -> Path:
    """``build/ratings`` beside the sources in use (see api.data_dir)."""
    from ..api import data_dir

    return data_dir(getattr(args, "ontology", None))


def default_ratings(args: argparse.Namespace) -> list[Path]:
    """The data files loaded when --data is not given: ``*.nt`` in ``default_data_dir``."""
    from ..api import default_data_files

    return default_data_files(getattr(args, "ontology", None))


def store_for(args: argparse.Namespace):
    """The store a query runs on: --endpoint, --store DIR, or the graph built in memory from the sources."""
    return graph_for(args).store


class Progress:
    """A bar for a long import (bytes read), drawn on standard error by the command's progress listener
    (cli/progress.py: a bar on a terminal, a line at start and end in a log, nothing with --quiet);
    a file under 5 MB reads in moments and gets none."""

    def __init__(self, title: str, total: int):
        self.title, self.total, self._step = title, total, None

    def __enter__(self) -> Callable[[int], None]:
        if self.total < 5_000_000:
            return lambda n: None
        from ..progress import step

        self._step = step(self.title, self.total)
        return self._step.__enter__()

    def __exit__(self, *exc) -> None:
        if self._step is not None:
            self._step.__exit__(*exc)


def source_folders(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """The source folders a command reads, given or default: its --ontology, --examples and --queries."""
    from ..instances.examples import default_examples_dir
    from ..ontology.source import default_ontology_dir
    from ..store.querylib import default_query_dir

    found: list[tuple[str, Path]] = []
    if hasattr(args, "ontology"):
        found.append(("ontology folder", args.ontology or default_ontology_dir()))
    if hasattr(args, "examples"):
        found.append(("examples folder", args.examples or default_examples_dir()))
    if hasattr(args, "queries"):  # the QC checks default to queries/qc, inside the library's folder
        found.append(("queries folder", args.queries or default_query_dir()))
    return found


def ontology_files(args: argparse.Namespace) -> list[Path]:
    """The ontology's main file and the module files its catalog names (some may lie outside the folder)."""
    from ..api import ontology_files as files_of

    return files_of(args.ontology) if hasattr(args, "ontology") else []


def check_outputs_of(args: argparse.Namespace, files: Iterable[Path] = (), folders: Iterable[Path] = (),
                     inputs: Iterable[Path] = (), sources: Iterable[tuple[str, Path]] = ()) -> None:
    """Before any work: refuse outputs that are inputs, lie in the source folders in use, or are not
    regular files (see outputs.check_outputs)."""
    from ..fileio.outputs import check_outputs

    files, folders = list(files), list(folders)
    if not files and not folders:
        return
    check_outputs(files, folders, [*inputs, *ontology_files(args)], [*source_folders(args), *sources])
