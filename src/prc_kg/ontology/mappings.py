"""The SSSOM mapping set: prc-kg terms linked to neighbouring ontologies and between instrument items.

The source is ``ontology/mappings/prc-kg.sssom.tsv``, an SSSOM TSV file (a commented YAML metadata
block, then one mapping per row) that people edit by hand. This module reads it line by line so every
problem is reported with file, line and column, checks it against the ontology, and turns it into SKOS
mapping triples (a row whose object is sssom:NoTermFound documents a gap and gives none). Those triples go into the release (the ontology declares the SKOS mapping properties
as annotation properties, so the release stays OWL 2 DL) and from there into every store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from ..errors import InputError
from ..fileio.files import check_size, utf8_error
from ..vocab import PRC_IRI

MAPPINGS_DIR = "mappings"
MAPPING_FILE = "prc-kg.sssom.tsv"

MAPPING_PREDICATES: dict[str, URIRef] = {
    str(p): p for p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
}
# SSSOM requires the first four; the rest are house rules: every row names both labels, its author and,
# in the comment, the reason for the link in our own words.
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification",
                    "subject_label", "object_label", "author_id", "comment")
CURIE_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification", "author_id")
REQUIRED_METADATA = ("curie_map", "mapping_set_id", "license")
SEMAPV_IRI = "https://w3id.org/semapv/vocab/"
# SSSOM's object for "looked for, none fits": the row stays in the table as a documented gap and, as
# the sssom library does when it writes OWL, gives no triple.
NO_TERM_FOUND = URIRef("https://w3id.org/sssom/NoTermFound")

_CURIE = re.compile(r"^(?P<prefix>[A-Za-z_][A-Za-z0-9_.-]*):(?P<local>.*)$")
MAX_MB = 32  # a hand-curated mapping set is a few hundred rows; millions take minutes to check
_SAFE_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
_BAD_SCHEMES = ("javascript", "vbscript", "data", "file")


@dataclass(frozen=True)
class Mapping:
    """One row of the mapping set, with the CURIEs expanded and the line it came from."""

    line: int
    subject: URIRef
    predicate: URIRef
    object: URIRef
    values: dict[str, str]

    @property
    def found(self) -> bool:
        """False for a row that records that no term fits (object sssom:NoTermFound)."""
        return self.object != NO_TERM_FOUND


@dataclass
class MappingSet:
    path: Path
    metadata: dict
    curie_map: dict[str, str]
    columns: list[str] = field(default_factory=list)
    mappings: list[Mapping] = field(default_factory=list)

    def graph(self) -> Graph:
        """The SKOS mapping triples, one per row that found a term; provenance stays in the TSV."""
        g = Graph()
        g.bind("skos", SKOS)
        for m in self.mappings:
            if m.found:
                g.add((m.subject, m.predicate, m.object))
        return g


def mapping_file(ontology_dir: Path) -> Path:
    """Where an ontology folder keeps its mapping set (next to the modules, read like them)."""
    return Path(ontology_dir) / MAPPINGS_DIR / MAPPING_FILE


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered lines without their line ends; a bad byte is reported with its line."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            for number, text in enumerate(fh, start=1):
                yield number, text.rstrip("\r\n")
    except UnicodeDecodeError:
        raise utf8_error(path) from None  # the decoder works on buffered chunks and knows no line
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from exc


def _metadata(path: Path, block: list[tuple[int, str]]) -> dict:
    """Parse the commented YAML block; YAML errors point at the file line, not the block line."""
    text = "\n".join(re.sub(r"^#\s?", "", line) for _, line in block)
    first = block[0][0] if block else 1
    try:
        meta = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first + mark.line if mark is not None else first
        raise InputError(path, f"metadata block is not valid YAML: {getattr(exc, 'problem', exc)}",
                         line=line) from None
    if not isinstance(meta, dict):
        raise InputError(path, "expected a YAML metadata block (lines starting with '#') before the header",
                         line=first)
    return meta


def _key_line(block: list[tuple[int, str]], key: str, default: int) -> int:
    """The file line of a metadata key, so a bad prefix or field is reported where it is written."""
    pattern = re.compile(rf"^#\s*{re.escape(key)}\s*:")
    return next((n for n, line in block if pattern.match(line)), default)


def _check_metadata(path: Path, meta: dict, block: list[tuple[int, str]]) -> dict[str, str]:
    first = block[0][0] if block else 1
    for key in REQUIRED_METADATA:
        if key not in meta or meta[key] in (None, "", {}):
            raise InputError(path, f"metadata needs '{key}'", line=first, field=key)
    for key in ("mapping_set_id", "license"):
        value = str(meta[key])
        if not _SAFE_IRI.match(value):
            raise InputError(path, f"'{key}' must be an http(s) IRI without spaces, got '{value}'",
                             line=_key_line(block, key, first), field=key)
    curie_map = meta["curie_map"]
    if not isinstance(curie_map, dict):
        raise InputError(path, "'curie_map' must map prefixes to IRIs", line=_key_line(block, "curie_map", first),
                         field="curie_map")
    for prefix, iri in curie_map.items():
        if not _SAFE_IRI.match(str(iri)):
            raise InputError(path, f"prefix '{prefix}' must expand to an http(s) IRI without spaces, got '{iri}'",
                             line=_key_line(block, str(prefix), first), field="curie_map")
    return {str(k): str(v) for k, v in curie_map.items()}


def _expand(path: Path, line: int, column: str, value: str, curie_map: dict[str, str]) -> str:
    """A CURIE as a full IRI; anything but a declared prefix over a safe http(s) IRI is refused."""
    if not value:
        raise InputError(path, f"'{column}' is empty", line=line, field=column)
    if any(ch.isspace() for ch in value):
        raise InputError(path, f"'{value}' contains white space; an identifier must not", line=line, field=column)
    match = _CURIE.match(value)
    scheme = value.lstrip("<").split(":", 1)[0].lower()
    if scheme in _BAD_SCHEMES:
        raise InputError(path, f"'{value}' uses the '{scheme}:' scheme; only http(s) IRIs are allowed",
                         line=line, field=column)
    if value.startswith("<") or "://" in value:
        raise InputError(path, f"'{value}' is a full IRI; write it as a CURIE with a prefix from the curie_map",
                         line=line, field=column)
    if match is None:
        raise InputError(path, f"'{value}' is not a CURIE (PREFIX:LOCAL)", line=line, field=column)
    prefix = match["prefix"]
    if prefix not in curie_map:
        raise InputError(path, f"prefix '{prefix}' of '{value}' is not declared in the curie_map",
                         line=line, field=column)
    iri = curie_map[prefix] + match["local"]
    if not _SAFE_IRI.match(iri):
        raise InputError(path, f"'{value}' expands to '{iri}', not a safe http(s) IRI", line=line, field=column)
    return iri


def _known(term: URIRef, ontology: Graph) -> bool:
    return (term, RDF.type, None) in ontology


def read_mapping_set(path: Path, ontology: Graph | None = None) -> MappingSet:
    """Read and check an SSSOM TSV file; with ``ontology``, every prc-kg term it names must exist there.

    Checks: the metadata block (curie_map, mapping_set_id, licence), the header's required columns, the
    cell count of each row, SKOS mapping predicates only, CURIEs with declared prefixes expanding to
    http(s) IRIs without spaces, a semapv justification, and no (subject, predicate, object) twice.
    """
    path = Path(path)
    check_size(path, "an SSSOM mapping set", MAX_MB, "split it into several mapping sets")
    block: list[tuple[int, str]] = []
    mset: MappingSet | None = None
    seen: dict[tuple[URIRef, URIRef, URIRef], int] = {}
    header_line = 0
    for number, line in _lines(path):
        if mset is None:
            if line.startswith("#"):
                block.append((number, line))
                continue
            if not line.strip():
                continue
            meta = _metadata(path, block)
            curie_map = _check_metadata(path, meta, block)
            columns = line.split("\t")
            for col in REQUIRED_COLUMNS:
                if col not in columns:
                    raise InputError(path, f"header lacks the required column '{col}'", line=number, field=col)
            dup = next((c for c in columns if columns.count(c) > 1), None)
            if dup:
                raise InputError(path, f"column '{dup}' appears twice in the header", line=number, field=dup)
            mset = MappingSet(path, meta, curie_map, columns)
            header_line = number
            continue
        if not line.strip():
            continue
        if line.startswith("#"):
            raise InputError(path, "metadata lines ('#') must all come before the header", line=number)
        cells = line.split("\t")
        if len(cells) != len(mset.columns):
            raise InputError(path, f"row has {len(cells)} cells, the header (line {header_line}) has "
                             f"{len(mset.columns)}", line=number)
        values = dict(zip(mset.columns, cells))
        mset.mappings.append(_check_row(path, number, values, mset.curie_map, ontology, seen))
    if mset is None:
        raise InputError(path, "no header row; expected an SSSOM TSV table after the metadata block",
                         line=block[-1][0] if block else None)
    if not mset.mappings:
        raise InputError(path, "the mapping set has no rows", line=header_line)
    return mset


def _check_row(path: Path, number: int, values: dict[str, str], curie_map: dict[str, str],
               ontology: Graph | None, seen: dict) -> Mapping:
    for col in ("subject_label", "object_label", "comment"):
        if not values[col].strip():
            raise InputError(path, f"'{col}' is empty", line=number, field=col)
    iris = {col: _expand(path, number, col, values[col], curie_map) for col in CURIE_COLUMNS}
    if iris["predicate_id"] not in MAPPING_PREDICATES:
        known = ", ".join(f"skos:{p.rsplit('#', 1)[-1]}" for p in MAPPING_PREDICATES)
        raise InputError(path, f"unknown mapping predicate '{values['predicate_id']}'; expected one of {known}",
                         line=number, field="predicate_id")
    if not iris["mapping_justification"].startswith(SEMAPV_IRI):
        raise InputError(path, f"'{values['mapping_justification']}' is not a semapv justification",
                         line=number, field="mapping_justification")
    subject, obj = URIRef(iris["subject_id"]), URIRef(iris["object_id"])
    if not str(subject).startswith(PRC_IRI):
        raise InputError(path, f"subject '{values['subject_id']}' must be a prc-kg term", line=number,
                         field="subject_id")
    if ontology is not None:
        if not _known(subject, ontology):
            raise InputError(path, f"unknown subject '{values['subject_id']}': the ontology does not declare it",
                             line=number, field="subject_id")
        if str(obj).startswith(PRC_IRI) and not _known(obj, ontology):
            raise InputError(path, f"unknown object '{values['object_id']}': the ontology does not declare it",
                             line=number, field="object_id")
    if subject == obj:
        raise InputError(path, f"'{values['subject_id']}' is mapped to itself", line=number, field="object_id")
    predicate = MAPPING_PREDICATES[iris["predicate_id"]]
    key = (subject, predicate, obj)
    if key in seen:
        raise InputError(path, f"duplicate mapping {values['subject_id']} {values['predicate_id']} "
                         f"{values['object_id']} (first on line {seen[key]})", line=number, field="object_id")
    seen[key] = number
    return Mapping(number, subject, predicate, obj, values)


def load_mappings(path: Path, ontology: Graph | None = None) -> Graph:
    """The SKOS triples of a checked mapping set."""
    return read_mapping_set(path, ontology).graph()


def has_mappings(g: Graph) -> bool:
    """Whether a graph already carries the mapping set (the release does): SKOS mappings from prc-kg
    terms to terms of other ontologies. Mappings between prc-kg's own terms do not count, since the
    ontology source asserts some itself (codes of one coding system matching those of another)."""
    return any(str(s).startswith(PRC_IRI) and not str(o).startswith(PRC_IRI)
               for p in MAPPING_PREDICATES.values() for s, o in g.subject_objects(p))
