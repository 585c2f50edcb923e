"""The instrument crosswalk: an item names its construct once and the build derives the class side,
the CPPS is complete, every PQS item in use has content, and APS, PQS and CPPS items meet on shared
constructs with a justified mapping between each pair."""

from __future__ import annotations

import csv
import hashlib
import re
from collections import defaultdict

import pytest
from conftest import DATA, ROOT, copy_ontology
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from prc_kg.checks.qc import run_qc
from prc_kg.ontology.build import derived_item_xrefs, merged_release_graph
from prc_kg.ontology.mappings import mapping_file
from prc_kg.ontology.source import default_ontology_dir, load_source
from prc_kg.vocab import PRC, PRC_IRI, SRC

LINKS = (PRC.measuresConstruct, PRC.proxyFor)
IN_SUBSCALE = URIRef(PRC_IRI + "inSubscale")
ITEM_NUMBER = URIRef(PRC_IRI + "itemNumber")
SUBSCALE = URIRef(PRC_IRI + "InstrumentSubscale")
THREE = {"APS", "PQS", "CPPS"}
MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
PI_NUMBERS = {1, 4, 5, 7, 8, 10, 13, 14, 16, 19}   # the psychodynamic-interpersonal items (L14)
CB_NUMBERS = {2, 3, 6, 9, 11, 12, 15, 17, 18, 20}   # the cognitive-behavioural items (L14)


def _p(name: str) -> URIRef:
    return URIRef(PRC_IRI + name)


def _code(g: Graph, item) -> str:
    return str(g.value(item, PRC.itemCode))


def _items_of(g: Graph, instrument: URIRef) -> set[URIRef]:
    return set(g.subjects(PRC.partOfInstrument, instrument))


def _ancestors(g: Graph, cls: URIRef) -> set[URIRef]:
    return set(g.transitive_objects(cls, RDFS.subClassOf))


# -- one authored direction, the other derived ----------------------------------------------------------

def test_authors_write_the_link_on_the_item_and_never_the_cross_reference(source):
    merged = source.merged()
    assert not list(merged.triples((None, PRC.itemXref, None)))
    assert len(list(merged.triples((None, PRC.measuresConstruct, None)))) > 100


def test_every_item_link_has_its_cross_reference_in_the_release(source, release_graph):
    merged = source.merged()
    authored = {(construct, Literal(_code(merged, item)))
                for prop in LINKS for item, construct in merged.subject_objects(prop)
                if (item, PRC.itemCode, None) in merged}
    assert len(authored) >= 100
    missing = [pair for pair in authored if (pair[0], PRC.itemXref, pair[1]) not in release_graph]
    assert missing == []


def test_every_cross_reference_comes_from_an_item_that_names_the_class(release_graph):
    by_code = defaultdict(set)
    for item, code in release_graph.subject_objects(PRC.itemCode):
        by_code[str(code)].add(item)
    stray = [(cls, str(code)) for cls, code in release_graph.subject_objects(PRC.itemXref)
             if not any((item, prop, cls) in release_graph for item in by_code[str(code)] for prop in LINKS)]
    assert stray == []


def test_derivation_by_hand():
    """Two items name three (item, class) links; an instrument and an item without a code give none."""
    g = Graph()
    g.add((_p("X_1"), PRC.itemCode, Literal("X:1")))
    g.add((_p("X_1"), PRC.measuresConstruct, _p("C1")))
    g.add((_p("X_1"), PRC.measuresConstruct, _p("C2")))
    g.add((_p("X_2"), PRC.itemCode, Literal("X:2")))
    g.add((_p("X_2"), PRC.proxyFor, _p("C1")))
    g.add((_p("X"), PRC.measuresConstruct, _p("C3")))          # an instrument: no item code
    g.add((_p("X_3"), PRC.measuresConstruct, _p("C4")))        # an item someone forgot to code
    assert set(derived_item_xrefs(g)) == {(_p("C1"), PRC.itemXref, Literal("X:1")),
                                          (_p("C2"), PRC.itemXref, Literal("X:1")),
                                          (_p("C1"), PRC.itemXref, Literal("X:2"))}


def test_proxies_stay_out_of_what_an_item_measures(release_graph):
    """The APS aim on the patient's reaction to the analyst stands in for transference; ratings grouped
    by construct must not be reported as transference, so the link is not prc:measuresConstruct."""
    aim = _p("APS_AIM-TRANS")
    assert (aim, PRC.proxyFor, _p("Transference")) in release_graph
    assert (aim, PRC.measuresConstruct, _p("Transference")) not in release_graph
    assert (_p("Transference"), PRC.itemXref, Literal("APS:AIM-TRANS")) in release_graph
    assert (_p("APS_CHAR-FEEL"), PRC.proxyFor, _p("Countertransference")) in release_graph


@pytest.mark.slow
def test_a_hand_written_cross_reference_is_caught_when_it_disagrees(tmp_path):
    onto = copy_ontology(tmp_path)
    module = onto / "modules" / "therapist.ttl"
    text = module.read_text(encoding="utf-8")
    # one that disagrees with its item (PQS 36 scores the patient's defense) and one that agrees
    module.write_text(text + '\nprc:Support prc:itemXref "PQS:36" , "APS:TYPE-SUP" .\n', encoding="utf-8")
    report = run_qc(merged_release_graph(load_source(onto)))
    fired = [(v.level, v.entity, v.value) for v in report.violations if v.rule == "item_xref_not_derived"]
    assert fired == [("ERROR", PRC_IRI + "Support", "PQS:36")]


# -- the CPPS --------------------------------------------------------------------------------------------

def _cpps_items(g: Graph) -> set[URIRef]:
    return {i for i in _items_of(g, _p("CPPS")) if (i, RDF.type, SUBSCALE) not in g}


def test_cpps_has_twenty_numbered_items_ten_per_subscale(release_graph):
    g = release_graph
    items = _cpps_items(g)
    assert len(items) == 20 == int(g.value(_p("CPPS"), URIRef(PRC_IRI + "itemCount")))
    numbers = {int(g.value(i, ITEM_NUMBER)): i for i in items}
    assert set(numbers) == set(range(1, 21))
    by_subscale = defaultdict(set)
    for n, item in numbers.items():
        (subscale,) = set(g.objects(item, IN_SUBSCALE))
        by_subscale[_code(g, subscale)].add(n)
    assert dict(by_subscale) == {"CPPS:PI": PI_NUMBERS, "CPPS:CB": CB_NUMBERS}
    assert (_p("CPPS_PI"), PRC.measuresConstruct, _p("PsychodynamicInterpersonalTechnique")) in g
    assert (_p("CPPS_CB"), PRC.measuresConstruct, _p("CognitiveBehavioralTechnique")) in g


def test_each_cpps_item_is_described_scaled_sourced_and_linked(release_graph):
    g = release_graph
    for item in _cpps_items(g):
        n = int(g.value(item, ITEM_NUMBER))
        side = "PI" if n in PI_NUMBERS else "CB"
        kind = "psychodynamic-interpersonal" if side == "PI" else "cognitive-behavioural"
        assert str(g.value(item, RDFS.label)).startswith(f"CPPS {n} ({side}): "), item
        assert str(g.value(item, SKOS.definition)).startswith(f"The CPPS {kind} item that scores how "), item
        assert (g.value(item, PRC.scaleMin).toPython(), g.value(item, PRC.scaleMax).toPython(),
                g.value(item, URIRef(PRC_IRI + "scalePoints")).toPython()) == (0, 6, 7), item
        assert (item, DCTERMS.source, SRC.L14) in g, item
        constructs = set(g.objects(item, PRC.measuresConstruct))
        assert constructs, item
        # every CPPS item scores something the therapist does (manual section 3)
        assert any(_p("TherapistContribution") in _ancestors(g, c) for c in constructs), item


def test_cpps_items_name_the_techniques_they_score(release_graph):
    got = {int(release_graph.value(i, ITEM_NUMBER)): {str(c).rsplit("/", 1)[-1]
                                                      for c in release_graph.objects(i, PRC.measuresConstruct)}
           for i in _cpps_items(release_graph)}
    assert got[7] == {"AddressingTheRelationship", "PatientsReactionToAnalyst", "TransferenceWork"}
    assert got[10] == {"PatientsDefense", "CommentOnMoodChange"}
    assert got[13] == {"PresentingNewPerspective"}
    assert got[14] == {"RecurrentPatternFocus"} and got[5] == {"RecurringRelationshipPatternFocus"}
    assert got[2] == {"GivingAdvice"} and got[20] == {"TeacherLikeStance"}


# -- the PQS ---------------------------------------------------------------------------------------------

def _pqs_codes_in_use(release_graph) -> set[str]:
    used = {str(c) for c in release_graph.objects(None, PRC.itemXref) if str(c).startswith("PQS:")}
    with open(mapping_file(default_ontology_dir()), encoding="utf-8") as fh:
        for line in fh:
            used |= {m.replace("_", ":") for m in re.findall(r"\bprc:(PQS_\d+)\b", line)}
    with open(ROOT / "examples" / "mappings" / "items.csv", encoding="utf-8", newline="") as fh:
        used |= {row["item"] for row in csv.DictReader(fh) if row["item"].startswith("PQS:")}
    return {u.replace("prc:", "") for u in used}


def test_every_pqs_item_in_use_has_content_and_a_construct(release_graph):
    g = release_graph
    used = _pqs_codes_in_use(g)
    assert {"PQS:28", "PQS:40", "PQS:82", "PQS:22"} <= used and len(used) == 15
    by_code = {str(c): i for i, c in g.subject_objects(PRC.itemCode)}
    for code in used:
        item = by_code[code]
        label, definition = str(g.value(item, RDFS.label)), str(g.value(item, SKOS.definition))
        assert re.match(rf"^{code.replace(':', ' ')}: \w", label), label
        assert definition.startswith("The PQS item that scores how characteristic it is of the session that "), code
        assert "numbered" not in definition, code
        assert int(g.value(item, ITEM_NUMBER)) == int(code.split(":")[1])
        assert set(g.objects(item, PRC.measuresConstruct)), code


def test_pqs_22_scores_the_therapists_focus_not_a_patient_obstacle(release_graph):
    g = release_graph
    assert set(g.objects(_p("PQS_22"), PRC.measuresConstruct)) == {_p("FocusOnGuilt")}
    # no item that scores what the therapist does is filed under a patient obstacle
    for item, definition in g.subject_objects(SKOS.definition):
        if (item, PRC.itemCode, None) in g and "that the therapist " in str(definition):
            for construct in g.objects(item, PRC.measuresConstruct):
                assert _p("PatientObstacle") not in _ancestors(g, construct) | {construct}, (item, construct)


# -- the ratings mapping and the mapping set -------------------------------------------------------------

def test_the_ratings_item_mapping_agrees_with_the_items(release_graph):
    by_code = {str(c): i for i, c in release_graph.subject_objects(PRC.itemCode)}
    with open(ROOT / "examples" / "mappings" / "items.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 60
    for row in rows:
        item = by_code[row["item"]]
        if row["construct"]:
            assert (item, PRC.measuresConstruct, _p(row["construct"])) in release_graph, row


def _items_scoring(g: Graph, construct: URIRef) -> dict[str, set[str]]:
    out = defaultdict(set)
    for item in g.subjects(PRC.measuresConstruct, construct):
        if (item, PRC.itemCode, None) in g:
            out[str(g.value(item, PRC.partOfInstrument)).rsplit("/", 1)[-1]].add(_code(g, item))
    return dict(out)


@pytest.mark.parametrize("construct,expected", [
    ("PatientsReactionToAnalyst", {"APS": {"APS:AIM-TRANS"}, "PQS": {"PQS:98"}, "CPPS": {"CPPS:PI-RELATIONSHIP"}}),
    ("PatientsDefense", {"APS": {"APS:AIM-DEF"}, "PQS": {"PQS:36"}, "CPPS": {"CPPS:PI-AVOIDANCE"}}),
    ("TransferenceWork", {"APS": {"APS:AIM-TRANS"}, "PQS": {"PQS:98"}, "CPPS": {"CPPS:PI-RELATIONSHIP"},
                          "PIRS": {"PIRS:TRANS-INT"}}),
])
def test_aps_pqs_and_cpps_meet_on_a_construct_with_a_mapping_between_each_pair(release_graph, construct, expected):
    g = release_graph
    got = _items_scoring(g, _p(construct))
    assert got == expected
    items = {c for codes in got.values() for c in codes}
    for a in items:
        for b in items:
            if a < b and a.split(":")[0] != b.split(":")[0] and {a.split(":")[0], b.split(":")[0]} <= THREE:
                ia, ib = _p(a.replace(":", "_")), _p(b.replace(":", "_"))
                linked = [p for p in MATCHES if (ia, p, ib) in g or (ib, p, ia) in g]
                assert linked, f"no mapping between {a} and {b}"


def test_cognitive_behavioural_items_have_no_counterpart_and_say_so():
    """No APS item and none of the PQS items in the sources scores a CB technique: no row links a CB item
    to another instrument, and one row records the gap."""
    with open(mapping_file(default_ontology_dir()), encoding="utf-8") as fh:
        rows = [line.split("\t") for line in fh if not line.startswith("#")]
    cb_rows = [r for r in rows[1:] if any(x == "prc:CPPS_CB" or x.startswith("prc:CPPS_CB-") for x in (r[0], r[3]))]
    assert [(r[0], r[3]) for r in cb_rows] == [("prc:CPPS_CB", "sssom:NoTermFound")]


# -- own words -------------------------------------------------------------------------------------------

def _runs(text: str, n: int = 5) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("\u2019", "'").replace("'s", "s"))
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_item_labels_and_definitions_repeat_no_five_words_of_the_published_wording(release_graph):
    with open(DATA / "published_item_fingerprints.txt", encoding="utf-8") as fh:
        published = {line.strip() for line in fh if line.strip() and not line.startswith("#")}
    assert len(published) > 250
    copied = []
    for item, code in release_graph.subject_objects(PRC.itemCode):
        if str(code).startswith(("PQS:", "CPPS:")):
            for prop in (RDFS.label, SKOS.definition):
                for text in release_graph.objects(item, prop):
                    copied += [(str(code), run) for run in _runs(str(text))
                               if hashlib.sha256(run.encode()).hexdigest()[:16] in published]
    assert copied == []
    # the check can fail: a sentence that does repeat a published run is caught
    assert any(hashlib.sha256(r.encode()).hexdigest()[:16] in published
               for r in _runs("the therapy relationship is a focus of discussion"))
