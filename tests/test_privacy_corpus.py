"""The privacy check measured on labelled sentences (tests/data/privacy/): recall and precision floors on
the corpus used while building it and on a held-out set written afterwards, the issue's 20 identifier
slips and 10 clean sentences one by one, and names in any script reported whole and masked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from privacy_corpus import CORPUS, measure, read_corpus, report

from prc_kg.checks.privacy import AllowList, allowlist_for, scan_text
from prc_kg.cli.main import main
from prc_kg.instances.examples import default_examples_dir

HELDOUT = CORPUS.parent / "heldout.tsv"


# -- recall and precision ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "min_recall", "min_precision"), [
    (CORPUS, 0.97, 0.97),  # measured 0.991 and 1.000 (the detector was shaped on it)
    (HELDOUT, 0.93, 0.94),  # measured 0.933 and 0.949 at first, 0.950 and 0.983 after the fixes it showed
])
def test_recall_and_precision_on_labelled_sentences(path: Path, min_recall: float, min_precision: float):
    figures = measure(path)
    text = report(figures)
    assert figures.recall >= min_recall, text
    assert figures.precision >= min_precision, text


def test_the_corpora_are_big_enough_and_balanced():
    for path, size in ((CORPUS, 150), (HELDOUT, 100)):
        sentences = read_corpus(path)
        identifiers = [s for s in sentences if s.label == "identifier"]
        clean = [s for s in sentences if s.label == "clean"]
        assert len(sentences) >= size and len(clean) >= len(identifiers)
        assert {s.label for s in sentences} == {"identifier", "clean"}
    kinds = {s.kind for s in read_corpus() if s.label == "identifier"}
    assert kinds >= {"name", "name-non-ascii", "address", "phone", "email", "small-town", "case-ref", "age-over-89",
                     "person-date", "employer-town", "handle", "ip", "url", "national-id"}


# -- the cases ---------------------------------------------------------------------------------------------

# Twenty slips a clinician might leave in notes (the kinds the issue lists), and the kind the check reports.
SLIPS = [
    ("Sarah Connolly came with her sister to the first meeting.", "name"),
    ("Mrs Müller described a lifelong fear of open spaces.", "name"),
    ("Zoë said the silence felt like punishment.", "name"),
    ("Łukasz Nowak was referred by his general practitioner.", "name"),
    ("José Núñez spoke about his brother for most of the hour.", "name"),
    ("Il habite au 12 rue des Lilas, 75011 Paris.", "address"),
    ("Appelez-la au 01 99 00 12 34 si elle manque la séance.", "phone"),
    ("He has lived in Eyam all his life and everyone there knows him.", "place"),
    ("The hospital letter gives case ref 2019/04471 at the top.", "record-number"),
    ("Mrs Fielding, aged 93, was seen on 4 March 2021 after her fall.", "age-over-89"),
    ("She works as a nurse at the Royal Infirmary in Kirkcaldy.", "place"),
    ("Her Twitter handle is @lonelycloud77.", "handle"),
    ("The e-mail came from 192.0.2.44, the patient's home connection.", "ip-address"),
    ("Her blog is at https://janedoe.example.com/diary.", "url"),
    ("National insurance number QQ 12 34 56 C on the form.", "national-id"),
    ("He said to write to jane dot doe at gmail dot com.", "email"),
    ("She wrote from jane.doe@example.org before the second session.", "email"),
    ("Her mobile number, 07700 900123, was on the intake form.", "phone"),
    ("The referral letter says she was born 12 March 1980.", "date-of-birth"),
    ("The hospital letter gives MRN 4471923 at the top.", "record-number"),
]

# Ten ordinary sentences of clinical teaching: historical figures, a fictional character, citations, figures.
CLEAN = [
    "Dr Winnicott wrote about the holding environment.",
    "Melanie Klein described the paranoid-schizoid position.",
    "Anna Freud extended her father's work on defences.",
    "Karen Horney disagreed with Freud about feminine psychology.",
    "Tony Soprano's panic attacks open the first episode.",
    "As Waldron et al. (2004) note, the analyst's interventions vary in quality.",
    "The patient, a retired teacher in her seventies, spoke about her garden.",
    "Items PQS:36 and APS:TYPE-INT were rated in 2004.",
    "r = 0.278, ci [0.256, 0.299], k 295, n = 30,000.",
    "Bordin (1979) defined the alliance by goals, tasks and bond.",
]


@pytest.mark.parametrize(("text", "kind"), SLIPS)
def test_each_slip_is_found_with_its_kind(text: str, kind: str):
    assert kind in {h.kind for h in scan_text(text, AllowList())}, scan_text(text, AllowList())


@pytest.mark.parametrize("text", CLEAN)
def test_clinical_prose_passes_without_an_allow_list(text: str):
    assert scan_text(text, AllowList()) == []


# -- names in any script, reported whole and masked -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "name"), [
    ("José Núñez spoke about his brother.", "José Núñez"),
    ("Mrs Müller cried.", "Mrs Müller"),
    ("Seen with Łukasz Nowak today.", "Łukasz Nowak"),
    ("Mr O'Brien was late.", "Mr O'Brien"),
    ("Jean-Luc Martin refused the medication.", "Jean-Luc Martin"),
    ("Frau Schröder weinte.", "Frau Schröder"),
    ("Dr Ömer Yılmaz referred her.", "Dr Ömer Yılmaz"),
])
def test_a_name_in_any_script_is_found_whole(text: str, name: str):
    assert [(h.kind, h.text) for h in scan_text(text, AllowList())] == [("name", name)]


@pytest.mark.slow
def test_the_report_masks_a_non_ascii_name_whole(tmp_path: Path, capsys):
    examples = tmp_path / "examples"
    shutil.copytree(default_examples_dir(), examples)
    notes = tmp_path / "notes.yaml"
    notes.write_text("notes: >-\n  José Núñez came with Zoë.\n  Write to jane dot doe at gmail dot com.\n",
                     encoding="utf-8")
    assert main(["privacy-check", "--examples", str(examples), str(notes)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert f"{notes}:2: name: J*** N***" in out and f"{notes}:2: name: Z***" in out
    assert f"{notes}:3: email: j*** d*** d*** a*** g*** d*** c***" in out
    assert "Núñez" not in "\n".join(out) and "Jos\n" not in "\n".join(out)


def test_the_shipped_allow_list_still_lets_its_pseudonyms_through():
    assert scan_text("Annie and Giovanna; Mrs C; Merton Gill", allowlist_for(None)) == []


# -- the new detectors, one by one, and their near misses -----------------------------------------------------------

@pytest.mark.parametrize(("text", "kind", "found"), [
    ("write to jane dot doe at gmail dot com", "email", "jane dot doe at gmail dot com"),
    ("m.rossi [at] example [dot] it", "email", "m.rossi [at] example [dot] it"),
    ("from 192.0.2.44.", "ip-address", "192.0.2.44"),
    ("from 2001:db8::8a2e:370:7334", "ip-address", "2001:db8::8a2e:370:7334"),
    ("follow @jenny_r_1987", "handle", "@jenny_r_1987"),
    ("www.facebook.com/tom.brennan.1982", "url", "www.facebook.com/tom.brennan.1982"),
    ("her page at https://example.org/~mrossi/", "url", "https://example.org/~mrossi/"),
    ("Appelez au 01 99 00 12 34.", "phone", "01 99 00 12 34"),
    ("unter 030 555 01234.", "phone", "030 555 01234"),
    ("Hauptstrasse 5", "address", "Hauptstrasse 5"),
    ("via Garibaldi 18", "address", "via Garibaldi 18"),
    ("au 12 rue des Lilas", "address", "12 rue des Lilas"),
    ("Cambridge, MA 02139", "address", "MA 02139"),
    ("case ref 2019/04471", "record-number", "2019/04471"),
    ("Aktenzeichen 4 K 1234/19", "record-number", "4 K 1234/19"),
    ("NI number: QQ123456C", "national-id", "QQ123456C"),
    ("SSN 123-45-6789", "national-id", "123-45-6789"),
    ("aged 93", "age-over-89", "93"),
    ("a 94-year-old widow", "age-over-89", "94"),
    ("admitted on 17 October 2022", "date", "17 October 2022"),
    ("Née le 14 juillet 1975", "date-of-birth", "14 juillet 1975"),
    ("Geboren am 2. Februar 1968", "date-of-birth", "2. Februar 1968"),
    ("she grew up in Little Snoring", "place", "Little Snoring"),
    ("Er stammt aus Hinterzarten", "place", "Hinterzarten"),
    ("Il travaille chez Renault à Flins", "place", "Flins"),
])
def test_each_new_detector(text: str, kind: str, found: str):
    assert [(h.kind, h.text) for h in scan_text(text, AllowList())] == [(kind, found)]


@pytest.mark.parametrize("text", [
    "In Turtle, @prefix declares a namespace; labels carry @en.",  # not handles
    "The endpoint listens on 127.0.0.1 and ::1.", "version 3.1.20", "1.2 and 3.4",  # loopback, versions
    "Cite https://doi.org/10.5281/zenodo.1234567 and https://psychoanalyticresearch.org/prc-manual/.",  # links
    "ICD-11 code 6B00; Case 3; Session 12 was rated on 2024-01-08.",  # codes, small numbers, a rating date
    "She is 34; he felt like a ninety-year-old; 92 items; aged 45.",  # ages of 89 or less, in words, not ages
    "Cohen's kappa and Holm-adjusted p; the Allison–Liker z.",  # statisticians' eponyms
    "She moved to a larger city; she grew up in London; sessions moved to Thursday.",  # no town, a large one
    "Alpha was 0.87 over 31 items.", "a patient at one point of treatment",  # words that looked like data
    "In 1999 Freud's papers were reissued.",  # a year before a capitalised word is not a postcode
])
def test_near_misses_of_the_new_detectors(text: str):
    assert scan_text(text, AllowList()) == []


def test_the_word_lists_are_shipped_data_with_their_provenance():
    """Every list says what it is and where it comes from, and is package data (a wheel ships it)."""
    import tomllib
    from importlib import resources

    folder = resources.files("prc_kg.checks").joinpath("privacy_data")
    files = sorted(p.name for p in folder.iterdir() if p.name.endswith(".txt"))
    assert {"given_names.txt", "surnames.txt", "public_figures.txt", "fictional_characters.txt"} <= set(files)
    for name in files:
        head = folder.joinpath(name).read_text(encoding="utf-8").splitlines()[:2]
        assert all(line.startswith("#") for line in head), name
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert "checks/privacy_data/*.txt" in pyproject["tool"]["setuptools"]["package-data"]["prc_kg"]
    from prc_kg.checks.privacy_lists import known_names

    assert sum(len(v) for v in known_names().by_surname.values()) >= 400  # the field's figures and characters
