"""Commands on stores: loading, the query library, running queries, the SPARQL endpoint."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import PrcKgError
from .common import (
    EXIT_OK,
    check_outputs_of,
    default_data_dir,
    default_ratings,
    graph_for,
    http_url,
    number,
    ontology_and_examples,
    source_folders,
    store_for,
    whole,
    with_examples,
    with_ontology,
    with_store,
)


def cmd_load(args: argparse.Namespace) -> int:
    import tempfile
    import time

    import pyoxigraph as ox

    from ..fileio.rdfread import check_rdf
    from ..store.backends import RemoteStore
    from ..store.dataset import load_dataset
    from ..store.querylib import default_query_dir
    from ..store.storedir import check_target
    from ..store.textindex import indexed as text_index_summary

    extra, say = data_files(args)
    keep_apart = [*source_folders(args), ("queries folder", default_query_dir()),
                  *(("data file", path) for path in extra)]
    if args.store:  # a store folder is an output: never a source folder, inside one, or around an input
        check_outputs_of(args, folders=[args.store], inputs=extra)
    for path in extra:  # before any store is made or touched
        check_rdf(path)
    if args.store:  # only a store prc-kg made, or an empty folder, is replaced; checked again at the swap
        check_target(args.store, keep_apart)
    say()
    _, ontology, examples = ontology_and_examples(args)
    start = time.perf_counter()
    if args.endpoint:
        store, added = load_dataset(ontology, examples.graph, extra)
        with tempfile.TemporaryDirectory(prefix="prc-kg-push-") as tmp:
            dump = Path(tmp) / "dataset.nt"
            store.ox.dump(output=str(dump), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
            RemoteStore(args.endpoint).upload(dump, args.graph_store)
        print(f"pushed {len(store)} triples ({added} inferred) to {args.graph_store or args.endpoint} "
              f"in {time.perf_counter() - start:.1f} s")
        return EXIT_OK
    store, added = load_dataset(ontology, examples.graph, extra, args.store, keep_apart=keep_apart)
    print(f"loaded {len(store)} triples ({added} inferred) into {args.store} in {time.perf_counter() - start:.1f} s "
          f"from the ontology, {len(examples.files)} example files and {len(extra)} data files")
    indexed = text_index_summary(args.store)
    print(f"text index for `prc-kg search`: {indexed.turns} turns and {indexed.commentaries} commentaries")
    return EXIT_OK


def data_files(args: argparse.Namespace) -> tuple[list[Path], Callable[[], None]]:
    """The data files to load (--data, else the default folders: imported ratings, then imported
    corpora), and a function that names them on standard output, so a store built without them says so."""
    from ..api import utterances_dir

    if args.data is not None:
        line = f"data files: {_listing(args.data)}" if args.data else "data files: none (--data names none)"
        return list(args.data), lambda: print(line)
    found = default_ratings(args)
    folders = [default_data_dir(args), utterances_dir(getattr(args, "ontology", None))]
    lines = [f"data files from {folder}: {_listing([p.name for p in found if p.parent == folder])}"
             for folder in folders if any(p.parent == folder for p in found)]
    if not found:
        lines = [f"data files: none found in {folders[0]} or {folders[1]} (pass --data FILE … to load others)"]
    notes = []
    for folder in folders:
        here = Path("build") / folder.name
        missed = sorted(here.glob("*.nt")) if here.resolve() != folder.resolve() else []
        if missed:
            notes.append(f"prc-kg: note: {here} in the current folder holds {len(missed)} data file(s) that are not "
                         f"loaded ({_listing([p.name for p in missed])}): the default is {folder}; pass --data to "
                         "load them")

    def say() -> None:
        print("\n".join(lines))
        for note in notes:
            print(note, file=sys.stderr)
    return found, say


def _listing(items, limit: int = 10) -> str:
    names = [str(item) for item in items]
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def cmd_queries(args: argparse.Namespace) -> int:
    from ..store.querylib import load_library

    for name, q in load_library(args.queries).items():
        params = " ".join(f"{p.name}:{p.kind}" for p in q.params.values())
        print(f"{name:<40} {q.title}" + (f"  [{params}]" if params else ""))
    return EXIT_OK


STDIN = Path("<stdin>")
STDIN_LIMIT_MB = 1  # as a query file (querylib.read_query)


def query_source(name: str, stdin=None):
    """What ``prc-kg query`` runs: ``-`` reads the query from standard input (UTF-8; ``# title:`` and
    ``# param:`` lines optional), anything else is a library name or a query file (querylib.find_query)."""
    from ..errors import InputError
    from ..fileio.files import not_utf8
    from ..store.querylib import parse_query

    if name != "-":
        return name
    stream = stdin if stdin is not None else sys.stdin.buffer
    if stream.isatty():
        print("prc-kg: reading the query from standard input; end it with Ctrl-D", file=sys.stderr)
    raw = stream.read((STDIN_LIMIT_MB << 20) + 1)
    if len(raw) > STDIN_LIMIT_MB << 20:
        raise InputError(STDIN, f"more than {STDIN_LIMIT_MB} MB; expected a SPARQL query")
    if not raw.strip():
        raise InputError(STDIN, "nothing was read; expected a SPARQL query (e.g. `prc-kg query - < q.rq`)")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(STDIN, not_utf8(raw, exc.start), line=raw[: exc.start].count(b"\n") + 1) from None
    return parse_query(text, STDIN, title_required=False)


def cmd_query(args: argparse.Namespace) -> int:
    from ..store.querylib import parse_param_args

    params = parse_param_args(args.param)  # before standard input is read: a typo costs no typing
    rows = graph_for(args).library_query(query_source(args.name), **params)
    if args.format == "table" and rows.result.kind == "select":
        data = select_table(rows)
    else:
        data = rows.format_bytes(args.format)
    sys.stdout.flush()
    sys.stdout.buffer.write(data)  # bytes: CSV's CRLF and UTF-8 as the endpoint sends them
    sys.stdout.buffer.flush()
    return EXIT_OK


def select_table(rows) -> bytes:
    """A SELECT answer as a table for reading: IRIs as prefixed names, fitted to the terminal (tables.py)."""
    from ..store.querylib import short
    from .tables import plain_table, terminal_width

    lines = plain_table(rows.variables, [[short(t) for t in row] for row in rows.result.rows], terminal_width())
    return ("\n".join([*lines, f"({len(rows.result.rows)} rows)"]) + "\n").encode("utf-8")


def cmd_serve(args: argparse.Namespace) -> int:
    from ..endpoint.server import Limits, check_host, make_server

    try:  # before the store is built, so a refused address costs nothing
        check_host(args.host, args.allow_remote)
    except ValueError as exc:
        raise PrcKgError(str(exc)) from exc
    access_log = _access_log(args)  # before the store too: a log file that cannot be written costs nothing
    store = store_for(args)
    if not hasattr(store, "ox"):
        raise PrcKgError("serve needs the embedded store (--store DIR or the sources), not --endpoint")
    try:
        limits = Limits(args.timeout, args.max_rows, max_result_bytes=args.max_result_mb << 20,
                        max_connections=args.max_connections,
                        max_connections_per_client=min(args.max_connections_per_client, args.max_connections),
                        cache_mb=args.cache_mb, max_queries=args.max_queries)
        server = make_server(store.ox, args.host, args.port, limits, args.allow_remote, tuple(args.allowed_host),
                             store_path=args.store, cors=args.cors, access_log=access_log)
    except (ValueError, OSError) as exc:
        raise PrcKgError(f"cannot serve on {args.host}:{args.port}: {exc}") from exc
    host, port = server.server_address[:2]
    host = f"[{host}]" if ":" in host else host
    print(f"SPARQL endpoint on http://{host}:{port}/sparql ({len(store)} triples; read-only; "
          f"{args.timeout:g} s per query; at most {args.max_rows} rows or {args.max_result_mb} MiB). "
          "Ctrl-C stops it.", flush=True)
    with _stopped_by_signals(server):
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return EXIT_OK


@contextmanager
def _stopped_by_signals(server) -> Iterator[None]:
    """SIGTERM and Ctrl-C ask serve_forever to return instead of raising in the main thread: a raise can
    land inside a finaliser the collector runs there, where Python prints and drops it, and the server
    then outlived its kill (seen once in three runs on a busy machine)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame) -> None:
        threading.Thread(target=server.shutdown, name="prc-kg-serve-stop", daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _access_log(args: argparse.Namespace):
    """The access log `serve` writes: standard error, a file (appended to), or none."""
    from ..endpoint.server import AccessLog

    if args.no_access_log:
        return None
    if args.access_log is None:
        return AccessLog(None, args.log_queries)
    check_outputs_of(args, files=[args.access_log], inputs=[args.store] if args.store else [])
    try:
        stream = open(args.access_log, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - open while serving
    except OSError as exc:
        raise PrcKgError(f"cannot write the access log {args.access_log}: {exc.strerror}") from exc
    return AccessLog(stream, args.log_queries)


def register(sub) -> None:
    """Add this group's subcommands to the parser."""
    p = with_examples(with_ontology(sub.add_parser(
        "load", help="load ontology, examples and data into a persistent store or push them to an endpoint")))
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--store", type=Path,
                       help="folder of the persistent embedded store to (re)create: a new path, an empty folder or "
                            "a store made by `prc-kg load --store` (marked by its prc-kg-store.json)")
    group.add_argument("--endpoint", type=http_url,
                       help="SPARQL endpoint (http or https) to push to (Graph Store Protocol)")
    p.add_argument("--graph-store", type=http_url, default=None,
                   help="Graph Store Protocol URL when it is not ENDPOINT/../store")
    p.add_argument("--data", type=Path, nargs="*", default=None,
                   help="data files to add (default: *.nt in build/ratings and build/utterances beside the ontology "
                        "folder in use, i.e. the checkout's build/; build/ in the current folder when installed from "
                        "a wheel)")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("queries", help="list the query library with titles and parameters")
    p.add_argument("--queries", type=Path, default=None, help="query folder (default: queries/)")
    p.set_defaults(func=cmd_queries)

    p = with_store(with_examples(with_ontology(sub.add_parser(
        "query", help="run a library query, a query file or a query on standard input"))))
    p.add_argument("name", help="query name from `prc-kg queries`, a query file (.rq or .sparql; a '# title:' line "
                                "optional), or - to read the query from standard input")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="bind a query parameter")
    p.add_argument("--format", choices=["table", "csv", "tsv", "json", "turtle", "ntriples", "jsonld", "rdfxml"],
                   default="table",
                   help="table (for reading), or the SPARQL 1.1 results formats csv, tsv (terms in N-Triples form) and "
                        "json, byte for byte as `prc-kg serve` answers; a CONSTRUCT or DESCRIBE answer in turtle (with "
                        "the project's prefixes; also for table), ntriples, jsonld (also for json) or rdfxml")
    p.add_argument("--queries", type=Path, default=None, help="query folder (default: queries/)")
    p.set_defaults(func=cmd_query)

    p = with_examples(with_ontology(sub.add_parser("serve", help="a read-only SPARQL 1.1 endpoint on loopback")))
    p.add_argument("--store", type=Path, default=None, help="persistent store folder (default: built from the sources)")
    p.add_argument("--endpoint", type=http_url, default=None, help=argparse.SUPPRESS)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=whole(0, 65535), default=7878)
    p.add_argument("--timeout", type=number(0, 3600, open_low=True), default=10.0,
                   help="seconds a query may run (default 10)")
    p.add_argument("--max-rows", type=whole(1), default=10_000, help="rows returned at most (default 10000)")
    p.add_argument("--max-result-mb", type=whole(1, 4096), default=16,
                   help="MiB of an answer at most, in any format; longer answers are cut (default 16)")
    p.add_argument("--max-connections", type=whole(1, 4096), default=64,
                   help="connections served at once; as many more wait, the rest are answered 503 (default 64)")
    p.add_argument("--max-connections-per-client", type=whole(1, 4096), default=16,
                   help="connections one local user (told apart by uid on Linux) or one remote address may hold; "
                        "its others wait their turn (default 16)")
    p.add_argument("--max-queries", type=whole(0, 1024), default=0,
                   help="queries run at once, each in its own query process (default 0: two per core, at least four)")
    p.add_argument("--cache-mb", type=whole(0, 65536), default=64,
                   help="MiB of answers kept for repeated queries, answered again without running them while the "
                        "store is unchanged (default 64; 0 turns the cache off)")
    p.add_argument("--allow-remote", action="store_true", help="allow binding to a non-loopback address")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="a name (or NAME:PORT) clients may send in the Host header besides the bound address; "
                        "others are refused (421), against DNS rebinding")
    p.add_argument("--cors", action="store_true",
                   help="let web pages from any origin query the endpoint (CORS headers, preflight OPTIONS answered)")
    p.add_argument("--access-log", type=Path, default=None, metavar="FILE",
                   help="append the access log (a line per request: time, client, method, path, status, bytes, ms) "
                        "to FILE instead of standard error")
    p.add_argument("--no-access-log", action="store_true", help="write no access log")
    p.add_argument("--log-queries", action="store_true",
                   help="include each query's text in the access log (left out by default: queries can be private)")
    p.set_defaults(func=cmd_serve)
