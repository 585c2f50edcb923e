"""Progress of long work: the steps a command takes are named on standard error as they start and end,
nothing is said with --quiet, and standard output (the results, JSON, CSV) is the same byte for byte
either way."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest

from prc_kg.cli.main import build_parser, main
from prc_kg.cli.progress import StderrSteps
from prc_kg.progress import Event, reporting, step, stepped

ROOT = Path(__file__).resolve().parents[1]


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as standard error is in an interactive shell."""

    def isatty(self) -> bool:
        return True


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def steps_in(err: str) -> list[str]:
    """The steps a log names as started (``prc-kg: STEP …``)."""
    return re.findall(r"^prc-kg: (.+) …$", err, flags=re.MULTILINE)


@pytest.fixture
def tiny_examples(tmp_path) -> Path:
    """One vignette file and the allow-list: the gates run as on the whole folder, in less time."""
    folder = tmp_path / "examples"
    (folder / "vignettes").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "vignettes" / "section1.yaml", folder / "vignettes")
    shutil.copy(ROOT / "examples" / "privacy-allowlist.txt", folder)
    return folder


# -- the library's steps ----------------------------------------------------------------------------------

def test_steps_report_start_progress_and_end_with_their_depth():
    events: list[Event] = []
    with reporting(events.append), step("outer") as advance:
        with step("inner", total=10) as inner:
            inner(4)
            inner(6)
        advance()
    assert [(e.kind, e.title, e.depth) for e in events] == [
        ("start", "outer", 0), ("start", "inner", 1), ("advance", "inner", 1), ("advance", "inner", 1),
        ("end", "inner", 1), ("advance", "outer", 0), ("end", "outer", 0)]
    assert [e.done for e in events if e.title == "inner" and e.kind == "advance"] == [4, 10]
    assert events[4].total == 10 and events[-1].ok and events[-1].seconds >= 0


def test_a_step_that_raises_ends_as_failed_and_the_error_goes_on():
    events: list[Event] = []

    @stepped(lambda n: f"dividing by {n}")
    def divide(n: int) -> float:
        return 1 / n

    with reporting(events.append), pytest.raises(ZeroDivisionError):
        divide(0)
    assert [(e.kind, e.title, e.ok) for e in events] == [("start", "dividing by 0", True),
                                                       ("end", "dividing by 0", False)]


def test_without_a_listener_steps_say_nothing_and_return_what_they_return():
    @stepped("adding")
    def add(a: int, b: int) -> int:
        return a + b

    assert add(2, 3) == 5
    events: list[Event] = []
    with reporting(events.append), reporting(None):
        assert add(1, 1) == 2
    assert events == []


# -- how the command line shows them ----------------------------------------------------------------------

def test_in_a_log_each_outer_step_is_a_line_at_start_and_end():
    stream = io.StringIO()
    with reporting(StderrSteps(stream)):
        with step("loading the store"), step("building the text index"):
            pass
        with pytest.raises(KeyError), step("checking: SHACL on the examples"):
            raise KeyError("x")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "prc-kg: loading the store …"
    assert re.fullmatch(r"prc-kg: loading the store: \d+\.\d s", lines[1])
    assert lines[2] == "prc-kg: checking: SHACL on the examples …"
    assert re.fullmatch(r"prc-kg: checking: SHACL on the examples: stopped after \d+\.\d s", lines[3])
    assert len(lines) == 4  # the inner step is part of the outer one


def test_on_a_terminal_a_finished_step_leaves_a_tick_and_its_time():
    stream = Terminal()
    steps = StderrSteps(stream)
    assert steps.live
    with reporting(steps), step("reading [the] ontology source"), step("parsing modules/core.ttl", total=3) as advance:
        advance(3)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue())  # the terminal's cursor and colour codes
    assert re.search(r"✓ reading \[the\] ontology source  \d+\.\d s", text)  # brackets are text, not markup
    assert "✓ parsing modules/core.ttl" not in text  # an inner step leaves no line of its own
    assert steps._bars is None  # the live display stopped with the last step


def test_an_import_bar_is_a_step_with_its_size_and_a_small_file_gets_none():
    from prc_kg.cli.common import Progress

    events: list[Event] = []
    with reporting(events.append):
        with Progress("importing big.csv", 8_000_000) as advance:
            advance(5_000_000)
            advance(3_000_000)
        with Progress("importing small.csv", 4_000) as advance:
            advance(4_000)
    assert [(e.kind, e.title, e.done, e.total) for e in events] == [
        ("start", "importing big.csv", 0, 8_000_000), ("advance", "importing big.csv", 5_000_000, 8_000_000),
        ("advance", "importing big.csv", 8_000_000, 8_000_000), ("end", "importing big.csv", 8_000_000, 8_000_000)]


def test_every_command_takes_quiet():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, parser in sub.choices.items():
        quiet = [a for a in parser._actions if a.dest == "quiet"]
        assert quiet and set(quiet[0].option_strings) == {"-q", "--quiet"}, name


# -- the commands -----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_build_names_its_steps_on_stderr_and_quiet_leaves_stdout_as_it_was(tmp_path, capsys):
    code, out, err = run(capsys, "build", "--out", str(tmp_path / "out"))
    assert code == 0
    assert steps_in(err) == ["reading the ontology source", "merging the modules into the release graph",
                             "reading the example instances", f"writing the release files into {tmp_path / 'out'}",
                             "running the QC checks"]
    assert "prc-kg:" not in out and "…" not in out
    code, quiet_out, quiet_err = run(capsys, "build", "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0 and quiet_err == "" and quiet_out == out


@pytest.mark.slow
def test_query_json_is_the_same_bytes_with_progress_or_quiet(capsys):
    argv = ("query", "cq01_session_intervention_types", "--param", "session=data:case/annie/session/1",
            "--format", "json", "--no-cache")  # in memory, so the building step shows whatever the cache holds
    code, out, err = run(capsys, *argv)
    assert code == 0 and "building the store in memory" in steps_in(err)
    code, quiet_out, quiet_err = run(capsys, *argv, "-q")
    assert code == 0 and quiet_err == "" and quiet_out == out
    assert out.startswith('{"head": {"vars": [')


@pytest.mark.slow
def test_qc_names_its_checks_step(capsys):
    code, out, err = run(capsys, "qc", "--no-examples")
    assert "running the QC checks" in steps_in(err)
    quiet = run(capsys, "qc", "--no-examples", "--quiet")
    assert quiet == (code, out, "")


@pytest.mark.slow
def test_validate_names_each_gate_and_quiet_says_nothing(tiny_examples, capsys):
    code, out, err = run(capsys, "validate", "--examples", str(tiny_examples))
    assert code == 0, out + err
    assert steps_in(err)[-2:] == ["checking: privacy", "checking: SHACL on the examples"]
    assert re.search(r"^prc-kg: checking: SHACL on the examples: \d+\.\d s$", err, flags=re.MULTILINE)
    assert out.splitlines()[-1].startswith("SHACL: ") and "prc-kg:" not in out
    assert run(capsys, "validate", "--examples", str(tiny_examples), "--quiet") == (0, out, "")


@pytest.mark.slow
def test_release_names_its_checks_and_writing(tiny_examples, tmp_path, capsys):
    code, out, err = run(capsys, "release", "--examples", str(tiny_examples), "--data", "--out",
                         str(tmp_path / "release"))
    assert code == 0, out + err
    started = steps_in(err)
    for expected in ("reading the ontology source", "merging the modules into the release graph",
                     "reading the example instances", "checking: QC", "checking: privacy",
                     "checking: SHACL on the examples", "checking: owlready2 reads the RDF/XML"):
        assert expected in started, (expected, started)
    assert any(s.startswith("serialising ") for s in started)
    assert started[-1].startswith("writing release ") and started[-1].endswith(str(tmp_path / "release"))
    assert "prc-kg:" not in out and out.splitlines()[-1].startswith("release ")


@pytest.mark.slow
@pytest.mark.java
def test_reason_names_the_reasoner_step(tmp_path, capsys):
    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL, RDF, RDFS

    from prc_kg.ontology.reasoning import java_executable

    try:
        java_executable()
    except Exception:  # noqa: BLE001 - the marker says Java is needed; without it there is nothing to show
        pytest.skip("no Java runtime")
    g = Graph()
    a, b = URIRef("https://example.org/A"), URIRef("https://example.org/B")
    g.add((a, RDF.type, OWL.Class))
    g.add((b, RDF.type, OWL.Class))
    g.add((a, RDFS.subClassOf, b))
    owl = tmp_path / "tiny.owl"
    owl.write_bytes(g.serialize(format="xml").encode("utf-8"))
    code, out, err = run(capsys, "reason", "--file", str(owl))
    assert code == 0, out + err
    assert steps_in(err) == ["HermiT reasoning over tiny.owl (Java)"]
    assert "consistent" in out and "prc-kg:" not in out
    code, quiet_out, quiet_err = run(capsys, "reason", "--file", str(owl), "-q")
    assert code == 0 and quiet_err == ""
    assert re.sub(r"\d+\.\d+ s", "", quiet_out) == re.sub(r"\d+\.\d+ s", "", out)
