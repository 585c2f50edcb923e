"""The layout file of an utterance-coded corpus: which column of a CSV/TSV is which, and what its
code values mean in the ontology's coding systems.

Everything is checked when the layout is read, before any row: unknown keys, a column named twice,
a code value that maps to no code of the ontology (or to two codes of one dimension). Every error
names the layout file, the line and the key, so a researcher adapting a shipped layout to a new
corpus learns at once what to change. The format is documented in examples/README.md.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..ontology.terms import TermIndex, UtteranceCode
from .yamlfile import Located, parse_yaml

ROLES = ("conversation", "order", "speaker", "text", "timestamp", "annotator")
REQUIRED_ROLES = ("conversation", "order", "speaker")
SPEAKER_ROLES = ("therapist", "patient")
ATTRIBUTE_TYPES = ("string", "integer", "decimal", "boolean", "date", "anyURI")
DEFAULT_SPEAKERS = {"therapist": "therapist", "counsellor": "therapist", "counselor": "therapist",
                    "client": "patient", "patient": "patient"}
DEFAULT_NOT_APPLICABLE = ("n/a", "NA", "")
ITEM_CODES = "item-codes"  # a code column whose cells hold the ontology's item codes themselves
TOP_KEYS = ("layout", "name", "description", "constructed", "delimiter", "columns", "speakers", "not_applicable",
            "codes", "attributes", "ignore")
CODE_KEYS = ("values", "separator", "optional", "exists", "absent")
ATTRIBUTE_KEYS = ("type", "optional")
COLUMN_KEYS = ("column", "optional")
DELIMITERS = {"tab": "\t", "comma": ",", "semicolon": ";"}


@dataclass(frozen=True)
class Column:
    """A column the layout names, and whether a file may lack it."""

    name: str
    optional: bool = False


@dataclass(frozen=True)
class CodeColumn:
    """A column of codes: cell value (case-folded) → the codes it stands for (one per dimension);
    ``values`` None means the cells hold ontology item codes. ``exists`` names a column of
    True/False flags that must say whether this column holds a code on the row; ``absent`` is the
    absence code (MISIMPLE:NO-REFLECTION) recorded where the flag says False: the annotator's
    judgement that the behaviour is missing, kept as an annotation like any other."""

    name: str
    values: dict[str, tuple[UtteranceCode, ...]] | None
    shown: tuple[str, ...]          # the values as the layout writes them, for messages
    separator: str | None = None
    optional: bool = False
    exists: str | None = None
    absent: UtteranceCode | None = None


@dataclass(frozen=True)
class Attribute:
    """A conversation-level column: the same value on every row of a conversation."""

    name: str
    type: str
    optional: bool = False


@dataclass(frozen=True)
class Layout:
    path: Path
    name: str
    constructed: bool
    delimiter: str | None
    roles: dict[str, Column]
    speakers: dict[str, str]          # case-folded cell value → therapist | patient
    not_applicable: frozenset[str]    # case-folded
    codes: tuple[CodeColumn, ...]
    attributes: tuple[Attribute, ...]
    ignore: frozenset[str]
    item_codes: dict[str, UtteranceCode]  # case-folded item code → code, for `values: item-codes`

    def delimiter_for(self, data: Path) -> str:
        """The layout's delimiter, else a tab for .tsv/.tab files and a comma for any other."""
        if self.delimiter is not None:
            return self.delimiter
        return "\t" if Path(data).suffix.lower() in (".tsv", ".tab") else ","

    def columns(self) -> dict[str, tuple[str, bool]]:
        """Every column the layout names → (what it is, optional), flag columns included."""
        named: dict[str, tuple[str, bool]] = {}
        for role, col in self.roles.items():
            named[col.name] = (f"the {role} column", col.optional)
        for code in self.codes:
            named[code.name] = ("a code column", code.optional)
            if code.exists:
                named[code.exists] = (f"the flag column of {code.name}", True)
        for attr in self.attributes:
            named[attr.name] = ("an attribute", attr.optional)
        for name in self.ignore:
            named[name] = ("ignored", True)
        return named


def read_layout(path: Path, terms: TermIndex) -> Layout:
    """Read and check a layout file against the ontology's coding systems."""
    path = Path(path)
    doc = parse_yaml(path, "a layout: a mapping with 'layout: 1' and 'columns', 'codes', … (see examples/README.md)")
    _known_keys(doc, TOP_KEYS, "")
    if doc.get("layout") != 1 or isinstance(doc.get("layout"), bool):
        raise _fail(doc, "layout", "", f"expected 'layout: 1' (the version of the layout format), got "
                    f"{doc.get('layout')!r}")
    name = _text(doc, "name", "", required=False) or path.stem
    _text(doc, "description", "", required=False)
    constructed = doc.get("constructed", False)
    if not isinstance(constructed, bool):
        raise _fail(doc, "constructed", "", f"expected true or false, got {constructed!r}")
    delimiter = _delimiter(doc)
    roles = _roles(doc)
    speakers = _speakers(doc)
    not_applicable = _not_applicable(doc)
    available = {code.casefold(): info for code, info in terms.utterance_codes.items()}
    if not available:
        raise InputError(path, "the ontology in use defines no utterance codes (no prc:inDimension); "
                         "use an ontology with the coding systems (MITI, MISC, MISIMPLE)")
    codes = _codes(doc, available, not_applicable)
    attributes = _attributes(doc)
    ignore = _names(doc, "ignore")
    layout = Layout(path, name, constructed, delimiter, roles, speakers, not_applicable, codes, attributes,
                    ignore, available)
    _named_once(doc, layout)
    return layout


def summary_group(code: UtteranceCode) -> str:
    """Why a summary group (a code with narrower codes in its own dimension) is not assigned."""
    return (f"{code.code} is a summary group of dimension {code.dimension}, counting {', '.join(code.groups)} "
            "together; it is not assigned to an utterance: use one of those")


# -- pieces of the layout --------------------------------------------------------------------------

def _fail(entry: Located, key: str, where: str, message: str) -> InputError:
    """An error at the line of ``key`` in ``entry``, its field written as the path of keys to it."""
    return InputError(entry.path, message, line=entry.key_lines.get(str(key), entry.line),
                      field=f"{where}.{key}" if where else str(key))


def _known_keys(entry: Located, allowed: tuple[str, ...], where: str) -> None:
    for key in entry:
        if key not in allowed:
            raise _fail(entry, key, where, f"unknown key '{key}'; expected one of {', '.join(allowed)}")


def _text(entry: Located, key: str, where: str, required: bool = True, what: str = "text") -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        quote = " (write it in quotes)" if value is not None and not isinstance(value, str) else ""
        raise _fail(entry, key, where, f"expected {what}, got {value!r}{quote}")
    return value.strip()


def _mapping(entry: Located, key: str, required: bool) -> Located | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, Located) or not value:
        raise _fail(entry, key, "", f"expected a mapping under '{key}'" if key in entry
                    else f"the layout needs '{key}'")
    return value


def _delimiter(doc: Located) -> str | None:
    value = doc.get("delimiter")
    if value is None:
        return None
    if isinstance(value, str) and value.casefold() in DELIMITERS:
        return DELIMITERS[value.casefold()]
    if not isinstance(value, str) or len(value) != 1 or value in "\"\r\n" or value.isalnum():
        raise _fail(doc, "delimiter", "", "expected one character such as \",\", \";\" or \"\\t\" (or the word "
                    f"tab), got {value!r}")
    return value


def _column(entry: Located, key: str, where: str) -> Column:
    """``key: NAME`` or ``key: {column: NAME, optional: true}``."""
    value = entry.get(key)
    if isinstance(value, Located):
        _known_keys(value, COLUMN_KEYS, f"{where}.{key}")
        return Column(_text(value, "column", f"{where}.{key}", what="a column name") or "",
                      _optional(value, f"{where}.{key}"))
    return Column(_text(entry, key, where, what="a column name, or {column: NAME, optional: true}") or "")


def _optional(entry: Located, where: str) -> bool:
    value = entry.get("optional", False)
    if not isinstance(value, bool):
        raise _fail(entry, "optional", where, f"expected true or false, got {value!r}")
    return value


def _roles(doc: Located) -> dict[str, Column]:
    columns = _mapping(doc, "columns", required=True)
    assert columns is not None
    _known_keys(columns, ROLES, "columns")
    for role in REQUIRED_ROLES:
        if role not in columns:
            raise _fail(doc, "columns", "", f"the layout must name the {role} column (columns: {role}: NAME)")
    roles = {role: _column(columns, role, "columns") for role in ROLES if role in columns}
    for role in REQUIRED_ROLES:
        if roles[role].optional:
            raise _fail(columns, role, "columns", f"the {role} column cannot be optional")
    return roles


def _speakers(doc: Located) -> dict[str, str]:
    entry = _mapping(doc, "speakers", required=False)
    if entry is None:
        return dict(DEFAULT_SPEAKERS)
    speakers: dict[str, str] = {}
    for value, role in entry.items():
        key = str(value).strip().casefold()
        if role not in SPEAKER_ROLES:
            raise _fail(entry, value, "speakers", f"expected therapist or patient as the role of speaker value "
                        f"'{value}', got {role!r}")
        if key in speakers:
            raise _fail(entry, value, "speakers", f"speaker value '{value}' is listed twice (values are compared "
                        "without case)")
        speakers[key] = role
    return speakers


def _not_applicable(doc: Located) -> frozenset[str]:
    if "not_applicable" not in doc:
        return frozenset(v.casefold() for v in DEFAULT_NOT_APPLICABLE)
    values = doc.get("not_applicable")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _fail(doc, "not_applicable", "", "expected a list of cell values in quotes, e.g. [\"n/a\", \"\"]")
    return frozenset(v.strip().casefold() for v in values)


def _codes(doc: Located, available: dict[str, UtteranceCode], na: frozenset[str]) -> tuple[CodeColumn, ...]:
    entry = _mapping(doc, "codes", required=True)
    assert entry is not None
    out = []
    for column, spec in entry.items():
        where = f"codes.{column}"
        if not isinstance(spec, Located):
            raise _fail(entry, column, "codes", f"expected a mapping with 'values' (and 'separator', 'optional', "
                        f"'exists', 'absent') for code column '{column}'")
        _known_keys(spec, CODE_KEYS, where)
        separator = _text(spec, "separator", where, required=False, what="a separator such as \";\"")
        exists = _text(spec, "exists", where, required=False, what="the name of a column of True/False flags")
        values, shown = _values(spec, where, available, na)
        absent = _absent(spec, where, available, values, exists)
        out.append(CodeColumn(str(column).strip(), values, shown, separator, _optional(spec, where), exists, absent))
    return tuple(out)


def _absent(spec: Located, where: str, available: dict[str, UtteranceCode],
            values: dict[str, tuple[UtteranceCode, ...]] | None, exists: str | None) -> UtteranceCode | None:
    """The absence code a column records where its flag says False: an absence code of the ontology
    (``prc:absenceCode``) in a dimension the column's values code."""
    name = _text(spec, "absent", where, required=False, what="an absence code such as MISIMPLE:NO-REFLECTION")
    if name is None:
        return None
    if exists is None:
        raise _fail(spec, "absent", where, "'absent' names the code recorded where the flag column says False; "
                    "it needs the flag column too ('exists: FLAG_COLUMN')")
    absences = sorted(c.code for c in available.values() if c.absence)
    info = available.get(name.casefold())
    if info is None:
        near = difflib.get_close_matches(name.upper(), absences, 3)
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        raise _fail(spec, "absent", where, f"'{name}' is not a code of an utterance coding dimension in the "
                    f"ontology{hint}")
    if not info.absence:
        raise _fail(spec, "absent", where, f"{info.code} is not an absence code (prc:absenceCode true in the "
                    "ontology): 'absent' takes a code that records that the behaviour is missing, one of "
                    f"{', '.join(absences) or 'none in this ontology'}")
    dimensions = sorted({c.dimension for codes in (values or {}).values() for c in codes})
    if values is not None and info.dimension not in dimensions:
        own = [c for c in absences if available[c.casefold()].dimension in dimensions]
        hint = f" ({' or '.join(own)})" if own else ""
        raise _fail(spec, "absent", where, f"{info.code} is a code of dimension {info.dimension}, but this column "
                    f"codes {', '.join(dimensions)}; 'absent' takes the absence code of the column's own "
                    f"dimension{hint}")
    return info


def _values(spec: Located, where: str, available: dict[str, UtteranceCode],
            na: frozenset[str]) -> tuple[dict[str, tuple[UtteranceCode, ...]] | None, tuple[str, ...]]:
    values = spec.get("values")
    if values == ITEM_CODES:
        return None, ()
    if not isinstance(values, Located) or not values:
        raise _fail(spec, "values", where, f"expected '{ITEM_CODES}' or a mapping of cell values to item codes")
    here = f"{where}.values"
    mapped: dict[str, tuple[UtteranceCode, ...]] = {}
    for value, codes in values.items():
        key = str(value).strip().casefold()
        if key in na:
            raise _fail(values, value, here, f"value '{value}' is also listed under not_applicable")
        if key in mapped:
            raise _fail(values, value, here, f"value '{value}' is listed twice (values are compared without case)")
        listed = codes if isinstance(codes, list) else [codes]
        if not listed or not all(isinstance(c, str) for c in listed):
            raise _fail(values, value, here, f"expected an item code or a list of item codes, got {codes!r}")
        found: list[UtteranceCode] = []
        for code in listed:
            info = available.get(code.strip().casefold())
            if info is None:
                near = difflib.get_close_matches(code.strip().upper(), [c.code for c in available.values()], 3)
                hint = f"; did you mean {' or '.join(near)}?" if near else ""
                raise _fail(values, value, here, f"'{code}' is not a code of an utterance coding dimension in the "
                            f"ontology{hint}")
            if info.groups:
                raise _fail(values, value, here, summary_group(info))
            if any(f.dimension == info.dimension for f in found):
                raise _fail(values, value, here, f"'{value}' maps to two codes of dimension {info.dimension}; "
                            "a value may stand for at most one code per dimension")
            if info.speaker not in ("therapist", "patient"):
                raise _fail(values, value, here, f"the ontology does not say whose turns dimension {info.dimension} "
                            "codes (prc:speakerRole therapist or patient)")
            found.append(info)
        if len({f.speaker for f in found}) > 1:
            raise _fail(values, value, here, f"'{value}' maps to codes for both therapist and patient turns")
        mapped[key] = tuple(found)
    return mapped, tuple(str(v).strip() for v in values)


def _attributes(doc: Located) -> tuple[Attribute, ...]:
    entry = _mapping(doc, "attributes", required=False)
    if entry is None:
        return ()
    out = []
    for column, spec in entry.items():
        optional = False
        kind = spec
        if isinstance(spec, Located):
            _known_keys(spec, ATTRIBUTE_KEYS, f"attributes.{column}")
            kind, optional = spec.get("type"), _optional(spec, f"attributes.{column}")
        if kind not in ATTRIBUTE_TYPES:
            raise _fail(entry, column, "attributes", f"expected the type of attribute '{column}': one of "
                        f"{', '.join(ATTRIBUTE_TYPES)}, got {kind!r}")
        out.append(Attribute(str(column).strip(), kind, optional))
    return tuple(out)


def _names(doc: Located, key: str) -> frozenset[str]:
    values = doc.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _fail(doc, key, "", "expected a list of column names (in quotes when they look like numbers)")
    return frozenset(v.strip() for v in values)


def _named_once(doc: Located, layout: Layout) -> None:
    """A column is one thing: a role, codes, a flag, an attribute or ignored, never two of them. The
    error points at the second place that names it."""
    columns, codes, attributes = doc["columns"], doc["codes"], doc.get("attributes")
    places: list[tuple[str, str, Located, str, str]] = [
        (c.name, f"the {r} column", columns, r, "columns") for r, c in layout.roles.items()]
    for code in layout.codes:
        places.append((code.name, "a code column", codes, code.name, "codes"))
        if code.exists:
            places.append((code.exists, f"the flag column of {code.name}", codes[code.name], "exists",
                           f"codes.{code.name}"))
    places += [(a.name, "an attribute", attributes, a.name, "attributes") for a in layout.attributes]
    places += [(n, "ignored", doc, "ignore", "") for n in sorted(layout.ignore)]
    seen: dict[str, str] = {}
    for name, what, entry, key, where in places:
        if name in seen:
            raise _fail(entry, key, where, f"column '{name}' is named as {seen[name]} and as {what}; a column can be "
                        "only one")
        seen[name] = what
