"""Content negotiation for the endpoint: which result format an Accept header asks for."""

from __future__ import annotations

from ..store.results import GRAPH_FORMATS, SELECT_FORMATS

SELECT_TYPES, GRAPH_TYPES = SELECT_FORMATS, GRAPH_FORMATS


def negotiate(accept: str, offered: list[str]) -> str | None:
    """The offered media type the Accept header prefers (q-values honoured; */* takes the first)."""
    if not accept.strip():
        return offered[0]
    best, best_q = None, 0.0
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        for candidate in offered:
            if media == candidate or media == "*/*" or (media.endswith("/*") and candidate.startswith(media[:-1])):
                if q > best_q:
                    best, best_q = candidate, q
                break
    return best


__all__ = ["GRAPH_TYPES", "SELECT_TYPES", "negotiate"]
