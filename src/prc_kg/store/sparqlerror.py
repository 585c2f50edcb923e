"""A SPARQL syntax error in the user's words: where (line and column), what was found there, what could
come there, and the keyword meant when a word is a near miss.

Oxigraph's parser reports where it gave up, which is often past the mistake and with an expectation
that misleads: ``SELEC ?x …`` gives "error at 1:10: expected CONSTRUCT", a misspelt ``WHER`` points at
the ``{`` after it. So the query is first read with a small tokenizer that finds the common mistakes
itself: a query that does not start with a query form, a misspelt keyword, a prefix never declared, a
string or IRI left open, a bracket never closed or closing nothing. Only when none of these is found
is Oxigraph's own position reported, with the token found there and its list of expectations cleaned
of parser internals (character classes become "a name")."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
_KEYWORD_TEXT = """
BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK DISTINCT REDUCED AS FROM NAMED WHERE ORDER BY ASC DESC LIMIT OFFSET
GROUP HAVING VALUES UNDEF OPTIONAL UNION MINUS GRAPH SERVICE SILENT BIND FILTER EXISTS NOT IN A TRUE FALSE
STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE
ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ
NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK
ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR
LOAD CLEAR DROP CREATE ADD MOVE COPY INSERT DELETE DATA WITH USING DEFAULT ALL TO INTO
TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE ADJUST LANGDIR HASLANG HASLANGDIR STRLANGDIR
"""
KEYWORDS = frozenset(_KEYWORD_TEXT.split())
# the keywords a user is likely to have meant, for "did you mean": the common ones first
_LIKELY = ("SELECT", "WHERE", "FILTER", "OPTIONAL", "PREFIX", "DISTINCT", "ORDER", "GROUP", "LIMIT", "OFFSET",
           "UNION", "BIND", "VALUES", "CONSTRUCT", "DESCRIBE", "ASK", "HAVING", "MINUS", "REGEX", "COUNT",
           "CONTAINS", "LANG", "LANGMATCHES", "STR", "BOUND", "EXISTS", "NOT", "GRAPH", "FROM", "NAMED", "AS",
           "BY", "ASC", "DESC", "SAMPLE", "GROUP_CONCAT", "COALESCE", "IF", "STRSTARTS", "LCASE", "UCASE")
_NAME = r"[A-Za-z_\u00C0-\uFFFF][\w\u00B7\u00C0-\uFFFF.-]*"
_TOKEN = re.compile(
    rf"""(?P<space>\s+)|(?P<comment>\#[^\n\r]*)
    |(?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
    |(?P<openstring>["'])
    |(?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
    |(?P<var>[?$][\w\u00B7\u00C0-\uFFFF]+)
    |(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    |(?P<bnode>_:[\w.-]+)
    |(?P<pname>(?:{_NAME})?:(?:[\w\u00C0-\uFFFF:%\\]|\\.)*(?:[\w\u00B7\u00C0-\uFFFF.:%-]|\\.)*)
    |(?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
    |(?P<word>{_NAME})
    |(?P<punct>\^\^|&&|\|\||!=|<=|>=|[{{}}()\[\];,.*=<>!+\-/|^])""", re.VERBOSE)
_CLOSERS = {"}": "{", ")": "(", "]": "["}
_POSITION = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    line: int
    column: int


def tokens(query: str) -> list[Token]:
    """The query's tokens with their 1-based line and column (spaces and comments left out; a
    character no token starts with is a token of kind "other")."""
    out, pos, line, line_start = [], 0, 1, 0
    while pos < len(query):
        m = _TOKEN.match(query, pos)
        kind, text = (m.lastgroup, m.group(0)) if m else ("other", query[pos])
        if kind not in ("space", "comment"):
            out.append(Token(kind, text, line, pos - line_start + 1))
        for i, ch in enumerate(text):
            if ch == "\n":
                line, line_start = line + 1, pos + i + 1
        pos += len(text)
    return out


def _at(t: Token) -> str:
    return f"line {t.line}, column {t.column}"


def _meant(word: str, choices=_LIKELY) -> str:
    close = difflib.get_close_matches(word.upper(), choices, n=1, cutoff=0.7)
    return f" (did you mean {close[0]}?)" if close else ""


def _form(toks: list[Token]) -> str | None:
    """A query that does not start, after its PREFIX and BASE lines, with a query form."""
    i = 0
    while i < len(toks) and toks[i].kind == "word" and toks[i].text.upper() in ("PREFIX", "BASE"):
        i += 3 if toks[i].text.upper() == "PREFIX" else 2
    if i >= len(toks):
        return "the query ends before its query form: expected SELECT, CONSTRUCT, DESCRIBE or ASK"
    t = toks[i]
    if t.kind == "word" and t.text.upper() in FORMS:
        return None
    return (f"{_at(t)}: found `{t.text}` where the query form should be: expected SELECT, CONSTRUCT, DESCRIBE "
            f"or ASK (after any PREFIX and BASE lines){_meant(t.text, FORMS) if t.kind == 'word' else ''}")


def _unknown_word(toks: list[Token]) -> str | None:
    for t in toks:
        if t.kind == "word" and t.text.upper() not in KEYWORDS:
            return f"{_at(t)}: found `{t.text}`, which is not a SPARQL keyword or function{_meant(t.text)}"
    return None


def _undeclared(toks: list[Token]) -> str | None:
    declared = {toks[i + 1].text.split(":")[0] for i, t in enumerate(toks[:-1])
                if t.kind == "word" and t.text.upper() == "PREFIX" and toks[i + 1].kind == "pname"}
    for i, t in enumerate(toks):
        if t.kind != "pname" or (i and toks[i - 1].kind == "word" and toks[i - 1].text.upper() == "PREFIX"):
            continue
        prefix = t.text.split(":")[0]
        if prefix not in declared:
            known = ", ".join(f"{p}:" for p in sorted(declared)) or "none"
            return (f"{_at(t)}: the prefix `{prefix}:` of `{t.text}` is not declared: add a line "
                    f"`PREFIX {prefix}: <…>` before the query (declared: {known})")
    return None


def _unclosed(toks: list[Token]) -> str | None:
    stack: list[Token] = []
    for t in toks:
        if t.kind == "openstring":
            return f"{_at(t)}: the string opened here is never closed on its line (expected a closing {t.text})"
        if t.kind == "punct" and t.text in "{([":
            stack.append(t)
        elif t.kind == "punct" and t.text in _CLOSERS:
            if not stack or stack[-1].text != _CLOSERS[t.text]:
                opened = f" (the `{stack[-1].text}` at {_at(stack[-1])} is still open)" if stack else ""
                return f"{_at(t)}: found `{t.text}`, which closes nothing{opened}"
            stack.pop()
    if stack:
        return f"{_at(stack[-1])}: the `{stack[-1].text}` opened here is never closed"
    return None


def _missing_as(toks: list[Token]) -> str | None:
    """``SELECT (COUNT(?x) ?n)``: an expression in the SELECT clause without ``AS`` before its variable."""
    start = next((i for i, t in enumerate(toks) if t.kind == "word" and t.text.upper() == "SELECT"), None)
    if start is None:
        return None
    depth, group = 0, []
    for t in toks[start + 1:]:
        if t.kind == "punct" and t.text == "{" or (t.kind == "word" and t.text.upper() in ("WHERE", "FROM")):
            break
        if t.kind == "punct" and t.text == "(":
            depth += 1
            if depth == 1:
                group = []
                continue
        elif t.kind == "punct" and t.text == ")":
            depth -= 1
            if depth == 0:
                words = [g for d, g in group if d == 1]
                if words and not any(g.kind == "word" and g.text.upper() == "AS" for g in words) \
                        and words[-1].kind == "var" and len(group) > 1:
                    v = words[-1]
                    return (f"{_at(v)}: found `{v.text}` where `AS` should come: an expression in the SELECT "
                            f"clause is written `(expression AS {v.text})`")
                continue
        if depth >= 1:
            group.append((depth, t))
    return None


def _expected(text: str) -> str:
    """Oxigraph's list of expectations without its character classes."""
    text = text.removeprefix("expected ").removeprefix("one of ")
    names = bool(re.search(r"\[[^\]]*\]", text))
    items = [item.strip() for item in re.sub(r"\[[^\]]*\]", "", text).split(",")]
    items = [item for item in items if item and item != "IRI parsing failed"]
    if names:
        items.append("a name")
    return ", ".join(items) if items else "something else"


def explain(query: str, message: str) -> str:
    """The syntax error Oxigraph reported (``message``) as the user would say it."""
    toks = tokens(query)
    for check in (_unclosed, _form, _undeclared, _unknown_word, _missing_as):
        found = check(toks)
        if found:
            return found
    m = _POSITION.match(message)
    if not m:
        return message
    line, column = int(m.group(1)), int(m.group(2))
    after = [t for t in toks if (t.line, t.column) >= (line, column)]
    before = [t for t in toks if (t.line, t.column) < (line, column)]
    found = f"found `{after[0].text}`" if after else "found the end of the query"
    near = f" after `{before[-1].text}`" if before else ""
    hint = "" if after else " (the parser read to the end: something is missing before it, such as a triple's object)"
    return f"line {line}, column {column}: {found}{near}; expected {_expected(m.group(3))}{hint}"


__all__ = ["FORMS", "KEYWORDS", "Token", "explain", "tokens"]
