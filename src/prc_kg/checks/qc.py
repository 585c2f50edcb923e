"""Quality control: one SPARQL check per ``.rq`` file, with ROBOT-style levels.

Each file opens with a header of ``# title:``, ``# level:`` (ERROR, WARN or INFO) and
``# description:`` lines and selects ``?entity ?property ?value``; an empty result means the
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

from .. import paths
from ..errors import InputError
from ..fileio.files import read_utf8
from ..progress import stepped
from ..store.backends import EmbeddedStore

LEVELS = ("ERROR", "WARN", "INFO")
_HEADER = re.compile(r"^#\s*(title|level|description):\s*(.*)$")


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


@dataclass(frozen=True)
class QcViolation:
    level: str
    rule: str
    entity: str
    property: str
    value: str
    where: str = ""  # file:line of the entity's block in the source, when known


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
        rows = ["Level\tRule Name\tSubject\tProperty\tValue\tLocation"]
        rows += [f"{v.level}\t{v.rule}\t{v.entity}\t{v.property}\t{_one_line(v.value)}\t{v.where}"
                 for v in self.violations]
        return "\n".join(rows) + "\n"


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
        checks.append(QcCheck(path.stem, path, header["title"], header["level"], header.get("description", ""), text))
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
    return QcReport(violations, checks)


def _text(term) -> str:
    if term is None:
        return ""
    return term.value if hasattr(term, "value") else str(term)
