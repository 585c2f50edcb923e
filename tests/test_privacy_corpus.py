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


# -- transcripts: motivational-interviewing talk and imported corpora ---------------------------------------------

UTTERANCES = CORPUS.parent / "utterances.tsv"
UTTERANCES_HELDOUT = CORPUS.parent / "utterances-heldout.tsv"
CORPORA = Path(__file__).parent / "data" / "utterances"


@pytest.mark.parametrize(("path", "min_recall", "min_precision"), [
    (UTTERANCES, 0.97, 0.97),  # measured 0.837 and 0.911 when first run, 0.980 and 1.000 after the rules it showed
    (UTTERANCES_HELDOUT, 0.95, 0.95),  # written after those rules, measured once: 0.960 and 1.000
])
def test_recall_and_precision_on_motivational_interviewing_talk(path: Path, min_recall: float, min_precision: float):
    figures = measure(path)
    text = report(figures)
    assert figures.recall >= min_recall, text
    assert figures.precision >= min_precision, text
    assert len(figures.sentences) >= 50 and sum(s.label == "clean" for s in figures.sentences) >= 30


# Everyday talk in a counselling session that must pass: days, holidays named after people, oaths, amounts,
# ages under 90 and figures that are not ages, towns without a cue, a link to one video.
CLEAN_TALK = [
    "I drink on Fridays.",
    "I'm 45 and I've been drinking since I was 15.",
    "I'm 95 kilos, I was 80 when I got married.",
    "She is 92 percent sure it helps.",
    "I've been sober since Christmas, apart from New Year's Eve.",
    "It was Valentine's Day and we had champagne.",
    "On St Patrick's Day I always go out.",
    "Jesus, that's a lot when you say it out loud.",
    "I work at the weekend, so Sunday is my drinking day.",
    "I went back to work in March.",
    "We live in a flat above the shop.",
    "I live in London now.",
    "I watched a video on YouTube about people who quit.",
    "https://www.youtube.com/watch?v=PaSKcfTmFEk",
]

# The slips the check must catch in the same talk, and the kind it reports.
SLIP_TALK = [
    ("My name is Darren Whitlock and I drink too much.", "name"),
    ("Hi, I'm Gemma Shaw, my GP sent me.", "name"),
    ("My wife Jenny keeps nagging me about it.", "name"),
    ("You can email me at darren.w@example.com if you need to.", "email"),
    ("My number is 07700 900461, text me before the next one.", "phone"),
    ("I live at 22 Acacia Avenue, right next to the off-licence.", "address"),
    ("I was born on 4 July 1979.", "date-of-birth"),
    ("My date of birth is 12/04/1980.", "date-of-birth"),
    ("I'm 93 and I still like a sherry.", "age-over-89"),
    ("My mother is 96, I look after her.", "age-over-89"),
    ("We live in Mousehole, everybody knows everybody.", "place"),
    ("I work at the Co-op in Much Wenlock.", "place"),
    ("The court case reference is 2023/01182.", "record-number"),
    ("My channel is youtube.com/@darrenwhitlock.", "url"),
    ("Her video is at https://www.youtube.com/watch?v=Ab3dE_f9XyZ.", "url"),
]


@pytest.mark.parametrize("text", CLEAN_TALK)
def test_everyday_counselling_talk_passes(text: str):
    assert scan_text(text, AllowList(), "text") == []


@pytest.mark.parametrize(("text", "kind"), SLIP_TALK)
def test_identifiers_in_counselling_talk_are_found(text: str, kind: str):
    assert kind in {h.kind for h in scan_text(text, AllowList(), "text")}, scan_text(text, AllowList(), "text")


SLIPS_NT = CORPORA / "privacy-slips.nt"
CLEAN_NT = CORPORA / "privacy-clean.nt"
CONVERSATION = "https://w3id.org/prc-kg/data/corpus/privacyslips/conversation"
ATTRIBUTE = "https://w3id.org/prc-kg/data/corpus/privacyslips/attribute"
TEXT = "https://w3id.org/prc-kg/ontology/text"


def test_an_imported_corpus_is_checked_by_utterance_conversation_and_field(capsys):
    assert main(["privacy-check", "--data", str(CLEAN_NT)]) == 0
    assert capsys.readouterr().out.endswith("files checked, no identifiers found\n")
    assert main(["privacy-check", "--data", str(SLIPS_NT)]) == 1
    out = capsys.readouterr().out
    lines = [line.removeprefix(f"{SLIPS_NT}: ") for line in out.splitlines() if line.startswith(str(SLIPS_NT))]
    assert lines == [
        "<https://w3id.org/prc-kg/data/corpus/privacyslips/annotator/j***_d***> <(IRI)>: name: j***",
        f"<{CONVERSATION}/1> <{ATTRIBUTE}/video_title>: name: D*** W*** (and 1 more subject)",  # utterance 2 too
        f"<{CONVERSATION}/1> <{ATTRIBUTE}/video_url>: url: h***://w***.y***.c***/@d***",
        f"<{CONVERSATION}/1/utterance/4> <{TEXT}>: phone: 0*** 9***",
        f"<{CONVERSATION}/2/utterance/2> <{TEXT}>: address: 2*** A*** A***",
        f"<{CONVERSATION}/2/utterance/4> <{TEXT}>: date-of-birth: 4 J*** 1***",
    ]
    for raw in ("Darren", "Whitlock", "darrenwhitlock", "900461", "Acacia", "jane_doe", "July"):
        assert raw not in out


def test_corpora_are_streamed_not_read_into_a_graph(monkeypatch):
    from prc_kg.checks.privacy import check_file
    from prc_kg.ontology import source

    def whole_file(path):
        raise AssertionError(f"{path} was read whole")

    monkeypatch.setattr(source, "parse_file", whole_file)
    found = check_file(SLIPS_NT, AllowList())
    assert len(found) == 6 and {f.source for f in found} == {str(SLIPS_NT)}


def test_a_broken_corpus_file_is_named_with_its_line(tmp_path, capsys):
    bad = tmp_path / "broken.nt"
    bad.write_text(CLEAN_NT.read_text(encoding="utf-8") + '<https://w3id.org/x> <https://w3id.org/y> "open .\n',
                   encoding="utf-8")
    assert main(["privacy-check", "--data", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"prc-kg: {bad}:155: N-Triples syntax error") and "Traceback" not in err


def test_the_default_corpora_are_build_utterances_of_the_project(tmp_path, monkeypatch, capsys):
    from prc_kg import paths
    from prc_kg.checks.privacy import default_corpora

    (tmp_path / "utterances").mkdir()
    shutil.copy(SLIPS_NT, tmp_path / "utterances" / "demo.nt")
    monkeypatch.setattr(paths, "build_dir", lambda: tmp_path)
    assert default_corpora() == [tmp_path / "utterances" / "demo.nt"]
    assert main(["privacy-check"]) == 1
    said = capsys.readouterr()
    assert f"checking the imported corpora in {tmp_path / 'utterances'} too: demo.nt" in said.err
    assert "privacy: 6 possible identifiers in 1 of" in said.out
    assert main(["privacy-check", "--data"]) == 0  # --data alone: none


@pytest.mark.slow
def test_release_refuses_identifiers_in_a_corpus_naming_file_utterance_and_field(tmp_path, capsys):
    out = tmp_path / "release"
    assert main(["release", "--out", str(out), "--data", str(SLIPS_NT)]) == 1
    err = capsys.readouterr().err
    assert "privacy: 6 possible identifiers in 1 of" in err and not out.exists()
    assert f"{SLIPS_NT}: <{CONVERSATION}/2/utterance/4> <{TEXT}>: date-of-birth: 4 J*** 1***" in err
    assert f"{SLIPS_NT}: <{CONVERSATION}/1> <{ATTRIBUTE}/video_title>: name: D*** W***" in err
    assert "Whitlock" not in err
