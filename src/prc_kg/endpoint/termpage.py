"""Resolvable IRIs: the endpoint answers a GET of a prc-kg IRI's path (``/ontology/Interpretation``,
``/data/…``, ``/source/…``) with the term itself, so the IRIs in its answers can be followed.

A browser gets an HTML page (label, definition, types, parents, children, every other statement and
what links to the term, each linked term a link again); an RDF client gets the term's concise bounded
description (``DESCRIBE``: its statements, blank nodes followed) in the graph format it asks for. Both
are read through the query processes, under the same limits as any query. The page has no script and
every label from the data is escaped."""

from __future__ import annotations

import re
from collections import defaultdict
from html import escape

from ..vocab import PREFIXES

BASE = "https://w3id.org/prc-kg"
SPACES = ("/ontology/", "/data/", "/source/")  # and /ontology itself, the ontology's IRI
HTML = "text/html"
_PATH = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*")  # characters an IRI path may hold, nothing to escape
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_TYPE, _LABEL = _RDF + "type", _RDFS + "label"
_DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"
_PARENT = (_RDFS + "subClassOf", _RDFS + "subPropertyOf")
SHOWN = 200  # rows of one section shown on the page; the Turtle has all


def iri_for_path(path: str) -> str | None:
    """The prc-kg IRI a request path names, or None when the path is not one of ours."""
    if not (path == "/ontology" or path.startswith(SPACES)):
        return None
    return BASE + path if _PATH.fullmatch(path) else None


def describe_query(iri: str) -> str:
    return f"DESCRIBE <{iri}>"


def links_query(iri: str) -> str:
    """Every statement about and pointing to ``iri``, with the labels of what it links to."""
    return (f"SELECT ?dir ?p ?o ?plabel ?olabel WHERE {{ {{ <{iri}> ?p ?o BIND(\"out\" AS ?dir) }} UNION "
            f"{{ ?o ?p <{iri}> BIND(\"in\" AS ?dir) }} OPTIONAL {{ ?p <{_LABEL}> ?plabel }} "
            f"OPTIONAL {{ ?o <{_LABEL}> ?olabel }} }}")


def _short(iri: str) -> str:
    for name, ns in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{name}:{iri[len(ns):]}"
    return iri


def _href(iri: str) -> str | None:
    """Where a link to ``iri`` goes: the server's own page for a prc-kg IRI, the IRI for other web IRIs."""
    if iri.startswith(BASE) and iri_for_path(iri[len(BASE):]):
        return iri[len(BASE):]
    return iri if iri.startswith(("http://", "https://")) else None


class _Labels:
    """The label of each IRI seen (an English or untagged one first, then the smallest)."""

    def __init__(self) -> None:
        self._found: dict[str, list[tuple[int, str]]] = defaultdict(list)

    def add(self, iri: str, term: dict | None) -> None:
        if term is not None:
            lang = term.get("xml:lang", "")
            self._found[iri].append((0 if lang in ("", "en") or lang.startswith("en-") else 1, term["value"]))

    def get(self, iri: str) -> str | None:
        found = self._found.get(iri)
        return min(found)[1] if found else None


def _term_html(term: dict, labels: _Labels) -> str:
    if term["type"] == "uri":
        iri = term["value"]
        text = escape(labels.get(iri) or _short(iri))
        href = _href(iri)
        title = escape(_short(iri), quote=True)
        return f'<a href="{escape(href, quote=True)}" title="{title}">{text}</a>' if href else f"<code>{text}</code>"
    if term["type"] == "bnode":
        return "<i>an anonymous node (see the Turtle)</i>"
    lang = f' <span class="lang">@{escape(term["xml:lang"])}</span>' if term.get("xml:lang") else ""
    return escape(term["value"]) + lang


def render_term_page(iri: str, bindings: list[dict], truncated: bool = False) -> str:
    """The HTML page of ``iri`` from the rows of ``links_query`` (SPARQL JSON bindings)."""
    labels = _Labels()
    out_rows: dict[tuple[str, str], dict] = {}
    in_rows: dict[tuple[str, str], dict] = {}
    for b in bindings:
        p, o = b["p"]["value"], b["o"]
        labels.add(p, b.get("plabel"))
        if o["type"] == "uri":
            labels.add(o["value"], b.get("olabel"))
        rows = out_rows if b["dir"]["value"] == "out" else in_rows
        rows.setdefault((p, o["type"] + " " + o["value"] + " " + o.get("xml:lang", "") + o.get("datatype", "")),
                        {"p": p, "o": o})
    title = next((r["o"]["value"] for r in out_rows.values() if r["p"] == _LABEL and r["o"]["type"] == "literal"),
                 None) or _short(iri)

    def section(heading: str, rows: list[dict], show_p: bool) -> list[str]:
        if not rows:
            return []
        lines = [f"<h2>{escape(heading)}</h2>", "<ul>" if not show_p else "<table>"]
        for r in rows[:SHOWN]:
            value = _term_html(r["o"], labels)
            if show_p:
                pred = _term_html({"type": "uri", "value": r["p"]}, labels)
                lines.append(f"<tr><th>{pred}</th><td>{value}</td></tr>")
            else:
                lines.append(f"<li>{value}</li>")
        lines.append("</ul>" if not show_p else "</table>")
        if len(rows) > SHOWN:
            lines.append(f"<p>… and {len(rows) - SHOWN} more (the Turtle and the endpoint have them all).</p>")
        return lines

    def ordered(rows: dict, keep) -> list[dict]:
        chosen = [r for r in rows.values() if keep(r)]
        return sorted(chosen, key=lambda r: ((labels.get(r["p"]) or _short(r["p"])).lower(),
                                             (labels.get(r["o"]["value"]) or r["o"]["value"]).lower(), r["o"]["value"]))

    special = {_LABEL, _DEFINITION, _TYPE, *_PARENT}
    definitions = [escape(r["o"]["value"]) for r in ordered(out_rows, lambda r: r["p"] == _DEFINITION)]
    body = [f"<h1>{escape(title)}</h1>", f"<p class=\"iri\"><code>{escape(iri)}</code></p>"]
    body += [f'<p class="definition">{d}</p>' for d in definitions]
    body += section("Types", ordered(out_rows, lambda r: r["p"] == _TYPE), False)
    body += section("Parents", ordered(out_rows, lambda r: r["p"] in _PARENT and r["o"]["type"] == "uri"), False)
    body += section("Children", ordered(in_rows, lambda r: r["p"] in _PARENT), False)
    body += section("Statements", ordered(out_rows, lambda r: r["p"] not in special
                                          or (r["p"] in _PARENT and r["o"]["type"] != "uri")), True)
    body += section("Linked from", ordered(in_rows, lambda r: r["p"] not in _PARENT), True)
    if truncated:
        body.append("<p>The server's row limit cut this list; the Turtle (or a query) gives the rest.</p>")
    local = escape(iri[len(BASE):], quote=True)
    body.append(f'<p class="formats">This term as <a href="{local}?format=turtle">Turtle</a>, '
                f'<a href="{local}?format=jsonld">JSON-LD</a> or <a href="{local}?format=rdfxml">RDF/XML</a>; '
                'the <a href="/">query page</a> and the <a href="/sparql">SPARQL endpoint</a>.</p>')
    style = ("body{font-family:sans-serif;margin:2em;max-width:60em;line-height:1.4}code{font-size:90%}"
             ".iri{color:#555}.definition{font-size:110%}table{border-collapse:collapse}"
             "th,td{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left;vertical-align:top}"
             "th{font-weight:normal;color:#444}.lang{color:#888}")
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)} — prc-kg</title><style>{style}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


__all__ = ["BASE", "HTML", "SPACES", "describe_query", "iri_for_path", "links_query", "render_term_page"]
