"""The ``prc-kg`` command: argument parsing only. Each command group lives in its own module
(``cli_ontology``, ``cli_data``, ``cli_sparql``, ``cli_viz``); the work is done by the library."""

from __future__ import annotations

import argparse
import sys

from . import cli_data, cli_ontology, cli_sparql, cli_viz
from .cli_common import EXIT_FAILED, EXIT_INPUT, EXIT_NO_JAVA
from .errors import InputError, JavaMissingError, PrcKgError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prc-kg", description="Knowledge graph of the psychotherapy process.")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (cli_ontology, cli_data, cli_sparql, cli_viz):
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
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


if __name__ == "__main__":
    sys.exit(main())
