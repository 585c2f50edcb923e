"""`prc-kg import`: coded sessions in, observations and reliability out; bad files change nothing."""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import DATA, ROOT
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from prc_kg.errors import InputError
from prc_kg.ratings import export_ratings, import_ratings
from prc_kg.study import StudyDesign, write_study
from prc_kg.validation import validate
from prc_kg.vocab import PRC

RATINGS = DATA / "ratings"
EXAMPLE_STUDY = ROOT / "examples" / "study" / "ratings.csv"
SOSA = "http://www.w3.org/ns/sosa/"


def _row_key(row: str) -> tuple:
    f = row.split(",")
    return (f[0], f[1], int(f[2]), int(f[3]), f[5], f[7])


def _sorted_csv(path: Path) -> list[str]:
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    return [header, *sorted(rows, key=_row_key)]


def test_reliability_matches_a_hand_computed_case(tmp_path, terms):
    """Raters A and B on four segments: A = 0,1,2,2 and B = 0,2,2,1 (worked by hand in the docstring below).

    ICC(2,1): grand mean 1.25; SS rows 4.5, SS raters 0, SS total 5.5, SS error 1.0; MS rows 1.5,
    MS error 1/3; ICC = (1.5 - 1/3) / (1.5 + 1/3 - 2*(1/3)/4) = 0.7.
    Kappa: observed agreement 2/4; chance (1*1 + 1*1 + 2*2)/16 = 0.375; kappa = 0.125/0.625 = 0.2.
    Quadratic weighted kappa: observed mean squared difference 0.5; expected 1.375; 1 - 0.5/1.375 = 7/11.
    """
    result = import_ratings(RATINGS / "two_raters.csv", tmp_path / "out.nt", terms)
    assert result.rows == 9
    [rel] = result.reliability
    assert (rel.item, rel.rater_a, rel.rater_b, rel.units) == ("APS:TYPE-INT", "A", "B", 4)
    assert rel.icc == pytest.approx(0.7)
    assert rel.kappa == pytest.approx(0.2)
    assert rel.weighted_kappa == pytest.approx(7 / 11)
    g = Graph().parse(tmp_path / "out.nt", format="nt")
    stored = {str(g.value(e, PRC.reliabilityStatistic)): float(g.value(e, PRC.estimate))
              for e in g.subjects(RDF.type, PRC.ReliabilityEstimate)}
    assert stored == {"ICC(2,1)": 0.7, "Cohen's kappa": 0.2, "weighted kappa (quadratic)": 0.6364}


def test_imported_ratings_are_linked_observations_that_pass_the_shapes(tmp_path, terms, release_graph):
    import_ratings(RATINGS / "two_raters.csv", tmp_path / "out.nt", terms)
    g = Graph().parse(tmp_path / "out.nt", format="nt")
    ratings = list(g.subjects(RDF.type, PRC.Rating))
    assert len(ratings) == 9
    r = next(iter(ratings))
    segment = g.value(r, URIRef(SOSA + "hasFeatureOfInterest"))
    session = g.value(segment, PRC.partOfSession)
    dyad = g.value(g.value(session, PRC.partOfTreatment), PRC.hasDyad)
    assert g.value(dyad, PRC.inStudy) is not None
    assert (g.value(r, URIRef(SOSA + "madeBySensor")), RDF.type, PRC.Rater) in g
    assert validate(g, release_graph) == []


def test_round_trip_csv_graph_csv_is_lossless(tmp_path, terms, release_graph):
    import_ratings(EXAMPLE_STUDY, tmp_path / "study.nt", terms)
    assert export_ratings(tmp_path / "study.nt", tmp_path / "back.csv", release_graph) == 10560
    assert (tmp_path / "back.csv").read_text(encoding="utf-8").splitlines() == _sorted_csv(EXAMPLE_STUDY)


def test_own_item_codes_through_a_mapping_file_survive_the_round_trip(tmp_path, terms, release_graph):
    result = import_ratings(RATINGS / "own_codes.csv", tmp_path / "own.nt", terms, RATINGS / "own_codes_mapping.csv")
    assert result.rows == 2
    export_ratings(tmp_path / "own.nt", tmp_path / "back.csv", release_graph)
    assert (tmp_path / "back.csv").read_text(encoding="utf-8").splitlines() == _sorted_csv(RATINGS / "own_codes.csv")


def test_example_study_is_reproduced_by_its_generator(tmp_path):
    write_study(StudyDesign(), tmp_path / "again.csv")
    assert (tmp_path / "again.csv").read_bytes() == EXAMPLE_STUDY.read_bytes()


def test_example_study_carries_the_planted_pattern():
    """Productivity after a skilful interpretation (both raters' mean >= 3 on interpretation and on
    good intervention in the preceding therapist segment) is clearly higher than after other segments."""
    scores: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for line in EXAMPLE_STUDY.read_text(encoding="utf-8").splitlines()[1:]:
        _study, dyad, session, segment, _kind, item, value, _rater, _day = line.split(",")
        scores[(dyad, int(session), int(segment))][item].append(float(value))
    after_skilful, after_other = [], []
    for (dyad, session, segment), items in scores.items():
        if "APS:PAT-PROD" not in items:
            continue
        before = scores.get((dyad, session, segment - 1), {})
        skilful = (statistics.mean(before.get("APS:TYPE-INT", [0])) >= 3
                   and statistics.mean(before.get("APS:QUAL-GOOD", [0])) >= 3)
        (after_skilful if skilful else after_other).append(statistics.mean(items["APS:PAT-PROD"]))
    assert len(after_skilful) >= 20
    assert statistics.mean(after_skilful) - statistics.mean(after_other) > 1.0


HEADER = "study,dyad,session,segment,segment_kind,item,value,rater,date\n"
ROW = "s,d1,1,1,therapist,APS:TYPE-INT,3,r1,2024-01-01\n"

BAD_FILES = [
    ("empty file", b"", "file is empty", None),
    ("header only", HEADER.encode(), "header but no ratings", None),
    ("missing column", b"study,dyad,session,segment,segment_kind,item,value,date\n", "missing column(s) rater", 1),
    ("extra column", (HEADER.strip() + ",note\n").encode(), "unexpected column(s) note", 1),
    ("unknown item code", (HEADER + ROW.replace("APS:TYPE-INT", "APS:TYPE-XYZ")).encode(),
     "row 2, column item: unknown item code 'APS:TYPE-XYZ'", None),
    ("value outside the scale", (HEADER + ROW.replace(",3,r1", ",7,r1")).encode(),
     "row 2, column value: 7 is outside the scale of APS:TYPE-INT (0.0 to 4.0)", None),
    ("value not a number", (HEADER + ROW.replace(",3,r1", ",high,r1")).encode(),
     "row 2, column value: expected a number, got 'high'", None),
    ("session zero", (HEADER + ROW.replace("d1,1,1", "d1,0,1")).encode(),
     "row 2, column session: expected a positive integer, got '0'", None),
    ("segment not an integer", (HEADER + ROW.replace("d1,1,1", "d1,1,1.5")).encode(),
     "row 2, column segment: expected a positive integer, got '1.5'", None),
    ("bad segment kind", (HEADER + ROW.replace("therapist", "analyst")).encode(),
     "row 2, column segment_kind: expected therapist, patient or joint", None),
    ("bad date", (HEADER + ROW.replace("2024-01-01", "01/02/2024")).encode(),
     "row 2, column date: expected a date as YYYY-MM-DD", None),
    ("impossible date", (HEADER + ROW.replace("2024-01-01", "2024-02-30")).encode(),
     "row 2, column date: '2024-02-30' is not a calendar date", None),
    ("duplicate rating", (HEADER + ROW + ROW).encode(), "rows 2, 3: duplicate rating of APS:TYPE-INT by rater r1", None),
    ("one segment with two kinds", (HEADER + ROW + ROW.replace("therapist", "patient").replace("r1", "r2")).encode(),
     "segment 1 of session 1, dyad d1, study s is given more than one kind", None),
    ("short row", (HEADER + "s,d1,1,1,therapist,APS:TYPE-INT,3\n").encode(), "expected 9 values, found 7", 2),
    ("wrong encoding", (HEADER + ROW).encode() + "s,d1,1,2,therapist,APS:TYPE-INT,3,Müller,2024-01-01\n".encode("latin-1"),
     "not UTF-8", 3),
]


@pytest.mark.parametrize("name,content,message,line", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_ratings_file_is_refused_whole_and_changes_nothing(tmp_path, terms, name, content, message, line):
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    output = tmp_path / "out.nt"
    output.write_text("<urn:x> <urn:y> <urn:z> .\n", encoding="utf-8")
    before = hashlib.sha256(output.read_bytes()).hexdigest(), hashlib.sha256(content).hexdigest()
    with pytest.raises(InputError) as err:
        import_ratings(source, output, terms)
    assert message in str(err.value)
    assert str(source) in str(err.value)
    if line is not None:
        assert err.value.line == line
    assert (hashlib.sha256(output.read_bytes()).hexdigest(), hashlib.sha256(source.read_bytes()).hexdigest()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.nt"]


def test_many_bad_rows_are_all_reported_up_to_a_limit(tmp_path, terms):
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "".join(ROW.replace("d1,1,1", f"d1,1,{i}").replace(",3,", ",9,")
                                       for i in range(1, 41)), encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_ratings(source, tmp_path / "out.nt", terms)
    text = str(err.value)
    assert "40 problem(s)" in text and "row 2, column value" in text and "and 15 more problems" in text
    assert not (tmp_path / "out.nt").exists()


def test_cli_import_prints_reliability(tmp_path, capsys):
    from prc_kg.cli import main

    assert main(["import", str(RATINGS / "two_raters.csv"), "--out", str(tmp_path / "r.nt")]) == 0
    out = capsys.readouterr().out
    assert "imported 9 ratings" in out and "APS:TYPE-INT" in out and "0.700" in out
    assert main(["import", str(RATINGS / "missing.csv"), "--out", str(tmp_path / "r2.nt")]) == 2
    assert "file not found" in capsys.readouterr().err
