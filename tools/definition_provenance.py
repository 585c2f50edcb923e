"""Developer tool, not part of prc-kg: keep the provenance of every definition on the definition itself.

Each `skos:definition` of an ontology term carries an OWL axiom annotation (an `owl:Axiom` whose
`owl:annotatedSource`, `owl:annotatedProperty skos:definition` and `owl:annotatedTarget` name the
definition triple) with the `dcterms:source` and `prc:provenanceTag` of the definition, which may differ
from those of the concept (CONVENTIONS.md, "Definition provenance"). This tool edits the Turtle
modules as text, so the files keep their layout and a diff shows only what it added:

- a definition without an axiom gets one, written just after the term's block, with the default
  provenance below (review it, and edit the Turtle where the definition rests on something else);
- an axiom whose target no longer matches a definition (the definition was reworded, e.g. in a merge)
  is pointed at the term's current definition in the same language, keeping its source and tag.

    PYTHONPATH=src python tools/definition_provenance.py            # say what it would do
    PYTHONPATH=src python tools/definition_provenance.py --write    # do it

Default provenance of a new definition: the concept's own sources and tags, less the sources that
only name the term (an item list, a table of item names, a list of instruments or a title; see
NAMING_ONLY). Where nothing is left, the definition is our paraphrase from background knowledge:
`src:Reference`, tag BK. prc-kg itself never runs this: code does not rewrite the ontology source.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SKOS

from prc_kg.ontology.locations import module_lines
from prc_kg.ontology.source import default_ontology_dir, load_source
from prc_kg.vocab import PRC, PRC_IRI, SRC_IRI

REFERENCE = "Reference"
BACKGROUND = ((REFERENCE,), ("BK",))

# Sources that only name the terms that cite them: tables of item names and formats (X2, X3), a
# list of the instruments a study used (X10) and the titles of two dialogues (L23).
NAMING_EVERYWHERE = frozenset({"X2", "X3", "X10", "L23"})

# Sources that name some terms without saying what they are, while describing others.
NAMING_ONLY: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    # the four modalities P4 lists and the session types P11 says the APS was applied to
    "P4": {"BehavioralTherapy", "GroupPsychotherapy", "MaritalPsychotherapy", "PlayPsychotherapyWithChildren"},
    "P11": {"ShortTermPsychodynamicTherapy", "CognitiveBehavioralTherapy", "APS_QUAL-FOCUS"},
    # P12 names the four APS intervention types; P10 says which one Annie's therapist used most
    "P12": {"EncourageElaboration", "Clarification", "Interpretation", "Support",
            "APS_TYPE-CLAR", "APS_TYPE-EE", "APS_TYPE-INT", "APS_TYPE-SUP"},
    "P10": {"EncourageElaboration"},
    # P13 names the APS patient items; P14 names the three core interpretations
    "P13": {"CommunicationOfExperience", "ExpressionOfFeeling", "InformationAboutNeedsWishesConflicts",
            "SelfReflection", "APS_PAT-COMM", "APS_PAT-FEEL", "APS_PAT-NEEDS", "APS_PAT-REFL"},
    "P14": {"InterpretationOfConflict", "InterpretationOfDefense", "TransferenceInterpretation"},
    # the factor names of the 2018 factor analysis (X4); the abstract does not give their items
    "X4": {"PatientDynamicCompetence", "PatientExperienceOfTheAnalyst", "PatientExperienceOfTheWorld",
           "TherapistDynamicCompetence", "TherapistRelationalCompetence"},
    # instruments and findings named in lists of measures or results
    "L7": {"CALPAS", "HAQ", "VPPS", "RatingPerspective", "hasPerspective"},
    "X5": {"DIS", "PHI"},
    "X7": {"SWAP200"},
    "X8": {"GAF", "GAF_SCORE", "HAR", "HAR_SCORE", "DMRS", "SWAP200", "AttunementToFeeling",
           "ClarificationOfConflict"},
    "X9": {"DMRS", "SWAP200"},
}.items()}

# Ontology individuals defined without a concept source of their own.
EXPLICIT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **{f"Section{i}": (("P4",), ("PRC",)) for i in range(1, 6)},
    "Helpful": (("P1",), ("PRC",)),
    "Unhelpful": (("P1",), ("PRC",)),
    "FavourableOutcome": (("P10",), ("PRC",)),
    "SegmentUnit": (("P12",), ("APS",)),
    "TurnUnit": (("P10",), ("PRC",)),
}

_PNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _local(iri: URIRef) -> str:
    return str(iri).rsplit("/", 1)[-1]


def _natural(text: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text) if p)


def default_provenance(g: Graph, term: URIRef, sources_graph: Graph) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The sources and tags a new definition of ``term`` gets before review.

    When only some of the concept's sources are left and none of them carries the concept's tag
    (a class tagged APS whose definition paraphrases a PQS item), the definition takes the tags
    of the sources it rests on (``sources_graph`` holds the source individuals)."""
    name = _local(term)
    if name in EXPLICIT:
        return EXPLICIT[name]
    sources = {_local(s) for s in g.objects(term, DCTERMS.source) if str(s).startswith(SRC_IRI)}
    kept = {s for s in sources if s not in NAMING_EVERYWHERE and name not in NAMING_ONLY.get(s, ())}
    tags = tuple(sorted(str(t) for t in g.objects(term, PRC.provenanceTag)))
    if not kept or not tags:
        return BACKGROUND
    kept_tags = {str(t) for s in kept for t in sources_graph.objects(URIRef(SRC_IRI + s), PRC.provenanceTag)}
    if kept != sources and kept_tags and not set(tags) & kept_tags:
        tags = tuple(sorted(kept_tags))
    return tuple(sorted(kept, key=_natural)), tags


def _name(term: URIRef) -> str:
    local = str(term)[len(PRC_IRI):] if str(term).startswith(PRC_IRI) else ""
    return f"prc:{local}" if _PNAME.match(local) else f"<{term}>"


def axiom_text(term: URIRef, definition: Literal, sources: tuple[str, ...], tags: tuple[str, ...]) -> str:
    """The Turtle of one definition axiom, in the layout of the hand-written modules."""
    return "\n".join([
        "[] a owl:Axiom ;",
        f"    owl:annotatedSource {_name(term)} ;",
        "    owl:annotatedProperty skos:definition ;",
        f"    owl:annotatedTarget {definition.n3()} ;",
        "    dcterms:source " + " , ".join(f"src:{s}" for s in sources) + " ;",
        "    prc:provenanceTag " + " , ".join(f'"{t}"' for t in tags) + " .",
    ])


@dataclass
class Plan:
    """What the tool would change in one module."""

    path: Path
    added: list[tuple[URIRef, Literal, tuple[str, ...], tuple[str, ...]]]
    retargeted: list[tuple[URIRef, Literal, Literal]]
    unresolved: list[str]


def definition_axioms(g: Graph) -> dict[tuple[URIRef, Literal], list[BNode]]:
    found: dict[tuple[URIRef, Literal], list[BNode]] = defaultdict(list)
    for ax in g.subjects(OWL.annotatedProperty, SKOS.definition):
        if (ax, RDF.type, OWL.Axiom) in g:
            found[(g.value(ax, OWL.annotatedSource), g.value(ax, OWL.annotatedTarget))].append(ax)
    return found


def plan_module(path: Path, g: Graph, sources_graph: Graph) -> Plan:
    axioms = definition_axioms(g)
    plan = Plan(path, [], [], [])
    missing: dict[tuple[URIRef, str | None], list[Literal]] = defaultdict(list)
    for term, definition in sorted(g.subject_objects(SKOS.definition), key=lambda so: (str(so[0]), str(so[1]))):
        if isinstance(term, URIRef) and (term, definition) not in axioms:
            missing[(term, definition.language)].append(definition)
    for (term, target), nodes in sorted(axioms.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        if (term, SKOS.definition, target) in g:
            continue
        current = missing.get((term, getattr(target, "language", None)), [])
        if len(nodes) == 1 and len(current) == 1:
            plan.retargeted.append((term, target, current.pop()))
        else:
            plan.unresolved.append(f"{path.name}: an axiom on {term} points at a definition it no longer has")
    for (term, _), definitions in sorted(missing.items(), key=lambda kv: str(kv[0][0])):
        for definition in definitions:
            plan.added.append((term, definition, *default_provenance(g, term, sources_graph)))
    return plan


def _block_end(lines: list[str], start: int) -> int:
    """Index of the line that closes the Turtle statement opened at ``start`` (0-based)."""
    for i in range(start, len(lines)):
        if lines[i].rstrip().endswith(" .") or lines[i].rstrip() == ".":
            return i
    raise ValueError(f"no end of statement after line {start + 1}")


def apply(plan: Plan) -> str:
    text = plan.path.read_text(encoding="utf-8")
    for _, old, new in plan.retargeted:
        needle = f"owl:annotatedTarget {old.n3()} ;"
        if text.count(needle) != 1:
            raise SystemExit(f"{plan.path}: cannot find the one axiom target {old.n3()[:60]}…")
        text = text.replace(needle, f"owl:annotatedTarget {new.n3()} ;")
    lines = text.split("\n")
    starts = module_lines(text, {t for t, *_ in plan.added})
    inserts: dict[int, list[str]] = defaultdict(list)
    for term, definition, sources, tags in plan.added:
        end = _block_end(lines, starts[str(term)] - 1)
        inserts[end].append(axiom_text(term, definition, sources, tags))
    for end in sorted(inserts, reverse=True):
        blank_after = end + 1 < len(lines) and not lines[end + 1].strip()
        block = "\n\n".join(inserts[end]).split("\n")
        lines[end + 1:end + 1] = [""] + block + ([] if blank_after else [""])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ontology", type=Path, default=default_ontology_dir())
    parser.add_argument("--write", action="store_true", help="edit the modules (default: only report)")
    args = parser.parse_args(argv)
    source = load_source(args.ontology)
    merged = source.merged()
    plans = [plan_module(Path(source.files[iri]), source.graphs[iri], merged) for iri in sorted(source.files, key=str)]
    for plan in plans:
        for term, definition, sources, tags in plan.added:
            print(f"add\t{plan.path.name}\t{_local(term)}\t{','.join(sources)}\t{','.join(tags)}")
        for term, _, _ in plan.retargeted:
            print(f"retarget\t{plan.path.name}\t{_local(term)}")
    problems = [p for plan in plans for p in plan.unresolved]
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.write and not problems:
        for plan in plans:
            if plan.added or plan.retargeted:
                plan.path.write_text(apply(plan), encoding="utf-8")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
