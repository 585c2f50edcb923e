"""Bad input across the whole tool: one row per (entry point, kind of bad input), through the real CLI.

Each row breaks one input in a scratch copy (under tmp_path) of the ontology, the examples, an
earlier build with imported ratings, and a store; runs ``prc-kg``; and checks

* the exit code: 2 for bad input, 1 where QC reports an ERROR, 0 where the table says the input is
  accepted on purpose;
* the message: it names the file and the line or field, and says what was expected (each row lists
  the fragments it must contain);
* that nothing changed: the SHA-256 of every file in the scratch tree (inputs, earlier outputs,
  store) is the same before and after, and no file appeared or vanished. Rows that are accepted
  list the paths they may write.

Inputs that read better as files (other encodings, YAML attacks, query files) are under
tests/data/bad_input/; the others are one-line edits of the real files, made at test time.

Decisions the table records: a UTF-8 byte order mark is accepted everywhere. Markup in a label is
text: in the examples it is stored as it is (the pages prc-kg writes put data on the page as text,
not as HTML); in the ontology QC warns
(label_markup). A missing output folder is created. The ratings and mapping files accept only ids
and codes that can become part of an IRI, so markup or a scheme there is refused as a bad id.

Hypothesis fuzzes the ratings importer and the YAML loader: any input imports or loads, or raises
InputError, and never leaves a partial output. Tests that generate files of 200 MB or more are marked
``huge_input`` (``pytest -m huge_input``).
"""

from __future__ import annotations

import copy
import csv
import ctypes
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from conftest import DATA, ROOT, copy_ontology
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prc_kg.cli.main import main
from prc_kg.errors import InputError
from prc_kg.instances.cases import CaseBuilder
from prc_kg.instances.findings import FindingBuilder
from prc_kg.instances.ratings import COLUMNS, import_ratings

pytestmark = pytest.mark.slow  # every row runs the real command on a scratch copy

BAD = DATA / "bad_input"
HUGE = 200 * 1024 * 1024
VIGNETTE = (BAD / "vignette.yaml").read_text(encoding="utf-8")
FINDING = (BAD / "finding.yaml").read_text(encoding="utf-8")
HEADER = ",".join(COLUMNS) + "\n"
ROWS = "s,d1,1,1,therapist,APS:TYPE-INT,3,r1,2024-01-01\ns,d1,1,1,therapist,APS:TYPE-INT,2,r2,2024-01-01\n"
ROW = "s,d1,1,2,therapist,APS:TYPE-INT,3,r1,2024-01-01\n"  # the row each ratings case breaks, at line 4
PRC = "https://w3id.org/prc-kg/ontology/"
SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
MODALITIES = "ontology/modules/modalities.ttl"
PSA_LABEL = 'rdfs:label "psychoanalysis"@en'
EXTRA_NT = "<urn:a> <urn:b> <urn:c> .\n"


# -- the scratch tree ----------------------------------------------------------------------------------

@dataclass
class Scratch:
    """Paths of one row's scratch tree; ``fmt`` fills {o} {e} {b} {s} {i} and setup values into text."""

    root: Path
    values: dict[str, object] = field(default_factory=dict)

    def fmt(self, text: str) -> str:
        r = self.root
        return text.format(o=r / "ontology", e=r / "examples", b=r / "build", s=r / "store", i=r / "in",
                           **self.values)


Setup = Callable[[Scratch], dict[str, object] | None]


def _line(data: bytes | str, at: int) -> int:
    return data[:at].count(b"\n" if isinstance(data, bytes) else "\n") + 1


def edit(rel: str, old: str, new: str | bytes) -> Setup:
    """Replace the first ``old`` in a scratch file; {line} is the line it was on."""
    def setup(w: Scratch) -> dict[str, object]:
        path = w.root / rel
        data = path.read_bytes()
        at = data.find(old.encode())
        assert at >= 0, f"{old!r} is no longer in {rel}: update the row"
        path.write_bytes(data[:at] + (new if isinstance(new, bytes) else new.encode()) + data[at + len(old.encode()):])
        return {"line": _line(data, at)}
    return setup


def append(rel: str, text: str) -> Setup:
    """Add Turtle (or any text) at the end of a scratch file; {line} is its first line."""
    def setup(w: Scratch) -> dict[str, object]:
        path = w.root / rel
        data = path.read_bytes().rstrip(b"\n") + b"\n\n"
        path.write_bytes(data + text.encode() + b"\n")
        return {"line": _line(data, len(data))}
    return setup


def put(rel: str, content: str | bytes) -> Setup:
    def setup(w: Scratch) -> None:
        path = w.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return setup


def fixture(name: str, rel: str) -> Setup:
    """A file from tests/data/bad_input/."""
    return put(rel, (BAD / name).read_bytes())


def recode(rel: str, encoding: str) -> Setup:
    def setup(w: Scratch) -> None:
        path = w.root / rel
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    return setup


def remove(rel: str) -> Setup:
    return lambda w: (w.root / rel).unlink()


def fifo(rel: str) -> Setup:
    def setup(w: Scratch) -> None:
        os.mkfifo(w.root / rel)  # nobody writes to it: opening it to read would wait for ever
    return setup


def link(rel: str, target: str) -> Setup:
    def setup(w: Scratch) -> None:
        (w.root / rel).symlink_to(target)
    return setup


def mkdir(rel: str, mode: int = 0o755) -> Setup:
    def setup(w: Scratch) -> None:
        (w.root / rel).mkdir(parents=True)
        (w.root / rel).chmod(mode)
    return setup


def replaced(template: str, rel: str, old: str, new: str) -> Setup:
    """``template`` (a fixture's text) with one edit, written to ``rel``; {line} is the edit's line."""
    assert old in template, old

    def setup(w: Scratch) -> dict[str, object]:
        put(rel, template.replace(old, new, 1))(w)
        return {"line": _line(template, template.index(old))}
    return setup


def vignette(old: str, new: str) -> Setup:
    return replaced(VIGNETTE, "examples/vignettes/zz-bad.yaml", old, new)


def finding(old: str, new: str) -> Setup:
    return replaced(FINDING, "examples/findings/zz-bad.yaml", old, new)


def ratings(text: str | bytes) -> Setup:
    return put("in/ratings.csv", text)


def own_codes(old: str = "", new: str = "", content: str | bytes | None = None) -> Setup:
    """The own-codes ratings file with its mapping file, the mapping edited (or replaced by ``content``)."""
    mapping = (BAD / "items_own_code.csv").read_text(encoding="utf-8")

    def setup(w: Scratch) -> dict[str, object] | None:
        fixture("ratings_own_code.csv", "in/ratings.csv")(w)
        if content is not None:
            put("in/items.csv", content)(w)
            return None
        return replaced(mapping, "in/items.csv", old, new)(w)
    return setup


def both(*setups: Setup) -> Setup:
    def setup(w: Scratch) -> dict[str, object]:
        values: dict[str, object] = {}
        for s in setups:
            values.update(s(w) or {})
        return values
    return setup


# -- the table -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    entry: str                       # entry point
    kind: str                        # kind of bad input
    argv: tuple[str, ...]            # CLI arguments, with {o} {e} {b} {s} {i} and setup values
    expect: tuple[str, ...]          # fragments the output must contain (same placeholders)
    setup: Setup | None = None
    code: int = 2
    writes: tuple[str, ...] = ()     # scratch paths an accepted input may write
    store: bool = False              # the row needs the store
    sandbox: bool = False            # run in a child process that cannot override file permissions
    check: Callable[[Scratch], None] | None = None  # what an accepted input must have produced
    marks: tuple = ()

    @property
    def id(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", f"{self.entry} {self.kind}".lower()).strip("-")


BUILD = ("build", "--ontology", "{o}", "--examples", "{e}", "--out", "{b}")
QC = ("qc", "--ontology", "{o}")
OLD_RATINGS = "{b}/ratings/two_raters.nt"
IMPORT = ("import", "{i}/ratings.csv", "--ontology", "{o}", "--out", OLD_RATINGS)
IMPORT_OWN = (*IMPORT, "--mapping", "{i}/items.csv")
QUERY = ("query", "{i}/q.rq", "--store", "{s}")
CQ01 = ("query", "cq01_session_intervention_types", "--store", "{s}")
VIG = "{e}/vignettes/zz-bad.yaml"
FND = "{e}/findings/zz-bad.yaml"
MOD = "{o}/modules/modalities.ttl"
SLUG = "expected a slug of lower-case letters, digits and '-'"
U16 = "not UTF-8: the file is UTF-16 (little-endian byte-order mark); save it as UTF-8"
ID = "expected an id of letters, digits, '_', '.' or '-'"
CODE = "expected a code of letters, digits, '_', '.', ':' or '-' (it becomes part of an IRI)"

ONTOLOGY = [
    Row("ontology", "malformed Turtle", BUILD, (f"{MOD}:{{line}}: turtle syntax error",),
        edit(MODALITIES, "prc:Psychoanalysis a owl:Class ;", "prc:Psychoanalysis a owl:Class , ;")),
    Row("ontology", "unknown prefix", BUILD, (f"{MOD}:{{line}}:", 'Prefix "zzz:" not bound'),
        edit(MODALITIES, "prc:Psychoanalysis a owl:Class ;", "zzz:Psychoanalysis a owl:Class ;")),
    Row("ontology", "Latin-1 byte", BUILD, (f"{MOD}:{{line}}: not UTF-8 (byte 0xe9",),
        edit(MODALITIES, PSA_LABEL, b'rdfs:label "psychoanalys\xe9"@en')),
    Row("ontology", "UTF-16 file", BUILD, (f"{MOD}:1: {U16}",),
        recode(MODALITIES, "utf-16")),
    Row("ontology", "UTF-8 byte order mark (accepted)", QC, ("QC: ", " 0 ERROR"),
        recode(MODALITIES, "utf-8-sig"), code=0),
    Row("ontology", "empty main file", BUILD, ("{o}/prc-kg.ttl: file is empty; expected an RDF document",),
        put("ontology/prc-kg.ttl", b"")),
    Row("ontology", "missing module file", BUILD,
        (f"{MOD}: file for imported ontology <{PRC}module/modalities> not found",), remove(MODALITIES)),
    Row("ontology", "malformed catalog", BUILD, ("{o}/catalog-v001.xml:{line}: not well-formed XML",),
        edit("ontology/catalog-v001.xml", "</catalog>", "</catalgo>")),
    Row("ontology", "unknown code (provenance tag)", QC,
        (f"ERROR\tinvalid_provenance_tag\t{PRC}PsychodynamicPsychotherapy\t{PRC}provenanceTag  WIKI",),
        edit(MODALITIES, 'prc:provenanceTag "LIT"', 'prc:provenanceTag "WIKI"'), code=1),
    Row("ontology", "unknown code (item cross-reference)", QC,
        (f"ERROR\tdangling_item_xref\t{PRC}Psychoanalysis\t{PRC}itemXref  PQS:999",),
        append(MODALITIES, 'prc:Psychoanalysis prc:itemXref "PQS:999" .'), code=1),
    Row("ontology", "out-of-range item scale", QC, (f"ERROR\titem_scale\t{PRC}APS_TYPE-INT\t{PRC}scaleMin  0 to -4",),
        append("ontology/modules/instruments.ttl", 'prc:APS_TYPE-INT prc:scaleMax "-4"^^xsd:decimal .'), code=1),
    Row("ontology", "duplicate label", QC, (f"ERROR\tduplicate_label\t{PRC}Psychoanalysis\t{LABEL}",),
        edit(MODALITIES, PSA_LABEL, 'rdfs:label "psychodynamic psychotherapy"@en'), code=1),
    Row("ontology", "duplicate ontology IRI", BUILD,
        (f"{MOD}: catalog maps <{PRC}module/modalities> to this file, but its header names <{PRC}module/core>",),
        edit(MODALITIES, f"<{PRC}module/modalities> a owl:Ontology", f"<{PRC}module/core> a owl:Ontology")),
    Row("ontology", "missing label", QC, (f"ERROR\tmissing_label\t{PRC}Psychoanalysis\t{LABEL}  at {MOD}:",),
        edit(MODALITIES, f"    {PSA_LABEL} ;\n", ""), code=1),
    Row("ontology", "missing ontology header", BUILD,
        (f"{MOD}: expected exactly one owl:Ontology header with an IRI, found 0",),
        edit(MODALITIES, f"<{PRC}module/modalities> a owl:Ontology", f"<{PRC}module/modalities> a owl:Thing")),
    Row("ontology", "cycle in the class hierarchy", QC,
        (f"ERROR\tsubclass_cycle\t{PRC}Psychoanalysis\t{SUBCLASS}  {PRC}PsychodynamicPsychotherapy",
         f"ERROR\tsubclass_cycle\t{PRC}PsychodynamicPsychotherapy\t{SUBCLASS}  {PRC}Psychoanalysis"),
        append(MODALITIES, "prc:PsychodynamicPsychotherapy rdfs:subClassOf prc:Psychoanalysis ."), code=1),
    Row("ontology", "IRI with a space", BUILD,
        (f"{MOD}:{{line}}: IRI <{PRC}Psycho analysis> contains a space",),
        append(MODALITIES, f"<{PRC}Psycho analysis> rdfs:subClassOf prc:Psychotherapy .")),
    Row("ontology", "javascript: IRI", BUILD, (f"{MOD}:{{line}}: IRI <javascript:alert(1)> has an unsafe scheme",),
        append(MODALITIES, "prc:Psychoanalysis rdfs:seeAlso <javascript:alert(1)> .")),
    Row("ontology", "relative IRI", BUILD,
        (f"{MOD}:{{line}}: relative IRI <Psychoanalysis>; write a full http(s) IRI",),
        append(MODALITIES, "prc:Psychoanalysis rdfs:seeAlso <Psychoanalysis> .")),
    Row("ontology", "markup in a label (QC warns)", (*QC, "--show", "WARN"),
        (f"WARN\tlabel_markup\t{PRC}Psychoanalysis\t{LABEL}  psychoanalysis <img src=x onerror=alert(1)>",),
        edit(MODALITIES, PSA_LABEL, 'rdfs:label "psychoanalysis <img src=x onerror=alert(1)>"@en'), code=0),
]

EXAMPLES = [
    Row("examples YAML", "malformed syntax", BUILD, (f"{VIG}:9: YAML syntax error",),
        vignette("source: [Reference]", "source: [Reference")),
    Row("examples YAML", "tab indentation", BUILD, (f"{VIG}:{{line}}: YAML syntax error: found character '\\t'",),
        vignette("    tag: BK", "\ttag: BK")),
    Row("examples YAML", "Latin-1 file", BUILD, (f"{VIG}:5: not UTF-8 (byte 0xe9",),
        fixture("vignette_latin1.yaml", "examples/vignettes/zz-bad.yaml")),
    Row("examples YAML", "UTF-16 file", BUILD, (f"{VIG}:1: {U16}",),
        fixture("vignette_utf16.yaml", "examples/vignettes/zz-bad.yaml")),
    Row("examples YAML", "UTF-8 byte order mark (accepted)", BUILD, ("wrote {b}/examples.ttl",),
        fixture("vignette_bom.yaml", "examples/vignettes/zz-bad.yaml"), code=0, writes=("build",)),
    Row("examples YAML", "empty file", BUILD, (f"{VIG}: file is empty; expected a YAML document",),
        put("examples/vignettes/zz-bad.yaml", b"")),
    Row("examples YAML", "control character", BUILD, (f"{VIG}:21: character U+0007 is not allowed in YAML",),
        fixture("vignette_control_char.yaml", "examples/vignettes/zz-bad.yaml")),
    Row("examples YAML", "alias bomb (billion laughs)", BUILD, (f"{VIG}:4: YAML aliases (*name) are not allowed",),
        fixture("vignette_aliases.yaml", "examples/vignettes/zz-bad.yaml")),
    Row("examples YAML", "deep nesting", BUILD, (f"{VIG}:2: nested more than 64 levels deep",),
        put("examples/vignettes/zz-bad.yaml", "prc-kg: cases/1\ncases: " + "[" * 1000 + "]" * 1000 + "\n")),
    Row("examples YAML", "list as a key", BUILD, (f"{VIG}:8: expected a field name as key",),
        fixture("vignette_complex_key.yaml", "examples/vignettes/zz-bad.yaml")),
    Row("examples YAML", "python object tag", BUILD,
        (f"{VIG}:4: YAML syntax error: could not determine a constructor for the tag", "python/object/apply"),
        fixture("vignette_python_tag.yaml", "examples/vignettes/zz-bad.yaml")),
    Row("examples YAML", "unknown code (class name)", BUILD,
        (f"{VIG}:{{line}} [illustrates]: 'InterpretationOfDefence' is not a class of the ontology",),
        vignette("illustrates: [InterpretationOfDefense]", "illustrates: [InterpretationOfDefence]")),
    Row("examples YAML", "unknown code (class of the wrong kind)", BUILD,
        (f"{VIG}:{{line}} [aim]: 'Interpretation' is not a kind of intervention aim",),
        vignette("aim: [PatientsDefense]", "aim: [Interpretation]")),
    Row("examples YAML", "unknown code (instrument)", BUILD,
        (f"{VIG}:{{line}} [studied_with]: 'APX' is not an instrument of the ontology",),
        vignette("studied_with: [APS]", "studied_with: [APX]")),
    Row("examples YAML", "unknown code (evaluation)", BUILD,
        (f"{VIG}:{{line}} [evaluation]: expected one of helpful, unhelpful, mixed, got 'great'",),
        vignette("evaluation: helpful", "evaluation: great")),
    Row("examples YAML", "unknown code (finding direction)", BUILD,
        (f"{FND}:{{line}} [direction]: expected one of positive, negative, null, mixed, not-directional, got 'up'",),
        finding("direction: positive", "direction: up")),
    Row("examples YAML", "unknown code (finding relation given as a free verb)", BUILD,
        (f"{FND}:{{line}} [relation]: expected a relation property of the ontology, one of associatedWith, ",
         "got 'followed by' (the source's verb goes in 'wording')"),
        finding("relation: predictsIncrease", "relation: followed by")),
    Row("examples YAML", "relation whose sign contradicts the direction", BUILD,
        (f"{FND}:{{line}} [relation]: relation 'predictsDecrease' is negative, but the direction is positive",),
        finding("relation: predictsIncrease", "relation: predictsDecrease")),
    Row("examples YAML", "unknown code (moderator level)", BUILD,
        ((f"{FND}:{{line}} [moderator]: moderator 1: expected a level, one of low, high, growing, stagnant, "
          "present, absent, skilful, unskilful; got 'medium'"),),
        finding("level: low}", "level: medium}")),
    Row("examples YAML", "unknown code (what a sample size counts)", BUILD,
        (f"{FND}:{{line}} [n]: 'counts' names the class of what is counted",),
        finding("counts: Patient}", "counts: Patients}")),
    Row("examples YAML", "unknown code (figure qualifier)", BUILD,
        (f"{FND}:{{line}} [n]: expected a qualifier, one of exact, about, more than, at least, at most; got 'over'",),
        finding("qualifier: more than,", "qualifier: over,")),
    Row("examples YAML", "older findings format (free-text relations)", BUILD,
        ((f"{FND}:1 [prc-kg]: expected 'prc-kg: findings/2' at the top, found 'findings/1': findings/1 gave "
          "relations as free verbs"),),
        finding("prc-kg: findings/2", "prc-kg: findings/1")),
    Row("examples YAML", "out-of-range (NaN duration)", BUILD,
        (f"{VIG}:{{line}} [duration_years]: expected a number, got nan",),
        vignette("duration_years: 2.5", "duration_years: .nan")),
    Row("examples YAML", "out-of-range (negative duration)", BUILD,
        (f"{VIG}:{{line}} [duration_years]: expected a non-negative number, got -1",),
        vignette("duration_years: 2.5", "duration_years: -1")),
    Row("examples YAML", "out-of-range (session 0)", BUILD,
        (f"{VIG}:{{line}} [number]: expected a positive integer, got 0",), vignette("- number: 1", "- number: 0")),
    Row("examples YAML", "out-of-range (effect size r)", BUILD,
        (f"{FND}:{{line}} [r]: expected a value between -1 and 1, got 1.5",), finding("r: 0.278", "r: 1.5")),
    Row("examples YAML", "out-of-range (confidence interval reversed)", BUILD,
        (f"{FND}:{{line}} [ci]: lower bound 0.3 is above upper bound 0.2",),
        finding("ci: [0.256, 0.299]", "ci: [0.3, 0.2]")),
    Row("examples YAML", "out-of-range (confidence interval not numbers)", BUILD,
        (f"{FND}:{{line}} [ci]: expected [lower, upper] as two numbers, got ['low', 'high']",),
        finding("ci: [0.256, 0.299]", "ci: [low, high]")),
    Row("examples YAML", "duplicate id across files", BUILD,
        (f"{VIG}:{{line}} [id]: case id 'annie' is already used in {{e}}/cases/annie.yaml",),
        vignette("id: bad-input-vignette", "id: annie")),
    Row("examples YAML", "duplicate key", BUILD, (f"{VIG}:{{line}} [tag]: duplicate key 'tag'",),
        vignette("    source: [Reference]", "    tag: PRC")),
    Row("examples YAML", "duplicate turn number", BUILD,
        (f"{VIG}:{{line}} [tos]: turn 1 is listed twice in session 1",), vignette("- tos: 2", "- tos: 1")),
    Row("examples YAML", "missing required field (title)", BUILD, (f"{VIG}:4 [title]: is required",),
        vignette("    title: A vignette for the bad-input suite\n", "")),
    Row("examples YAML", "missing format marker", BUILD,
        (f"{VIG}:", "[prc-kg]: expected 'prc-kg: cases/1' at the top, found None"),
        vignette("prc-kg: cases/1\n", "")),
    Row("examples YAML", "missing required field (finding statement)", BUILD,
        (f"{FND}:4 [statement]: expected the finding in one or two sentences of our own words",),
        finding("    statement: In our words, the alliance goes with a better outcome.\n", "")),
    Row("examples YAML", "list where a word is expected", BUILD,
        (f"{VIG}:{{line}} [speaker]: expected one of patient, therapist, unknown, got ['patient']",),
        vignette("speaker: patient", "speaker: [patient]")),
    Row("examples YAML", "mapping where turn numbers are expected", BUILD,
        (f"{VIG}:{{line}} [on]: expected turn numbers, got {{{{'turn': 2}}}}",),
        vignette("on: [2]", "on: [{turn: 2}]")),
    Row("examples YAML", "number where a list is expected", BUILD,
        (f"{VIG}:{{line}} [studied_with]: expected a list of instrument names, got 5",),
        vignette("studied_with: [APS]", "studied_with: 5")),
    Row("examples YAML", "IRI with a space as id", BUILD,
        (f"{VIG}:{{line}} [id]: {SLUG}, got 'https://example.org/a case'",),
        vignette("id: bad-input-vignette", "id: https://example.org/a case")),
    Row("examples YAML", "javascript: as a source", BUILD,
        (f"{VIG}:{{line}} [source]: 'javascript:alert(1)' is not a source of the ontology",),
        vignette("source: [Reference]", "source: ['javascript:alert(1)']")),
    Row("examples YAML", "javascript: as a class", BUILD,
        (f"{VIG}:{{line}} [modality]: 'javascript:alert(1)' is not a class of the ontology",),
        vignette("modality: Psychoanalysis", "modality: 'javascript:alert(1)'")),
    Row("examples YAML", "javascript: as a case id", BUILD,
        (f"{FND}:{{line}} [cases]: 'javascript:alert(1)' is not the id of a loaded case",),
        finding("    tag: LIT", "    cases: ['javascript:alert(1)']\n    tag: LIT")),
    Row("examples YAML", "markup in a title (accepted as text)", BUILD, ("wrote {b}/examples.ttl",),
        vignette("title: A vignette for the bad-input suite", "title: <img src=x onerror=alert(1)>"),
        code=0, writes=("build",), check=lambda w: _has(w.root / "build" / "examples.ttl",
                                                        '"<img src=x onerror=alert(1)>"@en')),
]

RATINGS = [
    Row("ratings CSV", "malformed (short row)", IMPORT, ("{i}/ratings.csv:4: expected 9 values, found 7",),
        ratings(HEADER + ROWS + "s,d1,1,2,therapist,APS:TYPE-INT,3\n")),
    Row("ratings CSV", "malformed (bare CR line ends)", IMPORT,
        ("{i}/ratings.csv:1: CSV syntax error: a bare CR line break (old Mac line ends?); expected LF or CRLF",),
        fixture("ratings_cr_only.csv", "in/ratings.csv")),
    Row("ratings CSV", "Latin-1 byte", IMPORT,
        ("{i}/ratings.csv:4: not UTF-8 (byte 0xfc at column 36); save the file as UTF-8",),
        fixture("ratings_latin1.csv", "in/ratings.csv")),
    Row("ratings CSV", "UTF-16 file", IMPORT, (f"{{i}}/ratings.csv:1: {U16}",),
        fixture("ratings_utf16.csv", "in/ratings.csv")),
    Row("ratings CSV", "UTF-8 byte order mark (accepted)",
        ("import", "{i}/ratings.csv", "--ontology", "{o}", "--out", "{b}/ratings/bom.nt"), ("imported 2 ratings",),
        fixture("ratings_bom.csv", "in/ratings.csv"), code=0, writes=("build/ratings/bom.nt",)),
    Row("ratings CSV", "empty file", IMPORT,
        ("{i}/ratings.csv: file is empty; expected a header line: study,dyad,session,segment,segment_kind",),
        ratings(b"")),
    Row("ratings CSV", "header only", IMPORT, ("{i}/ratings.csv: the file has a header but no ratings",),
        ratings(HEADER)),
    Row("ratings CSV", "one very long line", IMPORT, ("{i}/ratings.csv:2: line is longer than 65536 bytes",),
        ratings(HEADER + "x" * 1_000_000 + "\n")),
    Row("ratings CSV", "unknown code (item)", IMPORT,
        ("{i}/ratings.csv: 1 problem(s); nothing was imported", "row 4, column item: unknown item code 'APS:TYPE-XYZ'"),
        ratings(HEADER + ROWS + ROW.replace("APS:TYPE-INT", "APS:TYPE-XYZ"))),
    Row("ratings CSV", "unknown code (segment kind)", IMPORT,
        ("row 4, column segment_kind: expected therapist, patient or joint, got 'analyst'",),
        ratings(HEADER + ROWS + ROW.replace("therapist", "analyst"))),
    Row("ratings CSV", "out-of-range value", IMPORT,
        ("row 4, column value: 7 is outside the scale of APS:TYPE-INT (0.0 to 4.0)",),
        ratings(HEADER + ROWS + ROW.replace(",3,r1", ",7,r1"))),
    Row("ratings CSV", "value with an exponent", IMPORT, ("row 4, column value: expected a number, got '3e0'",),
        ratings(HEADER + ROWS + ROW.replace(",3,r1", ",3e0,r1"))),
    Row("ratings CSV", "session number too large", IMPORT,
        ("row 4, column session: '99999999999999999999999' is too large",),
        ratings(HEADER + ROWS + ROW.replace("d1,1,2", "d1,99999999999999999999999,2"))),
    Row("ratings CSV", "non-ASCII digit", IMPORT, ("row 4, column segment: expected a positive integer, got '²'",),
        ratings(HEADER + ROWS + ROW.replace("d1,1,2", "d1,1,²"))),
    Row("ratings CSV", "impossible date", IMPORT, ("row 4, column date: '2024-02-30' is not a calendar date",),
        ratings(HEADER + ROWS + ROW.replace("2024-01-01", "2024-02-30"))),
    Row("ratings CSV", "duplicate rating", IMPORT,
        ("rows 2, 4: duplicate rating of APS:TYPE-INT by rater r1 for study s, dyad d1, session 1, segment 1",),
        ratings(HEADER + ROWS + ROWS.splitlines(keepends=True)[0])),
    Row("ratings CSV", "missing column", IMPORT,
        ("{i}/ratings.csv:1 [header]: missing column(s) rater; expected exactly: study,dyad",),
        ratings(HEADER.replace(",rater", "") + "s,d1,1,1,therapist,APS:TYPE-INT,3,2024-01-01\n")),
    Row("ratings CSV", "missing value", IMPORT, ("row 4, column date: expected a date as YYYY-MM-DD, got ''",),
        ratings(HEADER + ROWS + ROW.replace("2024-01-01", ""))),
    Row("ratings CSV", "IRI with a space as study id", IMPORT, (f"row 4, column study: {ID}, got 'my study'",),
        ratings(HEADER + ROWS + ROW.replace("s,d1", "my study,d1"))),
    Row("ratings CSV", "javascript: as dyad id", IMPORT, (f"row 4, column dyad: {ID}, got 'javascript:alert(1)'",),
        ratings(HEADER + ROWS + ROW.replace("d1", "javascript:alert(1)"))),
    Row("ratings CSV", "markup as rater id", IMPORT,
        (f"row 4, column rater: {ID}, got '<img src=x onerror=alert(1)>'",),
        ratings(HEADER + ROWS + ROW.replace("r1", "<img src=x onerror=alert(1)>"))),
    Row("ratings CSV", "a folder instead of the file", IMPORT,
        ("{i}/ratings.csv: is a folder; expected a CSV file with the header study,dyad",), mkdir("in/ratings.csv")),
    Row("ratings CSV", "missing file", IMPORT, ("{i}/ratings.csv: file not found",)),
]

MAPPING = [
    Row("mapping CSV", "missing column", IMPORT_OWN, ("{i}/items.csv:1 [header]: missing column(s) construct",),
        own_codes(content="code,item,scale_min,scale_max\nMY:INT,APS:TYPE-INT,,\n")),
    Row("mapping CSV", "Latin-1 byte", IMPORT_OWN, ("{i}/items.csv:3: not UTF-8 (byte 0xdc at column 2)",),
        own_codes(content=(BAD / "items_latin1.csv").read_bytes())),
    Row("mapping CSV", "UTF-16 file", IMPORT_OWN, (f"{{i}}/items.csv:1: {U16}",),
        own_codes(content=(BAD / "items_own_code.csv").read_text(encoding="utf-8").encode("utf-16"))),
    Row("mapping CSV", "empty file", IMPORT_OWN,
        ("{i}/items.csv: file is empty; expected a header line: code,item,construct,scale_min,scale_max",),
        own_codes(content=b"")),
    Row("mapping CSV", "unknown code (item)", IMPORT_OWN,
        ("{i}/items.csv:2 [item]: 'APS:NOPE' is not an item code of the ontology",),
        own_codes("MY:INT,APS:TYPE-INT", "MY:INT,APS:NOPE")),
    Row("mapping CSV", "unknown code (construct)", IMPORT_OWN,
        ("{i}/items.csv:2 [construct]: 'Nope' is not a class of the ontology",),
        own_codes("Interpretation", "Nope")),
    Row("mapping CSV", "out-of-range scale", IMPORT_OWN,
        ("{i}/items.csv:3 [scale_min]: scale_min 5 is not below scale_max 1",), own_codes("0,4", "5,1")),
    Row("mapping CSV", "NaN scale", IMPORT_OWN, ("{i}/items.csv:3 [scale_min]: expected a number, got 'NaN'",),
        own_codes("0,4", "NaN,4")),
    Row("mapping CSV", "duplicate code", IMPORT_OWN, ("{i}/items.csv:3 [code]: code 'MY:INT' is mapped twice",),
        own_codes("MY:SUP", "MY:INT")),
    Row("mapping CSV", "code with a space", IMPORT_OWN, (f"{{i}}/items.csv:2 [code]: {CODE}, got 'MY INT'",),
        own_codes("MY:INT,", "MY INT,")),
    Row("mapping CSV", "item IRI with a space", IMPORT_OWN,
        (f"{{i}}/items.csv:2 [item]: '{PRC}APS TYPE-INT' is not an item code of the ontology",),
        own_codes("MY:INT,APS:TYPE-INT", f"MY:INT,{PRC}APS TYPE-INT")),
    Row("mapping CSV", "javascript: as construct", IMPORT_OWN,
        ("{i}/items.csv:2 [construct]: 'javascript:alert(1)' is not a class of the ontology",),
        own_codes("Interpretation", "javascript:alert(1)")),
    Row("mapping CSV", "markup as code", IMPORT_OWN,
        (f"{{i}}/items.csv:2 [code]: {CODE}, got '<img src=x onerror=alert(1)>'",),
        own_codes("MY:INT,", "<img src=x onerror=alert(1)>,")),
    Row("mapping CSV", "missing file", IMPORT_OWN, ("{i}/items.csv: file not found",),
        fixture("ratings_own_code.csv", "in/ratings.csv")),
]

QUERIES = [
    Row("query file", "malformed SPARQL", QUERY, ("{i}/q.rq: SPARQL syntax error",),
        fixture("query_syntax_error.rq", "in/q.rq"), store=True),
    Row("query file", "Latin-1 byte", QUERY, ("{i}/q.rq:1: not UTF-8 (byte 0xe9",),
        fixture("query_latin1.rq", "in/q.rq"), store=True),
    Row("query file", "UTF-16 file", QUERY, (f"{{i}}/q.rq:1: {U16}",),
        put("in/q.rq", (BAD / "query_bom.rq").read_text(encoding="utf-8-sig").encode("utf-16")), store=True),
    Row("query file", "UTF-8 byte order mark (accepted)", QUERY, ("(1 rows)",),
        fixture("query_bom.rq", "in/q.rq"), store=True, code=0),
    Row("query file", "empty file", QUERY, ("{i}/q.rq: file is empty; expected a SPARQL query",),
        put("in/q.rq", b""), store=True),
    Row("query file", "no title line (accepted: a file run by `query` needs none)", QUERY, (" rows)",),
        fixture("query_no_title.rq", "in/q.rq"), store=True, code=0),
    Row("query file", "malformed parameter line", QUERY,
        ("{i}/q.rq:2 [param]: a param line reads '# param: NAME KIND [= DEFAULT]'",),
        fixture("query_bad_param.rq", "in/q.rq"), store=True),
    Row("query file", "missing file", ("query", "{i}/missing.rq", "--store", "{s}"),
        ("{i}/missing.rq: query file not found",),
        store=True),
    Row("query file", "a folder instead of the file", ("query", "{i}/dir.rq", "--store", "{s}"),
        ("{i}/dir.rq: is a folder; expected a SPARQL query",), mkdir("in/dir.rq"), store=True),
    Row("query library", "unknown query name", ("query", "cq99_nothing", "--store", "{s}"),
        ("cq99_nothing: no query named 'cq99_nothing' in the library",), store=True),
    Row("query parameters", "unknown parameter", (*CQ01, "--param", "nosuch=1"),
        ("cq01_session_intervention_types.rq [nosuch]: unknown parameter(s) nosuch; this query takes: session",),
        store=True),
    Row("query parameters", "no '=' in --param", (*CQ01, "--param", "session"),
        ("--param: expected name=value, got 'session'",), store=True),
    Row("query parameters", "IRI with a space", (*CQ01, "--param", "session=data:case/annie/session 1"),
        ("[session]: parameter 'session' expects iri: 'data:case/annie/session 1' is not an absolute IRI",),
        store=True),
    Row("query parameters", "javascript: IRI", (*CQ01, "--param", "session=javascript:alert(1)"),
        ("[session]: parameter 'session' expects iri: 'javascript:alert(1)' is not an absolute IRI",), store=True),
    Row("query parameters", "NaN decimal", ("query", "interpretation_productivity_lag1", "--store", "{s}",
                                            "--param", "threshold=nan"),
        ("[threshold]: parameter 'threshold' expects decimal: 'nan' is not a decimal number",), store=True),
    Row("query parameters", "unknown output format", (*CQ01, "--format", "xml"),
        ("argument --format: invalid choice: 'xml'",), store=True),
    Row("query store", "missing store folder", ("query", "cq01_session_intervention_types", "--store", "{i}/nostore"),
        ("{i}/nostore: no store here; create it with `prc-kg load --store",)),
    Row("query store", "a folder that is not a store", ("query", "cq01_session_intervention_types", "--store", "{i}"),
        ("{i}: not a store made by `prc-kg load --store`",)),
    Row("QC checks", "unknown level", ("qc", "--ontology", "{o}", "--queries", "{i}/qc"),
        ("{i}/qc/bad.rq [level]: level 'FATAL' is not one of ERROR, WARN, INFO",),
        fixture("qc_bad_level.rq", "in/qc/bad.rq")),
    Row("QC checks", "folder without checks", ("qc", "--ontology", "{o}", "--queries", "{i}/qc"),
        ("{i}/qc: no .rq check files found",), mkdir("in/qc")),
]

CLI = [
    Row("CLI", "unknown command", ("frobnicate",), ("argument command: invalid choice: 'frobnicate'",)),
    Row("CLI", "unknown option", ("qc", "--frob"), ("unrecognized arguments: --frob",)),
    Row("CLI", "missing argument", ("import",), ("the following arguments are required: file",)),
    Row("CLI", "missing ontology folder", ("qc", "--ontology", "{i}/nowhere"),
        ("{i}/nowhere/prc-kg.ttl: ontology main file not found; pass --ontology DIR",)),
    Row("CLI", "missing examples folder", ("build", "--ontology", "{o}", "--examples", "{i}/nowhere", "--out", "{b}"),
        ("{i}/nowhere: examples folder not found; expected a folder holding cases/, vignettes/, findings/",)),
    Row("CLI", "missing input file", ("export-ratings", "{i}/missing.nt", "--ontology", "{o}", "--out", "{i}/x.csv"),
        ("{i}/missing.nt: file not found",)),
    Row("CLI", "malformed N-Triples input", ("export-ratings", "{i}/bad.nt", "--ontology", "{o}", "--out", "{i}/x.csv"),
        ("{i}/bad.nt: RDF syntax error: Parser error at line 1",), put("in/bad.nt", "<urn:a> <urn:b> .\n")),
    Row("CLI", "a folder where an output file is expected", ("qc", "--ontology", "{o}", "--report", "{b}"),
        ("{b}: is a folder; expected the name of a file to write",)),
    Row("CLI", "a file where an output folder is expected", ("build", "--ontology", "{o}", "--out", "{b}/prc-kg.ttl"),
        ("{b}/prc-kg.ttl: is a file; expected a folder",)),
    Row("CLI", "output path below a file", (*IMPORT[:-1], "{b}/prc-kg.ttl/two.nt"),
        ("{b}/prc-kg.ttl/two.nt: {b}/prc-kg.ttl is a file, so no folder can be made for this path",),
        ratings(HEADER + ROWS)),
    Row("CLI", "output in a missing folder (created)", (*IMPORT[:-1], "{b}/new/deeper/two.nt"),
        ("imported 2 ratings", "{b}/new/deeper/two.nt"), ratings(HEADER + ROWS), code=0, writes=("build/new",)),
    Row("CLI", "build into a read-only folder", (*BUILD[:-1], "{i}/ro/build"),
        ("prc-kg: {i}/ro/build: Permission denied",), mkdir("in/ro", 0o555), sandbox=True),
    Row("CLI", "import into a read-only folder", (*IMPORT[:-1], "{i}/ro/two.nt"),
        ("prc-kg: {i}/ro/two.nt: Permission denied",), both(ratings(HEADER + ROWS), mkdir("in/ro", 0o555)),
        sandbox=True),
    Row("CLI", "QC report into a read-only folder", ("qc", "--ontology", "{o}", "--report", "{i}/ro/qc.tsv"),
        ("prc-kg: {i}/ro/qc.tsv: Permission denied",), mkdir("in/ro", 0o555), sandbox=True),
    Row("CLI", "negative count", ("generate-study", "--dyads", "-1", "--out", "{i}/study.csv"),
        ("argument --dyads: expected a whole number 1 or more, got '-1'",)),
    Row("CLI", "port out of range", ("serve", "--port", "70000"),
        ("argument --port: expected a whole number from 0 to 65535, got '70000'",)),
    Row("CLI", "NaN time limit", ("serve", "--timeout", "nan"),
        ("argument --timeout: expected a finite number above 0 and at most 3600, got 'nan'",)),
    Row("CLI", "significance level of 1", ("analyze", "transitions", "--alpha", "1"),
        ("argument --alpha: expected a finite number above 0 and below 1, got '1'",)),
    Row("CLI", "zero path length", ("path", "a", "b", "--max-length", "0"),
        ("argument --max-length: expected a whole number 1 or more, got '0'",)),
    Row("CLI", "infinite threshold", ("viz", "--threshold", "inf", "--out", "{b}/html"),
        ("argument --threshold: expected a finite number, got 'inf'",)),
    Row("store", "load with a malformed data file", ("load", "--store", "{s}", "--ontology", "{o}", "--examples", "{e}",
                                                     "--data", "{i}/bad.nt"),
        ("bad.nt", "line 1"), put("in/bad.nt", "<urn:a> <urn:b> .\n"), store=True),
]

# Data safety (issue 10): one block per area, each row failing on the code before the fix.

# - stores: a store is marked, and only a folder prc-kg made (or an empty one) is replaced
LOAD = ("load", "--ontology", "{o}", "--examples", "{e}", "--data", "--store")
STORE_EXPECTED = "expected a store made by `prc-kg load --store`, an empty folder or a new path"
SAFETY_STORE: list[Row] = [
    Row("store", "load over a folder of the user's files", (*LOAD, "{i}/mine"),
        ("{i}/mine: holds 3 files or folders that prc-kg did not make (a.txt, notes, notes.txt); " + STORE_EXPECTED,),
        both(put("in/mine/notes.txt", "mine"), put("in/mine/a.txt", "mine"), put("in/mine/notes/b.md", "mine"))),
    Row("store", "load over a store without the marker (older prc-kg)", (*LOAD, "{s}"),
        ("{s}: holds a store without the prc-kg-store.json marker", ("delete the folder yourself and load again, "
         "or load into a new path")), remove("store/prc-kg-store.json"), store=True),
    Row("store", "load over a folder with a marker prc-kg did not write", (*LOAD, "{i}/mine"),
        ("{i}/mine: holds a prc-kg-store.json that prc-kg did not write; " + STORE_EXPECTED,),
        put("in/mine/prc-kg-store.json", '{"made by": "me"}')),
    Row("store", "load --store . (the current folder, here the checkout)", (*LOAD, "."),
        (".: contains the ontology folder {o}, which this command reads",)),
    Row("store", "load over a folder holding the sources", (*LOAD, "{o}/../.."),
        ("{o}/../..: contains the ontology folder {o}, which this command reads",)),
    Row("store", "load over the examples folder", (*LOAD, "{e}"), ("{e}: is the examples folder this command reads",)),
    Row("store", "load over a folder holding a data file", ("load", "--store", "{i}/mine", "--data", "{i}/mine/x.nt"),
        ("{i}/mine: contains the input {i}/mine/x.nt",), put("in/mine/x.nt", EXTRA_NT)),
    Row("store", "load over an empty folder (accepted)", (*LOAD, "{i}/empty"), ("loaded", "data files: none"),
        mkdir("in/empty"), code=0, writes=("in/empty",), check=lambda w: _has(w.root / "in/empty/prc-kg-store.json",
                                                                               '"made by": "prc-kg load --store"')),
    Row("store", "load over a store prc-kg made (accepted)", (*LOAD, "{s}"), ("loaded",), store=True, code=0,
        writes=("store",)),
]

# - outputs: never over an input, into a source folder, or onto something that is not a regular file
OVER = "prc-kg never writes over its inputs: choose another output file"
READS = "which this command reads; write outputs outside the source folders (for example under build/)"
XML = "cannot be written in XML 1.0 (the RDF/XML release); expected text without control characters"


def hard_link(rel: str, to: str) -> Setup:
    return lambda w: os.link(w.root / to, w.root / rel)


def symlink(rel: str, to: str) -> Setup:
    return lambda w: (w.root / rel).symlink_to(w.root / to)


def copied(folder: Path, rel: str) -> Setup:
    def setup(w: Scratch) -> None:
        shutil.copytree(folder, w.root / rel)
    return setup


SAFETY_OUTPUTS: list[Row] = [
    Row("outputs", "import over its own input", (*IMPORT[:-1], "{i}/ratings.csv"),
        (f"{{i}}/ratings.csv: is the same file as the input {{i}}/ratings.csv; {OVER}",), ratings(HEADER + ROWS)),
    Row("outputs", "import over a hard link of its input", (*IMPORT[:-1], "{i}/copy.csv"),
        (f"{{i}}/copy.csv: is the same file as the input {{i}}/ratings.csv; {OVER}",),
        both(ratings(HEADER + ROWS), hard_link("in/copy.csv", "in/ratings.csv"))),
    Row("outputs", "import over its item mapping", (*IMPORT_OWN[:5], "{i}/items.csv", *IMPORT_OWN[6:]),
        (f"{{i}}/items.csv: is the same file as the input {{i}}/items.csv; {OVER}",), own_codes()),
    Row("outputs", "export-ratings over its own input",
        ("export-ratings", OLD_RATINGS, "--ontology", "{o}", "--out", OLD_RATINGS),
        (f"{OLD_RATINGS}: is the same file as the input {OLD_RATINGS}; {OVER}",)),
    Row("outputs", "export-ratings over its input by another name",
        ("export-ratings", OLD_RATINGS, "--ontology", "{o}", "--out", "{b}/../build/ratings/two_raters.nt"),
        (f"{{b}}/../build/ratings/two_raters.nt: is the same file as the input {OLD_RATINGS}",)),
    Row("outputs", "QC report over an ontology module", (*QC, "--report", MOD),
        (f"{MOD}: is the same file as the input",)),
    Row("outputs", "QC report as a new file in the ontology folder", (*QC, "--report", "{o}/qc.tsv"),
        (f"{{o}}/qc.tsv: is inside the ontology folder {{o}}, {READS}",)),
    Row("outputs", "QC report into the queries folder", (*QC, "--queries", "{i}/qc", "--report", "{i}/qc/qc.tsv"),
        (f"{{i}}/qc/qc.tsv: is inside the queries folder {{i}}/qc, {READS}",),
        copied(ROOT / "queries" / "qc", "in/qc")),
    Row("outputs", "QC report onto a link to a file", (*QC, "--report", "{i}/link.tsv"),
        ("{i}/link.tsv: is a symbolic link to {i}/earlier.tsv; prc-kg writes only regular files",),
        both(put("in/earlier.tsv", "an earlier report\n"), symlink("in/link.tsv", "in/earlier.tsv"))),
    Row("outputs", "build into the ontology folder", (*BUILD[:-1], "{o}"),
        (f"{{o}}: is the ontology folder this command reads; {READS.split('; ')[1]}",)),
    Row("outputs", "build into a folder inside the examples", (*BUILD[:-1], "{e}/build"),
        (f"{{e}}/build: is inside the examples folder {{e}}, {READS}",)),
    Row("outputs", "build into a folder holding the sources", (*BUILD[:-1], "."),
        ((".: contains the ontology folder {o}, which this command reads; choose an output folder that holds no "
         "sources"),)),
    Row("outputs", "release into the ontology folder",
        ("release", "--ontology", "{o}", "--examples", "{e}", "--out", "{o}/release"),
        (f"{{o}}/release: is inside the ontology folder {{o}}, {READS}",)),
    Row("outputs", "release over its own changelog",
        ("release", "--ontology", "{o}", "--examples", "{e}", "--out", "{i}/rel", "--version", "9.9.9", "--date",
         "2026-12-01", "--changelog", "{i}/rel/9.9.9/CHANGELOG-9.9.9.md"),
        ("{i}/rel: contains the input {i}/rel/9.9.9/CHANGELOG-9.9.9.md; choose an output folder that holds no inputs",),
        put("in/rel/9.9.9/CHANGELOG-9.9.9.md", "# Changelog\n\n## [9.9.9] - 2026-12-01\n\nThe user's own notes.\n")),
    Row("outputs", "store inside the ontology folder", ("load", "--store", "{o}/store", "--ontology", "{o}",
                                                        "--examples", "{e}"),
        (f"{{o}}/store: is inside the ontology folder {{o}}, {READS}",)),
    Row("outputs", "views into the store folder", ("viz", "--store", "{s}", "--out", "{s}"),
        ("{s}: is the store folder this command reads",), store=True),
    Row("outputs", "NUL in a YAML title", BUILD, ((f"{VIG}:{{line}} [title]: character U+0000 (a control character) "
                                                  f"at position 11 {XML}"),),
        vignette("title: A vignette for the bad-input suite", 'title: "A vignette\\0 for the bad-input suite"')),
    Row("outputs", "lone surrogate in a YAML turn text", BUILD,
        (f"{VIG}:{{line}} [text]: character U+D800 (a lone surrogate, half of a UTF-16 pair) at position 3 {XML}",),
        vignette("text: I keep changing the subject.", 'text: "I \\ud800keep changing the subject."')),
    Row("outputs", "escape character in a YAML list of sources", BUILD, (f"{FND}:{{line}} [source]: character U+001B",),
        finding("source: [L3]", 'source: ["L3\\e"]')),
    Row("outputs", "U+FFFE in a finding statement", BUILD,
        (f"{FND}:{{line}} [statement]: character U+FFFE (a non-character) at position 13 {XML}",),
        finding("statement: In our words, the alliance goes with a better outcome.",
                'statement: "In our words\\uFFFE, the alliance goes with a better outcome."')),
    Row("outputs", "NUL escape in an ontology label", BUILD,
        ((f"{MOD}:{{line}} [rdfs:label]: literal of <{PRC}Psychoanalysis>: character U+0000 (a control character) "
         f"at position 7 {XML}"),), edit(MODALITIES, PSA_LABEL, 'rdfs:label "psycho\\u0000analysis"@en')),
    Row("outputs", "raw control character in an ontology comment", QC,
        (f"{MOD}:{{line}} [rdfs:comment]: literal of <{PRC}Psychoanalysis>: character U+0001",),
        append(MODALITIES, 'prc:Psychoanalysis rdfs:comment "a \x01 b"@en .')),
]

# - parsers: offline (no remote or file contexts), no DOCTYPE/ENTITY, bounded in time and size
REMOTE_CONTEXT = "http://127.0.0.1:9/context.jsonld"  # the discard port: nothing answers there
NOT_INLINE = "is not inline: prc-kg reads no context from the network or from other files"
DOCTYPE = "XML with a DOCTYPE declaration is refused"
OUTSIDE = "leads outside the ontology folder"
HTTP_ONLY = "expected an http:// or https:// URL, got"


def jsonld(context: str, header: bool = False) -> str:
    """A JSON-LD document whose context is ``context`` (JSON text), on line 3."""
    if header:
        body = ('"@id": "https://w3id.org/prc-kg/ontology/module/extra",\n'
                '  "@type": "http://www.w3.org/2002/07/owl#Ontology"')
    else:
        body = '"@id": "https://w3id.org/prc-kg/data/x",\n  "http://www.w3.org/2000/01/rdf-schema#label": "x"'
    return "{\n  \"_\": 1,\n  \"@context\": " + context + ",\n  " + body + "\n}\n"


def rdfxml_with_doctype(header: bool = False) -> str:
    """Entities in a DOCTYPE, as older Protégé wrote them: harmless here, refused all the same, since the
    same declaration lets 1 kB expand to gigabytes. The DOCTYPE is on line 2."""
    about = ('<owl:Ontology rdf:about="https://w3id.org/prc-kg/ontology/module/extra"/>' if header else
             '<rdf:Description rdf:about="&prc;x"><rdfs:label>x</rdfs:label></rdf:Description>')
    return ('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY prc "https://w3id.org/prc-kg/data/"> ]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#" xmlns:owl="http://www.w3.org/2002/07/owl#">\n'
            f"  {about}\n</rdf:RDF>\n")


def extra_module(name: str, content: str) -> Setup:
    """A further module ``modules/NAME``: in the catalog and imported by the main file."""
    return both(put(f"ontology/modules/{name}", content),
                edit("ontology/catalog-v001.xml", '<uri name="https://w3id.org/prc-kg/ontology/module/core"',
                     f'<uri name="https://w3id.org/prc-kg/ontology/module/extra" uri="modules/{name}"/>\n'
                     '    <uri name="https://w3id.org/prc-kg/ontology/module/core"'),
                edit("ontology/prc-kg.ttl", "owl:imports <https://w3id.org/prc-kg/ontology/module/core> ,",
                     "owl:imports <https://w3id.org/prc-kg/ontology/module/extra> , "
                     "<https://w3id.org/prc-kg/ontology/module/core> ,"))


def module_outside(link: bool) -> Setup:
    """The modalities module moved to ``outside/`` beside the ontology folder, reached through the
    catalog entry (``../outside/…``) or through a symbolic link in modules/."""
    def setup(w: Scratch) -> dict[str, object]:
        module = w.root / MODALITIES
        (w.root / "outside").mkdir()
        moved = w.root / "outside" / "modalities.ttl"
        module.rename(moved)
        if link:
            module.symlink_to(Path("..", "..", "outside", "modalities.ttl"))
            catalog = (w.root / "ontology" / "catalog-v001.xml").read_bytes()
            return {"line": _line(catalog, catalog.find(b'"modules/modalities.ttl"'))}
        return edit("ontology/catalog-v001.xml", 'uri="modules/modalities.ttl"', 'uri="../outside/modalities.ttl"')(w)
    return setup


PRIVACY_IN = ("privacy-check", "--examples", "{e}")
VALIDATE_IN = ("validate", "--ontology", "{o}", "--examples", "{e}", "--data")
LOAD_IN = ("load", "--store", "{s}", "--ontology", "{o}", "--examples", "{e}", "--data")
CATALOG = "{o}/catalog-v001.xml"

SAFETY_PARSERS: list[Row] = [
    Row("privacy-check", "JSON-LD with a remote context", (*PRIVACY_IN, "{i}/data.jsonld"),
        (f"{{i}}/data.jsonld:3: JSON-LD @context <{REMOTE_CONTEXT}> {NOT_INLINE}", "copy the context object"),
        put("in/data.jsonld", jsonld(f'"{REMOTE_CONTEXT}"'))),
    Row("privacy-check", "JSON-LD with a file: context", (*PRIVACY_IN, "{i}/data.jsonld"),
        (f"{{i}}/data.jsonld:3: JSON-LD @context <file:///etc/hostname> {NOT_INLINE}",),
        put("in/data.jsonld", jsonld('"file:///etc/hostname"'))),
    Row("privacy-check", "JSON-LD with a relative context (a file beside it)", (*PRIVACY_IN, "{i}/data.jsonld"),
        (f"{{i}}/data.jsonld:3: JSON-LD @context <context.jsonld> {NOT_INLINE}",),
        both(put("in/data.jsonld", jsonld('["context.jsonld"]')), put("in/context.jsonld", '{"@context": {}}\n'))),
    Row("privacy-check", "JSON-LD with a remote context in a term definition", (*PRIVACY_IN, "{i}/data.jsonld"),
        (f"{{i}}/data.jsonld:3: JSON-LD @context <{REMOTE_CONTEXT}> {NOT_INLINE}",),
        put("in/data.jsonld", jsonld(f'{{"t": {{"@id": "urn:t", "@context": "{REMOTE_CONTEXT}"}}}}'))),
    Row("privacy-check", "JSON-LD with an @import", (*PRIVACY_IN, "{i}/data.jsonld"),
        (f"{{i}}/data.jsonld:3: JSON-LD @import <{REMOTE_CONTEXT}> {NOT_INLINE}",),
        put("in/data.jsonld", jsonld(f'{{"@version": 1.1, "@import": "{REMOTE_CONTEXT}"}}'))),
    Row("privacy-check", "RDF/XML with a DOCTYPE", (*PRIVACY_IN, "{i}/data.rdf"),
        (f"{{i}}/data.rdf:2: {DOCTYPE}",), put("in/data.rdf", rdfxml_with_doctype())),
    Row("validate --data", "JSON-LD with a remote context", (*VALIDATE_IN, "{i}/data.jsonld"),
        (f"{{i}}/data.jsonld:3: JSON-LD @context <{REMOTE_CONTEXT}> {NOT_INLINE}",),
        put("in/data.jsonld", jsonld(f'"{REMOTE_CONTEXT}"'))),
    Row("validate --data", "RDF/XML with a DOCTYPE", (*VALIDATE_IN, "{i}/data.owl"),
        (f"{{i}}/data.owl:2: {DOCTYPE}",), put("in/data.owl", rdfxml_with_doctype())),
    Row("validate --data", "a FIFO (named pipe) as the data file", (*VALIDATE_IN, "{i}/data.nt"),
        ("{i}/data.nt: is a FIFO (named pipe), not a regular file", "save the data to a file"), fifo("in/data.nt")),
    Row("validate --data", "a device as the data file (a link to /dev/zero)", (*VALIDATE_IN, "{i}/zero.nt"),
        ("{i}/zero.nt: is a character device, not a regular file",), link("in/zero.nt", "/dev/zero")),
    Row("validate --data", "a folder as the data file", (*VALIDATE_IN, "{i}/data.nt"),
        ("{i}/data.nt: is a folder; expected a file",), mkdir("in/data.nt")),
    Row("load --data", "JSON-LD with a remote context", (*LOAD_IN, "{i}/data.jsonld"),
        (f"{{i}}/data.jsonld:3: JSON-LD @context <{REMOTE_CONTEXT}> {NOT_INLINE}",),
        put("in/data.jsonld", jsonld(f'"{REMOTE_CONTEXT}"')), store=True),
    Row("load --data", "RDF/XML with a DOCTYPE", (*LOAD_IN, "{i}/data.rdf"),
        (f"{{i}}/data.rdf:2: {DOCTYPE}",), put("in/data.rdf", rdfxml_with_doctype()), store=True),
    Row("ontology", "JSON-LD module with a remote context", BUILD,
        (f"{{o}}/modules/extra.jsonld:3: JSON-LD @context <{REMOTE_CONTEXT}> {NOT_INLINE}",),
        extra_module("extra.jsonld", jsonld(f'"{REMOTE_CONTEXT}"', header=True))),
    Row("ontology", "RDF/XML module with a DOCTYPE", BUILD, (f"{{o}}/modules/extra.owl:2: {DOCTYPE}",),
        extra_module("extra.owl", rdfxml_with_doctype(header=True))),
    Row("ontology", "catalog with a DOCTYPE", BUILD, (f"{CATALOG}:2: {DOCTYPE}",),
        edit("ontology/catalog-v001.xml", "<catalog ", '<!DOCTYPE catalog [ <!ENTITY m "modules"> ]>\n<catalog ')),
    Row("ontology", "catalog entry outside the ontology folder", BUILD,
        ((f"{CATALOG}:{{line}} [uri]: entry '../outside/modalities.ttl' for "
         f"<https://w3id.org/prc-kg/ontology/module/modalities> {OUTSIDE}"),), module_outside(link=False)),
    Row("ontology", "catalog entry linked outside the ontology folder", BUILD,
        ((f"{CATALOG}:{{line}} [uri]: entry 'modules/modalities.ttl' for "
         f"<https://w3id.org/prc-kg/ontology/module/modalities> {OUTSIDE}"),), module_outside(link=True)),
    Row("reason", "RDF/XML file with a DOCTYPE", ("reason", "--file", "{i}/data.owl"),
        (f"{{i}}/data.owl:2: {DOCTYPE}",), put("in/data.owl", rdfxml_with_doctype(header=True))),
    Row("reason", "file with a remote owl:imports", ("reason", "--file", "{i}/data.owl"),
        ("{i}/data.owl: owl:imports <http://127.0.0.1:9/other.owl>: the reasoner reads one file and would fetch",),
        put("in/data.owl", rdfxml_with_doctype(header=True).replace(
            '<!DOCTYPE rdf:RDF [ <!ENTITY prc "https://w3id.org/prc-kg/data/"> ]>\n', "").replace(
            '"/>', '"><owl:imports rdf:resource="http://127.0.0.1:9/other.owl"/></owl:Ontology>'))),
    Row("reason", "zero time limit", ("reason", "--timeout", "0"),
        ("argument --timeout: expected a finite number above 0 and at most 86400, got '0'",)),
    Row("query --endpoint", "file: URL", (*CQ01[:2], "--endpoint", "file:///etc/hostname"),
        (f"argument --endpoint: {HTTP_ONLY} 'file:///etc/hostname'",)),
    Row("load --endpoint", "ftp: URL", ("load", "--endpoint", "ftp://127.0.0.1:9/sparql", "--ontology", "{o}"),
        (f"argument --endpoint: {HTTP_ONLY} 'ftp://127.0.0.1:9/sparql'",)),
    Row("load --graph-store", "file: URL", ("load", "--endpoint", "http://127.0.0.1:9/sparql", "--graph-store",
                                            "file:///tmp/store", "--ontology", "{o}"),
        (f"argument --graph-store: {HTTP_ONLY} 'file:///tmp/store'",)),
]

# - ratings: RFC 4180 export, formula-like cells neutralised, many raters in bounded output
FORMULA_ROWS = [  # what tests/data/bad_input/ratings_formulas.nt holds, as export-ratings must write it
    list(COLUMNS),
    ["'=HYPERLINK(evil)", "d,1", "1", "1", "therapist", "'@SUM(1+1)",
     "'=HYPERLINK(\"http://evil.example\",\"click\")", "'-2+3", "2024-01-01"],
    ["'=HYPERLINK(evil)", "d2", "1", "2", "patient", "'\tTAB", "-1", "'+r2", "'\r=1+1\n2024-01-02"],
]
RFC4180_FIELD = re.compile(r'"((?:[^"]|"")*)"|([^",\r\n]*)')


def rfc4180_records(data: bytes) -> list[list[str]]:
    """A strict RFC 4180 reading: CRLF after every record, quoted fields with doubled quotes, nothing else."""
    text, pos, records, record = data.decode("utf-8"), 0, [], []
    while pos < len(text):
        m = RFC4180_FIELD.match(text, pos)
        record.append(m.group(2) if m.group(1) is None else m.group(1).replace('""', '"'))
        pos = m.end()
        if text.startswith(",", pos):
            pos += 1
        elif text.startswith("\r\n", pos):
            pos += 2
            records.append(record)
            record = []
        else:
            raise AssertionError(f"not RFC 4180 at character {pos}: {text[pos:pos + 20]!r}")
    assert not record, "the last record has no CRLF"
    return records


def _exported_as_rfc4180(w: Scratch) -> None:
    data = (w.root / "build" / "formulas.csv").read_bytes()
    assert rfc4180_records(data) == FORMULA_ROWS
    with open(w.root / "build" / "formulas.csv", encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh)) == FORMULA_ROWS


SAFETY_RATINGS: list[Row] = [
    Row("export-ratings", "formula-like cells, commas, quotes and line breaks (RFC 4180, neutralised)",
        ("export-ratings", "{i}/formulas.nt", "--ontology", "{o}", "--out", "{b}/formulas.csv"),
        ("wrote 2 ratings to {b}/formulas.csv",), fixture("ratings_formulas.nt", "in/formulas.nt"), code=0,
        writes=("build/formulas.csv",), check=_exported_as_rfc4180),
    Row("export-ratings", "NUL character in a value", ("export-ratings", "{i}/nul.nt", "--ontology", "{o}",
                                                       "--out", "{b}/nul.csv"),
        ("{i}/nul.nt: rating <", "> has a NUL character in its value ('=\\x00'), which a CSV cell cannot carry",),
        put("in/nul.nt", (BAD / "ratings_formulas.nt").read_text(encoding="utf-8").replace(
            '"=HYPERLINK(\\"http://evil.example\\",\\"click\\")"', '"=\\u0000"'))),
    Row("ratings CSV", "NUL character in a rater id", IMPORT,
        (f"row 4, column rater: {ID}, got 'r\\x001'",), ratings(HEADER + ROWS + ROW.replace("r1", "r\x001"))),
    Row("ratings CSV", "NUL character in a value", IMPORT, ("row 4, column value: expected a number, got '3\\x00'",),
        ratings(HEADER + ROWS + ROW.replace(",3,r1", ",3\x00,r1"))),
    Row("ratings CSV", "right-to-left override in a study id", IMPORT,
        (f"row 4, column study: {ID}, got 's\\u202e1'",), ratings(HEADER + ROWS + ROW.replace("s,d1", "s\u202e1,d1"))),
    Row("ratings CSV", "lone surrogate (CESU-8 bytes) in a dyad id", IMPORT,
        ("{i}/ratings.csv:4: not UTF-8 (byte 0xed at column 4); save the file as UTF-8",),
        ratings((HEADER + ROWS).encode() + ROW.replace("d1", "d\x00").encode().replace(b"\x00", b"\xed\xa0\x80"))),
    Row("mapping CSV", "NUL character in a code", IMPORT_OWN, (f"{{i}}/items.csv:2 [code]: {CODE}, got 'MY\\x00INT'",),
        own_codes("MY:INT,", "MY\x00INT,")),
]

# - utterance-coded corpora (issue 12): the corpus file, its layout, and the output
LAYOUTS = ROOT / "examples" / "layouts"
PRC_KG_LAYOUT = str(LAYOUTS / "prc-kg.yaml")
OLD_CORPUS = "{b}/utterances/corpus.nt"
IMPORT_UTT = ("import-utterances", "{i}/corpus.csv", "--layout", PRC_KG_LAYOUT, "--ontology", "{o}", "--out", OLD_CORPUS)
IMPORT_UTT_LAYOUT = (*IMPORT_UTT[:3], "{i}/layout.yaml", *IMPORT_UTT[4:])
UHEAD = "conversation,utterance,speaker,annotator,timestamp,text,codes,quality,topic\n"
UROWS = (DATA / "utterances" / "prc-kg.csv").read_text(encoding="utf-8").split("\n", 1)[1]
UROW = "c1,3,therapist,r1,00:00:07,Running felt good.,MITI:CR,high,exercise\n"  # each case breaks it, at line 5
ONE = "{i}/corpus.csv: 1 problem(s); nothing was imported"
ANNOMI_LAYOUT_TEXT = (LAYOUTS / "annomi.yaml").read_text(encoding="utf-8")


def corpus(text: str | bytes) -> Setup:
    return put("in/corpus.csv", text)


UTTERANCES: list[Row] = [
    Row("utterances CSV", "malformed (short row)", IMPORT_UTT, (ONE, "row 5: expected 9 values, found 3"),
        corpus(UHEAD + UROWS + "c1,3,therapist\n")),
    Row("utterances CSV", "malformed (bare CR line ends)", IMPORT_UTT,
        ("{i}/corpus.csv:1: CSV syntax error: a bare CR line break (old Mac line ends?); expected LF or CRLF",),
        corpus((UHEAD + UROWS).replace("\n", "\r"))),
    Row("utterances CSV", "Latin-1 byte", IMPORT_UTT,
        ("{i}/corpus.csv:5: not UTF-8 (byte 0xe9 at column 31); save the file as UTF-8",),
        corpus((UHEAD + UROWS + UROW.replace("Running", "Caf\u00e9")).encode("latin-1"))),
    Row("utterances CSV", "UTF-16 file", IMPORT_UTT, (f"{{i}}/corpus.csv:1: {U16}",),
        corpus((UHEAD + UROWS).encode("utf-16"))),
    Row("utterances CSV", "UTF-8 byte order mark (accepted)", (*IMPORT_UTT[:-1], "{b}/utterances/bom.nt"),
        ("imported 3 rows of {i}/corpus.csv as corpus corpus: 1 conversations, 2 utterances, 5 annotations",),
        corpus(b"\xef\xbb\xbf" + (UHEAD + UROWS).encode()), code=0, writes=("build/utterances/bom.nt",)),
    Row("utterances CSV", "empty file", IMPORT_UTT,
        (f"{{i}}/corpus.csv: file is empty; expected a header line naming the columns of {PRC_KG_LAYOUT}",),
        corpus(b"")),
    Row("utterances CSV", "header only", IMPORT_UTT, ("{i}/corpus.csv: the file has a header but no rows",),
        corpus(UHEAD)),
    Row("utterances CSV", "one very long line", IMPORT_UTT, ("{i}/corpus.csv:2: line is longer than 1048576 bytes",),
        corpus(UHEAD + "x" * 1_100_000 + "\n")),
    Row("utterances CSV", "unknown code (with the allowed ones)", IMPORT_UTT,
        (ONE, ("row 5, column codes: unknown code 'MITI:XR'; expected an item code of an utterance coding dimension: "
              "MISC:CQ, MISC:OQ, ")),
        corpus(UHEAD + UROWS + UROW.replace("MITI:CR", "MITI:XR"))),
    Row("utterances CSV", "unknown code (a therapist code on a patient row)", IMPORT_UTT,
        (ONE, ("row 5, column codes: 'MITI:CR' (MITI:CR) codes therapist turns (dimension MITI:BEHAVIOUR), but this "
              "row is a patient turn (speaker 'patient')")),
        corpus(UHEAD + UROWS + UROW.replace("therapist", "patient"))),
    Row("utterances CSV", "unknown code (a summary group)", IMPORT_UTT,
        (ONE, "row 5, column codes: 'MITI:R': MITI:R is a summary group of dimension MITI:BEHAVIOUR"),
        corpus(UHEAD + UROWS + UROW.replace("MITI:CR", "MITI:R"))),
    Row("utterances CSV", "two codes of one dimension in one cell", IMPORT_UTT,
        (ONE, "row 5, column codes: 'MITI:SR' is a second code of dimension MITI:BEHAVIOUR on this row"),
        corpus(UHEAD + UROWS + UROW.replace("MITI:CR", "MITI:CR;MITI:SR"))),
    Row("utterances CSV", "out-of-range (order below 0)", IMPORT_UTT,
        (ONE, ("row 5, column utterance: expected a whole number (0 or more) giving the utterance's place in its "
              "conversation, got '-1'")),
        corpus(UHEAD + UROWS + UROW.replace("c1,3,", "c1,-1,"))),
    Row("utterances CSV", "duplicate (an annotator codes an utterance twice)", IMPORT_UTT,
        (ONE, "rows 4, 5, column annotator: annotator r1 codes utterance 2 of conversation c1 more than once"),
        corpus(UHEAD + UROWS + "c1,2,patient,r1,00:00:04,I went running twice.,MISC:ST,high,exercise\n")),
    Row("utterances CSV", "duplicate (an utterance given twice with other words)", IMPORT_UTT,
        (ONE, "row 5, column text: utterance 2 of conversation c1 has other words here than on row 4"),
        corpus(UHEAD + UROWS + "c1,2,patient,r2,00:00:04,I went swimming.,MISC:CT,high,exercise\n")),
    Row("utterances CSV", "missing utterances (a gap in the order)", IMPORT_UTT,
        (ONE, "row 5, column utterance: conversation c1 has no utterances 3 to 4 (it goes from 2 to 5)"),
        corpus(UHEAD + UROWS + UROW.replace("c1,3,", "c1,5,"))),
    Row("utterances CSV", "missing column (one the layout needs)", IMPORT_UTT,
        (f"{{i}}/corpus.csv:1 [header]: column(s) speaker of the layout {PRC_KG_LAYOUT} missing",),
        corpus(UHEAD.replace("speaker,", "") + "c1,1,r1,,Hello.,MITI:Q,,\n")),
    Row("utterances CSV", "a column the layout does not name", IMPORT_UTT,
        (f"{{i}}/corpus.csv:1 [header]: column(s) 'mood' not named in the layout {PRC_KG_LAYOUT}",),
        corpus(UHEAD.replace("topic", "topic,mood") + "c1,1,therapist,r1,,Hello.,MITI:Q,,,calm\n")),
    Row("utterances CSV", "missing value (conversation id)", IMPORT_UTT,
        (ONE, "row 5, column conversation: expected a conversation id, got nothing"),
        corpus(UHEAD + UROWS + UROW.replace("c1,3,", ",3,"))),
    Row("utterances CSV", "attribute that changes within a conversation", IMPORT_UTT,
        (ONE, "row 5, column quality: conversation c1 has quality 'high' on row 2 but 'low' here"),
        corpus(UHEAD + UROWS + UROW.replace("high", "low"))),
    Row("utterances CSV", "javascript: as an address attribute", IMPORT_UTT,
        (ONE, ("row 2, column source_url: expected an http:// or https:// address without spaces (attribute type "
              "anyURI), got 'javascript:alert(1)'")),
        corpus(UHEAD.replace("topic", "topic,source_url") + "c1,1,therapist,r1,,Hello.,MITI:Q,,,javascript:alert(1)\n")),
    Row("utterances CSV", "control character in the text", IMPORT_UTT,
        (ONE, "row 5, column text: character U+0007 (a control character) at position 8 cannot be written in XML 1.0"),
        corpus(UHEAD + UROWS + UROW.replace("Running", "Running\x07"))),
    Row("utterances CSV", "markup in the text (accepted as text)", IMPORT_UTT, ("imported 4 rows",),
        corpus(UHEAD + UROWS + UROW.replace("Running felt good.", "<img src=x onerror=alert(1)>")), code=0,
        writes=("build/utterances/corpus.nt",),
        check=lambda w: _has(w.root / "build/utterances/corpus.nt", '"<img src=x onerror=alert(1)>"')),
    Row("utterances CSV", "IRI with a space as conversation id (accepted, percent-encoded)", IMPORT_UTT,
        ("imported 1 rows",), corpus(UHEAD + "my conv,1,therapist,r1,,Hello.,MITI:Q,,\n"), code=0,
        writes=("build/utterances/corpus.nt",),
        check=lambda w: _has(w.root / "build/utterances/corpus.nt", "/conversation/my%20conv/utterance/1> ")),
    Row("utterances CSV", "output over the input", (*IMPORT_UTT[:-1], "{i}/corpus.csv"),
        ("{i}/corpus.csv: is the same file as the input {i}/corpus.csv",), corpus(UHEAD + UROWS)),
    Row("utterances CSV", "a folder instead of the file", IMPORT_UTT,
        ("{i}/corpus.csv: is a folder; expected a CSV or TSV file of coded utterances",), mkdir("in/corpus.csv")),
    Row("utterances CSV", "missing file", IMPORT_UTT, ("{i}/corpus.csv: file not found",)),
    Row("utterance layout", "unknown key", IMPORT_UTT_LAYOUT,
        ("{i}/layout.yaml:{line} [colour]: unknown key 'colour'; expected one of layout, name, description",),
        both(corpus(UHEAD + UROWS), replaced((LAYOUTS / "prc-kg.yaml").read_text(encoding="utf-8"), "in/layout.yaml",
                                             "constructed: false", "colour: blue\nconstructed: false"))),
    Row("utterance layout", "unknown code (not in the ontology)", IMPORT_UTT_LAYOUT,
        (("{i}/layout.yaml:{line} [codes.main_therapist_behaviour.values.reflection]: 'MISIMPLE:REFLEXION' is not a "
         "code of an utterance coding dimension in the ontology; did you mean MISIMPLE:REFLECTION"),),
        both(fixture("../utterances/annomi-simple.csv", "in/corpus.csv"),
             replaced(ANNOMI_LAYOUT_TEXT, "in/layout.yaml", "reflection: MISIMPLE:REFLECTION",
                      "reflection: MISIMPLE:REFLEXION"))),
    Row("utterance layout", "alias bomb", IMPORT_UTT_LAYOUT, ("{i}/layout.yaml:3: YAML aliases (*name) are not allowed",),
        both(corpus(UHEAD + UROWS), put("in/layout.yaml", "layout: 1\nname: &a [x, x]\ncolumns: *a\n"))),
    Row("utterance layout", "UTF-16 file", IMPORT_UTT_LAYOUT, (f"{{i}}/layout.yaml:1: {U16}",),
        both(corpus(UHEAD + UROWS), put("in/layout.yaml", (LAYOUTS / "prc-kg.yaml").read_text(encoding="utf-8")
                                        .encode("utf-16")))),
    Row("utterance layout", "missing file", IMPORT_UTT_LAYOUT,
        ("{i}/layout.yaml: file not found; expected a YAML document",), corpus(UHEAD + UROWS)),
]

TABLE = (ONTOLOGY + EXAMPLES + RATINGS + MAPPING + QUERIES + CLI
         + SAFETY_STORE + SAFETY_OUTPUTS + SAFETY_PARSERS + SAFETY_RATINGS + UTTERANCES)


# -- running a row ---------------------------------------------------------------------------------------

def snapshot(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (folders too, so a new empty folder counts)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_dir():
            out[rel] = "folder"
        elif not path.is_file():  # a FIFO or a link to a device: its kind, never its bytes
            out[rel] = "special"
        else:
            with open(path, "rb") as fh:
                out[rel] = hashlib.file_digest(fh, "sha256").hexdigest()
    return out


def _has(path: Path, text: str) -> None:
    """An accepted input's text arrives in the output as it was written (markup as a plain literal)."""
    assert text in path.read_text(encoding="utf-8")


def _without(snap: dict[str, str], prefixes: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in snap.items() if not any(k == p or k.startswith(p + "/") for p in prefixes)}


def _cannot_override_permissions() -> None:
    """Run in the child before exec: drop root's power to write where file permissions say no."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _sandboxed(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run the CLI in a child that file permissions bind (skip when this machine cannot arrange that)."""
    try:  # every sandboxed row makes its read-only folder at in/ro
        probe = subprocess.run([sys.executable, "-c", "open('in/ro/probe', 'w')"], cwd=cwd, capture_output=True,
                               check=False, preexec_fn=_cannot_override_permissions)
    except subprocess.SubprocessError:
        pytest.skip("cannot drop the capability to override file permissions here")
    if probe.returncode == 0:
        pytest.skip("cannot make a folder read-only for this user here")
    return subprocess.run([sys.executable, "-m", "prc_kg.cli.main", *argv], cwd=cwd, capture_output=True, text=True,
                          check=False, timeout=600, preexec_fn=_cannot_override_permissions)


@pytest.fixture(scope="module")
def prebuilt(tmp_path_factory) -> Path:
    """An earlier run's state: ontology and examples, a build, imported ratings and a store."""
    base = tmp_path_factory.mktemp("prebuilt")
    onto = copy_ontology(base)
    shutil.copytree(ROOT / "examples", base / "examples")
    build = base / "build"
    assert main(["build", "--ontology", str(onto), "--examples", str(base / "examples"), "--out", str(build)]) == 0
    nt = build / "ratings" / "two_raters.nt"
    assert main(["import", str(DATA / "ratings" / "two_raters.csv"), "--ontology", str(onto), "--out", str(nt)]) == 0
    assert main(["import-utterances", str(DATA / "utterances" / "prc-kg.csv"), "--layout", PRC_KG_LAYOUT,
                 "--ontology", str(onto), "--out", str(build / "utterances" / "corpus.nt")]) == 0
    assert main(["load", "--store", str(base / "store"), "--ontology", str(onto), "--examples", str(base / "examples"),
                 "--data", str(nt)]) == 0
    return base


@pytest.fixture(scope="module")
def shipped():
    """The repository's own inputs must never be touched by any row."""
    folders = [ROOT / "ontology", ROOT / "examples", ROOT / "queries", BAD]
    before = {str(f): snapshot(f) for f in folders}
    yield
    assert {str(f): snapshot(f) for f in folders} == before


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id, marks=r.marks) for r in TABLE])
def test_bad_input_is_refused_clearly_and_changes_nothing(row: Row, prebuilt, shipped, tmp_path, monkeypatch, capsys):
    root = tmp_path / "w"
    shutil.copytree(prebuilt, root, ignore=None if row.store else shutil.ignore_patterns("store"))
    (root / "in").mkdir()
    monkeypatch.chdir(root)
    w = Scratch(root)
    try:
        w.values.update((row.setup(w) or {}) if row.setup else {})
        before = snapshot(root)
        argv = [w.fmt(a) for a in row.argv]
        if row.sandbox:
            done = _sandboxed(argv, root)
            code, output = done.returncode, done.stdout + done.stderr
        else:
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code
            captured = capsys.readouterr()
            output = captured.out + captured.err
        assert "Traceback" not in output
        assert code == row.code, output
        for fragment in row.expect:
            assert w.fmt(fragment) in output
        assert _without(snapshot(root), row.writes) == _without(before, row.writes)
        if row.check:
            row.check(w)
    finally:
        for path in [root, *root.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_every_kind_of_the_brief_has_a_row():
    kinds = " ".join(r.kind.lower() for r in TABLE)
    for kind in ("malformed", "latin-1", "utf-16", "byte order mark", "empty", "unknown code", "out-of-range",
                 "duplicate", "missing", "cycle", "space", "javascript:", "markup"):
        assert kind in kinds, kind
    assert len({r.id for r in TABLE}) == len(TABLE)


# -- huge inputs (200 MB and more, generated at test time) --------------------------------------------------

def _peak_rss_run(argv: list[str], cwd: Path) -> tuple[int, str, int]:
    """Run the CLI in a child; return exit code, output, and the child's peak resident memory in bytes.

    The peak is VmHWM of /proc/self/status: getrusage's ru_maxrss would count the forked pytest
    process, whose high-water mark Linux carries over the exec.
    """
    if not Path("/proc/self/status").exists():
        pytest.skip("needs Linux /proc to measure peak memory")
    script = ("import re, sys\nfrom prc_kg.cli.main import main\ncode = main(sys.argv[1:])\n"
              "status = open('/proc/self/status').read()\n"
              "print('peak-rss', re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1), file=sys.stderr)\n"
              "sys.exit(code)\n")
    proc = subprocess.run([sys.executable, "-c", script, *argv], cwd=cwd, capture_output=True, text=True, timeout=600,
                          check=False)
    peak = int(re.search(r"peak-rss (\d+)", proc.stderr).group(1)) * 1024
    return proc.returncode, proc.stdout + proc.stderr, peak


@pytest.mark.huge_input
def test_huge_ratings_file_is_streamed_in_bounded_memory_and_refused_whole(tmp_path):
    """A 200 MB ratings file (3.8 million valid rows, then one value off the scale) is read as a stream:
    peak memory stays far below the file's size, the bad last row is named, nothing is written."""
    path = tmp_path / "huge.csv"
    items = ("APS:TYPE-INT", "APS:TYPE-SUP", "APS:TYPE-CLAR", "APS:TYPE-EE")
    size, segment = 0, 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(HEADER)
        while size < HUGE:
            segment += 1
            block = "".join(f"huge,d1,1,{segment},therapist,{item},{(segment + j) % 5},r{r},2024-01-01\n"
                            for j, item in enumerate(items) for r in (1, 2))
            fh.write(block)
            size += len(block)
        fh.write("huge,d1,1,1,therapist,APS:TYPE-INT,9,r3,2024-01-01\n")
    lines = 1 + segment * 8 + 1
    out = tmp_path / "build" / "ratings" / "huge.nt"
    out.parent.mkdir(parents=True)
    out.write_text("<urn:earlier> <urn:import> <urn:kept> .\n", encoding="utf-8")
    before = snapshot(tmp_path)
    start = time.perf_counter()
    code, output, peak = _peak_rss_run(["import", str(path), "--out", str(out)], tmp_path)
    seconds = time.perf_counter() - start
    assert code == 2, output
    assert f"row {lines}, column value: 9 is outside the scale of APS:TYPE-INT" in output
    assert "nothing was imported" in output
    assert snapshot(tmp_path) == before
    # the same import of a two-row file: what the process needs whatever the file's size
    small = tmp_path / "small.csv"
    small.write_text(HEADER + "huge,d1,1,1,therapist,APS:TYPE-INT,9,r3,2024-01-01\n", encoding="utf-8")
    _, _, baseline = _peak_rss_run(["import", str(small), "--out", str(out)], tmp_path)
    growth = peak - baseline
    print(f"\n{size / 2**20:.0f} MB, {lines} lines refused in {seconds:.1f} s; peak memory {peak / 2**20:.0f} MB, "
          f"{growth / 2**20:.0f} MB above a two-line file")
    assert growth < 64 * 2**20, f"memory grew by {growth / 2**20:.0f} MB for a {size / 2**20:.0f} MB file"


@pytest.mark.huge_input
def test_huge_single_line_ratings_file_is_refused_without_reading_it_whole(tmp_path):
    """200 MB with no line break (a binary or a mangled export): refused at the first 64 KB."""
    path = tmp_path / "one-line.csv"
    with open(path, "wb") as fh:
        fh.write(HEADER.encode())
        chunk = b"x," * (1 << 19)
        fh.writelines(chunk for _ in range(HUGE // len(chunk)))
    before = snapshot(tmp_path)
    code, output, peak = _peak_rss_run(["import", str(path), "--out", str(tmp_path / "out.nt")], tmp_path)
    assert code == 2, output
    assert f"{path}:2: line is longer than 65536 bytes" in output
    assert peak < 300 * 2**20
    assert snapshot(tmp_path) == before


@pytest.mark.huge_input
def test_huge_yaml_file_is_refused_before_it_is_parsed(tmp_path):
    """PyYAML would need minutes and gigabytes for 200 MB; the loader refuses by size at once."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    path = tmp_path / "examples" / "vignettes" / "huge.yaml"
    block = VIGNETTE.split("cases:\n", 1)[1].encode()
    with open(path, "wb") as fh:
        fh.write(b"prc-kg: cases/1\ncases:\n")
        fh.writelines(block for _ in range(HUGE // len(block) + 1))
    before = snapshot(tmp_path)
    start = time.perf_counter()
    code, output, _ = _peak_rss_run(["build", "--examples", str(tmp_path / "examples"), "--out",
                                     str(tmp_path / "build")], tmp_path)
    assert code == 2, output
    assert f"{path}: file is 200 MB; expected a YAML document of at most 16 MB; split it into several" in output
    assert time.perf_counter() - start < 60
    assert snapshot(tmp_path) == before


def _grow(path: Path, unit: bytes) -> None:
    """Append copies of ``unit`` to ``path`` until it holds HUGE bytes or more."""
    with open(path, "ab") as fh:
        fh.writelines(unit for _ in range(HUGE // len(unit) + 1))


HUGE_FILES = {  # entry point: (file to grow, a unit of valid-looking content, command, expected message)
    "ontology module": ("ontology/modules/modalities.ttl",
                        b'prc:Psychoanalysis rdfs:comment "a comment repeated to fill the file"@en .\n',
                        ("build", "--ontology", "{t}/ontology", "--out", "{t}/build"),
                        "modalities.ttl: file is 200 MB; expected an RDF document of at most 32 MB"),
    "SSSOM mapping set": ("ontology/mappings/prc-kg.sssom.tsv",
                          (b"prc:Clarification\tclarification\tskos:relatedMatch\tBCIO:044071\treflective communication"
                           b"\tsemapv:ManualMappingCuration\tprckg:contributors\trepeated\n"),
                          ("build", "--ontology", "{t}/ontology", "--out", "{t}/build"),
                          "prc-kg.sssom.tsv: file is 200 MB; expected an SSSOM mapping set of at most 32 MB"),
    "query file": ("q.rq", b"# a comment line repeated to fill the file\n",
                   ("query", "{t}/q.rq", "--ontology", "{t}/ontology"),
                   "q.rq: file is 200 MB; expected a SPARQL query of at most 1 MB"),
    "item mapping CSV": ("items.csv", b"MY:CODE,APS:TYPE-INT,,,\n",
                         ("import", "{t}/ratings.csv", "--mapping", "{t}/items.csv", "--out", "{t}/out.nt"),
                         "items.csv: file is 200 MB; expected an item mapping CSV of at most 16 MB"),
    "privacy allow-list": ("allow.txt", b"a pseudonym repeated to fill the file\n",
                           ("privacy-check", "--allow", "{t}/allow.txt"),
                           "allow.txt: file is 200 MB; expected an allow-list file of pseudonyms"),
}


@pytest.mark.huge_input
@pytest.mark.parametrize("entry", HUGE_FILES)
def test_huge_text_inputs_are_refused_by_size_before_they_are_parsed(entry, tmp_path):
    """rdflib and the line-by-line checkers would take minutes and gigabytes on 200 MB: each is
    refused by its size at once, in bounded memory, and nothing is written."""
    rel, unit, argv, expected = HUGE_FILES[entry]
    shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    (tmp_path / "q.rq").write_text("# title: huge\nSELECT * WHERE { ?s ?p ?o } LIMIT 1\n", encoding="utf-8")
    (tmp_path / "items.csv").write_text("code,item,construct,scale_min,scale_max\n", encoding="utf-8")
    shutil.copy(BAD / "ratings_own_code.csv", tmp_path / "ratings.csv")
    _grow(tmp_path / rel, unit)
    before = snapshot(tmp_path)
    start = time.perf_counter()
    code, output, peak = _peak_rss_run([a.format(t=tmp_path) for a in argv], tmp_path)
    seconds = time.perf_counter() - start
    assert code == 2, output
    assert expected in output
    assert snapshot(tmp_path) == before
    (tmp_path / rel).unlink()  # pytest keeps the folders of recent runs: do not keep 200 MB in each
    print(f"\n{entry}: refused in {seconds:.1f} s, peak memory {peak / 2**20:.0f} MB")
    assert peak < 300 * 2**20 and seconds < 60


@pytest.mark.huge_input
def test_huge_data_file_with_a_bad_last_line_leaves_the_store_as_it_was(tmp_path):
    """`load --data` streams a 200 MB N-Triples file into a new store beside the old one; the bad
    last line is named and the old store is not touched."""
    from prc_kg.cli.main import main

    store = tmp_path / "store"
    assert main(["load", "--store", str(store)]) == 0
    data = tmp_path / "huge.nt"
    with open(data, "w", encoding="utf-8") as fh:
        i = size = 0
        while size < HUGE:
            line = f'<https://w3id.org/prc-kg/data/huge/s{i}> <{PRC}text> "a literal that fills the file {i}" .\n'
            fh.write(line)
            size, i = size + len(line), i + 1
        fh.write("<urn:a> <urn:b> .\n")
    before = snapshot(tmp_path)
    start = time.perf_counter()
    code, output, peak = _peak_rss_run(["load", "--store", str(store), "--data", str(data)], tmp_path)
    seconds = time.perf_counter() - start
    assert code == 2, output
    assert f"line {i + 1}" in output and "huge.nt" in output
    assert snapshot(tmp_path) == before
    data.unlink()
    print(f"\n{i + 1} lines: refused in {seconds:.1f} s, peak memory {peak / 2**20:.0f} MB (the store's bulk loader)")


# -- fuzzing ---------------------------------------------------------------------------------------------

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

GOOD_CELLS = {
    "study": ["s", "study-1", "a.b_c"], "dyad": ["d1", "d2"], "session": ["1", "2", "10"],
    "segment": ["1", "2", "3"], "segment_kind": ["therapist", "patient", "joint"],
    "item": ["APS:TYPE-INT", "APS:TYPE-SUP", "APS:PAT-PROD"], "value": ["0", "1", "2.5", "4"],
    "rater": ["r1", "r2"], "date": ["2024-01-01", "2023-12-31"],
}
ODD_TEXT = st.sampled_from(["", " ", "0", "-1", "1e3", "NaN", "inf", "1_0", "٣", "²", "9" * 30, "2024-02-30",
                            '"', "a,b", "a\nb", "\x00", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
                            "a b", "é", "\ufeff"])


def _cell(column: str):
    return st.one_of(st.sampled_from(GOOD_CELLS[column]), ODD_TEXT, st.text(max_size=8))


_rows = st.lists(st.tuples(*[_cell(c) for c in COLUMNS]), min_size=0, max_size=12)


@st.composite
def ratings_bytes(draw) -> bytes:
    """A ratings file: mostly well-formed rows with odd cells, odd headers, line ends and stray bytes."""
    header = draw(st.one_of(st.just(list(COLUMNS)), st.permutations(list(COLUMNS)),
                            st.lists(st.sampled_from([*COLUMNS, "note", ""]), max_size=10)))
    rows = draw(_rows)
    quote = draw(st.booleans())
    cells = [header, *map(list, rows)]
    def fmt(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if quote else c
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(",".join(fmt(c) for c in row) for row in cells) + draw(st.sampled_from([newline, ""]))
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])), errors="replace")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=6)) + data[at:]
    return data


@FUZZ
@given(content=ratings_bytes())
def test_fuzzed_ratings_file_imports_or_raises_input_error(terms, content):
    with tempfile.TemporaryDirectory() as tmp:
        source, output = Path(tmp) / "in.csv", Path(tmp) / "out" / "ratings.nt"
        source.write_bytes(content)
        try:
            result = import_ratings(source, output, terms)
        except InputError as exc:
            assert str(source) in str(exc)
            assert not output.parent.exists() or list(output.parent.iterdir()) == []
        else:
            assert result.rows > 0
            # what was written is valid N-Triples: no IRI or literal was pasted together from bad text
            assert sum(1 for _ in ox.parse(path=str(output), format=ox.RdfFormat.N_TRIPLES)) == result.triples
            assert sorted(p.name for p in output.parent.iterdir()) == ["ratings.nt"]


YAML_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 10**20), st.floats(allow_nan=True, allow_infinity=True),
              st.text(max_size=10), ODD_TEXT, st.sampled_from(["Support", "APS", "P10", "helpful", "patient", "BK"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8)


def _containers(node, found: list) -> list:
    if isinstance(node, dict | list):
        found.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _containers(child, found)
    return found


@st.composite
def mutated_yaml(draw, template: str) -> bytes:
    """The good vignette or finding with one to three parts replaced, removed or added, dumped as YAML."""
    doc = copy.deepcopy(yaml.safe_load(template))
    for _ in range(draw(st.integers(1, 3))):
        node = draw(st.sampled_from(_containers(doc, [])))
        if isinstance(node, dict):
            key = draw(st.one_of(st.sampled_from(sorted(node, key=str) or ["x"]), st.text(max_size=6)))
            if draw(st.booleans()) and key in node:
                del node[key]
            else:
                node[key] = draw(YAML_VALUES)
        elif node and draw(st.booleans()):
            node[draw(st.integers(0, len(node) - 1))] = draw(YAML_VALUES)
        else:
            node.append(draw(YAML_VALUES))
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode()


@st.composite
def raw_yaml(draw) -> bytes:
    """Text after the format marker: YAML syntax, flow collections, tags, aliases and control characters."""
    pieces = st.sampled_from(["cases:", "\n", "  - ", "id: x", "[", "]", "{", "}", ": ", "&a ", "*a", "!!str ",
                              "!!python/name:os.system", "? ", "- ", "'", '"', "\t", "\x07", "#", "---", "%YAML 1.1",
                              "title: t", "tag: BK", "source: [Reference]", "constructed: true", "<<: "])
    text = "prc-kg: cases/1\n" + "".join(draw(st.lists(st.one_of(pieces, st.text(max_size=5)), max_size=30)))
    return text.encode("utf-8", errors="replace")


def _load_one(terms, content: bytes, finding_file: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.yaml"
        path.write_bytes(content)
        builder = FindingBuilder(terms) if finding_file else CaseBuilder(terms)
        try:
            builder.add_file(path)
        except InputError as exc:
            assert exc.path == path
        else:
            # the graph can be written and read back strictly: no broken IRI or literal got in
            data = builder.g.serialize(format="nt", encoding="utf-8")
            assert sum(1 for _ in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)) == len(builder.g)


@FUZZ
@given(content=st.one_of(mutated_yaml(VIGNETTE), raw_yaml()))
def test_fuzzed_case_file_loads_or_raises_input_error(terms, content):
    _load_one(terms, content, finding_file=False)


@FUZZ
@given(content=mutated_yaml(FINDING))
def test_fuzzed_findings_file_loads_or_raises_input_error(terms, content):
    _load_one(terms, content, finding_file=True)
