"""The endpoint's shortcuts give what the long way gives: the keyword check skips its scan only for
queries the scan would pass, and SPARQL JSON rows written with each term once are the bytes
``json.dumps`` writes for the row."""

from __future__ import annotations

import re
import sys

import pyoxigraph as ox
import pytest
from conftest import ROOT

from prc_kg.endpoint import keywords
from prc_kg.endpoint.keywords import refused_keyword
from prc_kg.store import results

sys.path.insert(0, str(ROOT / "benchmarks"))
import endpoint_load as load


def _scanned(query: str, monkeypatch) -> str | None:
    """The check without its shortcut: every query scanned."""
    with monkeypatch.context() as m:
        m.setattr(keywords, "_may_hold_keyword", lambda q: True)
        return refused_keyword(query)


def _queries() -> list[str]:
    library = [text for _, text in load.library_requests()]
    services = [text for _, text in load.service_variants("http://127.0.0.1:9/sparql")]
    updates = ["INSERT DATA { <urn:a> <urn:b> <urn:c> }", "load <http://example.org/x>",
               "PREFIX address: <urn:a#> SELECT * { ?s address:p ?o }", "SELECT * { ?s ?p 'DROP' }", "ASK { ?s ?p ?o } # SERVICE",
               "SELECT * WHERE { ſERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "İNSERT DATA { <urn:a> <urn:b> 1 }",
               "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SELECT ?add WHERE { ?add ?p ?o }"]
    return library + services + updates


def test_the_shortcut_gives_the_scans_verdict(monkeypatch):
    queries = _queries()
    verdicts = [refused_keyword(q) for q in queries]
    assert verdicts == [_scanned(q, monkeypatch) for q in queries]
    assert sum(v is not None for v in verdicts) >= 12  # the check still refuses: SERVICE variants, updates


def test_every_character_read_as_a_keyword_letter_is_that_letter_in_upper_case():
    """What the shortcut rests on: a character the scan's case rule takes for a keyword's letter
    upper-cases to that letter, "İ" excepted (the shortcut maps it to "I")."""
    letters = sorted(set("".join(keywords._KEYWORDS)))
    any_letter = re.compile("[" + "".join(letters) + "]", re.IGNORECASE)
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if any_letter.fullmatch(char):
            upper = char.upper().replace("\u0130", "I")
            assert upper in letters and re.fullmatch(upper, char, re.IGNORECASE), (hex(code), char, upper)


def _terms() -> list:
    xsd = "http://www.w3.org/2001/XMLSchema#"
    return [ox.NamedNode("https://w3id.org/prc-kg/ontology/Interpretation"), ox.BlankNode("b0"),
            ox.Literal("plain"), ox.Literal("Deutung", language="de"), ox.Literal("3", datatype=ox.NamedNode(xsd + "integer")),
            ox.Literal('quote " backslash \\ tab \t newline \n é 漢 \u2028'), None]


@pytest.mark.parametrize("variables", [["a", "b"], ["é", "x"]])
def test_json_rows_are_json_dumps_bytes(variables):
    terms = _terms()
    rows = [(a, b) for a in terms for b in terms]  # unbound cells too, and every term twice
    media = "application/sparql-results+json"
    fast = results.write_solutions(variables, rows, media, 10_000, 1 << 20)
    reference = results.SELECT_FORMATS[media]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(results, "_json_rows", lambda vs: reference.row)
        slow = results.write_solutions(variables, rows, media, 10_000, 1 << 20)
    assert fast == slow
    parsed = list(ox.parse_query_results(fast[0], format=ox.QueryResultsFormat.JSON))
    assert [tuple(s) for s in parsed] == rows


def test_json_rows_are_cut_at_the_same_place():
    rows = [(ox.Literal(f"value {i}"),) for i in range(100)]
    media = "application/sparql-results+json"
    fast = results.write_solutions(["v"], rows, media, 30, 1 << 20)
    capped = results.write_solutions(["v"], rows, media, 10_000, 700)
    reference = results.SELECT_FORMATS[media]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(results, "_json_rows", lambda vs: reference.row)
        assert fast == results.write_solutions(["v"], rows, media, 30, 1 << 20) and fast[1]
        assert capped == results.write_solutions(["v"], rows, media, 10_000, 700) and capped[1]


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_the_uid_of_each_loopback_connection_is_found_on_the_kept_netlink_socket(host):
    """The accepting thread asks on one socket for every connection: each answer is that connection's."""
    import os
    import socket

    from prc_kg.endpoint.peers import peer_of

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as server:
        server.bind((host, 0))
        server.listen()
        for _ in range(20):
            with socket.create_connection(server.getsockname()[:2]) as client:
                accepted, address = server.accept()
                with accepted:
                    assert address[1] == client.getsockname()[1]
                    assert peer_of(accepted, address) == f"uid {os.getuid()}"
