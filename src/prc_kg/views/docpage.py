"""The release's documentation page: one offline HTML file describing every class.

Readers open it from a download or a file share, often without a network, and its text comes from
files anyone can edit. So every text taken from the ontology, the examples or the changelog is
HTML-escaped; the page loads nothing (its CSS, web/docpage.css, and its one script, the search box's
web/docpage.js, are inlined, and its only links go to anchors on the page or to the release files
beside it); and everything is listed in a fixed order, so the page is the same bytes on every run.
What the page reads from the graphs is docgraph.py's; the search box and the class tree are
docnav.py's; the changelog's Markdown is markdown.py's.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..vocab import BIBO, PRC
from .docgraph import PROPERTY_KINDS, ClassGroup, DocGraph, first, natural
from .docnav import class_tree, script, search_box, search_text
from .markdown import markdown

# SKOS mapping properties (the SSSOM mapping set merged into the release), shown as words.
_MATCHES = ((SKOS.exactMatch, "exact match:"), (SKOS.closeMatch, "close match:"), (SKOS.broadMatch, "broader:"),
            (SKOS.narrowMatch, "narrower:"), (SKOS.relatedMatch, "related:"))


@cache
def _css() -> str:
    return (files("prc_kg.views") / "web" / "docpage.css").read_text(encoding="utf-8")


def _e(text: object) -> str:
    """HTML-escape any text from data, quotes included, so it is safe in text and in attributes."""
    return escape(str(text), quote=True)


class _Page(DocGraph):
    """The graphs as the page links them: every term with an entry on the page links to it."""

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
        f"<style>\n{_css()}</style>",
        "</head>",
        "<body>",
        '<header id="top">',
        f"<h1>{_e(title)}</h1>",
    ]
    out += _header(page, ontology_iri, version, date, downloads)
    out.append("</header>")
    out += search_box(len(page.classes) + len(page.properties))
    out += class_tree(page)
    out += _contents(page, groups)
    out.append("<main>")
    for group in groups:
        out += _group(page, group)
    out += _properties(page)
    out += _sources(page)
    body = changes.split("\n", 1)[1] if changes.startswith("## ") else changes  # the h2 below replaces it
    out += ['<section id="changes">', f"<h2>Changes in version {_e(version)}</h2>", *markdown(body), "</section>"]
    out.append("</main>")
    rights = page.text(g, ontology_iri, DCTERMS.rights)
    if rights:
        out.append(f"<footer><p>{_e(rights)}</p></footer>")
    out += [f"<script>\n{script()}</script>", "</body>", "</html>", ""]
    return "\n".join(out).encode("utf-8")


def _header(page: _Page, iri: URIRef, version: str, date: str, downloads: list[tuple[str, int]]) -> list[str]:
    g = page.g
    out = []
    description = page.text(g, iri, DCTERMS.description)
    if description:
        out.append(f"<p>{_e(description)}</p>")
    rows = [("Version", _e(version)), ("Date", _e(date)), ("Ontology IRI", f"<code>{_e(iri)}</code>")]
    version_iri = first(g.objects(iri, OWL.versionIRI))
    if version_iri is not None:
        rows.append(("Version IRI", f"<code>{_e(version_iri)}</code>"))
    licence = first(g.objects(iri, DCTERMS.license))
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


def _contents(page: _Page, groups: list[ClassGroup]) -> list[str]:
    out = ['<nav id="contents">', "<h2>Contents</h2>", "<ol>"]
    for group in groups:
        out.append(f'<li><a href="#{group.anchor}">{_e(group.title)}</a> ({len(group.classes)} classes)')
        out.append('<ol class="toc-classes">')
        out += [f"<li>{page.link(cls)}</li>" for cls in group.classes]
        out.append("</ol></li>")
    out += ['<li><a href="#properties">Properties</a></li>', '<li><a href="#sources">Sources</a></li>',
            '<li><a href="#changes">Changes in this version</a></li>', "</ol>", "</nav>"]
    return out


def _group(page: _Page, group: ClassGroup) -> list[str]:
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
    out = [(f'<article class="term d{depth}" id="{page.anchor("c", cls)}" data-iri="{_e(cls)}" '
           f'data-label="{_e(page.label(cls))}" data-name="{_e(page.qname(cls))}" '
           f'data-search="{_e(search_text(page, cls))}">'),
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
    sections = sorted(g.objects(cls, PRC.inManualSection), key=lambda s: natural(str(s)))
    if len(sections) > 1:
        rows.append(("Manual sections", ", ".join(_e(page.label(s)) for s in sections)))
    sources = page.named(g.objects(cls, DCTERMS.source))
    rows.append(("Source", ", ".join(page.link(s) for s in sources) if sources else "<em>none given</em>"))
    tags = page.texts(cls, PRC.provenanceTag)
    if tags:
        rows.append(("Provenance", _e(", ".join(tags))))
    if definition:
        def_sources, def_tags = page.definition_provenance(cls, definition)
        if def_sources or def_tags:
            tail = f" ({_e(', '.join(def_tags))})" if def_tags else ""
            rows.append(("Definition from", ", ".join(page.link(s) for s in def_sources) + tail))
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
    """The example instances that illustrate the class (prc:illustrates), each with its wording, and,
    for a real case's statement that prc-kg reconstructed, a label saying so and from what."""
    ex = page.examples
    items = []
    for inst in sorted(set(ex.subjects(PRC.illustrates, cls)), key=lambda i: (natural(page.label(i, ex)), str(i))):
        words = page.text(ex, inst, PRC.text) or page.text(ex, inst, PRC.summary) or page.text(ex, inst, RDFS.comment)
        tail = f": {_e(words)}" if words else ""
        if (inst, PRC.isReconstruction, Literal(True)) in ex:
            basis = page.text(ex, inst, PRC.reconstructedFrom) or "a source that does not give it word for word"
            tail += f' <em class="reconstructed">(reconstructed by prc-kg from {_e(basis)})</em>'
        items.append(f"<li><strong>{_e(page.label(inst, ex))}</strong>{tail}</li>")
    return items


def _properties(page: _Page) -> list[str]:
    g = page.g
    head = "".join(f"<th>{name}</th>" for name in ("property", "kind", "definition", "domain", "range"))
    out = ['<section id="properties">', "<h2>Properties</h2>", f"<table><thead><tr>{head}</tr></thead><tbody>"]
    for prop in page.properties:
        kinds = ", ".join(name for kind, name in PROPERTY_KINDS if (prop, RDF.type, kind) in g)
        domain = ", ".join(sorted(page.expression(d) for d in g.objects(prop, RDFS.domain)))
        range_ = ", ".join(sorted(page.expression(r) for r in g.objects(prop, RDFS.range)))
        out.append(f'<tr id="{page.anchor("p", prop)}" data-label="{_e(page.label(prop))}" '
                   f'data-name="{_e(page.qname(prop))}" data-search="{_e(search_text(page, prop))}"><td>{_e(page.label(prop))}<br><code>{_e(page.qname(prop))}'
                   f"</code></td><td>{kinds}</td><td>{_e(page.text(g, prop, SKOS.definition) or '')}</td>"
                   f"<td>{domain}</td><td>{range_}</td></tr>")
    out += ["</tbody></table>", "</section>"]
    return out


def _sources(page: _Page) -> list[str]:
    g = page.g
    out = ['<section id="sources">', "<h2>Sources</h2>", "<dl>"]
    for src in page.sources:
        kinds, role = page.source_kind(src)
        kind = "; ".join(kinds) + (f", {role} source" if role else "")
        year, doi = page.text(g, src, PRC.publicationYear), page.text(g, src, BIBO.doi)
        parts = [kind, year, f"DOI {doi}" if doi else None, page.text(g, src, DCTERMS.title),
                 page.text(g, src, DCTERMS.bibliographicCitation), page.text(g, src, DCTERMS.description)]
        detail = " — ".join(_e(p) for p in parts if p)
        out.append(f'<dt id="{page.anchor("src", src)}">{_e(page.label(src))} <code>{_e(page.qname(src))}</code></dt>'
                   f"<dd>{detail}</dd>")
    out += ["</dl>", "</section>"]
    return out

