"""How large a view the browser draws at once: our pages (positions from igraph, physics off)
against pyvis 0.3.2 with its defaults (``from_nx``, physics on), on the same seeded random graphs.

Run: .venv/bin/python benchmarks/viz_render.py [--sizes 1000 10000] [--baseline-timeout 90]

Both pages are opened from disk in Debian's Chromium with every non-file request blocked (pyvis
links Bootstrap from a CDN even with cdn_resources="in_line"; the graph renders without it).
Measured from navigation start: ours until the first frame is drawn (it never moves after),
pyvis until its physics reports the layout stable, or the timeout.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from prc_kg.views.htmlpage import render_graph_page
from prc_kg.views.pages import random_graph_page
from prc_kg.views.registry import nav

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PYVIS_STABLE = """(timeout) => new Promise((resolve) => {
  const start = performance.now();
  const wait = () => {
    if (typeof network === 'undefined') { if (performance.now() - start > timeout) resolve(null); else setTimeout(wait, 20); return; }
    let done = false;
    const finish = () => { if (!done) { done = true; resolve(performance.now()); } };
    network.once('stabilized', finish);
    network.once('stabilizationIterationsDone', finish);
    setTimeout(() => { if (!done) { done = true; resolve(null); } }, timeout);
  };
  wait();
})"""


def ours(n: int, folder: Path) -> tuple[Path, float]:
    start = time.perf_counter()
    path = folder / f"ours-{n}.html"
    path.write_text(render_graph_page(random_graph_page(n), nav()), encoding="utf-8")
    return path, time.perf_counter() - start


def pyvis_default(n: int, folder: Path) -> tuple[Path, float]:
    from pyvis.network import Network

    start = time.perf_counter()
    g = nx.gnm_random_graph(n, 2 * n, seed=20261126)
    net = Network(cdn_resources="in_line")
    net.from_nx(g)
    path = folder / f"pyvis-{n}.html"
    path.write_text(net.generate_html(), encoding="utf-8")
    return path, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--baseline-timeout", type=float, default=90.0, help="seconds to wait for pyvis")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for n in args.sizes:
            our_path, our_build = ours(n, Path(tmp))
            base_path, base_build = pyvis_default(n, Path(tmp))
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            page.goto(our_path.as_uri())
            page.wait_for_selector("body[data-drawn='yes']", state="attached", timeout=120_000)  # no eval under the CSP
            drawn = page.evaluate("window.prcDrawnAt") / 1000
            page.close()
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
            page.goto(base_path.as_uri(), wait_until="commit")
            stable = page.evaluate(PYVIS_STABLE, args.baseline_timeout * 1000)
            page.close()
            base = f"{stable / 1000:.2f}" if stable is not None else f"> {args.baseline_timeout:.0f}"
            ratio = f"{(stable / 1000) / drawn:.0f}x" if stable is not None else f"> {args.baseline_timeout / drawn:.0f}x"
            rows.append((n, our_build, base_build, drawn, base, ratio))
            print(f"{n} nodes: ours built in {our_build:.2f} s, drawn in {drawn:.2f} s; "
                  f"pyvis built in {base_build:.2f} s, stable in {base} s", flush=True)
        browser.close()
    print("\n| nodes | edges | ours: build s | pyvis: build s | ours: drawn and still s | pyvis: stable s "
          "| pyvis / ours |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n, ob, bb, d, base, ratio in rows:
        print(f"| {n:,} | {2 * n:,} | {ob:.2f} | {bb:.2f} | {d:.2f} | {base} | {ratio} |")


if __name__ == "__main__":
    main()
