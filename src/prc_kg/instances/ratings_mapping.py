"""The item mapping: which ontology item (and construct, and scale) each code of a ratings file means."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import URIRef

from .. import paths
from ..errors import InputError
from ..fileio.files import check_size
from ..ontology.terms import TermIndex
from ..vocab import PRC
from .ratings_rows import CODE, DECIMAL, MAPPING_COLUMNS, _csv_rows, _shown


@dataclass(frozen=True)
class MappedItem:
    code: str
    item_code: str
    item: URIRef
    construct: URIRef | None
    scale_min: Decimal
    scale_max: Decimal


def default_mapping_path() -> Path:
    return paths.item_mapping()


def read_mapping(path: Path, terms: TermIndex) -> dict[str, MappedItem]:
    """Read ``code,item,construct,scale_min,scale_max``; empty scale cells take the item's own scale."""
    check_size(path, "an item mapping CSV", 16, "it needs one row per code of your coding system")
    mapping: dict[str, MappedItem] = {}
    for line, row in _csv_rows(path, MAPPING_COLUMNS):
        code = row["code"].strip()
        if not code:
            raise InputError(path, "empty code", line=line, field="code")
        if not CODE.fullmatch(code):
            raise InputError(path, f"expected a code of letters, digits, '_', '.', ':' or '-' (it becomes part of "
                             f"an IRI), got '{_shown(code)}'", line=line, field="code")
        if code in mapping:
            raise InputError(path, f"code '{code}' is mapped twice", line=line, field="code")
        item_code = row["item"].strip()
        item = terms.items_by_code.get(item_code)
        if item is None:
            raise InputError(path, f"'{_shown(row['item'])}' is not an item code of the ontology (prc:itemCode)",
                             line=line, field="item")
        construct = None
        if row["construct"].strip():
            construct = terms.cls(row["construct"].strip())
            if construct is None:
                raise InputError(path, f"'{_shown(row['construct'])}' is not a class of the ontology", line=line,
                                 field="construct")
        bounds = []
        for col, prop in (("scale_min", PRC.scaleMin), ("scale_max", PRC.scaleMax)):
            text = row[col].strip()
            if text:
                if not DECIMAL.fullmatch(text):
                    raise InputError(path, f"expected a number, got '{_shown(text)}'", line=line, field=col)
                bounds.append(Decimal(text))
            else:
                value = terms.graph.value(item, prop)
                if value is None:
                    raise InputError(path, f"item {row['item']} has no {col} in the ontology; give one here",
                                     line=line, field=col)
                if not DECIMAL.fullmatch(str(value).strip()):
                    raise InputError(path, f"the ontology gives item {row['item']} the {col} '{value}', which is not "
                                     "a number; give one here", line=line, field=col)
                bounds.append(Decimal(str(value).strip()))
        if bounds[0] >= bounds[1]:
            raise InputError(path, f"scale_min {bounds[0]} is not below scale_max {bounds[1]}", line=line,
                             field="scale_min")
        mapping[code] = MappedItem(code, item_code, item, construct, bounds[0], bounds[1])
    if not mapping:
        raise InputError(path, "the mapping file has no rows")
    return mapping
