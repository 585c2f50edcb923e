"""Tables for reading on a terminal: columns fitted to its width, long cells cut with a visible "…".

The width is ``COLUMNS`` when set, else the terminal's when standard output is one; piped into a
file or another program there is no terminal to fit, so every column is only capped at
``PIPED_CAP`` characters (one line per row, no escape codes, columns aligned). Cells show data
labels, so anything a terminal would act on (ESC, line breaks, bidirectional overrides) is made
visible first (``textindex.safe_text``), and widths are counted in terminal cells, so a CJK label
or an emoji keeps the columns aligned."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from rich.cells import cell_len

ELLIPSIS = "…"
GAP = 2  # spaces between the columns of a plain table
PIPED_CAP = 60  # widest column when there is no terminal to fit
FLOOR = 6  # a column is never cut narrower than this (or its own width): "ab…" says little


def terminal_width(stream=None) -> int | None:
    """The width to fit: ``COLUMNS`` (a whole number above 0), else the terminal ``stream`` (default
    standard output) is, else None: piped, no width to fit."""
    text = os.environ.get("COLUMNS", "").strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    stream = stream if stream is not None else sys.stdout
    try:
        if stream.isatty():
            return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):  # a captured stream (pytest, a notebook) has no terminal
        pass
    return None


def shown(text: str) -> str:
    """A cell's text on one line, with control and formatting characters as visible escapes."""
    from ..store.textindex import safe_text

    return safe_text(text)


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` terminal cells: as it is when it fits, else cut with "…"."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + ELLIPSIS


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def fit_widths(natural: Sequence[int], room: int | None, floor: int = FLOOR) -> list[int]:
    """Column widths that fit ``room`` cells of content (separators already taken off): the natural
    widths when they fit; else the widest columns are cut to one common width, as wide as fits
    (narrow columns keep theirs), and what is left over goes to the cut columns from the left.
    With no room to fit (piped), each column is capped at ``PIPED_CAP``. When even ``floor`` cells
    a column do not fit, the table is wider than the room rather than unreadable."""
    natural = [max(1, n) for n in natural]
    if room is None:
        return [min(n, PIPED_CAP) for n in natural]
    if sum(natural) <= room:
        return list(natural)
    low, high = 1, max(natural)  # the largest common cap whose table fits
    while low < high:
        mid = (low + high + 1) // 2
        if sum(min(n, mid) for n in natural) <= room:
            low = mid
        else:
            high = mid - 1
    widths = [min(n, max(low, min(n, floor))) for n in natural]
    left = room - sum(widths)
    for i, n in enumerate(natural):
        if left <= 0:
            break
        more = min(n - widths[i], left)
        widths[i] += more
        left -= more
    return widths


def plain_table(header: Sequence[str], rows: Sequence[Sequence[str]], width: int | None) -> list[str]:
    """The lines of a plain table: header, a rule of dashes, one line per row, cells cut to fit."""
    header = [shown(h) for h in header]
    cells = [[shown(c) for c in row] for row in rows]
    natural = [max([cell_len(h), *(cell_len(r[i]) for r in cells)]) for i, h in enumerate(header)]
    room = None if width is None else width - GAP * (len(header) - 1)
    widths = fit_widths(natural, room)
    sep = " " * GAP

    def line(values: Sequence[str]) -> str:
        return sep.join(pad(cut(v, w), w) for v, w in zip(values, widths)).rstrip()

    return [line(header), sep.join("-" * w for w in widths), *(line(r) for r in cells)]


def boxed_widths(header: Sequence[str], rows: Sequence[Sequence[str]], width: int | None) -> list[int]:
    """Column widths for rich's boxed table (``│ a │ b │``: three cells a column and one more)."""
    natural = [max([cell_len(h), *(cell_len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    room = None if width is None else width - 3 * len(header) - 1
    return fit_widths(natural, room)
