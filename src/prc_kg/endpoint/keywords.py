"""The endpoint's query guard: refuse SPARQL updates and federation (SERVICE) before a query runs.

The keyword check is the first line (it gives a clear 403); the network sandbox of the query process
is the second. SPARQL's tokens overlap — `<` opens an IRI or compares, `#` starts a comment or sits in
an IRI, keywords need no space around them (`SERVICESILENT<…>`, `?o.SERVICE`) — so the check follows
every reading of each ambiguous character and refuses when any reading shows a keyword as code.

The check is used in the query process (under its time limit), see queryprocess.py."""

from __future__ import annotations

import bisect
import heapq
import re

# SERVICE is looked for inside words too: Oxigraph reads a keyword glued to what follows or precedes it
# (`SERVICESILENT`, `1SERVICE`, `SERVICEex:x`), and a SERVICE that runs reaches the network. The update
# keywords cannot run at all (the query parser has no updates; the check only gives a clearer answer than
# a syntax error), so they count only as whole words: `PREFIX address:`, `dropbox:`, `@en-x-caddy` pass.
_SERVICE = re.compile("SERVICE", re.IGNORECASE)
_UPDATE = re.compile(r"(?<!\w)(LOAD|INSERT|DELETE|DROP|CLEAR|CREATE|COPY|MOVE|ADD)(?!\w)", re.IGNORECASE)
_NAME_CHARS = r"\w\u00B7\u0300-\u036F\u203F\u2040"
# a variable (never a keyword), a language tag (read greedily, as the parser does), a prefixed name whose
# prefix is checked and whose local part is not (PN_LOCAL is read greedily; it cannot start with "." or
# "-", so `ex:.SERVICE` is `ex:` then a keyword), or a bare word (keywords, numbers, booleans)
_WORD = re.compile(rf"[?$][{_NAME_CHARS}]*|(?P<lang>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)"
                   rf"|(?P<prefix>[{_NAME_CHARS}.\-%]*):(?:[\w:%][{_NAME_CHARS}.\-:%]*)?"
                   rf"|[{_NAME_CHARS}.\-%]+")
_SPECIAL = re.compile(r"[#\"'<\\]")
_EOL = re.compile(r"[\n\r]")
_IRI = re.compile(r'<(?:[^<>"{}|^`\\\x00-\x20]|\\[\s\S])*>')  # IRIREF, plus any escape (Oxigraph reads \u)
_ECHAR = r"\\(?:[tbnrf\\\"']|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})"
_STRINGS = {  # long form first: the parser tries it first and keeps it when it matches
    '"': (re.compile(rf'"""(?:"{{0,2}}(?:[^"\\]|{_ECHAR}))*"""'), re.compile(rf'"(?:[^"\\\n\r]|{_ECHAR})*"')),
    "'": (re.compile(rf"'''(?:'{{0,2}}(?:[^'\\]|{_ECHAR}))*'''"), re.compile(rf"'(?:[^'\\\n\r]|{_ECHAR})*'")),
}
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Every keyword the scan can find is these letters side by side in the text or, with a backslash in it,
# in the decoded text; each character the scan's case rule (re.IGNORECASE) takes for one of their letters
# is that letter in upper case, but "İ", which it takes for "I". So a query without a backslash whose
# upper case holds none of them has no keyword as code and needs no scan (44 of the library's 47).
_KEYWORDS = ("SERVICE", "LOAD", "INSERT", "DELETE", "DROP", "CLEAR", "CREATE", "COPY", "MOVE", "ADD")


def _may_hold_keyword(query: str) -> bool:
    if "\\" in query:
        return True
    text = query.upper().replace("\u0130", "I")
    return any(word in text for word in _KEYWORDS)


def _keyword_in_code(text: str, start: int, end: int) -> str | None:
    for word in _WORD.finditer(text, start, end):
        token = word.group(0)
        if token[0] in "?$":
            continue
        name = word.group("lang") or word.group("prefix")
        if name is not None:  # a language tag or a prefix: a name, unless SERVICE is glued to it
            match = _SERVICE.search(name)
        else:
            match = _SERVICE.search(token) or _UPDATE.search(token)
        if match:
            return match.group(0).upper()
    return None


def _scan(text: str) -> str | None:
    """Follow every reading of ``text``: positions where some reading is in code go on a heap."""
    todo, seen, budget = [0], set(), 8 * len(text) + 64
    line_ends = [m.start() for m in _EOL.finditer(text)]
    while todo:
        pos = heapq.heappop(todo)
        if pos in seen or pos >= len(text):
            continue
        seen.add(pos)
        budget -= 1
        if budget < 0:
            return "(an unreadable query)"
        special = _SPECIAL.search(text, pos)
        end = special.start() if special else len(text)
        found = _keyword_in_code(text, pos, end)
        if found or special is None:
            return found
        char, nxt = text[end], []
        if char == "#":
            i = bisect.bisect_left(line_ends, end)
            nxt.append(line_ends[i] if i < len(line_ends) else len(text))
        elif char in "\"'":
            long_form, short_form = _STRINGS[char]
            match = long_form.match(text, end) or short_form.match(text, end)
            nxt.append(match.end() if match else end + 1)  # unterminated: read on as code
        elif char == "\\":  # an escape in a prefixed name (`ex:a\#b`): the next character may be either
            nxt += [end + 1, end + 2]
        else:
            iri = _IRI.match(text, end)
            nxt.append(iri.end() if iri else end + 1)
            if iri:
                # read as less-than instead: the comparison must be closed by ")" before a group keyword
                # can follow, and a comment or string could start inside what the other reading skips
                close = text.find(")", end, iri.end())
                found = _keyword_in_code(text, close + 1, iri.end() - 1) if close >= 0 else None
                if found:
                    return found
                nxt += [m.start() for m in _SPECIAL.finditer(text, end + 1, iri.end() - 1)]
        for p in nxt:
            if p not in seen:
                heapq.heappush(todo, p)
    return None


def refused_keyword(query: str) -> str | None:
    """The first update or federation keyword that some reading of the query has as code.

    Keywords inside strings, IRIs, comments, variable names and the local part of prefixed names are
    allowed. SPARQL's codepoint escapes (``\\u0053ERVICE``) are checked decoded as well.
    """
    if not _may_hold_keyword(query):
        return None
    found = _scan(query)
    if found is None and ("\\u" in query or "\\U" in query):
        def decode(m: re.Match) -> str:
            code = int(m.group(1) or m.group(2), 16)
            return chr(code) if code <= 0x10FFFF else m.group(0)

        found = _scan(_CODEPOINT.sub(decode, query))
    return found


__all__ = ["refused_keyword"]
