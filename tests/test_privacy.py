"""De-identification check (`prc-kg privacy-check`, also run by `prc-kg validate`): the shipped examples
are clean; each kind of identifier planted into a scratch copy of the examples is found at its file,
line and kind; pseudonyms on the allow-list and near misses (item codes, years, citations, page
numbers, figures) are not flagged."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from prc_kg.checks.privacy import (
    ADDRESS,
    DOB,
    EMAIL,
    NAME,
    PHONE,
    RECORD,
    AllowList,
    allowlist_for,
    check_examples,
    check_file,
    check_graph,
    example_files,
    mask,
    scan_text,
)
from prc_kg.cli.main import main
from prc_kg.instances.examples import default_examples_dir
from prc_kg.vocab import DATA_IRI, PRC_IRI

DATETIME = URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
FINDING = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<kind>[a-z-]+): (?P<masked>.+)$")

# Planted into a new case appended to a copy of cases/annie.yaml: (text on its own line, kind or None).
PLANTED_YAML = [
    ("She came with her sister Sarah Connolly to the first meeting.", NAME),
    ("The referral letter says she was born 12 March 1980.", DOB),
    ("Her mobile number, 07700 900123, was on the intake form.", PHONE),
    ("She wrote from jane.doe@example.org before the second session.", EMAIL),
    ("She had moved to 14 Elmwood Road that spring.", ADDRESS),
    ("The hospital letter gives MRN 4471923 at the top.", RECORD),
    ("Annie said she felt tired.", None),  # the allow-listed pseudonym
    ("Items PQS:36 and APS:TYPE-INT were rated in 2004.", None),  # item codes, a year
    ("As Waldron et al. 2004 note on page 212 (pp. 36-41), r = 0.278, n = 30,000.", None),  # citation, pages
]

# Planted rows of a ratings CSV: (study, dyad, rater, kind or None); every other cell is ordinary.
PLANTED_CSV = [
    ("example-study", "d1", "j.doe@example.org", EMAIL),
    ("example-study", "d1", "Sarah Connolly", NAME),
    ("example-study", "dob-1980-03-12", "r1", DOB),
    ("07700 900123", "d1", "r1", PHONE),
    ("14 Elmwood Road", "d1", "r1", ADDRESS),
    ("example-study", "MRN 4471923", "r1", RECORD),
    ("example-study", "annie", "r2", None),
    ("waldron-2004", "d2", "r2", None),
]


@pytest.fixture()
def examples_copy(tmp_path: Path) -> Path:
    """A scratch copy of the examples folder: the shipped files are never touched."""
    target = tmp_path / "examples"
    shutil.copytree(default_examples_dir(), target)
    return target


def _plant_yaml(examples: Path) -> tuple[Path, dict[int, str]]:
    """Append a case carrying the planted lines to cases/annie.yaml; return the file and {line: kind}."""
    path = examples / "cases" / "annie.yaml"
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    lines += ["  - id: planted", "    title: A case with identifiers planted in it", "    constructed: true",
              "    tag: BK", "    source: [Reference]", "    description: >-"]
    expected = {}
    for text, kind in PLANTED_YAML:
        lines.append(f"      {text}")
        if kind:
            expected[len(lines)] = kind
    lines += ["    patient: constructed adult patient", "    therapist: Mr Jonas Whitfield"]
    expected[len(lines)] = NAME
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, expected


def _plant_csv(folder: Path) -> tuple[Path, dict[int, str]]:
    path = folder / "planted.csv"
    rows = ["study,dyad,session,segment,segment_kind,item,value,rater,date",
            "example-study,d1,1,1,therapist,APS:TYPE-INT,2,r1,2024-01-08"]
    expected = {}
    for study, dyad, rater, kind in PLANTED_CSV:
        rows.append(f"{study},{dyad},1,2,therapist,PQS:36,3,{rater},2024-01-09")
        if kind:
            expected[len(rows)] = kind
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, expected


def _run(capsys, *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


def _findings(lines: list[str]) -> list[re.Match]:
    return [m for line in lines if (m := FINDING.match(line))]


# -- the shipped examples ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_shipped_examples_are_clean(capsys):
    report = check_examples()
    names = {p.name for p in report.files}
    assert {"annie.yaml", "library.yaml", "findings.yaml", "ratings.csv", "items.csv"} <= names
    assert {f"section{n}.yaml" for n in range(1, 6)} <= names
    assert report.findings == [], "\n".join(map(str, report.findings))
    code, out, _ = _run(capsys, "privacy-check")
    assert code == 0, out
    assert out == [f"privacy: {len(report.files)} files checked, no identifiers found"]


@pytest.mark.slow
def test_the_allow_list_is_what_keeps_the_pseudonyms_out():
    """Without the allow-list the pseudonyms are found, so the check does look at those fields; the analyst
    Merton Gill, a public figure of the field, passes by the built-in list of historical figures."""
    bare = [f for path in example_files() for f in check_file(path, AllowList())]
    assert {f.text for f in bare} >= {"Annie", "Giovanna", "Mrs C"}
    assert not any("Gill" in f.text for f in bare)
    assert {f.kind for f in bare} == {NAME}
    allow = allowlist_for(None)
    assert {"Annie", "Giovanna", "Mrs C", "Merton Gill"} <= allow.entries


# -- planted identifiers --------------------------------------------------------------------------------------

@pytest.mark.slow
def test_each_kind_planted_in_a_yaml_file_is_flagged_at_its_line(examples_copy, capsys):
    path, expected = _plant_yaml(examples_copy)
    code, out, _ = _run(capsys, "privacy-check", "--examples", str(examples_copy))
    assert code == 1
    found = {(m["path"], int(m["line"])): m["kind"] for m in _findings(out)}
    assert found == {(str(path), line): kind for line, kind in expected.items()}, "\n".join(out)
    assert out[-1].startswith("privacy: 7 possible identifiers in 1 of ")
    text = "\n".join(out)
    for raw in ("Sarah Connolly", "12 March 1980", "07700 900123", "jane.doe@example.org", "Elmwood", "4471923"):
        assert raw not in text  # the report masks what it found
    assert "j***.d***@e***.org" in text and "S*** C***" in text


@pytest.mark.slow
def test_each_kind_planted_in_a_ratings_csv_is_flagged_at_its_row(examples_copy, tmp_path, capsys):
    path, expected = _plant_csv(tmp_path)
    code, out, _ = _run(capsys, "privacy-check", "--examples", str(examples_copy), str(path))
    assert code == 1
    found = {(m["path"], int(m["line"])): m["kind"] for m in _findings(out)}
    assert found == {(str(path), line): kind for line, kind in expected.items()}, "\n".join(out)
    assert "j.d***@e***.org" in "\n".join(out)


@pytest.mark.slow
def test_an_identifier_repeated_down_a_column_is_reported_once_with_a_count(examples_copy, tmp_path, capsys):
    path = tmp_path / "ratings.csv"
    rows = ["study,dyad,session,segment,segment_kind,item,value,rater,date"]
    rows += [f"example-study,d1,1,{n},therapist,PQS:36,3,{rater},2024-01-09"
             for n in range(1, 5) for rater in ("r1", "Emily")]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, _ = _run(capsys, "privacy-check", "--examples", str(examples_copy), str(path))
    assert code == 1
    assert [line for line in out if line.startswith(str(path))] == [f"{path}:3: name: E*** (and 3 more rows)"]


@pytest.mark.slow
def test_library_api_reports_file_line_and_kind(examples_copy, tmp_path):
    yaml_path, yaml_expected = _plant_yaml(examples_copy)
    csv_path, csv_expected = _plant_csv(tmp_path)
    report = check_examples(examples_copy, [csv_path])
    got = {(f.source, f.line, f.kind) for f in report.findings}
    want = ({(str(yaml_path), line, kind) for line, kind in yaml_expected.items()}
            | {(str(csv_path), line, kind) for line, kind in csv_expected.items()})
    assert got == want
    texts = {f.text for f in report.findings}
    assert {"Sarah Connolly", "12 March 1980", "jane.doe@example.org", "14 Elmwood Road", "4471923",
            "Mr Jonas Whitfield", "j.doe@example.org", "1980-03-12", "07700 900123"} <= texts


@pytest.mark.slow
def test_an_extra_allow_list_lets_a_pseudonym_through(examples_copy, tmp_path, capsys):
    path = examples_copy / "vignettes" / "section1.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("prc-kg: cases/1", "# site pseudonym: Giulia Conti\nprc-kg: cases/1", 1),
                    encoding="utf-8")
    code, out, _ = _run(capsys, "privacy-check", "--examples", str(examples_copy))
    assert code == 1 and [m["kind"] for m in _findings(out)] == [NAME]
    extra = tmp_path / "site-pseudonyms.txt"
    extra.write_text("# our site's pseudonyms\nGiulia Conti\n", encoding="utf-8")
    code, out, _ = _run(capsys, "privacy-check", "--examples", str(examples_copy), "--allow", str(extra))
    assert code == 0, out


@pytest.mark.slow
def test_validate_fails_on_an_identifier_and_names_rdf_data_by_subject_and_property(examples_copy, tmp_path,
                                                                                      capsys):
    yaml_path, expected = _plant_yaml(examples_copy)
    nt = tmp_path / "ratings.nt"
    _rater_graph("sarah.connolly", "rated from j.doe@example.org").serialize(nt, format="nt", encoding="utf-8")
    code, out, _ = _run(capsys, "validate", "--examples", str(examples_copy), "--data", str(nt))
    assert code == 1
    assert any(line.startswith("SHACL:") and "0 violations" in line for line in out), out
    assert {(m["path"], int(m["line"])) for m in _findings(out)} == {(str(yaml_path), n) for n in expected}
    rdf = [line for line in out if line.startswith(f"{nt}: <")]
    assert f"{nt}: <{DATA_IRI}rater/s***.c***> <(IRI)>: name: s***" in rdf
    assert any(line.endswith(f"/PQS_36/s***.c***> <{PRC_IRI}note>: email: j.d***@e***.org") for line in rdf), rdf
    assert "sarah" not in "\n".join(out) and "connolly" not in "\n".join(out)


# -- RDF graphs -----------------------------------------------------------------------------------------

def _rater_graph(rater: str, note: str) -> Graph:
    g = Graph()
    node = URIRef(f"{DATA_IRI}rater/{rater}")
    g.add((node, RDF.type, URIRef(PRC_IRI + "Rater")))
    g.add((node, RDFS.label, Literal(f"rater {rater}")))
    obs = URIRef(f"{DATA_IRI}study/s/dyad/d1/session/1/segment/1/rating/PQS_36/{rater}")
    g.add((obs, URIRef(PRC_IRI + "note"), Literal(note)))
    g.add((obs, URIRef("http://www.w3.org/ns/sosa/resultTime"), Literal("2024-01-08T00:00:00", datatype=DATETIME)))
    return g


def test_rdf_findings_name_subject_and_property_once_per_identifier():
    findings = check_graph(_rater_graph("sarah.connolly", "rated from j.doe@example.org"), AllowList(), "r.nt")
    assert [(f.kind, f.text, f.subject, f.prop) for f in findings] == [
        (NAME, "sarah", f"{DATA_IRI}rater/sarah.connolly", "(IRI)"),
        (EMAIL, "j.doe@example.org", f"{DATA_IRI}study/s/dyad/d1/session/1/segment/1/rating/PQS_36/sarah.connolly",
         f"{PRC_IRI}note"),
    ]
    assert [f.shown_subject for f in findings] == [
        f"{DATA_IRI}rater/s***.c***", f"{DATA_IRI}study/s/dyad/d1/session/1/segment/1/rating/PQS_36/s***.c***"]
    assert check_graph(_rater_graph("r1", "rated on 2024-01-08"), AllowList(), "r.nt") == []


@pytest.mark.slow
def test_imported_ratings_nt_files_are_checked(tmp_path, capsys, examples_copy):
    nt = tmp_path / "study.nt"
    _rater_graph("r1", "call 020 7946 0958").serialize(nt, format="nt", encoding="utf-8")
    code, out, _ = _run(capsys, "privacy-check", "--examples", str(examples_copy), str(nt))
    assert code == 1
    assert [line for line in out if line.startswith(str(nt))] == [
        f"{nt}: <{DATA_IRI}study/s/dyad/d1/session/1/segment/1/rating/PQS_36/r1> <{PRC_IRI}note>: phone: 0*** 7*** 0***"]


# -- near misses and the single detectors ---------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "PQS:36", "APS:TYPE-INT", "CPPS:CB-ADVICE", "WAI:BOND",  # item codes
    "in 2018", "1998-2004", "rated on 2024-01-08", "born in 1956",  # years, a rating date, a year alone
    "Waldron et al. 2004", "Ablon, Levy and Katzenstein (2006)", "Norcross and Lambert's 2018 synthesis",
    "Howard et al. (1986)", "Jones and Pulos 1993",  # citations, with a given name as an author's surname
    "page 212", "p. 36", "pp. 123-145",  # page numbers
    "r = 0.278, ci [0.256, 0.299], k 295, n = 30,000", "81 recorded cases", "d = 0.58",  # figures
    "doi 10.1037/0022-006X.68.3.438", "version 3.1.20",
    "incorporation in Washington DC in April 1989", "Mrs C (the published pseudonym)", "Annie",
    "She hopes to grace the meeting; Will and Hope are words too.",
])
def test_near_misses_are_not_flagged(text):
    assert scan_text(text, allowlist_for(None)) == []


@pytest.mark.parametrize(("text", "field", "kind", "found"), [
    ("seen by Dr Jane Smith", None, NAME, "Dr Jane Smith"),
    ("Mrs Patel rang", None, NAME, "Mrs Patel"),
    ("Emily said no", None, NAME, "Emily"),
    ("Okonkwo (the real name)", "patient", NAME, "Okonkwo"),
    ("jdoe-emily", "rater", NAME, "emily"),
    ("DOB: 03/12/1980", None, DOB, "03/12/1980"),
    ("she was born in March 1980", None, DOB, "March 1980"),
    ("1980-03-12", "date_of_birth", DOB, "1980-03-12"),
    ("+44 20 7946 0958", None, PHONE, "+44 20 7946 0958"),
    ("(555) 123-4567", None, PHONE, "(555) 123-4567"),
    ("tel. 946 0958", None, PHONE, "946 0958"),
    ("write to a.b@mail.example.ac.uk", None, EMAIL, "a.b@mail.example.ac.uk"),
    ("221B Baker Street", None, ADDRESS, "221B Baker Street"),
    ("PO Box 123", None, ADDRESS, "PO Box 123"),
    ("London NW1 6XE", None, ADDRESS, "NW1 6XE"),
    ("patient ID: 12345678", None, RECORD, "12345678"),
    ("NHS number 943 476 5919", None, RECORD, "943 476 5919"),
    ("9434765919", None, RECORD, "9434765919"),  # NHS check digit valid: a record number, not a phone
])
def test_each_detector(text, field, kind, found):
    hits = scan_text(text, AllowList(), field)
    assert [(h.kind, h.text) for h in hits] == [(kind, found)]


def test_a_name_wrapped_in_folded_yaml_is_one_finding_on_one_line(examples_copy, tmp_path):
    path = tmp_path / "wrapped.yaml"
    path.write_text("prc-kg: cases/1\ncases:\n  - id: x\n    patient: >-\n      Okonkwo, referred by Dr\n"
                    "      Jane Smith\n", encoding="utf-8")
    findings = check_file(path, AllowList())
    assert [(f.line, f.kind, f.text) for f in findings] == [(5, NAME, "Okonkwo"), (5, NAME, "Dr\n      Jane Smith")]
    assert str(findings[1]) == f"{path}:5: name: D*** J*** S***"


def test_masking_hides_most_of_the_text():
    assert mask("jane@example.org") == "j***@e***.org"
    assert mask("Dr Jane Smith") == "D*** J*** S***"
    assert mask("Mrs C") == "M*** C"


# -- unreadable input ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_unreadable_input_exits_2(examples_copy, tmp_path, capsys):
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("study,dyad\nexample,J\xfcrgen\n".encode("latin-1"))
    code, _, err = _run(capsys, "privacy-check", "--examples", str(examples_copy), str(bad))
    assert code == 2 and "latin1.csv:2" in err and "not UTF-8" in err

    code, _, err = _run(capsys, "privacy-check", "--examples", str(examples_copy), str(tmp_path / "missing.csv"))
    assert code == 2 and "missing.csv: file not found" in err

    code, _, err = _run(capsys, "privacy-check", "--examples", str(examples_copy), "--allow", str(tmp_path / "no.txt"))
    assert code == 2 and "file not found; expected an allow-list file" in err

    broken = examples_copy / "cases" / "broken.yaml"
    broken.write_text("prc-kg: cases/1\ncases: [\n", encoding="utf-8")
    code, _, err = _run(capsys, "privacy-check", "--examples", str(examples_copy))
    assert code == 2 and "broken.yaml:3" in err and "YAML syntax error" in err
    broken.unlink()

    other = tmp_path / "notes.docx"
    other.write_bytes(b"x")
    code, _, err = _run(capsys, "privacy-check", "--examples", str(examples_copy), str(other))
    assert code == 2 and "cannot check '.docx' files" in err
