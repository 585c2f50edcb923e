"""A query answer as plain Python: rows as dicts of strings and numbers, for a notebook or a script,
with the CLI's text formats one call away. Needs nothing beyond the standard library; pandas only
for ``to_dataframe``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

import pyoxigraph as ox

from ..errors import PrcKgError
from .backends import QueryResult, Term
from .results import format_result

XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMBERS = {"integer": int, "int": int, "long": int, "short": int, "nonNegativeInteger": int,
            "positiveInteger": int, "decimal": Decimal, "double": float, "float": float}


def plain(term: Term | None) -> str | int | float | Decimal | bool | None:
    """A term as a Python value: an IRI as its full text, a number or boolean as a number or bool,
    any other literal as its text (language and datatype dropped), unbound as None."""
    if term is None:
        return None
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(XSD):
        kind = term.datatype.value[len(XSD):]
        try:
            if kind == "boolean":
                return term.value in ("true", "1")
            if kind in _NUMBERS:
                return _NUMBERS[kind](term.value)
        except (ArithmeticError, ValueError):  # a malformed number stays text, the answer still comes
            return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


class Rows(Sequence[dict]):
    """The answer to a SELECT: ``variables``, and one dict per row (variable → plain value).
    An ASK answer has ``boolean`` set and no rows; a CONSTRUCT or DESCRIBE answer has ``triples``.
    ``result`` keeps the RDF terms themselves."""

    def __init__(self, result: QueryResult):
        self.result = result
        self.variables: list[str] = list(result.variables)
        self.boolean: bool | None = result.boolean
        self.triples: list[ox.Triple] = result.triples
        self._dicts = [dict(zip(self.variables, map(plain, row))) for row in result.rows]

    def __len__(self) -> int:
        return len(self._dicts)

    def __getitem__(self, index):
        return self._dicts[index]

    def __iter__(self) -> Iterator[dict]:
        return iter(self._dicts)

    def __repr__(self) -> str:
        if self.result.kind == "ask":
            return f"<Rows ask: {self.boolean}>"
        if self.result.kind == "graph":
            return f"<Rows: {len(self.triples)} triples>"
        return f"<Rows: {len(self)} rows of {', '.join(self.variables) or 'no variables'}>"

    def format_bytes(self, fmt: str = "table") -> bytes:
        """The bytes ``prc-kg query --format FMT`` writes: table, or the SPARQL results formats csv, tsv and
        json exactly as the endpoint sends them; a CONSTRUCT or DESCRIBE answer as turtle (also for table),
        ntriples, jsonld (also for json) or rdfxml."""
        return format_result(self.result, fmt)

    def format(self, fmt: str = "table") -> str:
        """The same as text."""
        return self.format_bytes(fmt).decode("utf-8")

    def to_csv(self) -> str:
        """CSV with a header line, as ``prc-kg query --format csv``: full IRIs, literal texts."""
        return self.format("csv")

    def to_dataframe(self):
        """A pandas DataFrame of the rows, one column per variable (needs pandas)."""
        try:
            import pandas
        except ImportError:
            raise PrcKgError("to_dataframe needs pandas, which is not installed (pip install pandas); "
                             "the rows themselves (iterate, or to_csv()) need nothing more") from None
        return pandas.DataFrame(self._dicts, columns=self.variables)
