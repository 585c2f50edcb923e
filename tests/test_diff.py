"""`prc-kg diff`: each kind of change between two versions is told, term by term, from any pair of
forms a version comes in (source tree, release file, release folder), and the changelog draft
is written where asked and never into CHANGELOG.md."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, copy_ontology

from prc_kg.api import diff_ontologies
from prc_kg.cli.main import main
from prc_kg.ontology.diff import diff_sides, read_side
from prc_kg.ontology.diffreport import render_changelog, render_json, render_markdown, render_text

PRC = "https://w3id.org/prc-kg/ontology/"

# One edit per kind of change, made as an ontology editor would make it, in the Turtle text.
EDITS = {
    "modules/modalities.ttl": [
        ('rdfs:label "group psychotherapy"@en', 'rdfs:label "group therapy"@en'),  # relabelled
        ("prc:MaritalPsychotherapy a owl:Class ;\n    rdfs:subClassOf prc:Psychotherapy ;",  # re-parented, deprecated
         "prc:MaritalPsychotherapy a owl:Class ;\n    rdfs:subClassOf prc:GroupPsychotherapy ;\n    owl:deprecated true ;"),
        ('skos:definition "A psychotherapy that targets the thoughts',  # definition changed
         'skos:definition "A psychotherapy that aims at the thoughts'),
        ('skos:altLabel "group therapy"@en ;', 'skos:altLabel "therapy in a group"@en ;'),  # another annotation
        ('become part of what helps."@en ;\n    dcterms:source src:Reference ;',  # the definition's own source
         'become part of what helps."@en ;\n    dcterms:source src:P4 ;'),
    ],
    "modules/therapist.ttl": [
        ("owl:someValuesFrom prc:PatientsDefense ]", "owl:someValuesFrom prc:PatientsConflicts ]"),  # a restriction
    ],
    "modules/core.ttl": [
        ("rdfs:subPropertyOf prc:predicts , prc:positivelyAssociatedWith ;\n    rdfs:label \"predicts more of\"@en ;",
         "rdfs:subPropertyOf prc:predicts ;\n    rdfs:label \"predicts more of\"@en ;"),  # a property re-parented
    ],
}
ADDED = """
prc:FamilyPsychotherapy a owl:Class ;
    rdfs:subClassOf prc:GroupPsychotherapy ;
    rdfs:label "family psychotherapy"@en ;
    skos:definition "A group psychotherapy with the members of one family."@en ;
    prc:provenanceTag "BK" ;
    dcterms:source src:Reference .
"""


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> Path:
    """A copy of the ontology source with one edit of each kind."""
    onto = copy_ontology(tmp_path_factory.mktemp("edited"))
    for rel, edits in EDITS.items():
        path = onto / rel
        text = path.read_text(encoding="utf-8")
        for old, new in edits:
            assert text.count(old) == 1, (rel, old)
            text = text.replace(old, new)
        if rel == "modules/modalities.ttl":
            text += ADDED
        path.write_text(text, encoding="utf-8")
    return onto


@pytest.fixture(scope="module")
def diff(edited):
    return diff_ontologies(ROOT / "ontology", edited)


def _short(iri: str) -> str:
    return iri.replace(PRC, "prc:")


def test_each_kind_of_change_is_told_once_for_its_term(diff):
    got = [(c.change, c.kind, _short(c.iri), tuple(map(_short, c.before)), tuple(map(_short, c.after)))
           if c.change != "definition changed" else (c.change, c.kind, _short(c.iri))
           for c in diff.changes if c.change != "other"]
    assert got == [
        ("added", "class", "prc:FamilyPsychotherapy", (), ("prc:GroupPsychotherapy",)),
        ("relabelled", "class", "prc:GroupPsychotherapy", ("group psychotherapy",), ("group therapy",)),
        ("re-parented", "class", "prc:MaritalPsychotherapy", ("prc:Psychotherapy",), ("prc:GroupPsychotherapy",)),
        ("re-parented", "object property", "prc:predictsIncrease", ("prc:positivelyAssociatedWith", "prc:predicts"),
         ("prc:predicts",)),
        ("definition changed", "class", "prc:CognitiveBehavioralTherapy"),
        ("deprecated", "class", "prc:MaritalPsychotherapy", (), ()),
    ]
    cbt = diff.changes[4]
    assert cbt.before[0].startswith("A psychotherapy that targets") and cbt.after[0].startswith(
        "A psychotherapy that aims at")
    other = {_short(c.iri): (c.before, c.after) for c in diff.changes if c.change == "other"}
    assert other == {
        "prc:GroupPsychotherapy": tuple(
            (f'owl:Axiom [ dcterms:source src:{source} ; owl:annotatedProperty skos:definition ; prc:provenanceTag "BK" ]',
             f'skos:altLabel "{alt}"@en') for source, alt in (("Reference", "group therapy"), ("P4", "therapy in a group"))),
        "prc:InterpretationOfDefense": tuple(
            ((f"owl:equivalentClass [ a owl:Class ; owl:intersectionOf ( prc:Interpretation [ a owl:Restriction ; "
             f"owl:onProperty prc:hasAim ; owl:someValuesFrom prc:{aim} ] ) ]"),) for aim in ("PatientsDefense",
                                                                                             "PatientsConflicts")),
    }
    # an axiom annotation is compared without the text it annotates: CBT's reworded definition is told once
    assert diff.terms == (diff.terms[0], diff.terms[0] + 1)


@pytest.mark.slow
def test_the_same_edits_read_backwards_are_the_opposite_changes(edited, diff):
    back = diff_ontologies(edited, ROOT / "ontology")
    assert [(c.iri, c.change) for c in back.changes if c.change in ("removed", "undeprecated")] == [
        (PRC + "FamilyPsychotherapy", "removed"), (PRC + "MaritalPsychotherapy", "undeprecated")]
    forward = {(c.iri, c.change): (c.before, c.after) for c in diff.changes if c.change not in ("added", "deprecated")}
    backward = {(c.iri, c.change): (c.after, c.before) for c in back.changes
                if c.change not in ("removed", "undeprecated")}
    assert forward == backward


@pytest.mark.slow
def test_a_source_tree_and_the_release_files_built_from_it_have_no_difference(built):
    source = read_side(ROOT / "ontology")
    assert source.form == "source tree" and source.version
    for path in built.all():  # Turtle, RDF/XML, JSON-LD
        side = read_side(path)
        assert side.form == "release file" and side.version == source.version
        d = diff_sides(source, side)
        assert d.changes == [] and d.terms[0] == d.terms[1] > 600, path
    folder = read_side(built.turtle.parent)
    assert folder.form == "built release folder"
    assert diff_sides(folder, source).changes == []


def test_a_versioned_release_folder_is_read_and_its_parent_is_refused_with_the_versions(built, tmp_path):
    version = tmp_path / "release" / "1.2.0"
    version.mkdir(parents=True)
    shutil.copy(built.turtle, version / "prc-kg-1.2.0.ttl")
    shutil.copy(built.turtle, version / "prc-kg-1.2.0-examples.ttl")  # never taken for the ontology
    assert read_side(version).form == "built release folder"
    with pytest.raises(Exception, match=r"release: neither a release folder .* it holds the releases 1\.2\.0: name one"):
        read_side(tmp_path / "release")


def test_text_report_names_terms_by_label_and_shows_what_each_was_and_is(diff):
    text = render_text(diff)
    assert "classes: 1 added, 1 relabelled, 1 re-parented, 1 definition changed, 1 deprecated, 2 other\n" in text
    assert "object properties: 1 re-parented\n" in text
    assert ('Re-parented (2)\n  class prc:MaritalPsychotherapy "marital psychotherapy"\n'
            '    - prc:Psychotherapy "psychotherapy"\n    + prc:GroupPsychotherapy "group therapy"\n') in text
    assert '  class prc:FamilyPsychotherapy "family psychotherapy"\n    + under prc:GroupPsychotherapy "group therapy"' in text
    assert "    ~ “targets” → “aims at”\n" in text


def test_markdown_and_json_hold_the_same_changes(diff):
    md = render_markdown(diff)
    assert "## Relabelled (1)\n\n- class `prc:GroupPsychotherapy` group therapy\n  - was: group psychotherapy\n" in md
    doc = json.loads(render_json(diff))
    assert [(c["curie"], c["change"]) for c in doc["changes"]] == [(_short(c.iri), c.change) for c in diff.changes]
    assert doc["summary"]["object property"] == {"re-parented": 1}
    assert doc["labels"][PRC + "GroupPsychotherapy"] == "group therapy"


def test_changelog_draft_is_a_keep_a_changelog_entry_for_the_new_version(diff):
    entry = render_changelog(diff)
    version, date = diff.new.version, diff.new.date
    assert entry.startswith(f"## [{version}] - {date}\n\n### Added\n\n"
                            "- Class family psychotherapy (`prc:FamilyPsychotherapy`), under group therapy.\n")
    assert ("- marital psychotherapy (`prc:MaritalPsychotherapy`) moved from under psychotherapy to under group "
            "therapy.\n") in entry
    assert "- group therapy (`prc:GroupPsychotherapy`) relabelled: “group psychotherapy” → “group therapy”.\n" in entry
    assert "definition reworded (“targets” → “aims at”).\n" in entry
    assert "### Deprecated\n\n- Class marital psychotherapy (`prc:MaritalPsychotherapy`).\n" in entry
    assert "- interpretation of defense (`prc:InterpretationOfDefense`): `owl:equivalentClass` changed.\n" in entry
    assert entry.index("### Added") < entry.index("### Changed") < entry.index("### Deprecated")


@pytest.mark.slow
def test_cli_writes_the_formats_to_stdout_or_a_file_and_never_to_the_changelog(edited, tmp_path, capsys):
    changelog = ROOT / "CHANGELOG.md"
    before = changelog.read_bytes()
    old = str(ROOT / "ontology")
    assert main(["diff", old, str(edited), "--format", "json"]) == 0
    first = capsys.readouterr().out
    assert main(["diff", old, str(edited), "--format", "json"]) == 0
    assert capsys.readouterr().out == first  # same input, same bytes
    assert json.loads(first)["new"]["form"] == "source tree"
    draft = tmp_path / "entry.md"
    assert main(["diff", old, str(edited), "--changelog", "--output", str(draft)]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and f"wrote {draft}" in captured.err
    assert draft.read_text(encoding="utf-8").startswith("## [")
    assert main(["diff", old, str(edited), "--changelog", "--output", str(changelog)]) == 2
    assert "is the same file as the input" in capsys.readouterr().err
    assert main(["diff", old, str(edited), "--changelog", "--output", str(edited / "draft.md")]) == 2
    assert "inside the folder compared" in capsys.readouterr().err
    assert changelog.read_bytes() == before and not (edited / "draft.md").exists()


def test_cli_names_a_side_it_cannot_read(tmp_path, capsys):
    assert main(["diff", str(tmp_path / "nowhere"), str(tmp_path)]) == 2
    assert capsys.readouterr().err == (f"prc-kg: {tmp_path / 'nowhere'}: not found; expected a release file (.ttl, "
                                       ".owl, .jsonld), a built release folder or an ontology source folder\n")
    bad = tmp_path / "old.ttl"
    bad.write_text("@prefix ex: <https://example.org/> .\nex:a ex:b ex:c\n\nex:d ex:e ex:f .\n", encoding="utf-8")
    assert main(["diff", str(bad), str(bad)]) == 2
    assert f"prc-kg: {bad}:2: turtle syntax error: expected ';', ',' or '.' after the last term" in capsys.readouterr().err


_HEAD = """@prefix : <https://w3id.org/prc-kg/ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/prc-kg/ontology> a owl:Ontology .
:A a owl:Class . :B a owl:Class . :C a owl:Class .
:p a owl:DatatypeProperty .
"""


def test_what_owl_reads_the_same_however_a_tool_writes_it_is_no_change(tmp_path):
    """As OWLAPI (Protégé) saves: set operands in another order, a disjointness told on the other class,
    a decimal written as an integer. None of these is a change; a real one beside them still is."""
    old, new = tmp_path / "old.ttl", tmp_path / "new.ttl"
    old.write_text(_HEAD + ':A owl:disjointWith :B ; rdfs:subClassOf [ owl:unionOf ( :B :C ) ] .\n'
                   ':C :p "4"^^xsd:decimal .\n', encoding="utf-8")
    new.write_text(_HEAD + ':B owl:disjointWith :A .\n:A rdfs:subClassOf [ owl:unionOf ( :C :B ) ] .\n:C :p 4 .\n',
                   encoding="utf-8")
    assert diff_ontologies(old, new).changes == []
    new.write_text(new.read_text(encoding="utf-8").replace(":C :p 4 .", ":C :p 4.5 ."), encoding="utf-8")
    [change] = diff_ontologies(old, new).changes
    assert (change.iri, change.change, change.before, change.after) == (PRC + "C", "other", ("prc:p 4",),
                                                                         ("prc:p 4.5",))


@pytest.mark.java
@pytest.mark.slow
def test_a_protege_style_save_of_every_module_is_no_change(owlapi_checker, tmp_path):
    saved = tmp_path / "saved"
    result = owlapi_checker(str(ROOT / "ontology" / "prc-kg.ttl"), "--resave", str(saved))
    assert result.returncode == 0, result.stdout + result.stderr
    shutil.copytree(ROOT / "ontology" / "mappings", saved / "mappings")  # not an ontology: OWLAPI leaves it
    d = diff_ontologies(ROOT / "ontology", saved)
    assert d.changes == [], render_text(d)
    assert d.terms[0] == d.terms[1] > 600
