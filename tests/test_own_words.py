"""Definitions and notes are our own words: no run of seven words is lifted from the domain reference.

The reference (../shared/domain/prc-taxonomy.md) paraphrases the PRC pages and papers; text in the
ontology must be written afresh rather than copied from it.
"""

from __future__ import annotations

import re

import pytest
from conftest import ROOT
from rdflib.namespace import DCTERMS, SKOS

REFERENCE = ROOT.parent / "shared" / "domain" / "prc-taxonomy.md"
# Definitions are held to a seven-word run; notes and descriptions, which cite figures, names and
# titles, to nine words without digits.
RUNS = {"definition": 7, "scopeNote": 9, "description": 9}
# Lists of codes, names and figures are data, not prose; they may match the reference.
EXEMPT = {"https://w3id.org/prc-kg/ontology/provenanceTag"}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


@pytest.mark.skipif(not REFERENCE.exists(), reason="the domain reference (shared/) is not beside this checkout")
@pytest.mark.parametrize("prop", [SKOS.definition, SKOS.scopeNote, DCTERMS.description])
def test_no_seven_word_run_from_the_reference(release_graph, prop):
    run = RUNS[str(prop).rsplit("#", 1)[-1].rsplit("/", 1)[-1]]
    ref = _words(REFERENCE.read_text(encoding="utf-8"))
    runs = {tuple(ref[i:i + run]) for i in range(len(ref) - run + 1)}
    copied = []
    for subject, text in release_graph.subject_objects(prop):
        if str(subject) in EXEMPT:
            continue
        words = _words(str(text))
        for i in range(len(words) - run + 1):
            window = tuple(words[i:i + run])
            if window in runs and (run == RUNS["definition"] or not any(w[0].isdigit() for w in window)):
                copied.append(f"{subject}: '{' '.join(window)}'")
                break
    assert not copied, "\n".join(copied)
