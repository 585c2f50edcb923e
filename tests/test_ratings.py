"""`prc-kg import`: coded sessions in, observations and reliability out; bad files change nothing."""

from __future__ import annotations

import hashlib
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import DATA, ROOT
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from prc_kg.checks.shacl import validate
from prc_kg.errors import InputError
from prc_kg.instances.ratings import export_ratings, import_ratings, neutralised
from prc_kg.instances.study import StudyDesign, write_study
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_cli_import_prints_reliability(tmp_path, capsys):
    from prc_kg.cli.main import main

    assert main(["import", str(RATINGS / "two_raters.csv"), "--out", str(tmp_path / "r.nt")]) == 0
    out = capsys.readouterr().out
    assert "imported 9 ratings" in out and "APS:TYPE-INT" in out and "0.700" in out
    assert main(["import", str(RATINGS / "missing.csv"), "--out", str(tmp_path / "r2.nt")]) == 2
    assert "file not found" in capsys.readouterr().err


# -- many raters: reliability in bounded time and output --------------------------------------------------

def _many_raters_csv(path: Path, raters: int) -> int:
    """Three therapist segments; rater i gives segment g the value (g - 1) + (i mod 2): half the raters
    score one point higher, and nobody disagrees otherwise."""
    lines = [HEADER]
    for i in range(1, raters + 1):
        for g in (1, 2, 3):
            lines.append(f"s,d1,1,{g},therapist,APS:TYPE-INT,{g - 1 + i % 2},r{i:03d},2024-01-01\n")
    path.write_text("".join(lines), encoding="utf-8")
    return len(lines) - 1


def test_two_hundred_raters_give_one_summary_row_and_output_in_proportion_to_the_input(tmp_path, capsys):
    """Hand check, n = 3 units, k = 200 raters, x = unit + (0 or 1 by rater), no interaction:
    ICC(2,1): MS rows = 200 * 2 / 2 = 200, MS raters = 3 * 200 * 0.25 / 199 = 150/199, MS error = 0;
    ICC = 200 / (200 + 200 * (150/199) / 3) = 199/249.
    Fleiss' kappa: every unit splits 100/100, P_i = 2 * 100 * 99 / (200 * 199) = 99/199; categories
    0..3 take 100, 200, 200, 100 of 600 ratings, P_e = (1 + 4 + 4 + 1)/36 = 5/18;
    kappa = (99/199 - 5/18) / (13/18) = 787/2587.
    Every pair (19,900 of them) was once computed with its own query, printed and stored: minutes and
    gigabytes for a file of kilobytes.
    """
    from prc_kg.cli.main import main

    source = tmp_path / "many.csv"
    rows = _many_raters_csv(source, 200)
    assert main(["import", str(source), "--out", str(tmp_path / "many.nt")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) <= 5, out[:8]
    [summary] = [line for line in out if line.startswith("s ")]
    assert summary.split()[2:] == ["all", "200", "3", f"{199 / 249:.3f}", f"{787 / 2587:.3f}", "n/a"]
    g = Graph().parse(tmp_path / "many.nt", format="nt")
    stored = {str(g.value(e, PRC.reliabilityStatistic)): (float(g.value(e, PRC.estimate)),
                                                          len(list(g.objects(e, PRC.betweenRaters))))
              for e in g.subjects(RDF.type, PRC.ReliabilityEstimate)}
    assert stored == {"ICC(2,1)": (round(199 / 249, 4), 200), "Fleiss' kappa": (round(787 / 2587, 4), 200)}
    assert len(g) < 12 * rows  # about 7 triples a rating; every pair would add 30 triples each
    assert (tmp_path / "many.nt").stat().st_size < 40 * source.stat().st_size


def test_pairs_are_listed_on_request_and_for_few_raters(tmp_path, terms, capsys):
    from prc_kg.cli.main import main

    source = tmp_path / "six.csv"
    _many_raters_csv(source, 6)
    assert [len(r.raters) for r in import_ratings(source, tmp_path / "a.nt", terms).reliability] == [6]
    assert main(["import", str(source), "--out", str(tmp_path / "b.nt"), "--pairs"]) == 0
    table = [line for line in capsys.readouterr().out.splitlines() if line.startswith("s ")]
    assert len(table) == 15 + 1
    # r001 gives 1, 2, 3 and r002 gives 0, 1, 2: MS rows 2, MS raters 1.5, MS error 0, ICC = 2 / (2 + 2 * 1.5 / 3)
    # = 2/3; no agreement against chance 2/9, kappa = -2/7; squared differences 1 against chance 21/9, w-kappa 4/7.
    # r001 and r003 give the same values: 1 on all three.
    assert table[0].split()[2:] == ["r001/r002", "3", f"{2 / 3:.3f}", f"{-2 / 7:.3f}", f"{4 / 7:.3f}"]
    assert table[1].split()[2:] == ["r001/r003", "3", "1.000", "1.000", "1.000"]
    source4 = tmp_path / "four.csv"
    _many_raters_csv(source4, 4)
    assert [len(r.raters) for r in import_ratings(source4, tmp_path / "c.nt", terms).reliability] == [2] * 6 + [4]


SHROUT_FLEISS = [(9, 2, 5, 8), (6, 1, 3, 2), (8, 4, 6, 8), (7, 1, 2, 6), (10, 5, 6, 9), (6, 2, 4, 7)]
# Fleiss (1971) as worked in Wikipedia's "Fleiss' kappa": 10 subjects, 14 raters, how many chose each of 5 categories.
FLEISS_TABLE = [(0, 0, 0, 0, 14), (0, 2, 6, 4, 2), (0, 0, 3, 5, 6), (0, 3, 9, 2, 0), (2, 2, 8, 1, 1),
                (7, 7, 0, 0, 0), (3, 2, 6, 3, 0), (2, 5, 3, 2, 2), (6, 5, 2, 1, 0), (0, 2, 2, 3, 7)]


def test_multi_rater_statistics_match_published_worked_examples(tmp_path, terms):
    """Shrout & Fleiss (1979), Table 2 (6 targets, 4 judges, scale 1-10): ICC(2,1) = .29.
    Fleiss (1971) on 10 subjects and 14 raters: kappa = 0.210 (P = 0.378, P_e = 0.213)."""
    mapping = tmp_path / "map.csv"
    mapping.write_text("code,item,construct,scale_min,scale_max\nSF,APS:TYPE-INT,,0,10\nFK,APS:TYPE-SUP,,0,4\n",
                       encoding="utf-8")
    lines = [HEADER]
    for t, judges in enumerate(SHROUT_FLEISS, 1):
        lines += [f"s,d1,1,{t},therapist,SF,{x},j{j},2024-01-01\n" for j, x in enumerate(judges, 1)]
    for subject, counts in enumerate(FLEISS_TABLE, 1):
        values = [c for c, n in enumerate(counts) for _ in range(n)]
        lines += [f"s,d1,1,{subject},therapist,FK,{x},j{j},2024-01-01\n" for j, x in enumerate(values, 1)]
    (tmp_path / "in.csv").write_text("".join(lines), encoding="utf-8")
    result = import_ratings(tmp_path / "in.csv", tmp_path / "out.nt", terms, mapping)
    by = {(r.item, r.raters): r for r in result.reliability}
    judges = by[("SF", ("j1", "j2", "j3", "j4"))]
    assert (judges.units, round(judges.icc, 2)) == (6, 0.29)
    assert len([r for r in result.reliability if r.item == "SF"]) == 6 + 1
    [fleiss] = [r for r in result.reliability if r.item == "FK"]
    assert (len(fleiss.raters), fleiss.units, round(fleiss.kappa, 3)) == (14, 10, 0.210)


# -- the import's working database ------------------------------------------------------------------------

def _open_in(pid: int, folder: Path) -> bool:
    """Whether process ``pid`` holds a file in ``folder`` open (an unlinked one shows as '... (deleted)')."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd).startswith(str(folder) + "/"):
                return True
        except OSError:
            continue
    return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc to see the child's open files")
def test_a_killed_import_leaves_nothing_in_the_temp_folder(tmp_path):
    """SIGKILL while the import holds its working database open: the temp folder stays empty."""
    source = tmp_path / "study.csv"
    # 42,240 ratings (2 MB): the working database outgrows SQLite's page cache and spills to its (unlinked) file
    # for about a second of the run, the moment the test waits for
    write_study(StudyDesign(study="kill", dyads=12), source)
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-m", "prc_kg.cli.main", "import", str(source), "--out",
                              str(tmp_path / "out" / "study.nt")], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        seen = False
        for _ in range(60_000):  # bounded: up to about 10 minutes on a very busy machine
            if child.poll() is not None:
                break
            try:
                seen = _open_in(child.pid, temp)
            except OSError:
                break
            if seen:
                child.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
    finally:
        child.kill()
        child.wait()
    assert seen, "the import never opened its working database in the temp folder"
    assert child.returncode == -signal.SIGKILL
    assert list(temp.iterdir()) == []


# -- export: RFC 4180, formula-like cells neutralised, round trips intact -------------------------------------

def test_signed_numbers_are_not_neutralised_and_round_trip(tmp_path, terms, release_graph):
    """-1 and -2.5 start like formulas but are plain numbers: they leave and come back unchanged.
    (A decimal is exported in its canonical form, so +2.5 comes back as 2.5; a cell "+2.5" stays as it is.)"""
    assert [neutralised(c) for c in ("-1", "+2.5", ".5", "-", "+1+1", "-2+3", "=1", "@x", "\tx", "\rx", "a=1")] == \
        ["-1", "+2.5", ".5", "'-", "'+1+1", "'-2+3", "'=1", "'@x", "'\tx", "'\rx", "a=1"]
    mapping = tmp_path / "map.csv"
    mapping.write_text("code,item,construct,scale_min,scale_max\nNEG,APS:TYPE-INT,,-3,3\n", encoding="utf-8")
    source = tmp_path / "in.csv"
    source.write_text(HEADER + "s,d1,1,1,therapist,NEG,-1,r1,2024-01-01\ns,d1,1,1,therapist,NEG,-2.5,r2,2024-01-01\n",
                      encoding="utf-8")
    import_ratings(source, tmp_path / "out.nt", terms, mapping)
    assert export_ratings(tmp_path / "out.nt", tmp_path / "back.csv", release_graph) == 2
    assert (tmp_path / "back.csv").read_bytes() == source.read_bytes().replace(b"\n", b"\r\n")
    import_ratings(tmp_path / "back.csv", tmp_path / "again.nt", terms, mapping)
    assert (tmp_path / "again.nt").read_bytes() == (tmp_path / "out.nt").read_bytes()


def test_a_neutralised_cell_read_back_is_refused_not_imported(tmp_path, terms, release_graph):
    """The leading quote is never stripped: a formula-like id could not be imported in the first place.
    (The second record spans lines 3 and 4: its date holds a line break; a record is named by its last line.)"""
    export_ratings(DATA / "bad_input" / "ratings_formulas.nt", tmp_path / "f.csv", release_graph)
    with pytest.raises(InputError) as err:
        import_ratings(tmp_path / "f.csv", tmp_path / "f.nt", terms)
    assert "row 2, column study: expected an id of letters, digits, '_', '.' or '-', got ''=HYPERLINK(evil)'" \
        in str(err.value)
    assert "row 4, column rater: expected an id of letters, digits, '_', '.' or '-', got ''+r2'" in str(err.value)
    assert not (tmp_path / "f.nt").exists()
