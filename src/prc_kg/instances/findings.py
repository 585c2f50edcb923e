"""Findings (source-backed relations between constructs) and reported figures, from YAML to RDF.

One YAML entry writes both forms of a finding, so they cannot drift apart: the reified
``prc:Finding`` (statement, figures, evidence level, sources, moderator conditions) and, unless its
direction is null, the direct edges ``subject relation object`` between the construct classes,
plus ``moderator prc:moderates object`` for each moderator, which SPARQL property paths and a
reasoner can follow. A null finding looked for its relation and did not find it: it names the
relation (``prc:assertsRelation``) but asserts no edge.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ..ontology.terms import TermIndex
from ..vocab import DATA, PRC
from .entrychecks import check_keys, take_choice, take_classes, take_id, take_names, take_sources, take_tag
from .yamlfile import Located, parse_yaml

MARKER = "findings/2"
DIRECTIONS = {"positive": PRC.PositiveDirection, "negative": PRC.NegativeDirection, "null": PRC.NullDirection,
              "mixed": PRC.MixedDirection, "not-directional": PRC.NotDirectional}
EVIDENCE = {"meta-analysis": PRC.MetaAnalysisEvidence, "rct": PRC.RandomisedTrialEvidence,
            "multi-case": PRC.MultiCaseProcessEvidence, "single-case": PRC.SingleCaseEvidence,
            "expert-claim": PRC.ExpertClaimEvidence}
LEVELS = {"low": PRC.LowLevel, "high": PRC.HighLevel, "growing": PRC.GrowingLevel, "stagnant": PRC.StagnantLevel,
          "present": PRC.PresentLevel, "absent": PRC.AbsentLevel, "skilful": PRC.SkilfulLevel,
          "unskilful": PRC.UnskilfulLevel}
QUALIFIERS = {"exact": PRC.Exactly, "about": PRC.About, "more than": PRC.MoreThan, "at least": PRC.AtLeast,
              "at most": PRC.AtMost}
FINDING_KEYS = {"id", "number", "statement", "subject", "relation", "wording", "object", "direction", "moderator",
                "condition", "r", "d", "ci", "k", "n", "sample", "evidence", "source", "year", "tag", "scope", "cases"}
FIGURE_KEYS = {"id", "quantity", "value", "qualifier", "counts", "scope", "year", "source", "tag"}
COUNT_KEYS = {"value", "qualifier", "counts"}


def _to_decimal(value: object) -> Decimal | None:
    """A finite number, or None (YAML reads .nan and .inf as floats, which RDF decimals cannot hold)."""
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class FindingBuilder:
    def __init__(self, terms: TermIndex, graph: Graph | None = None, case_ids: set[str] | None = None):
        self.terms = terms
        self.g = graph if graph is not None else Graph()
        self.seen: dict[str, Path] = {}
        self.case_ids = case_ids if case_ids is not None else set()

    def add_file(self, path: Path) -> int:
        doc = parse_yaml(path, "a mapping at the top level with a 'prc-kg' key")
        if doc.get("prc-kg") != MARKER:
            hint = (": findings/1 gave relations as free verbs; findings/2 names a relation property and keeps the "
                    "verb as 'wording' (see examples/README.md)") if doc.get("prc-kg") == "findings/1" else ""
            raise doc.fail(f"expected 'prc-kg: {MARKER}' at the top, found {doc.get('prc-kg')!r}{hint}", "prc-kg")
        count = 0
        for key, add in (("findings", self.add_finding), ("figures", self.add_figure)):
            for entry in doc.entries(key, key):
                add(entry)
                count += 1
        if count == 0:
            raise doc.fail("no findings or figures in the file", "findings")
        return count

    # -- shared checks ---------------------------------------------------------------------------
    def _provenance(self, e: Located, node: URIRef) -> None:
        self.g.add((node, PRC.provenanceTag, Literal(take_tag(e))))
        for source in take_sources(e, self.terms):
            self.g.add((node, PRC.supportedBy, source))
        if (year := e.get("year")) is not None:
            if isinstance(year, bool) or not isinstance(year, int) or not 1800 <= year <= 2100:
                raise e.fail(f"expected a four-digit year, got {year!r}", "year")
            self.g.add((node, PRC.year, Literal(year, datatype=XSD.integer)))
        if (scope := e.get("scope")) is not None:
            self.g.add((node, PRC.scope, Literal(str(scope))))

    @staticmethod
    def _decimal(e: Located, field: str, lo: Decimal | None = None, hi: Decimal | None = None) -> Decimal | None:
        value = e.get(field)
        if value is None:
            return None
        number = _to_decimal(value)
        if number is None:
            raise e.fail(f"expected a number, got {value!r}", field)
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            raise e.fail(f"expected a value between {lo} and {hi}, got {value!r}", field)
        return number

    @staticmethod
    def _whole(e: Located, field: str, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise e.fail(f"expected a positive whole number, got {value!r}", field)
        return value

    def _counted_class(self, e: Located, field: str, name: object) -> URIRef:
        cls = self.terms.cls(name) if isinstance(name, str) else None
        if cls is None:
            raise e.fail(f"'counts' names the class of what is counted (e.g. Patient, Study, Session, Case, "
                         f"Psychotherapy); {name!r} is not a class of the ontology", field)
        return cls

    def _typed_figure(self, node: URIRef, qualifier: str, counts: URIRef | None) -> None:
        self.g.add((node, PRC.figureQualifier, QUALIFIERS[qualifier]))
        if counts is not None:
            self.g.add((node, PRC.counts, counts))

    # -- findings --------------------------------------------------------------------------------
    def _relation(self, e: Located, direction: str) -> URIRef:
        name = e.get("relation")
        relations = self.terms.relations
        if not isinstance(name, str) or name not in relations:
            raise e.fail(f"expected a relation property of the ontology, one of {', '.join(relations)}; got "
                         f"{name!r} (the source's verb goes in 'wording')", "relation")
        prop = relations[name]
        sign = self.terms.relation_sign(prop)
        if sign is not None and direction != "null" and direction != sign:
            raise e.fail(f"relation '{name}' is {sign}, but the direction is {direction}; pick the relation of "
                         f"the finding's sign or an unsigned one", "relation")
        return prop

    def _conditions(self, e: Located, node: URIRef, fid: str) -> list[URIRef]:
        """Moderators as conditions: ``{construct: Class, level: low}``; a bare class name is a
        moderator whose level is not stated (QC reports it)."""
        items = e.get("moderator") or []
        if not isinstance(items, list):
            raise e.fail("expected a list of moderators such as [{construct: TherapeuticAlliance, level: growing}]",
                         "moderator")
        moderators = []
        for i, item in enumerate(items, start=1):
            if isinstance(item, Located):
                check_keys(item, {"construct", "level"}, "a moderator")
                name, level = item.get("construct"), item.get("level")
            else:
                name, level = item, None
            cls = self.terms.cls(name) if isinstance(name, str) else None
            if cls is None:
                raise e.fail(f"moderator {i}: {name!r} is not a class of the ontology", "moderator")
            if level is not None and (not isinstance(level, str) or level not in LEVELS):
                raise e.fail(f"moderator {i}: expected a level, one of {', '.join(LEVELS)}; got {level!r}", "moderator")
            cond = DATA[f"finding/{fid}/condition/{i}"]
            for t in (OWL.NamedIndividual, PRC.ModeratorCondition):
                self.g.add((cond, RDF.type, t))
            said = f"{self.terms.label(cls)} {level}" if level else f"{self.terms.label(cls)} (level not stated)"
            self.g.add((cond, RDFS.label, Literal(f"{said}, condition of finding {fid}", lang="en")))
            self.g.add((cond, PRC.conditionConstruct, cls))
            if level is not None:
                self.g.add((cond, PRC.conditionLevel, LEVELS[level]))
            self.g.add((node, PRC.hasCondition, cond))
            self.g.add((node, PRC.findingModerator, cls))
            moderators.append(cls)
        return moderators

    def _sample_figure(self, e: Located, node: URIRef, fid: str, field: str, implied: URIRef | None) -> int | None:
        """``n`` or ``k``: a whole number, or ``{value, qualifier, counts}``; also written as a typed
        figure of the finding (``k`` counts studies unless it says otherwise)."""
        raw = e.get(field)
        if raw is None:
            return None
        spec = raw if isinstance(raw, Located) else {"value": raw}
        if isinstance(raw, Located):
            check_keys(raw, COUNT_KEYS, f"'{field}'")
        value = self._whole(e, field, spec.get("value"))
        qualifier = spec.get("qualifier", "exact")
        if not isinstance(qualifier, str) or qualifier not in QUALIFIERS:
            raise e.fail(f"expected a qualifier, one of {', '.join(QUALIFIERS)}; got {qualifier!r}", field)
        counts = self._counted_class(e, field, spec["counts"]) if "counts" in spec else implied
        fig = DATA[f"finding/{fid}/{field}"]
        what = "sample size (n)" if field == "n" else "number of studies (k)"
        for t in (OWL.NamedIndividual, PRC.ReportedFigure):
            self.g.add((fig, RDF.type, t))
        shown = f"{qualifier} {value}" if qualifier != "exact" else str(value)
        self.g.add((fig, RDFS.label, Literal(f"{what} of finding {fid}: {shown}", lang="en")))
        self.g.add((fig, PRC.quantity, Literal(f"{what} of finding {fid}")))
        self.g.add((fig, PRC.figureValue, Literal(Decimal(value), datatype=XSD.decimal)))
        self.g.add((fig, PRC.scope, Literal(str(e.get("sample") or f"the sample of finding {fid}"))))
        self._typed_figure(fig, qualifier, counts)
        for prop in (PRC.supportedBy, PRC.year, PRC.provenanceTag):
            for value_term in self.g.objects(node, prop):
                self.g.add((fig, prop, value_term))
        self.g.add((node, PRC.reportsFigure, fig))
        return value

    def add_finding(self, e: Located) -> URIRef:
        check_keys(e, FINDING_KEYS, "a finding")
        fid = take_id(e, self.seen, "finding")
        node = DATA[f"finding/{fid}"]
        subjects = take_classes(e, "subject", self.terms, required=True)
        objects = take_classes(e, "object", self.terms, required=True)
        direction = take_choice(e, "direction", DIRECTIONS)
        relation = self._relation(e, direction)
        wording = e.get("wording")
        if wording is not None and (not isinstance(wording, str) or not wording.strip()):
            raise e.fail("expected the source's verb phrase, such as 'predicts'", "wording")
        statement = e.get("statement")
        if not isinstance(statement, str) or not statement.strip():
            raise e.fail("expected the finding in one or two sentences of our own words", "statement")
        verb = wording.strip() if wording else self.terms.label(relation)
        label = (f"{' + '.join(self.terms.label(s) for s in subjects)} {verb} "
                 f"{' + '.join(self.terms.label(o) for o in objects)}")
        if e.get("year"):
            label += f" ({e['year']})"
        for t in (OWL.NamedIndividual, PRC.Finding):
            self.g.add((node, RDF.type, t))
        self.g.add((node, RDFS.label, Literal(label, lang="en")))
        self.g.add((node, PRC.text, Literal(statement.strip())))
        self.g.add((node, PRC.assertsRelation, relation))
        if wording:
            self.g.add((node, PRC.relationKind, Literal(wording.strip())))
        for cls in subjects:
            self.g.add((node, PRC.findingSubject, cls))
        for cls in objects:
            self.g.add((node, PRC.findingObject, cls))
        moderators = self._conditions(e, node, fid)
        if direction != "null":  # the direct edges: what property paths and reasoners follow
            for s in subjects:
                for o in objects:
                    self.g.add((s, relation, o))
            for m in moderators:
                for o in objects:
                    self.g.add((m, PRC.moderates, o))
        for case in take_names(e, "cases", "case ids"):
            if str(case) not in self.case_ids:
                raise e.fail(f"'{case}' is not the id of a loaded case", "cases")
            self.g.add((node, PRC.concernsCase, DATA[f"case/{case}"]))
        if (number := e.get("number")) is not None:
            self.g.add((node, PRC.findingNumber,
                        Literal(self._whole(e, "number", number), datatype=XSD.integer)))
        self.g.add((node, PRC.hasDirection, DIRECTIONS[direction]))
        evidence = take_choice(e, "evidence", EVIDENCE)
        self.g.add((node, PRC.hasEvidenceLevel, EVIDENCE[evidence]))
        if (r := self._decimal(e, "r", Decimal(-1), Decimal(1))) is not None:
            self.g.add((node, PRC.effectSizeR, Literal(r, datatype=XSD.decimal)))
        if (d := self._decimal(e, "d", Decimal(-10), Decimal(10))) is not None:
            self.g.add((node, PRC.effectSizeD, Literal(d, datatype=XSD.decimal)))
        if (ci := e.get("ci")) is not None:
            bounds = [_to_decimal(x) for x in ci] if isinstance(ci, list) else []
            if len(bounds) != 2 or None in bounds:
                raise e.fail(f"expected [lower, upper] as two numbers, got {ci!r}", "ci")
            lo, hi = bounds
            if lo > hi:
                raise e.fail(f"lower bound {lo} is above upper bound {hi}", "ci")
            self.g.add((node, PRC.confidenceLower, Literal(lo, datatype=XSD.decimal)))
            self.g.add((node, PRC.confidenceUpper, Literal(hi, datatype=XSD.decimal)))
        for field, prop in (("sample", PRC.sampleDescription), ("condition", PRC.condition)):
            if (value := e.get(field)) is not None:
                self.g.add((node, prop, Literal(str(value))))
        self._provenance(e, node)
        if (k := self._sample_figure(e, node, fid, "k", PRC.Study)) is not None:
            self.g.add((node, PRC.numberOfStudies, Literal(k, datatype=XSD.integer)))
        if (n := self._sample_figure(e, node, fid, "n", None)) is not None:
            self.g.add((node, PRC.sampleSize, Literal(n, datatype=XSD.integer)))
        return node

    # -- figures ---------------------------------------------------------------------------------
    def add_figure(self, e: Located) -> URIRef:
        check_keys(e, FIGURE_KEYS, "a figure")
        fid = take_id(e, self.seen, "figure")
        node = DATA[f"figure/{fid}"]
        quantity = e.get("quantity")
        if not isinstance(quantity, str) or not quantity.strip():
            raise e.fail("expected what the figure counts, in words", "quantity")
        value = self._decimal(e, "value")
        if value is None:
            raise e.fail("is required", "value")
        if not e.get("scope"):
            raise e.fail("say what the figure applies to, so figures that disagree can be told apart", "scope")
        qualifier = take_choice(e, "qualifier", QUALIFIERS, required=False) or "exact"
        counts = self._counted_class(e, "counts", e["counts"]) if e.get("counts") is not None else None
        for t in (OWL.NamedIndividual, PRC.ReportedFigure):
            self.g.add((node, RDF.type, t))
        shown = f"{qualifier} {e['value']}" if qualifier != "exact" else str(e["value"])
        self.g.add((node, RDFS.label, Literal(f"{quantity.strip()}: {shown}", lang="en")))
        self.g.add((node, PRC.quantity, Literal(quantity.strip())))
        self.g.add((node, PRC.figureValue, Literal(value, datatype=XSD.decimal)))
        self._typed_figure(node, qualifier, counts)
        self._provenance(e, node)
        return node
