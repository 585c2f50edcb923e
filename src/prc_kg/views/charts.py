"""Rating trajectories as static SVG line charts with a table of the same numbers beneath, so the
page reads without JavaScript and without the graph. Lines are named by the item's label (what a
reader knows), the code beside it for those who rate; every label is escaped."""

from __future__ import annotations

from collections import defaultdict
from html import escape

from ..analysis.sequences import Trajectory

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 800, 300, 48, 330, 16, 40
LEGEND_CHARS = 44  # longer item labels are cut with "…" in the legend (the table and tooltip hold them whole)


def _num(x: float) -> str:
    return f"{x:.2f}"


def _name(t: Trajectory) -> str:
    """The item's label, or its code when the graph has no label for it."""
    return t.item_label or t.item


def _cut(text: str, n: int = LEGEND_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def line_chart(title: str, series: list[Trajectory], y_range: tuple[float, float] = (0.0, 4.0)) -> str:
    """One SVG chart: sessions on x, mean rating on y, one line per item."""
    sessions = sorted({s for t in series for s, _, _ in t.points})
    lo = min([y_range[0]] + [m for t in series for _, m, _ in t.points])
    hi = max([y_range[1]] + [m for t in series for _, m, _ in t.points])
    span_x = max(sessions[-1] - sessions[0], 1) if sessions else 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(s: int) -> float:
        return LEFT + (s - sessions[0]) / span_x * plot_w

    def y(v: float) -> float:
        return TOP + (hi - v) / (hi - lo or 1) * plot_h

    out = [(f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" '
           f'aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">'),
           f"<title>{escape(title)}</title>",
           f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#ccd"/>']
    for step in range(int(lo), int(hi) + 1):
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{_num(y(step))}" y2="{_num(y(step))}" stroke="#eef"/>'
                   f'<text x="{LEFT - 8}" y="{_num(y(step) + 4)}" text-anchor="end">{step}</text>')
    for s in sessions:
        out.append(f'<text x="{_num(x(s))}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{s}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 6}" text-anchor="middle">session</text>')
    for i, t in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        points = " ".join(f"{_num(x(s))},{_num(y(m))}" for s, m, _ in t.points)
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        for s, m, n in t.points:
            out.append(f'<circle cx="{_num(x(s))}" cy="{_num(y(m))}" r="3.5" fill="{colour}">'
                       f"<title>{escape(_name(t))}, session {s}: mean {_num(m)} over {n} ratings</title></circle>")
        ly = TOP + 14 + i * 18
        out.append(f'<line x1="{WIDTH - RIGHT + 14}" x2="{WIDTH - RIGHT + 34}" y1="{ly - 4}" y2="{ly - 4}" '
                   f'stroke="{colour}" stroke-width="3"/><text x="{WIDTH - RIGHT + 40}" y="{ly}">'
                   f"<title>{escape(_name(t))} ({escape(t.item)})</title>{escape(_cut(_name(t)))}</text>")
    out.append("</svg>")
    return "\n".join(out)


def value_table(series: list[Trajectory]) -> str:
    sessions = sorted({s for t in series for s, _, _ in t.points})
    head = "".join(f"<th>session {s}</th>" for s in sessions)
    rows = []
    for t in series:
        by_session = {s: m for s, m, _ in t.points}
        cells = "".join(f"<td>{_num(by_session[s])}</td>" if s in by_session else "<td></td>" for s in sessions)
        rows.append(f"<tr><th>{escape(_name(t))}</th><td style=\"white-space:nowrap\"><code>{escape(t.item)}</code></td>"
                    f"{cells}</tr>")
    return f"<table><tr><th>item</th><th>code</th>{head}</tr>{''.join(rows)}</table>"


def trajectories_html(trajectories: list[Trajectory]) -> str:
    """Charts and tables per dyad; the body of the trajectories page."""
    by_dyad: dict[str, list[Trajectory]] = defaultdict(list)
    for t in trajectories:
        by_dyad[t.dyad].append(t)
    if not by_dyad:
        return "<p>No rated sessions in the graph: import a ratings file first (prc-kg import).</p>\n"
    parts = [("<p>Mean rating per session (over raters and segments) of the chosen items, one chart per dyad. "
             "Hover a point for its value and the number of ratings behind it; the table under each chart "
             "holds the same numbers.</p>")]
    for dyad in sorted(by_dyad):
        series = by_dyad[dyad]
        title = series[0].dyad_label
        parts.append(f'<section id="{escape(dyad)}"><h2>{escape(title)}</h2>\n{line_chart(title, series)}\n'
                     f"{value_table(series)}</section>")
    return "\n".join(parts) + "\n"
