"""The documentation page's two ways in besides reading it through: a search box that filters the
terms by label, IRI or definition, and the class tree, collapsible, each entry a link to the term's
entry on the page.

The tree is plain HTML (``<details>``), so it works with scripts off; the search needs the page's
one script (web/docpage.js, inlined: the page stays a single file that loads nothing), and its box
stays hidden until that script runs. What the script searches is each term's ``data-search``
attribute, written here escaped; the script only reads it and puts text on screen with
``textContent``, so no label can become markup.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib.resources import files

from rdflib import URIRef
from rdflib.namespace import SKOS

from .docgraph import DocGraph

OPEN_DEPTH = 1  # the roots start open, so the first look shows them and their children


@cache
def script() -> str:
    return (files("prc_kg.views") / "web" / "docpage.js").read_text(encoding="utf-8")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def search_text(page: DocGraph, term: URIRef) -> str:
    """What the search box matches a term against: its labels, IRI, prefixed name and definition,
    lower-cased (the script lower-cases the query the same way)."""
    parts = [page.label(term), *page.texts(term, SKOS.altLabel), str(term), page.qname(term),
             page.text(page.g, term, SKOS.definition) or ""]
    return " ".join(p for p in parts if p).lower()


def search_box(terms: int) -> list[str]:
    """The box, its count and its list of matches; hidden until the script shows it."""
    return ['<section id="search" hidden>', '<h2><label for="term-search">Search the terms</label></h2>',
            ('<input type="search" id="term-search" autocomplete="off" spellcheck="false" '
            'placeholder="a label, an IRI or words of a definition">'),
            f'<p id="search-count" aria-live="polite">{terms} terms</p>', '<ol id="search-results"></ol>',
            "</section>"]


def class_tree(page: DocGraph) -> list[str]:
    """Every class under its named parents (a class with two parents is listed under both), from the
    roots of the class hierarchy; the roots start open, deeper levels closed."""
    roots = sorted((c for c in page.classes if not any(p in page.class_set for p in page.parents[c])),
                   key=page.order)
    out = ['<nav id="class-tree">', "<h2>Class tree</h2>",
           ('<p class="tree-tools" hidden><button type="button" data-tree="open">expand all</button> '
           '<button type="button" data-tree="close">collapse all</button></p>'), '<ul class="tree">']
    for root in roots:
        out += _branch(page, root, 0, frozenset())
    out += ["</ul>", "</nav>"]
    return out


def _branch(page: DocGraph, cls: URIRef, depth: int, above: frozenset[URIRef]) -> list[str]:
    link = f'<a href="#{page.anchor("c", cls)}">{_e(page.label(cls))}</a>'
    kids = [c for c in page.children[cls] if c not in above and c != cls]  # a subclass cycle ends here
    if not kids:
        return [f"<li>{link}</li>"]
    below = above | {cls}
    out = [(f'<li><details{" open" if depth < OPEN_DEPTH else ""}><summary>{link} '
           f'<span class="count">({len(kids)})</span></summary><ul>')]
    for kid in kids:
        out += _branch(page, kid, depth + 1, below)
    out.append("</ul></details></li>")
    return out
