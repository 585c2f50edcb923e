"""The one N-Triples term writer: what it writes is what pyoxigraph writes and reads back."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from prc_kg.fileio.ntriples import iri, literal, triple

XSD = "http://www.w3.org/2001/XMLSchema#"
S, P = "http://example.org/s", "http://example.org/p"


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])))
def test_a_literal_reads_back_and_matches_pyoxigraph(text):
    line = triple(iri(S), iri(P), literal(text))
    assert next(iter(ox.parse(line.encode(), format=ox.RdfFormat.N_TRIPLES))).object == ox.Literal(text)
    assert literal(text) == str(ox.Literal(text))  # canonical form, control characters included


@pytest.mark.parametrize("text", ["a\x00b", "\x01\x07\x0b\x0e\x1f\x7f", 'tab\tnl\ncr\r"q"\\', "\b\f", "é 😀"])
def test_control_characters_are_escaped(text):
    written = literal(text, "decimal")
    assert all(ord(c) >= 0x20 and c != "\x7f" for c in written)
    assert written == str(ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal")))


def test_typed_and_language_literals():
    assert literal("3", "integer") == f'"3"^^<{XSD}integer>'
    assert literal("x", XSD + "string") == '"x"'
    assert literal("hi", language="en") == '"hi"@en'


@pytest.mark.parametrize("bad", ["http://e.org/a b", "http://e.org/<x>", "http://e.org/\x00", 'http://e.org/"'])
def test_an_iri_a_reader_would_refuse_is_not_written(bad):
    with pytest.raises(ValueError, match="not an IRI"):
        iri(bad)
