"""Findings (source-backed relations between constructs) and reported figures, from YAML to RDF."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ..ontology.terms import TermIndex
from ..vocab import DATA, PRC
from .entrychecks import check_keys, take_choice, take_classes, take_id, take_names, take_sources, take_tag
from .yamlfile import Located, read_yaml

MARKER = "findings/1"
DIRECTIONS = {"positive": PRC.PositiveDirection, "negative": PRC.NegativeDirection, "null": PRC.NullDirection,
              "mixed": PRC.MixedDirection, "not-directional": PRC.NotDirectional}
EVIDENCE = {"meta-analysis": PRC.MetaAnalysisEvidence, "rct": PRC.RandomisedTrialEvidence,
            "multi-case": PRC.MultiCaseProcessEvidence, "single-case": PRC.SingleCaseEvidence,
            "expert-claim": PRC.ExpertClaimEvidence}
FINDING_KEYS = {"id", "number", "statement", "subject", "relation", "object", "direction", "moderator", "condition",
                "r", "d", "ci", "k", "n", "sample", "evidence", "source", "year", "tag", "scope", "cases"}
FIGURE_KEYS = {"id", "quantity", "value", "scope", "year", "source", "tag"}


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
        doc = read_yaml(path, MARKER)
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
    def _count(e: Located, field: str) -> int | None:
        value = e.get(field)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise e.fail(f"expected a positive whole number, got {value!r}", field)
        return value

    # -- entries ---------------------------------------------------------------------------------
    def add_finding(self, e: Located) -> URIRef:
        check_keys(e, FINDING_KEYS, "a finding")
        fid = take_id(e, self.seen, "finding")
        node = DATA[f"finding/{fid}"]
        subjects = take_classes(e, "subject", self.terms, required=True)
        objects = take_classes(e, "object", self.terms, required=True)
        relation = e.get("relation")
        if not isinstance(relation, str) or not relation.strip():
            raise e.fail("expected a short verb phrase such as 'predicts'", "relation")
        statement = e.get("statement")
        if not isinstance(statement, str) or not statement.strip():
            raise e.fail("expected the finding in one or two sentences of our own words", "statement")
        label = (f"{' + '.join(self.terms.label(s) for s in subjects)} {relation.strip()} "
                 f"{' + '.join(self.terms.label(o) for o in objects)}")
        if e.get("year"):
            label += f" ({e['year']})"
        for t in (OWL.NamedIndividual, PRC.Finding):
            self.g.add((node, RDF.type, t))
        self.g.add((node, RDFS.label, Literal(label, lang="en")))
        self.g.add((node, PRC.text, Literal(statement.strip())))
        self.g.add((node, PRC.relationKind, Literal(relation.strip())))
        for cls in subjects:
            self.g.add((node, PRC.findingSubject, cls))
        for cls in objects:
            self.g.add((node, PRC.findingObject, cls))
        for cls in take_classes(e, "moderator", self.terms):
            self.g.add((node, PRC.findingModerator, cls))
        for case in take_names(e, "cases", "case ids"):
            if str(case) not in self.case_ids:
                raise e.fail(f"'{case}' is not the id of a loaded case", "cases")
            self.g.add((node, PRC.concernsCase, DATA[f"case/{case}"]))
        if (number := self._count(e, "number")) is not None:
            self.g.add((node, PRC.findingNumber, Literal(number, datatype=XSD.positiveInteger)))
        direction = take_choice(e, "direction", DIRECTIONS)
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
        if (k := self._count(e, "k")) is not None:
            self.g.add((node, PRC.numberOfStudies, Literal(k, datatype=XSD.positiveInteger)))
        if (n := self._count(e, "n")) is not None:
            self.g.add((node, PRC.sampleSize, Literal(n, datatype=XSD.positiveInteger)))
        for field, prop in (("sample", PRC.sampleDescription), ("condition", PRC.condition)):
            if (value := e.get(field)) is not None:
                self.g.add((node, prop, Literal(str(value))))
        self._provenance(e, node)
        return node

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
        for t in (OWL.NamedIndividual, PRC.ReportedFigure):
            self.g.add((node, RDF.type, t))
        self.g.add((node, RDFS.label, Literal(f"{quantity.strip()}: {e['value']}", lang="en")))
        self.g.add((node, PRC.quantity, Literal(quantity.strip())))
        self.g.add((node, PRC.figureValue, Literal(value, datatype=XSD.decimal)))
        self._provenance(e, node)
        return node
