"""Cross-origin requests (CORS), off unless the operator turns them on (``prc-kg serve --cors``).

With CORS on, a page from any origin may query the endpoint from a browser, as with Fuseki's
``--cors``: the header names are the ones Fuseki's cross-origin filter sets, the values fit a
read-only endpoint (GET, POST and OPTIONS only). Unlike Fuseki, the origin is answered ``*`` and no
``Access-Control-Allow-Credentials`` is sent: the endpoint has no login, so a browser never needs to
send cookies or credentials to it, and ``*`` makes browsers refuse to."""

from __future__ import annotations

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "X-Requested-With, Content-Type, Accept, Origin, Last-Modified, Authorization"
EXPOSED_HEADERS = ("Cache-Control, Content-Language, Content-Length, Content-Type, Expires, Last-Modified, "
                   "Pragma, X-Result-Truncated")
MAX_AGE = "1800"  # seconds a browser may keep a preflight answer (Jetty's default, which Fuseki keeps)


def response_headers() -> dict[str, str]:
    """The headers every answer carries when CORS is on."""
    return {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSED_HEADERS}


def preflight_headers() -> dict[str, str]:
    """The answer to a preflight OPTIONS request."""
    return {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ALLOWED_HEADERS, "Access-Control-Max-Age": MAX_AGE,
            "Allow": ALLOWED_METHODS}


__all__ = ["ALLOWED_HEADERS", "ALLOWED_METHODS", "EXPOSED_HEADERS", "MAX_AGE", "preflight_headers",
           "response_headers"]
