"""One list of gates for `prc-kg validate` and `prc-kg release`: a release from examples holding a phone
number, an e-mail address and a full name is refused, naming the gate and each finding's file and line,
and nothing is written; `validate` fails on the same examples with the same findings."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from prc_kg.checks.gates import GATES, INSTANCES, RELEASE_GATES, VALIDATE_GATES
from prc_kg.checks.privacy import EMAIL, NAME, PHONE
from prc_kg.cli.main import main
from prc_kg.instances.examples import default_examples_dir

FINDING = re.compile(r"^\s*(?P<path>/.+?):(?P<line>\d+): (?P<kind>[a-z-]+): (?P<masked>.+)$")

# Added to the description of the first vignette, one identifier a line.
PLANTED = [
    ("      She gave the intake desk her mobile number, 07700 900123, for reminders.", PHONE),
    ("      Letters went to jane.doe@example.org before the first meeting.", EMAIL),
    ("      Her sister Sarah Connolly drove her to the appointment.", NAME),
]
RAW = ("07700 900123", "jane.doe@example.org", "Sarah Connolly")


@pytest.fixture()
def examples_with_identifiers(tmp_path: Path) -> tuple[Path, set[tuple[str, int, str]]]:
    """A copy of the examples with three identifiers in a vignette; (folder, {(file, line, kind)})."""
    folder = tmp_path / "examples"
    shutil.copytree(default_examples_dir(), folder)
    path = folder / "vignettes" / "section1.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    at = lines.index("      while the therapist asks why she is coming at this point and gently checks for risk.") + 1
    lines[at:at] = [text for text, _ in PLANTED]
    path.write_text("\n".join(lines), encoding="utf-8")
    return folder, {(str(path), at + 1 + i, kind) for i, (_, kind) in enumerate(PLANTED)}


def _findings(text: str) -> set[tuple[str, int, str]]:
    return {(m["path"], int(m["line"]), m["kind"]) for line in text.splitlines() if (m := FINDING.match(line))}


@pytest.mark.slow
def test_release_with_personal_identifiers_is_refused_and_validate_finds_the_same(
        examples_with_identifiers, tmp_path, capsys):
    examples, expected = examples_with_identifiers
    out = tmp_path / "release"
    assert main(["release", "--examples", str(examples), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "not written" in captured.err and "\n  privacy: 3 possible identifiers in 1 of " in captured.err
    assert _findings(captured.err) == expected, captured.err
    assert not out.exists()
    assert not any(raw in captured.err + captured.out for raw in RAW)  # the refusal masks what it found

    assert main(["validate", "--examples", str(examples)]) == 1
    shown = capsys.readouterr().out
    assert _findings(shown) == expected, shown
    assert not any(raw in shown for raw in RAW)


def test_validate_runs_the_instance_gates_of_the_one_list_a_release_runs():
    assert RELEASE_GATES == GATES
    assert VALIDATE_GATES == tuple(g for g in GATES if g.checks == INSTANCES)
    assert set(VALIDATE_GATES) <= set(RELEASE_GATES)
    assert {g.name for g in VALIDATE_GATES} == {"privacy", "SHACL on the examples"}
    assert {g.name for g in RELEASE_GATES} == {"QC", "privacy", "SHACL on the examples"}


@pytest.mark.slow
def test_an_allow_list_given_to_the_gates_lets_a_pseudonym_through_and_shacl_waits_for_the_cheap_gates(
        examples_with_identifiers, tmp_path):
    from rdflib import Graph

    from prc_kg.checks.gates import PRIVACY, SHACL, GateInputs, run_gates

    examples, _ = examples_with_identifiers
    path = examples / "vignettes" / "section1.yaml"
    text = path.read_text(encoding="utf-8")
    for planted, _kind in PLANTED[:2]:
        text = text.replace(planted + "\n", "")
    path.write_text(text, encoding="utf-8")
    inputs = GateInputs(Graph(), Graph(), 0, examples)
    run = run_gates([PRIVACY, SHACL], inputs, skip_costly_after_failure=True)
    assert [r.name for r in run.results] == ["privacy"] and run.skipped == ["SHACL on the examples"]
    assert run.results[0].reason().endswith(": name: S*** C***") and not run.ok
    extra = tmp_path / "site-pseudonyms.txt"
    extra.write_text("Sarah Connolly\n", encoding="utf-8")
    allowed = run_gates([PRIVACY], GateInputs(Graph(), Graph(), 0, examples, allow=[extra]))
    assert allowed.ok and allowed.results[0].outcome.detail.endswith("files checked, no identifiers found")
    with pytest.raises(ValueError, match="listed twice"):
        run_gates([PRIVACY, PRIVACY], inputs)


@pytest.mark.slow
def test_release_is_refused_by_qc_when_a_moderator_has_no_level(tmp_path, capsys):
    """The QC gate checks the examples with the ontology: a moderator given without its level (a bare class
    name) loads, but the release names the check and the condition, and nothing is written."""
    folder = tmp_path / "examples"
    shutil.copytree(default_examples_dir(), folder)
    path = folder / "findings" / "findings.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[{construct: TherapeuticAlliance, level: stagnant}]", "[TherapeuticAlliance]", 1),
                    encoding="utf-8")
    out = tmp_path / "release"
    assert main(["release", "--examples", str(folder), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "\n  QC: 1 ERROR, 0 WARN, 0 INFO" in err
    assert "ERROR moderator_without_level https://w3id.org/prc-kg/data/finding/f29-competence-stagnant-alliance/" \
           "condition/1" in err
    assert not out.exists()
