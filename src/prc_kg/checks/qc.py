"""Quality control: one SPARQL check per ``.rq`` file, with ROBOT-style levels.

Each file opens with a header of ``# title:``, ``# level:`` (ERROR, WARN or INFO),
``# description:`` and optionally ``# hint:`` (what to do about a finding) lines and selects ``?entity ?property ?value``; an empty result means the
check passes. The checks run on the merged release graph in an embedded Oxigraph store, together
with the example instances when they are given, so that a check on case data (a real case's
statement left unmarked) sees them; checks on ontology terms select ``prc:`` IRIs and so never
match an instance.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph
from rdflib.graph import ReadOnlyGraphAggregate

from .. import paths
from ..errors import InputError
from ..fileio.files import read_utf8
from ..progress import stepped
from ..store.backends import EmbeddedStore

LEVELS = ("ERROR", "WARN", "INFO")
_HEADER = re.compile(r"^#\s*(title|level|description|hint):\s*(.*)$")


def default_qc_dir() -> Path:
    return paths.qc_dir()


@dataclass(frozen=True)
class QcCheck:
    name: str
    path: Path
    title: str
    level: str
    description: str
    query: str
    hint: str = ""


@dataclass(frozen=True)
class QcViolation:
    level: str
    rule: str
    entity: str
    property: str
    value: str
    where: str = ""  # file:line of the entity's block in the source, when known
    label: str = ""  # the entity's rdfs:label, to read beside its IRI
    hint: str = ""  # what is expected (qchints): the definition's opening, the term a misspelt IRI meant, …


    def text(self, width: int = 100) -> str:
        """``LEVEL rule entity property  value  at FILE:LINE``, then, indented, the entity's label and the hint."""
        value = f"  {self.value[:width]}" if self.value else ""
        where = f"  at {self.where}" if self.where else ""
        line = f"{self.level}\t{self.rule}\t{self.entity}\t{self.property}{value}{where}"
        said = " — ".join(part for part in (f'"{_one_line(self.label)}"' if self.label else "", self.hint) if part)
        return f"{line}\n\t{said}" if said else line


@dataclass
class QcReport:
    violations: list[QcViolation]
    checks: list[QcCheck]

    def count(self, level: str) -> int:
        return sum(1 for v in self.violations if v.level == level)

    @property
    def ok(self) -> bool:
        return self.count("ERROR") == 0

    def to_tsv(self) -> str:
        rows = ["Level\tRule Name\tSubject\tProperty\tValue\tLocation\tLabel\tHint"]
        rows += [f"{v.level}\t{v.rule}\t{v.entity}\t{v.property}\t{_one_line(v.value)}\t{v.where}\t"
                 f"{_one_line(v.label)}\t{_one_line(v.hint)}" for v in self.violations]
        return "\n".join(rows) + "\n"


def build_verdict(report: QcReport, shown: int = 5) -> tuple[list[str], bool]:
    """What ``prc-kg build`` says of QC: the counts, and with ERRORs the first few (label, hint) and
    that the files are written but a release would be refused."""
    counts = ", ".join(f"{report.count(level)} {level}" for level in LEVELS)
    errors = [v for v in report.violations if v.level == "ERROR"]
    if not errors:
        return [f"QC: {len(report.checks)} checks; {counts}"], True
    lines = [(f"QC FAILED: {len(report.checks)} checks; {counts}. The files above are written, but `prc-kg release` "
             "refuses an ontology with QC errors; `prc-kg qc` lists every finding.")]
    lines += [v.text() for v in errors[:shown]]
    if len(errors) > shown:
        lines.append(f"… and {len(errors) - shown} more ERROR(s)")
    return lines, False


def _one_line(text: str) -> str:
    return " ".join(text.split())


def load_checks(folder: Path | None = None) -> list[QcCheck]:
    """Read every ``.rq`` file of ``folder``; a file without a valid header is an input error."""
    folder = Path(folder) if folder else default_qc_dir()
    checks = []
    for path in sorted(folder.glob("*.rq")):
        text = read_utf8(path, "a SPARQL check with '# title:' and '# level:' header lines", max_mb=1)
        header: dict[str, str] = {}
        for line in text.splitlines():
            match = _HEADER.match(line)
            if match:
                header[match.group(1)] = match.group(2).strip()
        for key in ("title", "level"):
            if key not in header:
                raise InputError(path, f"missing '# {key}:' header line", line=1, field=key)
        if header["level"] not in LEVELS:
            raise InputError(path, f"level '{header['level']}' is not one of {', '.join(LEVELS)}", field="level")
        checks.append(QcCheck(path.stem, path, header["title"], header["level"], header.get("description", ""), text,
                              header.get("hint", "")))
    if not checks:
        raise InputError(folder, "no .rq check files found")
    return checks


@stepped(lambda g, folder=None, *a, **k: "running the QC checks")
def run_qc(g: Graph, folder: Path | None = None, where: Mapping[str, str] | None = None,
           instances: Graph | None = None) -> QcReport:
    """Run every check on ``g`` (plus ``instances``, the example data, when given); ``where`` (from
    locations.source_locations) gives each entity's file and line, so a finding can be opened in an
    editor."""
    checks = load_checks(folder)
    where = where or {}
    store = EmbeddedStore()
    store.load_graph(g)
    if instances is not None:
        store.load_graph(instances)
    violations = []
    for check in checks:
        try:
            results = store.ox.query(check.query)
        except SyntaxError as exc:
            raise InputError(check.path, f"SPARQL syntax error: {exc}") from exc
        for row in results:
            entity = _text(row["entity"])
            violations.append(QcViolation(check.level, check.name, entity, _text(row["property"]),
                                          _text(row["value"]), where.get(entity, "")))
    order = {level: i for i, level in enumerate(LEVELS)}
    violations.sort(key=lambda v: (order[v.level], v.rule, v.entity, v.property, v.value))
    from .qchints import explain  # qchints reads QcViolation from here

    seen = g if instances is None else ReadOnlyGraphAggregate([g, instances])
    return QcReport(explain(violations, seen, {c.name: c.hint for c in checks if c.hint}), checks)


def _text(term) -> str:
    if term is None:
        return ""
    return term.value if hasattr(term, "value") else str(term)
