"""The one result serialiser: what it writes reads back through pyoxigraph's own SPARQL results parser
as the same terms, in every format and for any text, and a cut answer is still a whole document."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prc_kg.store.backends import QueryResult
from prc_kg.store.results import NO_LIMIT, format_result, write_solutions

XSD = "http://www.w3.org/2001/XMLSchema#"
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]))
# XML 1.0 cannot carry control characters other than tab, LF and CR: the XML results format gets text without them
XML_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"], include_characters="\t\n\r "))
IRI = st.sampled_from(["http://example.org/a", "http://example.org/a,b", "urn:x:é", "https://w3id.org/prc-kg/x#y"])


def literals(text):
    return st.one_of(
        text.map(ox.Literal),
        st.tuples(text, st.sampled_from(["en", "de-at"])).map(lambda t: ox.Literal(t[0], language=t[1])),
        st.tuples(text, st.sampled_from(["integer", "decimal", "date", "anyURI"])).map(
            lambda t: ox.Literal(t[0], datatype=ox.NamedNode(XSD + t[1]))))


def rows(text):
    term = st.one_of(IRI.map(ox.NamedNode), literals(text), st.none())
    return st.lists(st.tuples(term, term), max_size=5)


MEDIA = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
         "text/tab-separated-values": ox.QueryResultsFormat.TSV}


def _parsed(body: bytes, fmt) -> list[tuple]:
    return [tuple(solution[v] for v in ("s", "o")) for solution in ox.parse_query_results(body, format=fmt)]


@settings(max_examples=200)
@given(rows(TEXT))
@pytest.mark.parametrize("media", sorted(MEDIA))
def test_json_and_tsv_read_back_as_the_same_terms(media, given_rows):
    body, cut = write_solutions(["s", "o"], given_rows, media, NO_LIMIT, NO_LIMIT)
    assert not cut and _parsed(body, MEDIA[media]) == given_rows


@settings(max_examples=300)
@given(rows(XML_TEXT))
def test_xml_reads_back_as_the_same_terms(given_rows):
    body, _ = write_solutions(["s", "o"], given_rows, "application/sparql-results+xml", NO_LIMIT, NO_LIMIT)
    assert _parsed(body, ox.QueryResultsFormat.XML) == given_rows


@settings(max_examples=200)
@given(rows(TEXT))
def test_csv_cells_are_the_values(given_rows):
    body = format_result(QueryResult("select", ["s", "o"], given_rows), "csv")
    assert body.count(b"\r\n") >= len(given_rows) + 1
    read = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert read == [["s", "o"]] + [["" if t is None else t.value for t in row] for row in given_rows]


def test_csv_writes_a_blank_node_as_in_turtle():
    body = format_result(QueryResult("select", ["b"], [(ox.BlankNode("n1"),)]), "csv")
    assert body == b"b\r\n_:n1\r\n"


def test_a_cut_answer_is_still_a_whole_document():
    many = [(ox.NamedNode(f"http://example.org/{i}"), ox.Literal("v" * 50)) for i in range(100)]
    body, cut = write_solutions(["s", "o"], many, "application/sparql-results+json", 10, NO_LIMIT)
    assert cut and len(_parsed(body, ox.QueryResultsFormat.JSON)) == 10
