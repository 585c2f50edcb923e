"""The privacy check on RDF data: literals by subject and property, the ids in data IRIs, and in the
corpora that ``import-utterances`` writes, the text of every utterance (``prc:text``) and the value of
every conversation attribute (a sub-property of ``prc:conversationAttribute``, whatever its datatype:
a video title naming someone, a link to a user's channel).

An imported corpus can hold millions of utterances, so N-Triples files are streamed, twice: the first
pass notes the few things a literal's rules depend on (which subjects are people or ids, which
properties are conversation attributes), the second scans the literals and IRIs. Memory grows with
the number of conversations, people and identifiers found, not with the utterances. Other RDF files
are read whole (rdflib) and checked by the same rules.

Each identifier is reported once, at the shortest subject IRI that holds it (so the same file gives
the same report whatever the order of its triples), with the number of further subjects it is in.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import InputError
from ..fileio.files import check_regular_input
from ..vocab import DATA_IRI, PRC_IRI
from .privacy import BIRTH_FIELD, scan_text
from .privacy_lists import AllowList
from .privacy_report import Finding, Hit, mask

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE, LABEL, SUBPROPERTY = _RDF + "type", _RDFS + "label", _RDFS + "subPropertyOf"
PERSON_CLASSES = {PRC_IRI + n for n in ("Patient", "Psychotherapist", "Rater")} | {"http://xmlns.com/foaf/0.1/Person"}
ID_CLASSES = {PRC_IRI + n for n in ("Dyad", "Study", "Case")}
ATTRIBUTE = PRC_IRI + "conversationAttribute"
TEXT = PRC_IRI + "text"
STRINGS = {None, _XSD + "string", _RDF + "langString"}
# ids in data IRIs, and the field whose rules they get (a rater's or annotator's id holds a person)
IRI_IDS = re.compile(r"/(rater|annotator|dyad|study|case|corpus|conversation)/([^/#?]+)")
ID_FIELDS = {"rater": "rater", "annotator": "rater", "dyad": "dyad"}
# the import names a corpus's attribute properties data:corpus/C/attribute/NAME
ATTRIBUTE_IRI = re.compile(re.escape(DATA_IRI) + r"corpus/[^/]+/attribute/([^/#?]+)$")
# The label import-utterances gives each utterance holds nothing but ids the IRIs hold too (checked there):
# skipping it halves the work on a corpus.
GENERATED_LABEL = re.compile(r"utterance [^ ]+ of conversation [^ ]+ of corpus [A-Za-z0-9][A-Za-z0-9_.-]*")
_CACHE_LIMIT = 50_000

# A triple as plain strings: subject, predicate, and the object as (value, datatype) for a literal
# (datatype None for a plain or language-tagged one) or (IRI, "") for an IRI or blank node.
Triple = tuple[str, str, str, str | None]


@dataclass
class Context:
    """What pass one learns: the subjects that are people or ids, the conversation attribute properties."""

    people: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    attributes: set[str] = field(default_factory=set)

    def see(self, s: str, p: str, o: str) -> None:
        if p == RDF_TYPE:
            if o in PERSON_CLASSES:
                self.people.add(s)
            elif o in ID_CLASSES:
                self.ids.add(s)
        elif p == SUBPROPERTY and o == ATTRIBUTE:
            self.attributes.add(s)


class Scanner:
    """Pass two: every literal by its property's rules, and the ids in data IRIs."""

    def __init__(self, allow: AllowList, source: str, context: Context):
        self.allow, self.source, self.context = allow, source, context
        self.found: dict[tuple[str, str], Finding] = {}
        # subjects an identifier is in: counted when the subject changes, exact as the triples of a subject
        # come together (N-Triples as prc-kg writes them; a graph is sorted first)
        self.subjects: dict[tuple[str, str], tuple[str, int]] = {}
        self.cache: dict[tuple[str | None, str], list[Hit]] = {}
        self.iri_ids: dict[tuple[str, str], tuple[str, str]] = {}  # (kind, id) -> (shortest subject, id as written)
        self._last_subject = ""

    def triple(self, s: str, p: str, value: str, datatype: str | None) -> None:
        if s != self._last_subject:
            self._last_subject = s
            if s.startswith(DATA_IRI):
                for kind, raw in IRI_IDS.findall(s[len(DATA_IRI) - 1:]):
                    old = self.iri_ids.get((kind, raw))
                    if old is None or (len(s), s) < (len(old[0]), old[0]):
                        self.iri_ids[(kind, raw)] = (s, raw)
        if datatype == "" or (p == LABEL and GENERATED_LABEL.fullmatch(value)):
            return  # an IRI object, or an utterance's label made of the ids in its IRI
        local = re.split(r"[/#]", p)[-1]
        attribute = ATTRIBUTE_IRI.match(p)
        if p == TEXT:
            self.add(s, p, value, "text", cache=False)
        elif attribute or p in self.context.attributes:
            self.add(s, p, value, urllib.parse.unquote(attribute.group(1) if attribute else local))
        elif BIRTH_FIELD.search(local):
            self.add(s, p, value, local)
        elif datatype in STRINGS:
            name = local
            if p == LABEL and s in self.context.people:
                name = "person"
            elif p == LABEL and s in self.context.ids:
                name = "id"
            self.add(s, p, value, name)

    def add(self, subject: str, prop: str, value: str, field_name: str, cache: bool = True) -> list[Hit]:
        key = (field_name, value)
        hits = self.cache.get(key) if cache else None
        if hits is None:
            hits = scan_text(value, self.allow, field_name)
            if cache:
                if len(self.cache) >= _CACHE_LIMIT:
                    self.cache.clear()
                self.cache[key] = hits
        for h in hits:
            seen = (h.kind, h.text)
            last, count = self.subjects.get(seen, ("", 0))
            if subject != last:
                self.subjects[seen] = (subject, count + 1)
            old = self.found.get(seen)
            if old is None or (len(subject), subject, prop) < (len(old.subject or ""), old.subject or "", old.prop or ""):
                self.found[seen] = Finding(h.kind, h.text, self.source, subject=subject, prop=prop)
        return hits

    def findings(self) -> list[Finding]:
        """Every identifier once, the ids in IRIs included; IRIs shown with the identifiers masked."""
        flagged: dict[str, str] = {}  # an id as found -> as written in IRIs
        for (kind, raw), (subject, _) in sorted(self.iri_ids.items(), key=lambda item: (len(item[1][0]), item[1][0])):
            value = urllib.parse.unquote(raw)
            if self.add(subject, "(IRI)", value, ID_FIELDS.get(kind, "id")):
                flagged[value] = raw
        terms = sorted({f.text for f in self.found.values()} | set(flagged) | set(flagged.values()),
                       key=len, reverse=True)

        def shown(iri: str) -> str:
            for term in terms:
                iri = iri.replace(term, mask(term))
            return iri

        return sorted((replace(f, shown_subject=shown(f.subject or ""), more=self.subjects[(f.kind, f.text)][1] - 1)
                       for f in self.found.values()), key=lambda f: (f.subject or "", f.prop or "", f.kind, f.text))


def check_triples(triples: Iterable[Triple], again: Iterable[Triple], allow: AllowList, source: str) -> list[Finding]:
    """The two passes over the same triples (``triples`` and ``again`` iterate them each once)."""
    context = Context()
    for s, p, o, datatype in triples:
        if datatype == "":
            context.see(s, p, o)
    scanner = Scanner(allow, source, context)
    for s, p, o, datatype in again:
        scanner.triple(s, p, o, datatype)
    return scanner.findings()


def check_graph(graph, allow: AllowList, source: str = "graph") -> list[Finding]:
    """An rdflib graph, by the same rules as a streamed file."""
    return check_triples(_graph_triples(graph), _graph_triples(graph), allow, source)


def _graph_triples(graph) -> Iterator[Triple]:
    from rdflib import Literal

    for s, p, o in sorted(graph, key=lambda t: str(t[0])):  # a subject's triples together
        if isinstance(o, Literal):
            yield str(s), str(p), str(o), str(o.datatype) if o.datatype is not None else None
        else:
            yield str(s), str(p), str(o), ""


def check_ntriples(path: Path, allow: AllowList) -> list[Finding]:
    """An N-Triples file, streamed twice (see the module's docstring)."""
    return check_triples(_file_triples(path), _file_triples(path), allow, str(path))


def _file_triples(path: Path) -> Iterator[Triple]:
    import pyoxigraph as ox

    path = Path(path)
    check_regular_input(path)
    try:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES):
            o = quad.object
            if isinstance(o, ox.Literal):
                datatype = o.datatype.value
                yield str(quad.subject.value), quad.predicate.value, o.value, (None if datatype in STRINGS
                                                                                 else datatype)
            else:
                yield str(quad.subject.value), quad.predicate.value, str(o.value), ""
    except SyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        raise InputError(path, f"N-Triples syntax error: {exc.msg or exc}", line=line) from None
    except UnicodeDecodeError:
        from ..fileio.files import utf8_error

        raise utf8_error(path) from None
