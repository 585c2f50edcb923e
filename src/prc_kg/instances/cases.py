"""Cases and teaching vignettes: the YAML format of ``examples/README.md`` turned into RDF.

Every name in a file is checked against the ontology, and every error names the file, the line
of the entry and the field, so an author can fix it without reading Turtle. Every turn, segment and
commentary of a real case must say where its wording comes from (``reconstructed_from`` or
``verbatim_from``, with ``source``), so that prc-kg's reconstruction is never taken for the source's words.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from ..ontology.terms import TermIndex
from ..vocab import DATA, PRC, PRC_IRI
from .entrychecks import check_keys, take_choice, take_classes, take_id, take_names, take_sources, take_tag
from .yamlfile import Located, read_yaml

MARKER = "cases/1"
EVALUATIONS = {"helpful": PRC.Helpful, "unhelpful": PRC.Unhelpful, "mixed": PRC.Mixed}
OUTCOMES = {"favourable": PRC.FavourableOutcome, "unfavourable": PRC.UnfavourableOutcome,
            "mixed": PRC.MixedOutcome, "unknown": PRC.OutcomeUnknown}
SPEAKERS = {"patient": PRC.PatientTurn, "therapist": PRC.TherapistTurn, "unknown": None}
# Turn fields that name classes: field -> (required ancestor, who may carry it)
CODE_FIELDS = {
    "type": (PRC.TherapistIntervention, "therapist"),
    "aim": (PRC.InterventionAim, "therapist"),
    "characteristics": (PRC.InterventionCharacteristic, "therapist"),
    "quality": (PRC.InterventionQuality, "therapist"),
    "contributions": (PRC.PatientContribution, "patient"),
}
FACET_LINKS = {"aim": PRC.hasAim, "characteristics": PRC.hasCharacteristic, "quality": PRC.hasQuality}
CASE_KEYS = {"id", "title", "constructed", "tag", "source", "description", "modality", "patient", "therapist",
             "treatment", "studied_with", "reasons_for_help", "sessions", "commentaries"}
# Where a real case's statement comes from: prc-kg's reconstruction (and from what), or the source's own
# words (and where), with the sources it rests on.
MARK_KEYS = {"reconstructed_from", "verbatim_from", "source"}
TURN_KEYS = {"tos", "tos_range", "speaker", "text", "summary", "shows", "segment_kind", *CODE_FIELDS, *MARK_KEYS}
SESSION_KEYS = {"number", "summary", "turns", "commentaries"}
COMMENTARY_KEYS = {"on", "illustrates", "evaluation", "text", *MARK_KEYS}
SEGMENT_KINDS = {"therapist": PRC.TherapistSegment, "patient": PRC.PatientSegment, "joint": PRC.JointSegment}


class CaseBuilder:
    """Adds the triples of case entries to one graph, checking them against the ontology."""

    def __init__(self, terms: TermIndex, graph: Graph | None = None):
        self.terms = terms
        self.g = graph if graph is not None else Graph()
        self.seen_ids: dict[str, Path] = {}
        self.real = False  # whether the case being read is a real one (constructed: false)

    # -- helpers -------------------------------------------------------------------------------
    def _node(self, iri: URIRef, *types: URIRef, label: str) -> URIRef:
        self.g.add((iri, RDF.type, OWL.NamedIndividual))
        for t in types:
            self.g.add((iri, RDF.type, t))
        self.g.add((iri, RDFS.label, Literal(label, lang="en")))
        return iri

    @staticmethod
    def _text(entry: Located, field: str, required: bool = False) -> str | None:
        value = entry.get(field)
        if value is None:
            if required:
                raise entry.fail("is required", field)
            return None
        if not isinstance(value, str) or not value.strip():
            raise entry.fail("expected non-empty text", field)
        return value.strip()

    @staticmethod
    def _number(entry: Located, field: str, positive_int: bool = False) -> Decimal | int | None:
        value = entry.get(field)
        if value is None:
            return None
        if positive_int:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise entry.fail(f"expected a positive integer, got {value!r}", field)
            return value
        try:
            number = Decimal(str(value))
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise entry.fail(f"expected a number, got {value!r}", field) from None
        if number < 0:
            raise entry.fail(f"expected a non-negative number, got {value!r}", field)
        return number

    def _mark(self, entry: Located, node: URIRef, what: str) -> None:
        """Where the statement's wording comes from: required on a real case, refused on a constructed
        one (invented as a whole, so there is nothing to tell apart)."""
        if not self.real:
            if marks := [field for field in ("reconstructed_from", "verbatim_from", "source") if field in entry]:
                raise entry.fail("only a statement of a real case (constructed: false) says where its wording "
                                 "comes from; a constructed case is invented as a whole", marks[0])
            return
        rebuilt, verbatim = self._text(entry, "reconstructed_from"), self._text(entry, "verbatim_from")
        if rebuilt and verbatim:
            raise entry.fail("give reconstructed_from or verbatim_from, not both", "verbatim_from")
        if not rebuilt and not verbatim:
            raise entry.fail(f"a {what} of a real case must say where its wording comes from: reconstructed_from "
                             "(what prc-kg reconstructed it from) or verbatim_from (where the source gives it "
                             "word for word)", "reconstructed_from")
        sources = take_sources(entry, self.terms)
        self.g.add((node, PRC.isReconstruction, Literal(bool(rebuilt))))
        self.g.add((node, PRC.reconstructedFrom if rebuilt else PRC.verbatimFrom, Literal(rebuilt or verbatim)))
        for src in sources:
            self.g.add((node, DCTERMS.source, src))

    # -- entries ---------------------------------------------------------------------------------
    def add_file(self, path: Path) -> int:
        doc = read_yaml(path, MARKER)
        cases = doc.entries("cases", "cases", required=True)
        for entry in cases:
            self.add_case(entry)
        return len(cases)

    def add_case(self, c: Located) -> URIRef:
        check_keys(c, CASE_KEYS, "a case")
        cid = take_id(c, self.seen_ids, "case")
        title = self._text(c, "title", required=True)
        constructed = c.get("constructed")
        if not isinstance(constructed, bool):
            raise c.fail("expected true (invented for teaching) or false (a real case)", "constructed")
        self.real = not constructed
        tag = take_tag(c)
        sources = take_sources(c, self.terms)

        base = DATA[f"case/{cid}"]
        case = self._node(base, PRC.Case, label=title)
        self.g.add((case, PRC.constructedForTeaching, Literal(constructed)))
        self.g.add((case, PRC.provenanceTag, Literal(tag)))
        for src in sources:
            self.g.add((case, DCTERMS.source, src))
        if desc := self._text(c, "description"):
            self.g.add((case, DCTERMS.description, Literal(desc, lang="en")))

        modality = take_classes(c, "modality", self.terms, PRC.Psychotherapy) or [PRC.Psychotherapy]
        treatment = self._node(URIRef(f"{base}/treatment"), *modality, label=f"treatment in {title}")
        dyad = self._node(URIRef(f"{base}/dyad"), PRC.Dyad, label=f"dyad of {title}")
        patient = self._node(URIRef(f"{base}/patient"), PRC.Patient,
                             label=self._text(c, "patient") or f"patient of {title}")
        therapist = self._node(URIRef(f"{base}/therapist"), PRC.Psychotherapist,
                               label=self._text(c, "therapist") or f"therapist of {title}")
        self.g.add((case, PRC.documentsTreatment, treatment))
        self.g.add((treatment, PRC.hasDyad, dyad))
        for node in (dyad, treatment):
            self.g.add((node, PRC.hasPatient, patient))
            self.g.add((node, PRC.hasTherapist, therapist))
        self._treatment(c, treatment, base, title)
        for name in take_names(c, "studied_with", "instrument names"):
            if str(name) not in self.terms.instruments:
                raise c.fail(f"'{name}' is not an instrument of the ontology", "studied_with")
            self.g.add((case, PRC.studiedWith, URIRef(PRC_IRI + str(name))))
        for i, reason in enumerate(take_classes(c, "reasons_for_help", self.terms, PRC.ReasonForSeekingHelp), start=1):
            node = self._node(URIRef(f"{base}/reason/{i}"), reason,
                              label=f"{self.terms.label(reason)} ({title})")
            self.g.add((patient, PRC.presentsWith, node))

        numbers: set[int] = set()
        for s in c.entries("sessions", "sessions"):
            self._session(s, base, title, treatment, patient, therapist, numbers)
        self._commentaries(c, title, {None: case}, prefix=f"{base}/commentary")
        return case

    def _treatment(self, c: Located, treatment: URIRef, base: URIRef, title: str) -> None:
        t = c.get("treatment")
        if t is None:
            return
        if not isinstance(t, Located):
            raise c.fail("expected a mapping", "treatment")
        check_keys(t, {"duration_years", "outcome", "phases", "sessions_per_week"}, "treatment")
        if (years := self._number(t, "duration_years")) is not None:
            self.g.add((treatment, PRC.durationYears, Literal(years, datatype=XSD.decimal)))
        if (freq := self._number(t, "sessions_per_week")) is not None:
            self.g.add((treatment, PRC.sessionsPerWeek, Literal(freq, datatype=XSD.decimal)))
        if (outcome := take_choice(t, "outcome", OUTCOMES, required=False)) is not None:
            self.g.add((treatment, PRC.hasOutcome, OUTCOMES[outcome]))
        for n, phase in enumerate(t.entries("phases", "phases"), start=1):
            check_keys(phase, {"sessions_per_week", "duration_years", "summary"}, "a phase")
            node = self._node(URIRef(f"{base}/treatment/phase/{n}"), PRC.TreatmentPhase,
                              label=f"phase {n} of the treatment in {title}")
            self.g.add((treatment, PRC.hasPhase, node))
            self.g.add((node, PRC.phaseNumber, Literal(n, datatype=XSD.integer)))
            for field, prop in (("sessions_per_week", PRC.sessionsPerWeek), ("duration_years", PRC.durationYears)):
                if (value := self._number(phase, field)) is not None:
                    self.g.add((node, prop, Literal(value, datatype=XSD.decimal)))
            if summary := self._text(phase, "summary"):
                self.g.add((node, PRC.summary, Literal(summary)))

    def _session(self, s: Located, base: URIRef, title: str, treatment: URIRef, patient: URIRef,
                 therapist: URIRef, numbers: set[int]) -> None:
        check_keys(s, SESSION_KEYS, "a session")
        number = self._number(s, "number", positive_int=True)
        if number is None:
            raise s.fail("is required", "number")
        if number in numbers:
            raise s.fail(f"session {number} is listed twice", "number")
        numbers.add(number)
        sbase = f"{base}/session/{number}"
        session = self._node(URIRef(sbase), PRC.Session, label=f"{title}, session {number}")
        self.g.add((session, PRC.sessionNumber, Literal(number, datatype=XSD.integer)))
        self.g.add((session, PRC.partOfTreatment, treatment))
        if summary := self._text(s, "summary"):
            self.g.add((session, PRC.summary, Literal(summary)))
        speakers = {"patient": patient, "therapist": therapist}
        anchors: dict[int | None, URIRef] = {None: session}
        previous: tuple[URIRef, int | None] | None = None
        for position, t in enumerate(s.entries("turns", "turns"), start=1):
            node, first, last = self._turn(t, sbase, title, number, position, session, speakers, anchors)
            if previous is not None:
                self.g.add((previous[0], PRC.followedBy, node))
                if previous[1] is not None and first is not None and first == previous[1] + 1:
                    self.g.add((previous[0], PRC.immediatelyFollowedBy, node))
            previous = (node, last)
        self._commentaries(s, f"{title}, session {number}", anchors, prefix=f"{sbase}/commentary")

    def _turn(self, t: Located, sbase: str, title: str, session_no: int, position: int, session: URIRef,
              speakers: dict[str, URIRef], anchors: dict[int | None, URIRef]) -> tuple[URIRef, int | None, int | None]:
        check_keys(t, TURN_KEYS, "a turn")
        if "tos_range" in t:
            return self._segment(t, sbase, title, session_no, position, session, anchors)
        speaker = take_choice(t, "speaker", SPEAKERS)
        if "tos" in t:
            tos = t["tos"]
            if tos is not None and (isinstance(tos, bool) or not isinstance(tos, int) or tos < 1):
                raise t.fail(f"expected a positive integer or null, got {tos!r}", "tos")
        else:
            tos = position
        if tos is not None and tos in anchors:
            raise t.fail(f"turn {tos} is listed twice in session {session_no}", "tos")
        iri = URIRef(f"{sbase}/tos/{tos}" if tos is not None else f"{sbase}/tos/unnumbered-{position}")
        what = f"TOS {tos}" if tos is not None else f"unnumbered turn at position {position}"
        types = [PRC.TurnOfSpeech] + ([SPEAKERS[speaker]] if SPEAKERS[speaker] else [])
        node = self._node(iri, *types, label=f"{title}, session {session_no}, {what}")
        self.g.add((node, PRC.partOfSession, session))
        self.g.add((node, PRC.positionInSession, Literal(position, datatype=XSD.integer)))
        if tos is not None:
            self.g.add((node, PRC.tosNumber, Literal(tos, datatype=XSD.integer)))
            anchors[tos] = node
        if speaker in speakers:
            self.g.add((node, PRC.spokenBy, speakers[speaker]))
        else:
            self.g.add((node, PRC.speakerNotRecorded, Literal(True)))
        for field, prop in (("text", PRC.text), ("summary", PRC.summary)):
            if value := self._text(t, field):
                self.g.add((node, prop, Literal(value)))
        for field, (root, who) in CODE_FIELDS.items():
            classes = take_classes(t, field, self.terms, root)
            if classes and speaker != who:
                raise t.fail(f"only a {who} turn can carry '{field}' codes (this turn's speaker is {speaker})", field)
            for cls in classes:
                if field in FACET_LINKS:
                    facet = self._node(URIRef(f"{iri}/{field}/{str(cls).rsplit('/', 1)[-1]}"), cls,
                                       label=f"{self.terms.label(cls)} of {title}, session {session_no}, {what}")
                    self.g.add((node, FACET_LINKS[field], facet))
                else:
                    self.g.add((node, RDF.type, cls))
        for cls in take_classes(t, "shows", self.terms, None):
            self.g.add((node, PRC.illustrates, cls))
        self._mark(t, node, "turn")
        return node, tos, tos

    def _segment(self, t: Located, sbase: str, title: str, session_no: int, position: int, session: URIRef,
                 anchors: dict[int | None, URIRef]) -> tuple[URIRef, int, int]:
        rng = t["tos_range"]
        if (not isinstance(rng, list) or len(rng) != 2 or not all(isinstance(x, int) and not isinstance(x, bool)
                                                                  and x >= 1 for x in rng) or rng[0] > rng[1]):
            raise t.fail(f"expected [first, last] turn numbers with first <= last, got {rng!r}", "tos_range")
        for field in ("speaker", *CODE_FIELDS, "text"):
            if field in t:
                raise t.fail("a turn range becomes a segment: give it a summary, shows and segment_kind only "
                             "(and, in a real case, where its wording comes from)", field)
        kind = take_choice(t, "segment_kind", SEGMENT_KINDS, required=False)
        first, last = rng
        types = [PRC.Segment] + ([SEGMENT_KINDS[kind]] if kind else [])
        node = self._node(URIRef(f"{sbase}/segment/{first}-{last}"), *types,
                          label=f"{title}, session {session_no}, TOS {first}-{last}")
        self.g.add((node, PRC.partOfSession, session))
        self.g.add((node, PRC.positionInSession, Literal(position, datatype=XSD.integer)))
        self.g.add((node, PRC.startTosNumber, Literal(first, datatype=XSD.integer)))
        self.g.add((node, PRC.endTosNumber, Literal(last, datatype=XSD.integer)))
        if summary := self._text(t, "summary"):
            self.g.add((node, PRC.summary, Literal(summary)))
        for cls in take_classes(t, "shows", self.terms, None):
            self.g.add((node, PRC.illustrates, cls))
        self._mark(t, node, "turn range")
        for n in range(first, last + 1):
            if n in anchors:
                raise t.fail(f"turn {n} is already listed in this session", "tos_range")
            anchors[n] = node
        return node, first, last

    def _commentaries(self, owner: Located, title: str, anchors: dict[int | None, URIRef], prefix: str) -> None:
        for j, c in enumerate(owner.entries("commentaries", "commentaries"), start=1):
            check_keys(c, COMMENTARY_KEYS, "a commentary")
            node = self._node(URIRef(f"{prefix}/{j}"), PRC.Commentary, label=f"commentary {j} on {title}")
            on = c.get("on", "session")
            targets = on if isinstance(on, list) else [on]
            for target in targets:
                key = None if target in ("session", "case", None) else target
                if key is not None and (isinstance(key, bool) or not isinstance(key, int)):
                    raise c.fail(f"expected turn numbers, got {target!r}", "on")
                if key not in anchors:
                    raise c.fail(f"'{target}' is not a turn number listed in this session", "on")
                self.g.add((node, PRC.annotates, anchors[key]))
            illustrated = take_classes(c, "illustrates", self.terms, None)
            if not illustrated:
                raise c.fail("name at least one component the commentary illustrates", "illustrates")
            for cls in illustrated:
                self.g.add((node, PRC.illustrates, cls))
            evaluation = take_choice(c, "evaluation", EVALUATIONS)
            self.g.add((node, PRC.hasEvaluation, EVALUATIONS[evaluation]))
            if text := self._text(c, "text"):
                self.g.add((node, PRC.text, Literal(text)))
            self._mark(c, node, "commentary")
