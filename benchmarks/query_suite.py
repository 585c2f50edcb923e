"""Benchmark: the whole query library on rdflib, the prc-kg store, raw pyoxigraph and Oxigraph server.

Usage: python benchmarks/query_suite.py [--sizes 10k 100k 1M] [--load-only 5M] [--repeats 3]
                                        [--rdflib-budget 120] [--rdflib-max 1M] [--seed 1]

For every corpus size (made and cached by ``benchmarks/corpus.py``: ontology + examples + synthetic
ratings + materialised inferences, as N-Triples) it starts one worker process per engine, each of
which loads the corpus and reports its load time and its resident memory before and after loading:

- ``rdflib``: ``Graph().parse(corpus.nt)``, then ``g.query(text)`` with the parameters bound by the
  same VALUES block the prc-kg store uses (``prc_kg.store.backends.bind_with_values``) — the baseline;
- ``ours``: ``prc_kg.store.backends.EmbeddedStore()`` (in memory) with ``load_file`` and
  ``store.query(q.text, q.bindings({}))``, rows converted to tuples of terms, as `prc-kg query` does;
- ``pyoxigraph``: raw ``pyoxigraph.Store()``, ``bulk_load`` and ``store.query(text)`` with the same
  VALUES-bound text, solutions iterated without converting them — no prc-kg code in the worker.
  (pyoxigraph's own ``substitutions=`` cannot be used instead: it only accepts variables that are
  in the SELECT projection, and the library's parameters mostly are not);
- ``server``: the ``oxigraph`` binary, when present: ``oxigraph load --location DIR --file
  corpus.nt`` (timed), then ``oxigraph serve --location DIR --bind 127.0.0.1:PORT`` on a free
  loopback port, queried through ``prc_kg.store.backends.RemoteStore``; stopped at the end.

Then every query of ``load_library()`` (read at run time, default parameters) runs REPEATS times on
every engine, interleaved (repeat, query, engine) so that drift hits all engines alike; per-query
and whole-suite times are medians over the repeats. rdflib gets a budget per query run: a run that
exceeds it is killed with its worker (which is restarted for the remaining queries) and recorded as
"> budget"; that query is not repeated, nor run on rdflib at the larger sizes of the same run
(rdflib's time only grows with the data), and suite totals and ratios that include it are bounds.
rdflib is skipped above ``--rdflib-max`` (default 1M: at 5M it needs minutes to parse and many GiB).

At the largest size (or ``--reopen-sizes``) a persistent ``EmbeddedStore(path)`` is loaded, flushed
and optimised, then reopened in fresh processes (read-write and read-only), timing the open and the
first query. Every loop is bounded and every socket is on loopback.

Output: Markdown tables on stdout (with the command used) and a JSON file under build/bench/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus as corpus_mod

ENGINES = ("rdflib", "ours", "pyoxigraph", "server")
VARIANTS = {engine: (engine,) for engine in ENGINES}  # one timed variant per engine
LOAD_TIMEOUT_S = 1800  # loading one corpus into one engine
SAFETY_BUDGET_S = 600  # any single query run on the Oxigraph engines
MIB = 2**20


# ================================================================================================
# worker side: one process per engine, driven by JSON lines on stdin/stdout
# ================================================================================================

def _encode(term) -> dict:
    from prc_kg.store.results import term_to_json

    return term_to_json(term)


def _decode(data: dict):
    from prc_kg.store.backends import term_from_json

    return term_from_json(data)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, server: subprocess.Popen, timeout: float = 120.0) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with {server.returncode}")
        try:
            req = urllib.request.Request(url, data=b"ASK {}", method="POST",
                                         headers={"Content-Type": "application/sparql-query"})
            with urllib.request.urlopen(req, timeout=5) as resp:
                resp.read()
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"oxigraph serve did not answer on {url} within {timeout:.0f} s")


class Worker:
    """Loads the corpus into one engine, then answers {"text", "values_text", "bindings", "variant"}."""

    def __init__(self, engine: str, corpus_path: Path, workdir: Path):
        import gc
        import resource

        import psutil

        self.engine, self.corpus, self.workdir = engine, corpus_path, workdir
        self.proc = psutil.Process()
        self.server: subprocess.Popen | None = None
        gc.collect()
        rss0 = self.proc.memory_info().rss
        start = time.perf_counter()
        info = getattr(self, f"_load_{engine}")()
        load_s = time.perf_counter() - start
        gc.collect()
        rss1 = self.proc.memory_info().rss
        self.ready = {"ready": True, "engine": engine, "load_s": load_s, "rss_before_mib": rss0 / MIB,
                      "rss_delta_mib": (rss1 - rss0) / MIB,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **info}

    # -- loading -----------------------------------------------------------------------------------
    def _load_rdflib(self) -> dict:
        from rdflib import Graph

        self.graph = Graph()
        self.graph.parse(str(self.corpus), format="nt")
        return {"triples": len(self.graph)}

    def _load_ours(self) -> dict:
        from prc_kg.store.backends import EmbeddedStore

        self.store = EmbeddedStore()
        self.store.load_file(self.corpus)
        return {}

    def _load_pyoxigraph(self) -> dict:
        import pyoxigraph as ox

        self.ox = ox.Store()
        self.ox.bulk_load(path=str(self.corpus), format=ox.RdfFormat.N_TRIPLES)
        return {}

    def _load_server(self) -> dict:
        import resource

        import psutil

        from prc_kg.store.backends import RemoteStore

        binary = find_oxigraph()
        location = self.workdir / "oxigraph-server-db"
        shutil.rmtree(location, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run([binary, "load", "--location", str(location), "--file", str(self.corpus)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=LOAD_TIMEOUT_S)
        cli_load_s = time.perf_counter() - start
        cli_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        port = _free_port()
        start = time.perf_counter()
        self.server = subprocess.Popen([binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/query"
        _wait_for_server(url, self.server)
        self.remote = RemoteStore(url, timeout=SAFETY_BUDGET_S)
        return {"cli_load_s": cli_load_s, "cli_load_peak_mib": cli_peak, "serve_start_s": time.perf_counter() - start,
                "server_rss_mib": psutil.Process(self.server.pid).memory_info().rss / MIB,
                "disk_mib": sum(p.stat().st_size for p in location.rglob("*") if p.is_file()) / MIB, "port": port}

    # -- queries -----------------------------------------------------------------------------------
    def run(self, msg: dict) -> dict:
        variant = msg["variant"]
        start = time.perf_counter()
        if variant == "rdflib":
            result = self.graph.query(msg["values_text"])
            if result.type == "ASK":
                rows = int(bool(result.askAnswer))
            elif result.type == "SELECT":
                rows = len(list(result))
            else:
                rows = len(result.graph)
        elif variant in ("ours", "server"):
            bindings = {k: _decode(v) for k, v in msg["bindings"].items()}
            store = self.store if variant == "ours" else self.remote
            res = store.query(msg["text"], bindings)
            rows = len(res.rows) if res.kind == "select" else len(res.triples) if res.kind == "graph" else 1
        else:  # raw pyoxigraph: the text our store sends, solutions iterated but not converted
            import pyoxigraph as ox

            result = self.ox.query(msg["values_text"])
            if isinstance(result, ox.QueryBoolean):
                rows = 1
            else:
                rows = sum(1 for _ in result)
        return {"s": time.perf_counter() - start, "rows": rows}

    def finish(self) -> dict:
        out = {}
        if self.server is not None:
            import psutil

            try:
                out["server_rss_end_mib"] = psutil.Process(self.server.pid).memory_info().rss / MIB
            except psutil.Error:
                pass
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(timeout=30)
            self.server = None
        return out


def worker_main(engine: str, corpus_path: Path, workdir: Path) -> int:
    def send(obj: dict) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    worker = None
    try:
        try:
            worker = Worker(engine, corpus_path, workdir)
        except Exception as exc:  # noqa: BLE001 - reported to the driver
            send({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
            return 1
        send(worker.ready)
        for line in sys.stdin:
            msg = json.loads(line)
            if msg.get("stop"):
                send({"stopped": True, **worker.finish()})
                break
            try:
                send(worker.run(msg))
            except Exception as exc:  # noqa: BLE001 - reported to the driver
                send({"error": f"{type(exc).__name__}: {str(exc)[:300]}"})
    finally:
        if worker is not None:
            worker.finish()
    return 0


def reopen_main(path: Path, mode: str) -> int:
    """Open a persistent store in this fresh process; time the open and the first library query."""
    from prc_kg.store.backends import EmbeddedStore
    from prc_kg.store.querylib import load_library

    library = load_library()
    q = library[min(library)]
    bindings = q.bindings({})
    start = time.perf_counter()
    store = EmbeddedStore(path, read_only=(mode == "read-only"))
    open_s = time.perf_counter() - start
    res = store.query(q.text, bindings)
    first_s = time.perf_counter() - start
    print(json.dumps({"open_s": open_s, "open_and_first_query_s": first_s, "query": q.name, "rows": len(res.rows)}))
    return 0


def persist_main(corpus_path: Path, path: Path) -> int:
    """Load the corpus into a new persistent EmbeddedStore, flush and optimise it (timed)."""
    from prc_kg.store.backends import EmbeddedStore

    shutil.rmtree(path, ignore_errors=True)
    start = time.perf_counter()
    store = EmbeddedStore(path)
    store.load_file(corpus_path)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    store.flush()
    flush_s = time.perf_counter() - start
    del store
    disk = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / MIB
    print(json.dumps({"load_s": load_s, "flush_optimize_s": flush_s, "disk_mib": disk}))
    return 0


# ================================================================================================
# driver side
# ================================================================================================

def find_oxigraph() -> str | None:
    local = Path(sys.executable).parent / "oxigraph"
    return str(local) if local.exists() else shutil.which("oxigraph")


class WorkerProcess:
    def __init__(self, engine: str, corpus_path: Path, workdir: Path, log: Path):
        self.engine, self.corpus, self.workdir, self.log = engine, corpus_path, workdir, log
        self.proc: subprocess.Popen | None = None
        self.buf = b""
        self.info: dict = {}

    def start(self) -> dict:
        with open(self.log, "ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--worker", self.engine, "--corpus", str(self.corpus),
                 "--workdir", str(self.workdir)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, start_new_session=True)
        reply = self._read(LOAD_TIMEOUT_S)
        if reply is None or not reply.get("ready"):
            self.stop(force=True)
            raise RuntimeError(f"{self.engine}: could not load {self.corpus.name}: "
                               f"{(reply or {}).get('error', 'timeout or crash; see ' + str(self.log))}")
        self.info = reply
        return reply

    def _read(self, timeout: float) -> dict | None:
        """One JSON line from the worker, or None if it takes longer than ``timeout`` or dies."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def ask(self, msg: dict, timeout: float) -> dict | None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(msg) + "\n").encode())
        self.proc.stdin.flush()
        return self._read(timeout)

    def stop(self, force: bool = False) -> dict:
        out: dict = {}
        if self.proc is None:
            return out
        if not force and self.proc.poll() is None:
            try:
                out = self.ask({"stop": True}, 60) or {}
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired, ValueError):
                force = True
        if self.proc.poll() is None:
            # the worker's own process group (started with start_new_session): it and its server
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=30)
        self.proc, self.buf = None, b""
        return out


@dataclass
class QueryRuns:
    times: dict[str, list[float]] = field(default_factory=dict)  # variant -> run times
    rows: dict[str, int] = field(default_factory=dict)
    over: dict[str, float] = field(default_factory=dict)  # variant -> budget exceeded
    errors: dict[str, str] = field(default_factory=dict)

    def median(self, variant: str) -> float | None:
        t = self.times.get(variant)
        return statistics.median(t) if t else None


def run_size(label: str, args, library: dict, workdir: Path, log, carried: dict) -> dict:
    c = corpus_mod.build(label, args.seed, log=log)
    log(f"\n== {label}: {c.triples:,} triples ({c.mib:.0f} MiB N-Triples, {c.dyads} dyads, {c.rating_rows:,} ratings)")
    size = corpus_mod.parse_size(label)
    load_only = label in args.load_only
    engines = [e for e in args.engines if not (e == "rdflib" and size > corpus_mod.parse_size(args.rdflib_max))]
    if "server" in engines and find_oxigraph() is None:
        log("   oxigraph binary not found: server engine skipped")
        engines.remove("server")
    skipped = [e for e in args.engines if e not in engines]
    repeats = args.repeats_large if (args.repeats_large and size >= corpus_mod.parse_size(args.large_from)) \
        else args.repeats
    out = {"label": label, "triples": c.triples, "mib": c.mib, "dyads": c.dyads, "rating_rows": c.rating_rows,
           "corpus_build_s": c.build_s, "engines": engines, "skipped": skipped, "load": {}, "queries": {},
           "repeats": repeats, "load_only": load_only}

    workers: dict[str, WorkerProcess] = {}
    try:
        for engine in engines:
            log(f"   loading {engine} …")
            w = WorkerProcess(engine, c.path, workdir, workdir / f"worker-{engine}.log")
            info = w.start()
            out["load"][engine] = info
            log(f"   {engine}: load {info['load_s']:.2f} s, RSS +{info['rss_delta_mib']:.0f} MiB"
                + (f", oxigraph load {info['cli_load_s']:.2f} s, server RSS {info['server_rss_mib']:.0f} MiB"
                   if engine == "server" else ""))
            workers[engine] = w
            if load_only:
                out["load"][engine].update(w.stop())
                del workers[engine]
        if load_only:
            return out

        names = list(library)
        runs = {name: QueryRuns() for name in names}
        payloads = {}
        from prc_kg.store.backends import bind_with_values

        for name, q in library.items():
            try:
                bindings = q.bindings({})
                payloads[name] = {"text": q.text, "values_text": bind_with_values(q.text, bindings),
                                  "bindings": {k: _encode(v) for k, v in bindings.items()}}
            except Exception as exc:  # noqa: BLE001 - a broken library file is reported, not fatal
                runs[name].errors["all"] = f"{type(exc).__name__}: {exc}"
        over_from: dict[str, dict[str, str]] = {}
        for (variant, name), (budget, where) in carried.items():
            if name in runs and variant in [v for e in engines for v in VARIANTS[e]]:
                runs[name].over[variant] = budget
                over_from.setdefault(name, {})[variant] = where
        suite_start = time.perf_counter()
        for rep in range(repeats):
            rep_start = time.perf_counter()
            for name in names:
                if name not in payloads:
                    continue
                for engine in engines:
                    for variant in VARIANTS[engine]:
                        r = runs[name]
                        if variant in r.over or variant in r.errors:
                            continue  # exceeded its budget or failed before: not repeated
                        w = workers[engine]
                        if w.proc is None:  # killed after a budget overrun: reload for the next query
                            log(f"   restarting {engine} worker …")
                            w.start()
                        budget = args.rdflib_budget if engine == "rdflib" else SAFETY_BUDGET_S
                        reply = w.ask({**payloads[name], "variant": variant}, budget)
                        if reply is None:
                            r.over[variant] = budget
                            carried[(variant, name)] = (budget, label)
                            log(f"   {variant} {name}: > {budget:g} s budget, worker stopped")
                            w.stop(force=True)
                        elif "error" in reply:
                            r.errors[variant] = reply["error"]
                            log(f"   {variant} {name}: error {reply['error'][:120]}")
                        else:
                            r.times.setdefault(variant, []).append(reply["s"])
                            r.rows.setdefault(variant, reply["rows"])
            log(f"   repeat {rep + 1}/{repeats} done in {time.perf_counter() - rep_start:.1f} s")
        out["suite_wall_s"] = time.perf_counter() - suite_start
        for engine, w in list(workers.items()):
            if w.proc is not None:
                out["load"][engine].update(w.stop())
        workers.clear()
        out["queries"] = {name: {"times": r.times, "rows": r.rows, "over": r.over, "errors": r.errors,
                                 "over_from": over_from.get(name, {})} for name, r in runs.items()}
        return out
    finally:
        for w in workers.values():
            w.stop(force=True)


def run_reopen(label: str, args, workdir: Path, log) -> dict:
    c = corpus_mod.build(label, args.seed, log=log)
    path = workdir / f"persistent-{label}"
    log(f"\n== persistent EmbeddedStore at {label}: load, flush + optimise, reopen ×{args.reopen_runs}")
    py = sys.executable
    me = str(Path(__file__).resolve())
    built = json.loads(subprocess.run([py, me, "--persist", str(path), "--corpus", str(c.path)], check=True,
                                      capture_output=True, text=True, timeout=LOAD_TIMEOUT_S).stdout)
    log(f"   load {built['load_s']:.2f} s, flush + optimise {built['flush_optimize_s']:.2f} s, "
        f"{built['disk_mib']:.0f} MiB on disk")
    out = {"label": label, "triples": c.triples, **built}
    for mode in ("read-write", "read-only"):
        samples = []
        for _ in range(args.reopen_runs):
            res = subprocess.run([py, me, "--reopen", str(path), "--mode", mode], check=True, capture_output=True,
                                 text=True, timeout=600)
            samples.append(json.loads(res.stdout))
        out[mode] = {"open_s": statistics.median(s["open_s"] for s in samples),
                     "open_and_first_query_s": statistics.median(s["open_and_first_query_s"] for s in samples),
                     "samples": samples}
        log(f"   reopen {mode}: open {out[mode]['open_s'] * 1000:.0f} ms, open + first query "
            f"({samples[0]['query']}) {out[mode]['open_and_first_query_s'] * 1000:.0f} ms (median of {len(samples)})")
    if not args.keep:
        shutil.rmtree(path, ignore_errors=True)
    return out


# -- report ----------------------------------------------------------------------------------------

def _ms(t: float | None) -> str:
    return "–" if t is None else f"{t * 1000:,.1f}" if t < 1 else f"{t * 1000:,.0f}"


def summarise(size: dict) -> dict:
    """Suite totals per variant: per repeat, then median; queries failing on any variant are left out."""
    queries = size["queries"]
    variants = [v for e in size["engines"] for v in VARIANTS[e]]
    usable = [n for n, q in queries.items() if not q["errors"]]
    totals: dict[str, dict] = {}
    for v in variants:
        per_rep = []
        bound = False
        for rep in range(size["repeats"]):
            total = 0.0
            for n in usable:
                q = queries[n]
                t = q["times"].get(v, [])
                if rep < len(t):
                    total += t[rep]
                elif v in q["over"]:  # this run and later ones: over budget, counted as the budget
                    total += q["over"][v]
                    bound = True
                elif t:
                    total += statistics.median(t)
            per_rep.append(total)
        totals[v] = {"median_s": statistics.median(per_rep), "per_repeat_s": per_rep, "lower_bound": bound,
                     "timeouts": sum(1 for n in usable if v in queries[n]["over"])}
    mismatches = []
    for n, q in queries.items():
        counts = {v: c for v, c in q["rows"].items()}
        if len(set(counts.values())) > 1:
            mismatches.append(f"{n}: " + ", ".join(f"{v}={c}" for v, c in counts.items()))
    return {"totals": totals, "usable": usable, "failed": sorted(set(queries) - set(usable)), "mismatches": mismatches}


def _ratio(num: dict, den: dict) -> str:
    r = num["median_s"] / den["median_s"] if den["median_s"] else float("inf")
    if num["lower_bound"] and not den["lower_bound"]:
        return f"≥ {r:.1f}×"
    if den["lower_bound"]:
        return "n/a"
    return f"{r:.2f}×" if r < 10 else f"{r:.1f}×"


def report(results: dict, args) -> str:
    lines = [f"Command: `.venv/bin/python benchmarks/query_suite.py {' '.join(args.argv)}`", "",
             (f"Machine: {os.cpu_count()} cores, {_mem_gib():.0f} GiB RAM, {platform.python_implementation()} "
             f"{platform.python_version()}, pyoxigraph {_version('pyoxigraph')}, rdflib {_version('rdflib')}, "
             f"oxigraph server {_version('oxigraph')}; library: {results['queries']} queries "
             f"(queries/*.rq, default parameters)."), ""]
    sizes = [s for s in results["sizes"]]
    suite = [s for s in sizes if not s["load_only"]]
    if suite:
        lines += ["### Whole query suite (median of repeats, seconds)", "",
                  ("| corpus | triples | repeats | rdflib | ours | raw pyoxigraph | server "
                  "| rdflib / ours | ours / raw pyoxigraph | server / raw pyoxigraph |"),
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for s in suite:
            summ = s["summary"]
            t = summ["totals"]

            def cell(v: str, t: dict = t) -> str:
                if v not in t:
                    return "skipped"
                x = t[v]
                txt = f"{x['median_s']:.3f}" if x["median_s"] < 10 else f"{x['median_s']:.1f}"
                return (f"> {txt} ({x['timeouts']} over budget)" if x["lower_bound"] else txt)

            def rat(a: str, b: str, t: dict = t) -> str:
                return _ratio(t[a], t[b]) if a in t and b in t else "–"

            lines.append(f"| {s['label']} | {s['triples']:,} | {s['repeats']} | {cell('rdflib')} | {cell('ours')} | "
                         f"{cell('pyoxigraph')} | {cell('server')} | {rat('rdflib', 'ours')} | "
                         f"{rat('ours', 'pyoxigraph')} | {rat('server', 'pyoxigraph')} |")
        lines.append("")
        for s in suite:
            summ = s["summary"]
            if summ["failed"]:
                lines.append(f"{s['label']}: left out of the totals (failed on some engine): "
                             + "; ".join(f"{n} ({next(iter(s['queries'][n]['errors'].items()))})"
                                         for n in summ["failed"]))
            if summ["mismatches"]:
                lines.append(f"{s['label']}: row counts differ between engines: " + "; ".join(summ["mismatches"]))
        lines.append("")

    lines += ["### Load and memory", "",
              ("| corpus | triples | N-Triples MiB | rdflib parse s | raw pyoxigraph bulk_load s | ours load_file s "
              "| oxigraph load (CLI, on disk) s | rdflib RSS Δ MiB | raw pyoxigraph RSS Δ MiB | ours RSS Δ MiB "
              "| server RSS MiB (after serve start / end) | server disk MiB |"),
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in sizes:
        ld = s["load"]

        def g(engine: str, key: str, fmt: str = "{:.2f}", ld: dict = ld) -> str:
            return fmt.format(ld[engine][key]) if engine in ld and key in ld[engine] else "skipped"

        srv = (f"{ld['server']['server_rss_mib']:.0f} / {ld['server'].get('server_rss_end_mib', float('nan')):.0f}"
               if "server" in ld else "skipped")
        lines.append(f"| {s['label']} | {s['triples']:,} | {s['mib']:.0f} | {g('rdflib', 'load_s')} | "
                     f"{g('pyoxigraph', 'load_s')} | {g('ours', 'load_s')} | {g('server', 'cli_load_s')} | "
                     f"{g('rdflib', 'rss_delta_mib', '{:.0f}')} | {g('pyoxigraph', 'rss_delta_mib', '{:.0f}')} | "
                     f"{g('ours', 'rss_delta_mib', '{:.0f}')} | {srv} | {g('server', 'disk_mib', '{:.0f}')} |")
    lines.append("")
    for s in sizes:
        b = s["corpus_build_s"]
        lines.append(f"{s['label']}: corpus built once (cached) — ratings import {b.get('import_ratings', 0):.1f} s, "
                     f"`load_dataset` (bulk loads + materialised inferences, in memory) {b['load_dataset']:.1f} s"
                     + (f"; {', '.join(s['skipped'])} skipped" if s["skipped"] else ""))
    lines.append("")

    for r in results.get("reopen", []):
        lines += [f"### Persistent store at {r['label']} ({r['triples']:,} triples)", "",
                  "| step | seconds |", "|---|---:|",
                  f"| `EmbeddedStore(path).load_file(corpus)` (bulk load to disk) | {r['load_s']:.2f} |",
                  f"| `flush()` (flush + optimize) | {r['flush_optimize_s']:.2f} |"]
        for mode in ("read-write", "read-only"):
            m = r[mode]
            lines.append(f"| reopen {mode}, `EmbeddedStore(path{', read_only=True' if mode == 'read-only' else ''})` "
                         f"(median of {len(m['samples'])} fresh processes) | {m['open_s']:.3f} |")
            lines.append(f"| reopen {mode} + first query ({m['samples'][0]['query']}) | "
                         f"{m['open_and_first_query_s']:.3f} |")
        lines += ["", f"On disk: {r['disk_mib']:.0f} MiB.", ""]

    for s in suite:
        if s["label"] not in args.per_query:
            continue
        lines += [f"### Per query at {s['label']} ({s['triples']:,} triples; median ms of {s['repeats']})", "",
                  ("| query | rows | rdflib | ours | raw pyoxigraph | server | rdflib / ours "
                  "| ours / raw |"), "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name, q in s["queries"].items():
            def cell(v: str, q: dict = q) -> str:
                if v in q["over"]:
                    where = q.get("over_from", {}).get(v)
                    return f"> {q['over'][v]:g} s" + (f" (at {where})" if where else "")
                if v in q["errors"]:
                    return "error"
                t = q["times"].get(v)
                return _ms(statistics.median(t)) if t else "–"

            med = {v: statistics.median(t) for v, t in q["times"].items() if t}
            rows = sorted(set(q["rows"].values()))
            r_rd = (f"≥ {q['over']['rdflib'] / med['ours']:,.0f}×" if "rdflib" in q["over"] and "ours" in med
                    else f"{med['rdflib'] / med['ours']:,.1f}×" if "rdflib" in med and "ours" in med else "–")
            r_ox = f"{med['ours'] / med['pyoxigraph']:.2f}×" if "ours" in med and "pyoxigraph" in med else "–"
            lines.append(f"| {name} | {'/'.join(map(str, rows)) or '–'} | {cell('rdflib')} | {cell('ours')} | "
                         f"{cell('pyoxigraph')} | {cell('server')} | {r_rd} | {r_ox} |")
        lines.append("")
    return "\n".join(lines)


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "absent"


def _mem_gib() -> float:
    import psutil

    return psutil.virtual_memory().total / 2**30


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["10k", "100k", "1M"])
    parser.add_argument("--load-only", nargs="*", default=[], help="sizes (also listed in --sizes) measured for "
                        "load and memory only, without the query suite")
    parser.add_argument("--seed", type=int, default=corpus_mod.DEFAULT_SEED)
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--repeats-large", type=int, default=0, help="repeats at sizes ≥ --large-from (0: --repeats)")
    parser.add_argument("--large-from", default="5M")
    parser.add_argument("--rdflib-budget", type=float, default=120.0, help="seconds per rdflib query run")
    parser.add_argument("--rdflib-max", default="1M", help="largest size rdflib is run at")
    parser.add_argument("--reopen-sizes", nargs="*", default=None, help="default: the largest size")
    parser.add_argument("--reopen-runs", type=int, default=3)
    parser.add_argument("--per-query", nargs="*", default=None, help="sizes with a per-query table (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the persistent store folder")
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--persist", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reopen", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="read-write", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args.worker, args.corpus, args.workdir)
    if args.persist:
        return persist_main(args.corpus, args.persist)
    if args.reopen:
        return reopen_main(args.reopen, args.mode)

    args.argv = argv
    args.sizes = sorted(dict.fromkeys(args.sizes + args.load_only), key=corpus_mod.parse_size)
    if args.reopen_sizes is None:
        args.reopen_sizes = [args.sizes[-1]]
    if args.per_query is None:
        args.per_query = [s for s in args.sizes if s not in args.load_only]

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    from prc_kg.store.querylib import load_library

    library = load_library()
    log(f"query library: {len(library)} queries")
    corpus_mod.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict = {"sizes": [], "reopen": [], "queries": len(library)}
    with tempfile.TemporaryDirectory(prefix="run-", dir=corpus_mod.CACHE_DIR) as tmp:
        workdir = Path(tmp)
        carried: dict = {}  # (variant, query) -> (budget, size) for runs over budget, skipped at larger sizes
        for label in args.sizes:
            size = run_size(label, args, library, workdir, log, carried)
            if not size["load_only"]:
                size["summary"] = summarise(size)
            results["sizes"].append(size)
        for label in args.reopen_sizes:
            results["reopen"].append(run_reopen(label, args, workdir, log))
        if args.keep:
            for p in workdir.glob("persistent-*"):
                shutil.move(str(p), str(corpus_mod.CACHE_DIR / p.name))
    results["wall_s"] = time.perf_counter() - started
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out_json = corpus_mod.CACHE_DIR / f"query-suite-{stamp}.json"
    out_json.write_text(json.dumps(results, indent=1, default=str) + "\n")
    text = report(results, args)
    print(text)
    print(f"(total {results['wall_s'] / 60:.1f} min; raw results in {out_json.relative_to(corpus_mod.ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
