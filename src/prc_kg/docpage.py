"""The release's documentation page: one offline HTML file describing every class.

Readers open it from a download or a file share, often without a network, and its text comes from
files anyone can edit. So every text taken from the ontology, the examples or the changelog is
HTML-escaped; the page has no scripts and loads nothing (its CSS is inline, and its only links go to
anchors on the page or to the release files beside it); and everything is listed in a fixed order,
so the page is the same bytes on every run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from .vocab import PRC, PRC_IRI, PREFIXES

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")
_CROSS_CUTTING = URIRef(PRC_IRI + "CrossCuttingNotion")
_PROPERTY_KINDS = ((OWL.ObjectProperty, "object property"), (OWL.DatatypeProperty, "data property"),
                   (OWL.AnnotationProperty, "annotation property"))

# SKOS mapping properties (the SSSOM mapping set merged into the release), shown as words.
_MATCHES = ((SKOS.exactMatch, "exact match:"), (SKOS.closeMatch, "close match:"), (SKOS.broadMatch, "broader:"),
            (SKOS.narrowMatch, "narrower:"), (SKOS.relatedMatch, "related:"))

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;color:#1b1b1b;
background:#fff;margin:0 auto;max-width:60rem;padding:0 1rem 4rem}
h1{margin-top:1.5rem}h2{border-bottom:2px solid #ccd;padding-bottom:.2rem;margin-top:2.5rem}
h3{margin:0 0 .3rem;font-size:1.1rem}code{font-size:.85em;color:#444;word-break:break-all}
a{color:#0b4f9c}.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem}
.meta dt,.term dt{font-weight:600;color:#555}.meta dd{margin:0}
nav ol{padding-left:1.4rem}.toc-classes{list-style:none;padding-left:0;margin:.2rem 0 .8rem;font-size:.9em}
.toc-classes li{display:inline}.toc-classes li:not(:last-child)::after{content:" · "}
.term{border-left:3px solid #ccd;padding:.4rem .8rem;margin:1rem 0}.term dl{margin:.3rem 0 0}
.term dt{float:left;clear:left;width:9rem}.term dd{margin:0 0 .2rem 9.5rem}
.d1{margin-left:1.5rem}.d2{margin-left:3rem}.d3{margin-left:4.5rem}.d4,.d5{margin-left:6rem}
.def{margin:.2rem 0}.code{color:#666;font-weight:normal;font-size:.85em}
.examples{margin:0;padding-left:1.1rem}.see{font-style:italic}
table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border:1px solid #ddd;padding:.25rem .4rem;
text-align:left;vertical-align:top}
@media print{.term{break-inside:avoid}}
"""


def _e(text: object) -> str:
    """HTML-escape any text from data, quotes included, so it is safe in text and in attributes."""
    return escape(str(text), quote=True)


def _first(values: Iterable) -> object | None:
    found = sorted(values, key=lambda v: (str(v), repr(v)))
    return found[0] if found else None


def _natural(text: str) -> tuple:
    """Sort key that puts 'P2' before 'P10' and '3.2' before '3.10'."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


@dataclass
class _Group:
    """One part of the page: a manual section, or a family of classes outside the sections."""

    anchor: str
    title: str
    note: str = ""
    classes: list[URIRef] = field(default_factory=list)
    see_also: list[URIRef] = field(default_factory=list)


class _Page:
    """The ontology and example graphs, read in a fixed order for the page."""

    def __init__(self, g: Graph, examples: Graph):
        self.g, self.examples = g, examples
        self.classes = sorted({c for c in g.subjects(RDF.type, OWL.Class)
                               if isinstance(c, URIRef) and str(c).startswith(PRC_IRI)}, key=str)
        self.class_set = set(self.classes)
        self.sources = sorted({s for s in g.subjects(RDF.type, PRC.BibliographicSource) if isinstance(s, URIRef)},
                              key=lambda s: _natural(self.local(s)))
        self.source_set = set(self.sources)
        self.properties = sorted({p for kind, _ in _PROPERTY_KINDS for p in g.subjects(RDF.type, kind)
                                  if isinstance(p, URIRef) and str(p).startswith(PRC_IRI)}, key=str)
        self.property_set = set(self.properties)
        self.depth: dict[URIRef, int] = {}
        self.parents = {c: self.named(g.objects(c, RDFS.subClassOf)) for c in self.classes}
        self.children: dict[URIRef, list[URIRef]] = {c: [] for c in self.classes}
        for child, parents in self.parents.items():
            for parent in parents:
                if parent in self.children:
                    self.children[parent].append(child)
        for kids in self.children.values():
            kids.sort(key=self.order)

    # --- names and text -------------------------------------------------------------------
    @staticmethod
    def local(iri: URIRef) -> str:
        return re.split(r"[/#]", str(iri))[-1]

    def text(self, g: Graph, s: URIRef, p: URIRef) -> str | None:
        """One value, English first, so a term with labels in two languages shows the English one."""
        values = list(g.objects(s, p))
        english = [v for v in values if isinstance(v, Literal) and v.language in ("en", None)]
        chosen = _first(english or values)
        return str(chosen) if chosen is not None else None

    def texts(self, s: URIRef, p: URIRef) -> list[str]:
        return sorted({str(v) for v in self.g.objects(s, p)}, key=_natural)

    def qname(self, iri: URIRef) -> str:
        text = str(iri)
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if text.startswith(ns) and len(text) > len(ns):
                return f"{prefix}:{text[len(ns):]}"
        return text

    def label(self, iri: URIRef, g: Graph | None = None) -> str:
        g = g if g is not None else self.g
        return self.text(g, iri, RDFS.label) or self.text(g, iri, SKOS.prefLabel) or self.qname(iri)

    def order(self, cls: URIRef) -> tuple:
        return (_natural(self.text(self.g, cls, PRC.taxonomyCode) or "~"), self.label(cls).lower(), str(cls))

    def named(self, terms: Iterable) -> list[URIRef]:
        return sorted({t for t in terms if isinstance(t, URIRef)}, key=str)

    @staticmethod
    def anchor(kind: str, iri: URIRef | str) -> str:
        """An id from the local name when it is plain, else from a hash: data never shapes markup."""
        name = re.split(r"[/#]", str(iri))[-1]
        if not _SAFE_NAME.match(name):
            name = "h" + hashlib.sha256(str(iri).encode("utf-8")).hexdigest()[:16]
        return f"{kind}-{name}"

    def link(self, iri: URIRef) -> str:
        """A link to the term's entry on this page, or its escaped name when it has none."""
        if iri in self.class_set:
            return f'<a href="#{self.anchor("c", iri)}">{_e(self.label(iri))}</a>'
        if iri in self.property_set:
            return f'<a href="#{self.anchor("p", iri)}">{_e(self.label(iri))}</a>'
        if iri in self.source_set:
            return f'<a href="#{self.anchor("src", iri)}">{_e(self.label(iri))}</a>'
        return f"<code>{_e(self.qname(iri))}</code>"

    # --- class expressions ----------------------------------------------------------------
    def expression(self, node: object, depth: int = 0) -> str:
        """A class expression in Manchester-like words: 'interpretation and (has aim some defense)'."""
        if isinstance(node, URIRef):
            return self.link(node)
        if not isinstance(node, BNode) or depth > 6:
            return "…"
        g = self.g
        for prop, word in ((OWL.intersectionOf, " and "), (OWL.unionOf, " or ")):
            head = g.value(node, prop)
            if head is not None:
                return word.join(self.nested(m, depth) for m in Collection(g, head))
        head = g.value(node, OWL.oneOf)
        if head is not None:
            return "{" + ", ".join(self.expression(m, depth + 1) for m in Collection(g, head)) + "}"
        negated = g.value(node, OWL.complementOf)
        if negated is not None:
            return "not " + self.nested(negated, depth)
        prop = g.value(node, OWL.onProperty)
        if prop is not None:
            for key, word in ((OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only"), (OWL.hasValue, "value")):
                filler = g.value(node, key)
                if filler is not None:
                    shown = _e(filler) if isinstance(filler, Literal) else self.nested(filler, depth)
                    return f"{self.expression(prop, depth + 1)} {word} {shown}"
            for key, word in ((OWL.minQualifiedCardinality, "min"), (OWL.maxQualifiedCardinality, "max"),
                              (OWL.qualifiedCardinality, "exactly"), (OWL.minCardinality, "min"),
                              (OWL.maxCardinality, "max"), (OWL.cardinality, "exactly")):
                n = g.value(node, key)
                if n is not None:
                    filler = g.value(node, OWL.onClass)
                    tail = f" {self.nested(filler, depth)}" if filler is not None else ""
                    return f"{self.expression(prop, depth + 1)} {word} {_e(n)}{tail}"
        return "(an anonymous class)"

    def nested(self, node: object, depth: int) -> str:
        text = self.expression(node, depth + 1)
        return text if isinstance(node, URIRef) else f"({text})"

    # --- grouping ---------------------------------------------------------------------------
    def groups(self) -> list[_Group]:
        """Manual sections 1–5 first, then cross-cutting notions, modalities and everything else.

        A class taught in two sections has its entry in the first and a pointer in the second.
        """
        g = self.g
        sections = sorted((s for s in set(g.subjects(RDF.type, PRC.ManualSection)) if isinstance(s, URIRef)),
                          key=lambda s: (_natural(self.text(g, s, PRC.sectionNumber) or "~"), str(s)))
        by_section = {s: _Group(self.anchor("section", self.text(g, s, PRC.sectionNumber) or s),
                                self.label(s), self.text(g, s, SKOS.definition) or "") for s in sections}
        rank = {s: i for i, s in enumerate(sections)}
        cross = _Group("cross-cutting", "Cross-cutting notions (outside the five sections)",
                       "Notions the manual uses to frame all five sections.")
        modalities = _Group("modalities", "Forms of psychotherapy",
                            "The treatments whose process the components describe.")
        other = _Group("other", "Core entities, measurement, findings and research constructs",
                       "The classes that record cases, sessions, turns, ratings and findings.")
        for cls in self.classes:
            homes = sorted((s for s in g.objects(cls, PRC.inManualSection) if s in by_section), key=rank.__getitem__)
            if homes:
                by_section[homes[0]].classes.append(cls)
                for extra in homes[1:]:
                    by_section[extra].see_also.append(cls)
            elif self.descends(cls, _CROSS_CUTTING):
                cross.classes.append(cls)
            elif self.descends(cls, PRC.Psychotherapy):
                modalities.classes.append(cls)
            else:
                other.classes.append(cls)
        groups = [*by_section.values(), cross, modalities, other]
        for group in groups:
            group.classes = self.tree_order(group.classes)
            group.see_also.sort(key=self.order)
        return [group for group in groups if group.classes or group.see_also]

    def descends(self, cls: URIRef, root: URIRef) -> bool:
        seen, todo = {cls}, [cls]
        while todo:
            current = todo.pop()
            if current == root:
                return True
            for parent in self.parents.get(current, []):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return False

    def tree_order(self, members: list[URIRef]) -> list[URIRef]:
        """Depth first from the group's own roots, so each class follows its parent."""
        inside = set(members)
        roots = sorted((c for c in members if not any(p in inside for p in self.parents[c])), key=self.order)
        ordered: list[URIRef] = []
        seen: set[URIRef] = set()

        def visit(cls: URIRef, depth: int) -> None:
            seen.add(cls)
            ordered.append(cls)
            self.depth[cls] = depth
            for child in self.children[cls]:
                if child in inside and child not in seen:
                    visit(child, depth + 1)

        for root in roots:
            visit(root, 0)
        for cls in sorted(inside - seen, key=self.order):  # only in a subclass cycle
            visit(cls, 0)
        return ordered


def render_page(g: Graph, examples: Graph, ontology_iri: URIRef, version: str, date: str, changes: str,
                downloads: list[tuple[str, int]]) -> bytes:
    """The HTML page for one release: header, contents, one entry per class, properties, sources, changes."""
    page = _Page(g, examples)
    groups = page.groups()
    title = page.text(g, ontology_iri, DCTERMS.title) or page.label(ontology_iri)
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)} — version {_e(version)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        '<header id="top">',
        f"<h1>{_e(title)}</h1>",
    ]
    out += _header(page, ontology_iri, version, date, downloads)
    out.append("</header>")
    out += _contents(page, groups)
    out.append("<main>")
    for group in groups:
        out += _group(page, group)
    out += _properties(page)
    out += _sources(page)
    body = changes.split("\n", 1)[1] if changes.startswith("## ") else changes  # the h2 below replaces it
    out += ['<section id="changes">', f"<h2>Changes in version {_e(version)}</h2>", *_markdown(body), "</section>"]
    out.append("</main>")
    rights = page.text(g, ontology_iri, DCTERMS.rights)
    if rights:
        out.append(f"<footer><p>{_e(rights)}</p></footer>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out).encode("utf-8")


def _header(page: _Page, iri: URIRef, version: str, date: str, downloads: list[tuple[str, int]]) -> list[str]:
    g = page.g
    out = []
    description = page.text(g, iri, DCTERMS.description)
    if description:
        out.append(f"<p>{_e(description)}</p>")
    rows = [("Version", _e(version)), ("Date", _e(date)), ("Ontology IRI", f"<code>{_e(iri)}</code>")]
    version_iri = _first(g.objects(iri, OWL.versionIRI))
    if version_iri is not None:
        rows.append(("Version IRI", f"<code>{_e(version_iri)}</code>"))
    licence = _first(g.objects(iri, DCTERMS.license))
    if licence is not None:
        rows.append(("Licence", f"<code>{_e(licence)}</code>"))
    creator = page.text(g, iri, DCTERMS.creator)
    if creator:
        rows.append(("Authors", _e(creator)))
    illustrated = sum(1 for c in page.classes if (None, PRC.illustrates, c) in page.examples)
    content = (f"{len(page.classes)} classes ({illustrated} with examples), {len(page.properties)} properties, "
               f"{len(page.sources)} sources, {len(g)} triples")
    rows.append(("Content", content))
    files = ", ".join(f'<a href="{_e(name)}">{_e(name)}</a> ({size:,} bytes)' for name, size in downloads)
    rows.append(("Files", files))
    out.append('<dl class="meta">')
    out += [f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows]
    out.append("</dl>")
    citation = page.text(g, iri, DCTERMS.bibliographicCitation)
    if citation:
        out.append(f"<p>{_e(citation)}</p>")
    return out


def _contents(page: _Page, groups: list[_Group]) -> list[str]:
    out = ['<nav id="contents">', "<h2>Contents</h2>", "<ol>"]
    for group in groups:
        out.append(f'<li><a href="#{group.anchor}">{_e(group.title)}</a> ({len(group.classes)} classes)')
        out.append('<ol class="toc-classes">')
        out += [f"<li>{page.link(cls)}</li>" for cls in group.classes]
        out.append("</ol></li>")
    out += ['<li><a href="#properties">Properties</a></li>', '<li><a href="#sources">Sources</a></li>',
            '<li><a href="#changes">Changes in this version</a></li>', "</ol>", "</nav>"]
    return out


def _group(page: _Page, group: _Group) -> list[str]:
    out = [f'<section id="{group.anchor}">', f"<h2>{_e(group.title)}</h2>"]
    if group.note:
        out.append(f"<p>{_e(group.note)}</p>")
    for cls in group.classes:
        out += _entry(page, cls)
    if group.see_also:
        links = ", ".join(page.link(c) for c in group.see_also)
        out.append(f'<p class="see">Also taught in this section (described above): {links}</p>')
    out.append("</section>")
    return out


def _entry(page: _Page, cls: URIRef) -> list[str]:
    """One class: label, definition, and the facts a reader or a rater needs, then its examples."""
    g = page.g
    code = page.text(g, cls, PRC.taxonomyCode)
    code_html = f' <span class="code">{_e(code)}</span>' if code else ""
    depth = min(page.depth.get(cls, 0), 5)
    out = [f'<article class="term d{depth}" id="{page.anchor("c", cls)}" data-iri="{_e(cls)}">',
           f"<h3>{_e(page.label(cls))}{code_html}</h3>"]
    definition = page.text(g, cls, SKOS.definition)
    out.append(f'<p class="def">{_e(definition) if definition else "<em>No definition.</em>"}</p>')
    rows: list[tuple[str, str]] = [("IRI", f"<code>{_e(cls)}</code>")]
    alt = page.texts(cls, SKOS.altLabel)
    if alt:
        rows.append(("Also called", _e("; ".join(alt))))
    parents = page.parents[cls]
    anonymous = sorted((p for p in g.objects(cls, RDFS.subClassOf) if isinstance(p, BNode)), key=page.expression)
    if parents or anonymous:
        rows.append(("Parents", ", ".join([page.link(p) for p in parents] + [page.expression(p) for p in anonymous])))
    equivalents = sorted(page.expression(e) for e in g.objects(cls, OWL.equivalentClass))
    if equivalents:
        rows.append(("Defined as", "; ".join(equivalents)))
    if page.children[cls]:
        rows.append(("Children", ", ".join(page.link(c) for c in page.children[cls])))
    disjoint = page.named(list(g.objects(cls, OWL.disjointWith)) + list(g.subjects(OWL.disjointWith, cls)))
    if disjoint:
        rows.append(("Disjoint with", ", ".join(page.link(d) for d in disjoint)))
    mappings = [f"{word} {page.link(target)}" for prop, word in _MATCHES
                for target in page.named(g.objects(cls, prop))]
    if mappings:
        rows.append(("Mapped to", "; ".join(mappings)))
    sections = sorted(g.objects(cls, PRC.inManualSection), key=lambda s: _natural(str(s)))
    if len(sections) > 1:
        rows.append(("Manual sections", ", ".join(_e(page.label(s)) for s in sections)))
    sources = page.named(g.objects(cls, DCTERMS.source))
    rows.append(("Source", ", ".join(page.link(s) for s in sources) if sources else "<em>none given</em>"))
    tags = page.texts(cls, PRC.provenanceTag)
    if tags:
        rows.append(("Provenance", _e(", ".join(tags))))
    items = page.texts(cls, PRC.itemXref)
    if items:
        rows.append(("Scored by", _e(", ".join(items))))
    for prop, name in ((PRC.codingGuidance, "Coding guidance"), (SKOS.scopeNote, "Note"), (SKOS.example, "Example")):
        for value in page.texts(cls, prop):
            rows.append((name, _e(value)))
    illustrations = _illustrations(page, cls)
    if illustrations:
        rows.append((f"Illustrated by ({len(illustrations)})",
                     '<ul class="examples">' + "".join(illustrations) + "</ul>"))
    out.append("<dl>")
    out += [f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows]
    out += ["</dl>", "</article>"]
    return out


def _illustrations(page: _Page, cls: URIRef) -> list[str]:
    """The example instances that illustrate the class (prc:illustrates), each with its wording."""
    ex = page.examples
    items = []
    for inst in sorted(set(ex.subjects(PRC.illustrates, cls)), key=lambda i: (_natural(page.label(i, ex)), str(i))):
        words = page.text(ex, inst, PRC.text) or page.text(ex, inst, PRC.summary) or page.text(ex, inst, RDFS.comment)
        tail = f": {_e(words)}" if words else ""
        items.append(f"<li><strong>{_e(page.label(inst, ex))}</strong>{tail}</li>")
    return items


def _properties(page: _Page) -> list[str]:
    g = page.g
    head = "".join(f"<th>{name}</th>" for name in ("property", "kind", "definition", "domain", "range"))
    out = ['<section id="properties">', "<h2>Properties</h2>", f"<table><thead><tr>{head}</tr></thead><tbody>"]
    for prop in page.properties:
        kinds = ", ".join(name for kind, name in _PROPERTY_KINDS if (prop, RDF.type, kind) in g)
        domain = ", ".join(sorted(page.expression(d) for d in g.objects(prop, RDFS.domain)))
        range_ = ", ".join(sorted(page.expression(r) for r in g.objects(prop, RDFS.range)))
        out.append(f'<tr id="{page.anchor("p", prop)}"><td>{_e(page.label(prop))}<br><code>{_e(page.qname(prop))}'
                   f"</code></td><td>{kinds}</td><td>{_e(page.text(g, prop, SKOS.definition) or '')}</td>"
                   f"<td>{domain}</td><td>{range_}</td></tr>")
    out += ["</tbody></table>", "</section>"]
    return out


def _sources(page: _Page) -> list[str]:
    g = page.g
    out = ['<section id="sources">', "<h2>Sources</h2>", "<dl>"]
    for src in page.sources:
        parts = [page.text(g, src, DCTERMS.title), page.text(g, src, DCTERMS.bibliographicCitation),
                 page.text(g, src, DCTERMS.description)]
        detail = " — ".join(_e(p) for p in parts if p)
        out.append(f'<dt id="{page.anchor("src", src)}">{_e(page.label(src))} <code>{_e(page.qname(src))}</code></dt>'
                   f"<dd>{detail}</dd>")
    out += ["</dl>", "</section>"]
    return out


def _inline(text: str) -> str:
    """Escape a line of changelog Markdown, then keep only `code` and **bold** (links become their text)."""
    html = _e(text)
    html = re.sub(r"`([^`]+)`", r"<code>\1</code>", html)
    html = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", html)
    return re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", html)


def _markdown(text: str) -> list[str]:
    """The small part of Markdown a Keep a Changelog entry uses: headings, bullet lists, paragraphs."""
    out: list[str] = []
    in_list = False
    paragraph: list[str] = []

    def flush() -> None:
        nonlocal in_list
        if paragraph:
            out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if in_list:
            out.append("</ul>")
            in_list = False

    for line in text.splitlines():
        stripped = line.strip()
        heading = re.match(r"^(#{2,6})\s+(.*)$", stripped)
        bullet = re.match(r"^[-*]\s+(.*)$", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet and not line.startswith("  "):
            if paragraph:
                out.append(f"<p>{_inline(' '.join(paragraph))}</p>")
                paragraph.clear()
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{_inline(bullet.group(1))}</li>")
        elif in_list and out[-1].endswith("</li>"):
            out[-1] = out[-1][: -len("</li>")] + " " + _inline(stripped) + "</li>"
        else:
            paragraph.append(stripped)
    flush()
    return out
