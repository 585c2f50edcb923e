"""The redirect configuration of the permanent namespace: a w3id.org ``.htaccess`` written with each
release, so that ``https://w3id.org/prc-kg/…`` IRIs resolve to the release's files and documentation.

w3id.org serves ``/prc-kg/`` from a folder of github.com/perma-id/w3id.org holding one ``.htaccess``
(Apache mod_rewrite). The file is written into the release as ``w3id.htaccess``; publishing a release
means copying the release folder to where the releases are published (``RELEASES``, set on the file's
first rule) and proposing the file as ``prc-kg/.htaccess`` to that repository. Each IRI is redirected
(303 See Other: the IRI names a thing, the target is a document about it) by content negotiation:

- the ontology IRI and this release's version IRI → the release's Turtle, RDF/XML or JSON-LD by the
  Accept header, its documentation page (``index.html``) otherwise;
- a term (``ontology/Interpretation``, ``ontology/hasAim``) → the whole ontology in the format asked
  for (a term has no file of its own), or the term's entry on the page (``#c-Name`` for a class,
  ``#p-name`` for a property: class names start upper case, property names lower case);
- a module (``ontology/module/core``) → the ontology (the release merges the modules);
- ``source/X`` → the entry of the source on the page, or the ontology;
- ``data/…`` (cases, turns, findings) → the examples file (Turtle) for RDF, the page otherwise.

A browser asking ``text/html`` gets the page even when it also accepts ``*/*``, as the rules for the
RDF formats only match a media type named in the Accept header."""

from __future__ import annotations

import re

DEFAULT_RELEASES = "https://prc-kg.github.io/releases"
W3ID_BASE = "https://w3id.org/prc-kg/"
W3ID_FILE = "w3id.htaccess"
_RDF = (("text/turtle", "ttl"), (r"application/rdf\+xml", "owl"), (r"application/ld\+json", "jsonld"))


def _negotiated(pattern: str, target_stem: str, html: str) -> list[str]:
    """Rules sending ``pattern`` to ``target_stem``.EXT by Accept, else to ``html``."""
    lines = []
    for media, ext in _RDF:
        lines += [f"RewriteCond %{{HTTP_ACCEPT}} {media}", f"RewriteRule {pattern} {target_stem}.{ext} [R=303,L]"]
    lines.append(f"RewriteRule {pattern} {html} [R=303,NE,L]")
    return lines


def w3id_htaccess(version: str, stem: str, version_iri_path: str | None,
                  releases: str = DEFAULT_RELEASES) -> bytes:
    """The ``.htaccess`` for w3id.org/prc-kg/ pointing at release ``version`` (files ``stem``.ttl, …)
    in ``releases``/``version``/. ``version_iri_path``: the version IRI's path below
    ``https://w3id.org/prc-kg/`` (``ontology/releases/2026-11-26``), or None."""
    here = f"%{{ENV:RELEASES}}/{version}"
    files, page = f"{here}/{stem}", f"{here}/index.html"
    lines = [
        f"# w3id.org/prc-kg/ redirects for prc-kg release {version}, written by `prc-kg release`.",
        "# Propose this file as prc-kg/.htaccess to https://github.com/perma-id/w3id.org once the release",
        "# folder is published under RELEASES (set on the first rule below; each release in a folder named",
        "# by its version). 303 See Other: an IRI names a term; the target is a document about it.",
        "Options +FollowSymLinks",
        "RewriteEngine on",
        f"RewriteRule ^ - [E=RELEASES:{check_releases_url(releases)}]",
        "",
        "# the ontology, and this release's version IRI",
    ]
    lines += _negotiated("^ontology/?$", files, page)
    if version_iri_path:
        lines += _negotiated(f"^{_escape(version_iri_path)}/?$", files, page)
    lines += ["", "# modules: the release merges them into one ontology"]
    lines += _negotiated("^ontology/module/[A-Za-z0-9_-]+$", files, page)
    lines += ["", "# terms: the ontology for RDF clients, the term's entry on the documentation page for browsers"]
    for media, ext in _RDF:
        lines += [f"RewriteCond %{{HTTP_ACCEPT}} {media}",
                  f"RewriteRule ^(ontology|source)/[A-Za-z0-9_.-]+$ {files}.{ext} [R=303,L]"]
    lines += [f"RewriteRule ^ontology/([A-Z][A-Za-z0-9_.-]*)$ {page}#c-$1 [R=303,NE,L]",
              f"RewriteRule ^ontology/([a-z][A-Za-z0-9_.-]*)$ {page}#p-$1 [R=303,NE,L]",
              f"RewriteRule ^source/([A-Za-z0-9][A-Za-z0-9_.-]*)$ {page}#src-$1 [R=303,NE,L]",
              "", "# instance data (cases, turns, commentaries, findings): the examples file"]
    for media, _ in _RDF[:1]:
        lines += [f"RewriteCond %{{HTTP_ACCEPT}} {media}", f"RewriteRule ^data/.+$ {files}-examples.ttl [R=303,L]"]
    lines += [f"RewriteRule ^data/.+$ {page} [R=303,L]", "", "# the namespace itself: the documentation page",
              f"RewriteRule ^$ {page} [R=303,L]", ""]
    return "\n".join(lines).encode("utf-8")


_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%/-]*)?")


def check_releases_url(url: str) -> str:
    """The address the releases are published under, as the .htaccess may hold it: an http(s) URL of
    plain characters only, since it is written into a rewrite rule (a space or bracket would change it)."""
    if not _URL.fullmatch(url):
        raise ValueError(f"releases URL {url!r}: expected http(s)://host[:port][/path] with letters, digits "
                         "and . _ ~ % / - only")
    return url.rstrip("/")


def _escape(path: str) -> str:
    """A path as a literal regular expression (the characters a version IRI path may hold)."""
    return "".join("\\" + c if c in ".+()[]{}^$|?*\\" else c for c in path)


__all__ = ["DEFAULT_RELEASES", "W3ID_BASE", "W3ID_FILE", "check_releases_url", "w3id_htaccess"]
