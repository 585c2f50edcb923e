"""A seeded generator of synthetic coded-session studies in the ratings CSV format.

The data carry one planted pattern, so analyses can be checked against a known answer: when a
therapist segment scores high on interpretation *and* on good intervention (skill), the next
patient segment scores higher on productivity.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..fileio.files import write_files_atomically

THERAPIST_ITEMS = ("APS:TYPE-EE", "APS:TYPE-CLAR", "APS:TYPE-INT", "APS:TYPE-SUP",
                   "APS:AIM-DEF", "APS:AIM-TRANS", "APS:AIM-CONF", "APS:AIM-SEX", "APS:AIM-AGG", "APS:AIM-DEV",
                   "APS:AIM-SE", "APS:CHAR-CONFRONT", "APS:CHAR-FEEL", "APS:CHAR-AMIC", "APS:CHAR-HOST",
                   "APS:QUAL-FOCUS", "APS:QUAL-GOOD")
PATIENT_ITEMS = ("APS:PAT-COMM", "APS:PAT-FEEL", "APS:PAT-NEEDS", "APS:PAT-REFL", "APS:PAT-PROD")
SKILFUL_THRESHOLD = 3
START = date(2024, 1, 8)


@dataclass(frozen=True)
class StudyDesign:
    study: str = "example-study"
    dyads: int = 3
    sessions: int = 8
    segments: int = 20
    raters: int = 2
    seed: int = 20261126


def _clip(x: float) -> int:
    return max(0, min(4, round(x)))


def generate_rows(design: StudyDesign):
    """Yield CSV rows (as tuples) in a fixed order; odd segments are the therapist's, even the patient's."""
    rng = random.Random(design.seed)
    raters = [f"r{i}" for i in range(1, design.raters + 1)]
    for d in range(1, design.dyads + 1):
        dyad = f"d{d}"
        style = rng.uniform(-0.5, 0.5)  # dyads differ a little in level
        for s in range(1, design.sessions + 1):
            day = (START + timedelta(days=7 * (s - 1) + 2 * (d - 1))).isoformat()
            skilful_before = False
            for g in range(1, design.segments + 1):
                if g % 2 == 1:
                    kind, items = "therapist", THERAPIST_ITEMS
                    true = {item: rng.uniform(0, 4) for item in items}
                    true["APS:TYPE-INT"] = rng.choice((0.5, 1.5, 2.5, 3.5, 3.8))
                    true["APS:QUAL-GOOD"] = rng.choice((1.0, 2.0, 3.2, 3.6))
                    skilful_before = (true["APS:TYPE-INT"] >= SKILFUL_THRESHOLD
                                      and true["APS:QUAL-GOOD"] >= SKILFUL_THRESHOLD)
                else:
                    kind, items = "patient", PATIENT_ITEMS
                    true = {item: rng.uniform(0.5, 3.0) + style for item in items}
                    true["APS:PAT-PROD"] = (3.2 if skilful_before else 1.4) + style + rng.gauss(0, 0.5)
                for item in items:
                    for rater in raters:
                        value = _clip(true[item] + rng.gauss(0, 0.45))
                        yield (design.study, dyad, s, g, kind, item, value, rater, day)


def write_study(design: StudyDesign, output: Path) -> int:
    """Write the generated study as CSV (atomically); returns the number of rating rows."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("study", "dyad", "session", "segment", "segment_kind", "item", "value", "rater", "date"))
    rows = 0
    for row in generate_rows(design):
        writer.writerow(row)
        rows += 1
    write_files_atomically({Path(output): buf.getvalue().encode("utf-8")})
    return rows
