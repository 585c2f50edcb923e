"""The SSSOM mapping set: valid SSSOM, anchored in our ontology, released as SKOS, queryable, and strict.

External identifiers are pinned below to the labels they were checked against in the source ontologies,
so a mistyped or invented identifier fails here rather than reaching the release.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import copy_ontology, run_library_query
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS

from prc_kg.errors import InputError
from prc_kg.ontology.build import merged_release_graph
from prc_kg.ontology.mappings import MAPPING_PREDICATES, mapping_file, read_mapping_set
from prc_kg.ontology.source import default_ontology_dir, load_source
from prc_kg.vocab import PRC_IRI

MAPPINGS = mapping_file(default_ontology_dir())

# Checked by hand against the class declarations (rdfs:label) in:
#   BCIO  HumanBehaviourChangeProject/ontologies StyleOfDelivery/bcio_style.owl (044xxx, 050380-050392)
#         and BehaviourChangeTechniques/bcto.owl (007xxx, 050344)
#   MF    jannahastings/mental-functioning-ontology ontology/internal/MF-core.owl
#   MFOEM jannahastings/emotion-ontology ontology/MFOEM.owl
VERIFIED = {
    "BCIO:044001": "intervention content communication process",
    "BCIO:044008": "source-led intervention delivery",
    "BCIO:044009": "active listening",
    "BCIO:044010": "affirming communication",
    "BCIO:044016": "asking open-ended questions",
    "BCIO:044030": "exploring communication",
    "BCIO:044034": "communication highlighting a contradiction",
    "BCIO:044051": "communication using neutral language",
    "BCIO:044059": "emotionally expressive communication",
    "BCIO:044060": "guiding communication",
    "BCIO:044069": "offering reassurance",
    "BCIO:044071": "reflective communication",
    "BCIO:044075": "emotion-emphasising reflective communication",
    "BCIO:044083": "attentive communication style",
    "BCIO:044085": "collaborative communication style",
    "BCIO:044096": "controlling communication style",
    "BCIO:044098": "didactic communication style",
    "BCIO:044101": "empathic communication style",
    "BCIO:044110": "non-defensive communication style",
    "BCIO:044112": "non-judgmental communication style",
    "BCIO:044123": "warm communication style",
    "BCIO:044124": "relationship building",
    "BCIO:050380": "aggressive communication style",
    "BCIO:050381": "angry communication style",
    "BCIO:050383": "communication exploring a person's feelings about a topic",
    "BCIO:007041": "deliver emotional support BCT",
    "BCIO:007058": "instruct how to perform a behaviour BCT",
    "BCIO:007063": "inform about health consequences BCT",
    "BCIO:007094": "practise behaviour BCT",
    "BCIO:007302": "suggest different perspective on behaviour BCT",
    "BCIO:050344": "advise how to reduce negative emotions BCT",
    "MF:0000021": "interpersonal process",
    "MF:0000040": "communication",
    "MF:0000058": "attachment",
    "MF:0000079": "intersubjectivity",
    "MF:0000101": "higher order consciousness",
    "MF:0000202": "personality",
    "MFOEM:000004": "emotional behavioural process",
    "MFOEM:000009": "anger",
    "MFOEM:000015": "aggression",
    "MFOEM:000028": "anxiety",
    "MFOEM:000053": "guilt",
    "MFOEM:000055": "shame",
    "MFOEM:000056": "sadness",
    "MFOEM:000212": "negative emotion",
}
INVERSE = {"skos:broadMatch": "skos:narrowMatch", "skos:narrowMatch": "skos:broadMatch"}
NO_TERM = "sssom:NoTermFound"


def table_rows() -> list[tuple[int, dict[str, str]]]:
    """(line, row) of the TSV, read with the csv module rather than our reader."""
    with open(MAPPINGS, encoding="utf-8", newline="") as fh:
        lines = list(enumerate(fh, start=1))
    body = [(n, line) for n, line in lines if not line.startswith("#")]
    reader = csv.DictReader((line for _, line in body), delimiter="\t")
    return [(n, row) for (n, _), row in zip(body[1:], reader)]


def found_rows() -> list[tuple[int, dict[str, str]]]:
    """The rows that link to a term; the others record that none fits and give no triple."""
    return [(n, row) for n, row in table_rows() if row["object_id"] != NO_TERM]


def expand(curie: str) -> URIRef:
    prefixes = {"prc": PRC_IRI, "skos": str(SKOS), "BCIO": "http://humanbehaviourchange.org/ontology/BCIO_",
                "MF": "http://purl.obolibrary.org/obo/MF_", "MFOEM": "http://purl.obolibrary.org/obo/MFOEM_",
                "sssom": "https://w3id.org/sssom/"}
    prefix, local = curie.split(":", 1)
    return URIRef(prefixes[prefix] + local)


# -- the file as SSSOM --------------------------------------------------------------------------------

@pytest.mark.slow
def test_sssom_parses_and_validates_the_file():
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    msdf = parse_sssom_table(MAPPINGS)
    reports = validate(msdf, fail_on_error=False)
    assert reports and all(not report.results for report in reports.values()), reports
    assert msdf.metadata["mapping_set_id"].startswith("https://w3id.org/prc-kg/mappings/")
    assert msdf.metadata["license"] == "https://creativecommons.org/licenses/by/4.0/"
    got = {(r.subject_id, r.predicate_id, r.object_id) for r in msdf.df.itertuples()}
    assert got == {(r["subject_id"], r["predicate_id"], r["object_id"]) for _, r in table_rows()}


def test_our_reader_agrees_with_the_file(release_graph):
    mset = read_mapping_set(MAPPINGS, release_graph)
    assert [(m.line, m.subject, m.predicate, m.object) for m in mset.mappings] == [
        (n, expand(r["subject_id"]), expand(r["predicate_id"]), expand(r["object_id"])) for n, r in table_rows()]


def test_every_row_is_justified_and_its_subject_is_ours(release_graph):
    for n, row in table_rows():
        subject = expand(row["subject_id"])
        assert row["subject_id"].startswith("prc:"), n
        assert str(release_graph.value(subject, RDFS.label)) == row["subject_label"], (n, row["subject_id"])
        assert row["mapping_justification"] == "semapv:ManualMappingCuration", n
        assert len(row["comment"].split()) >= 8, f"line {n}: say why in a sentence"
        if row["object_id"].startswith("prc:"):
            assert str(release_graph.value(expand(row["object_id"]), RDFS.label)) == row["object_label"], n


def test_external_identifiers_are_the_verified_ones():
    for n, row in table_rows():
        if not row["object_id"].startswith("prc:") and row["object_id"] != NO_TERM:
            assert VERIFIED.get(row["object_id"]) == row["object_label"], f"line {n}: {row['object_id']} not verified"


def test_every_target_and_relation_is_covered():
    targets = defaultdict(set)
    for _, row in table_rows():
        targets[row["object_id"].split(":", 1)[0]].add(row["predicate_id"])
    assert {"BCIO", "MF", "MFOEM", "prc"} <= set(targets)
    assert set().union(*targets.values()) >= {"skos:closeMatch", "skos:broadMatch", "skos:narrowMatch",
                                              "skos:relatedMatch"}


# -- release and store -------------------------------------------------------------------------------

def test_skos_triples_are_in_the_release(release_graph, built):
    released = Graph().parse(built.turtle, format="turtle")
    for n, row in found_rows():
        triple = (expand(row["subject_id"]), expand(row["predicate_id"]), expand(row["object_id"]))
        assert triple in release_graph and triple in released, f"line {n}"
    gaps = [n for n, row in table_rows() if row["object_id"] == NO_TERM]
    assert gaps and (None, None, expand(NO_TERM)) not in release_graph and (None, None, expand(NO_TERM)) not in released


def test_skos_triples_are_in_the_store(kg_store, source):
    count = kg_store.query("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                           "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?p { skos:exactMatch skos:closeMatch "
                           "skos:broadMatch skos:narrowMatch skos:relatedMatch } ?s ?p ?o }").rows[0][0]
    from_table = {(expand(r["subject_id"]), expand(r["predicate_id"]), expand(r["object_id"])) for _, r in found_rows()}
    # the coding module asserts the matches between codes of different MI coding systems itself
    from_source = {t for p in MAPPING_PREDICATES.values() for t in source.merged().triples((None, p, None))}
    assert from_source and not from_source & from_table
    assert int(count.value) == len(from_table | from_source)
    assert kg_store.query("PREFIX prc: <https://w3id.org/prc-kg/ontology/> "
                          "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                          "ASK { prc:Clarification skos:closeMatch "
                          "<http://humanbehaviourchange.org/ontology/BCIO_044071> }").boolean


def test_dataset_adds_mappings_to_an_ontology_without_them(source):
    from prc_kg.store.dataset import load_dataset

    bare = source.merged()
    assert not list(bare.subjects(SKOS.closeMatch, None))
    store, _ = load_dataset(bare)
    ask = ("PREFIX prc: <https://w3id.org/prc-kg/ontology/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
           "ASK { prc:APS_AIM-DEF skos:closeMatch prc:PQS_36 }")
    assert store.query(ask).boolean


def test_release_without_a_mapping_file_has_no_mappings(tmp_path):
    onto = copy_ontology(tmp_path)
    shutil.rmtree(onto / "mappings")
    source = load_source(onto)
    g = merged_release_graph(source)
    # only the matches between coding-system codes that the coding module asserts itself remain
    asserted = {t for p in MAPPING_PREDICATES.values() for t in source.merged().triples((None, p, None))}
    assert asserted and {t for p in MAPPING_PREDICATES.values() for t in g.triples((None, p, None))} == asserted
    assert all(str(o).startswith(PRC_IRI) for _, _, o in asserted)


def test_a_bad_mapping_file_stops_the_release_with_its_line(tmp_path):
    onto = copy_ontology(tmp_path)
    path = mapping_file(onto)
    text = path.read_text(encoding="utf-8").replace("prc:Clarification\t", "prc:Clarificaton\t", 1)
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in table_rows() if row["subject_id"] == "prc:Clarification")
    with pytest.raises(InputError) as err:
        merged_release_graph(load_source(onto))
    assert err.value.path == path and err.value.line == line and err.value.field == "subject_id"


# -- the cross-coding query --------------------------------------------------------------------------

def _expected_links(code: str) -> set[tuple[str, str]]:
    """(other item's code, relation read from the given item), worked out from the TSV rows."""
    item = "prc:" + code.replace(":", "_")
    out = set()
    for _, row in table_rows():
        if not row["object_id"].startswith("prc:"):
            continue
        if row["subject_id"] == item:
            other, relation = row["object_id"], row["predicate_id"]
        elif row["object_id"] == item:
            other, relation = row["subject_id"], INVERSE.get(row["predicate_id"], row["predicate_id"])
        else:
            continue
        if other.split("_", 1)[0] != item.split("_", 1)[0]:
            out.add((other[4:].replace("_", ":", 1), relation))
    return out


@pytest.mark.parametrize("code", ["APS:AIM-DEF", "PQS:36", "APS:AIM-TRANS", "PIRS:TRANS-INT", "HAR:SCORE",
                                  "CPPS:PI-PATTERNS", "PQS:62", "WAI:BOND", "APS:PAT-PROD"])
def test_cross_coding_query_finds_mapped_items(kg_store, code):
    result = run_library_query(kg_store, "cross_coding_systems", code=code)
    rows = [dict(zip(result.variables, r)) for r in result.rows]
    skos = str(SKOS)
    got = {(r["otherCode"].value, "skos:" + r["relation"].value[len(skos):]) for r in rows}
    assert got == _expected_links(code)
    assert len(rows) == len(got)


def test_cross_coding_query_reaches_other_ontologies(kg_store):
    rows = run_library_query(kg_store, "cross_coding_systems", code="PQS:65").rows
    assert len(rows) == 1
    _, relation, code, _, _, _, constructs, external = rows[0]
    assert (code.value, relation.value, constructs.value) == ("APS:TYPE-CLAR", str(SKOS.closeMatch), "clarification")
    assert external.value.split() == ["http://humanbehaviourchange.org/ontology/BCIO_044071"]


# -- bad mapping files -------------------------------------------------------------------------------

def _variant(tmp_path: Path, edit) -> Path:
    lines = MAPPINGS.read_text(encoding="utf-8").split("\n")
    edit(lines)
    path = tmp_path / "bad.sssom.tsv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _header_index(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if not line.startswith("#"))


def _set_cell(column: str, value: str, row: int = 0):
    """An edit that puts ``value`` into ``column`` of the ``row``-th mapping (0-based)."""
    def edit(lines: list[str]) -> None:
        h = _header_index(lines)
        cols = lines[h].split("\t")
        cells = lines[h + 1 + row].split("\t")
        cells[cols.index(column)] = value
        lines[h + 1 + row] = "\t".join(cells)
    return edit


def _drop_column(column: str):
    def edit(lines: list[str]) -> None:
        h = _header_index(lines)
        i = lines[h].split("\t").index(column)
        for j in range(h, len(lines)):
            if lines[j]:
                cells = lines[j].split("\t")
                del cells[i]
                lines[j] = "\t".join(cells)
    return edit


def _duplicate_row(row: int):
    def edit(lines: list[str]) -> None:
        h = _header_index(lines)
        lines.insert(h + 2 + row, lines[h + 1 + row])
    return edit


def _undeclare(prefix: str):
    def edit(lines: list[str]) -> None:
        lines[:] = [line for line in lines if not line.startswith(f"#   {prefix}: ")]
    return edit


HEADER_LINE = next(n for n, line in enumerate(MAPPINGS.read_text(encoding="utf-8").split("\n"), 1)
                   if not line.startswith("#"))


@pytest.mark.parametrize("edit,line,field,message", [
    (_drop_column("object_id"), HEADER_LINE, "object_id", "header lacks the required column 'object_id'"),
    (_drop_column("comment"), HEADER_LINE, "comment", "required column 'comment'"),
    (_set_cell("predicate_id", "skos:related", 2), HEADER_LINE + 3, "predicate_id", "unknown mapping predicate"),
    (_set_cell("predicate_id", "owl:sameAs", 0), HEADER_LINE + 1, "predicate_id", "prefix 'owl'"),
    (_set_cell("object_id", "NCIT:C16452", 4), HEADER_LINE + 5, "object_id",
     "prefix 'NCIT' of 'NCIT:C16452' is not declared"),
    (_set_cell("subject_id", "prc:NoSuchClass", 6), HEADER_LINE + 7, "subject_id", "unknown subject 'prc:NoSuchClass'"),
    (_set_cell("object_id", "prc:PQS_999", 60), HEADER_LINE + 61, "object_id", "unknown object 'prc:PQS_999'"),
    (_duplicate_row(9), HEADER_LINE + 11, "object_id", f"first on line {HEADER_LINE + 10}"),
    (_set_cell("object_id", "javascript:alert(1)", 3), HEADER_LINE + 4, "object_id", "'javascript:' scheme"),
    (_set_cell("object_id", "BCIO:044 071", 0), HEADER_LINE + 1, "object_id", "contains white space"),
    (_set_cell("object_id", "<http://example.org/x>", 0), HEADER_LINE + 1, "object_id", "is a full IRI"),
    (_set_cell("mapping_justification", "skos:closeMatch", 1), HEADER_LINE + 2, "mapping_justification",
     "not a semapv justification"),
    (_set_cell("comment", " ", 5), HEADER_LINE + 6, "comment", "'comment' is empty"),
])
def test_bad_mapping_file_names_file_line_and_column(tmp_path, release_graph, edit, line, field, message):
    path = _variant(tmp_path, edit)
    with pytest.raises(InputError) as err:
        read_mapping_set(path, release_graph)
    assert err.value.path == path
    assert err.value.line == line
    assert err.value.field == field
    assert message in err.value.message
    assert f"{path}:{line}" in str(err.value)


def test_undeclared_prefix_in_use_is_named(tmp_path, release_graph):
    path = _variant(tmp_path, _undeclare("MFOEM"))
    first = next(n for n, row in table_rows() if row["object_id"].startswith("MFOEM:")) - 1
    with pytest.raises(InputError) as err:
        read_mapping_set(path, release_graph)
    assert (err.value.line, err.value.field) == (first, "object_id")
    assert "prefix 'MFOEM'" in err.value.message


def test_unsafe_prefix_expansion_is_refused_where_declared(tmp_path, release_graph):
    def edit(lines: list[str]) -> None:
        i = next(i for i, line in enumerate(lines) if line.startswith("#   BCIO: "))
        lines[i] = "#   BCIO: javascript:alert(1)//"
    path = _variant(tmp_path, edit)
    with pytest.raises(InputError) as err:
        read_mapping_set(path, release_graph)
    assert err.value.field == "curie_map" and "prefix 'BCIO'" in err.value.message
    assert path.read_text(encoding="utf-8").split("\n")[err.value.line - 1].startswith("#   BCIO:")


def test_row_with_missing_cells_and_broken_metadata(tmp_path, release_graph):
    path = _variant(tmp_path, lambda lines: lines.__setitem__(_header_index(lines) + 1, "prc:Support\tsupport"))
    with pytest.raises(InputError, match=r"row has 2 cells") as err:
        read_mapping_set(path, release_graph)
    assert err.value.line == HEADER_LINE + 1
    path = _variant(tmp_path, lambda lines: lines.__setitem__(0, "# curie_map: [unclosed"))
    with pytest.raises(InputError, match="not valid YAML"):
        read_mapping_set(path, release_graph)
    empty = tmp_path / "empty.tsv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="no header row"):
        read_mapping_set(empty, release_graph)
    latin1 = tmp_path / "latin1.tsv"
    latin1.write_bytes(MAPPINGS.read_bytes().replace(b"# mapping_set_title: prc-kg", b"# mapping_set_title: caf\xe9", 1))
    with pytest.raises(InputError, match="not UTF-8") as err:
        read_mapping_set(latin1, release_graph)
    title = next(n for n, line in enumerate(MAPPINGS.read_text(encoding="utf-8").split("\n"), 1)
                 if line.startswith("# mapping_set_title:"))
    assert err.value.line == title
