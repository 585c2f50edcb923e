"""The ratings export: an imported graph's ratings written back to the long CSV format.

The export writes RFC 4180 CSV with cells a spreadsheet would run as formulas neutralised.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from rdflib import Graph

from ..errors import InputError, PrcKgError
from ..store.querylib import packaged_query
from ..vocab import PRC_IRI
from .ratings_rows import COLUMNS, DECIMAL, INTEGER, SEGMENT_KINDS, _shown

_KIND_NAMES = {v: k for k, v in SEGMENT_KINDS.items()}
# OWASP's CSV-injection advice: a spreadsheet reads a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """``cell`` with a leading ' when a spreadsheet would run it as a formula; plain numbers (-1, +2.5) stay.

    prc-kg import accepts ids and codes that start with a letter or digit, numbers and dates only, so
    nothing it wrote is ever changed here, and a quoted cell read back is refused, never mis-imported.
    """
    return "'" + cell if cell.startswith(FORMULA_START) and not DECIMAL.fullmatch(cell) else cell


def export_ratings(ntriples: Path, output: Path, ontology: Graph) -> int:
    """Write the ratings of an imported graph back to the long CSV format, sorted; returns rows.

    The file is RFC 4180 CSV: CRLF after every record, a cell quoted when it holds a comma, a
    double quote, CR or LF (a quote doubled), formula-like cells neutralised. The ontology supplies
    the item codes of the items the ratings point at.
    """
    from ..fileio.files import write_files_atomically
    from ..store.backends import EmbeddedStore

    path = Path(ntriples)
    if not path.is_file():
        raise InputError(path, "is a folder; expected an N-Triples file written by prc-kg import" if path.is_dir()
                         else "file not found")
    store = EmbeddedStore()
    try:
        store.load_file(path)
    except SyntaxError as exc:
        raise InputError(path, f"RDF syntax error: {exc}") from exc
    except PrcKgError as exc:
        raise InputError(path, str(exc).removeprefix(f"{path}: ")) from exc
    store.load_graph(ontology)
    rows = []
    for b in store.ox.query(packaged_query("ratings_export/export")):
        kind = _KIND_NAMES[b["kind"].value[len(PRC_IRI):]]
        numbers = []
        for name in ("session", "segment"):
            text = b[name].value
            if not INTEGER.fullmatch(text):
                raise InputError(path, f"rating <{b['r'].value}> has the {name} number '{_shown(text)}'; "
                                 "expected a positive integer")
            numbers.append(int(text))
        row = (b["study"].value, b["dyad"].value, *numbers, kind, b["code"].value, b["value"].value,
               b["rater"].value, b["time"].value.split("T", 1)[0])
        for column, cell in zip(COLUMNS, row):
            if "\x00" in str(cell):
                raise InputError(path, f"rating <{b['r'].value}> has a NUL character in its {column} "
                                 f"('{_shown(str(cell))}'), which a CSV cell cannot carry safely")
        rows.append(row)
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[5], r[7]))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows([neutralised(str(cell)) for cell in row] for row in rows)
    write_files_atomically({Path(output): buffer.getvalue().encode("utf-8")})
    return len(rows)
