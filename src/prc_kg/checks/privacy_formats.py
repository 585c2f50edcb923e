"""Detectors for identifiers with a shape: e-mails (also spelled out, "jane dot doe at gmail dot com"),
phone numbers, IP addresses, personal links and handles, dates tied to a person, ages over 89, record
and national numbers, street addresses and postcodes, and towns of residence or work. Names are in
privacy_names.py. Each detector takes a text and returns hits; none looks beyond the text it is given."""

from __future__ import annotations

import ipaddress
import re
from functools import cache

from .privacy_lists import cue_pattern, sections, words
from .privacy_report import ADDRESS, AGE, DATE, DOB, EMAIL, HANDLE, IP, NATIONAL_ID, PHONE, PLACE, RECORD, URL, Hit, hit


def _upper_class() -> str:
    """A regex class of every upper-case letter in the Basic Multilingual Plane, of any script
    (``re`` has no ``\\p{Lu}``): "Ł", "Ö", "Ж" open a name or a place as "L" does."""
    chars = [c for c in map(chr, range(0x10000)) if c.isupper()]
    runs, start, prev = [], chars[0], chars[0]
    for c in chars[1:]:
        if ord(c) != ord(prev) + 1:
            runs.append((start, prev))
            start = c
        prev = c
    runs.append((start, prev))
    return "[" + "".join(re.escape(a) if a == b else f"{re.escape(a)}-{re.escape(b)}" for a, b in runs) + "]"


UPPER = _upper_class()
_CAP = UPPER
_PLACE_WORD = rf"{_CAP}[^\W\d_]*(?:['’-][^\W\d_]+)*"
_PLACE = rf"{_PLACE_WORD}(?:(?:[ -](?:de|du|des|la|le|sur|am|im|an|der|di|del|on|upon))*[ -]{_PLACE_WORD}){{0,3}}"


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


# -- e-mail, links, handles, IP addresses -------------------------------------------------------------------

# Parts are bounded (a local part has at most 64 characters, a label 63) so a long run of word characters
# cannot make the search quadratic.
EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
                      r"\.[A-Za-z]{2,}\b")
_AT = r"(?:\s*[(\[{]\s*(?:at|chez|bei)\s*[)\]}]\s*|\s+(?:at|chez|bei|arobase|chiocciola)\s+)"
# "point" (French) only in brackets: "at one point of" is English prose
_DOT = r"(?:\s*[(\[{]\s*(?:dot|punkt|point|punto|ponto)\s*[)\]}]\s*|\s+(?:dot|punkt|punto|ponto)\s+|\.)"
_SPELLED_DOT = r"(?:[(\[{]|\s(?:dot|punkt|punto|ponto)\s)"
_TLD = (r"(?:com|org|net|edu|gov|info|io|co|eu|uk|de|fr|it|es|nl|be|ch|at|pl|se|dk|no|fi|ie|pt|ca|au|us|nz|cz|gr|hu"
        r"|ro|tr|ru|br|mx|ar|in|jp|za)")
_JOIN = rf"(?:{_DOT}|\s+(?:underscore|unterstrich|dash|hyphen|tiret)\s+)"  # within the local part
SPELLED_EMAIL = re.compile(rf"(?i)(?<![\w.-])[a-z0-9][\w-]{{0,30}}(?:{_JOIN}[a-z0-9][\w-]{{0,30}}){{0,4}}{_AT}"
                           rf"[a-z0-9][\w-]{{0,30}}(?:{_DOT}[a-z0-9][\w-]{{0,30}}){{0,3}}{_DOT}{_TLD}\b")
URL_RE = re.compile(r"(?i)(?<![\w@/.-])(?:https?://|www\.)[^\s<>\"')\]]+|(?<![\w@/.-])(?:[a-z0-9-]+\.)+[a-z]{2,}"
                    r"/[^\s<>\"')\]]+")
HANDLE_RE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?)")
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)")
IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")


def emails(text: str) -> list[Hit]:
    out = [hit(m, EMAIL) for m in EMAIL_RE.finditer(text)] if "@" in text else []
    for m in SPELLED_EMAIL.finditer(text):
        # a spelled-out "at" and at least one spelled-out or bracketed dot: "jane dot doe at gmail dot com"
        if "@" not in m.group(0) and re.search(_SPELLED_DOT, m.group(0), re.IGNORECASE):
            out.append(hit(m, EMAIL))
    return out


def _own_page_before(text: str, start: int) -> bool:
    before = text[max(0, start - 60):start].casefold()
    return re.search(rf"(?:\b(?:her|his|my|their|patient['’]s|your)\b.*{cue_pattern('own-page')}|"
                     rf"{cue_pattern('own-page')}\W*(?:is|at|:)\W*$)", before) is not None


# A link to one video on a video site names the video, not whose channel it is on (a corpus of public
# counselling demonstrations lists one per conversation); a channel, user or @handle path names a person.
_VIDEO_LINK = re.compile(r"(?i)^(?:https?://)?(?:www\.|m\.)?(?:youtube\.com/(?:watch\?(?:[\w=&%-]*&)?v=|embed/|shorts/)"
                         r"|youtu\.be/|vimeo\.com/\d)[\w-]+(?:[?&#][\w=&%.-]*)?$")


def links(text: str) -> list[Hit]:
    """Personal links: a social-media or blog host (but a link to one video), a ~user path, or a link the
    text calls someone's page."""
    out = []
    for m in URL_RE.finditer(text):
        url = m.group(0).rstrip(".,;:!?")
        host = re.sub(r"(?i)^(?:https?://)?(?:www\.)?", "", url).split("/")[0].casefold()
        social = any(host == s or host.endswith("." + s) for s in words("social_sites.txt")) and \
            not _VIDEO_LINK.match(url)
        if social or "/~" in url or _own_page_before(text, m.start()):
            out.append(Hit(m.start(), m.start() + len(url), URL, url))
    return out


def handles(text: str) -> list[Hit]:
    if "@" not in text:
        return []
    out = []
    for m in HANDLE_RE.finditer(text):
        name = m.group(1)
        language_tag = re.fullmatch(r"[a-z]{2,3}(?:-.*)?", name)  # "@en", "@de-CH" in Turtle
        if len(name) >= 3 and name.casefold() not in words("at_words.txt") and not language_tag:
            out.append(hit(m, HANDLE))
    return out


def ip_addresses(text: str) -> list[Hit]:
    out = []
    for rx in (IPV4, IPV6):
        for m in rx.finditer(text):
            try:
                ip = ipaddress.ip_address(m.group(0))
            except ValueError:
                continue
            if not (ip.is_loopback or ip.is_unspecified):
                out.append(hit(m, IP))
    return out


# -- phone numbers ---------------------------------------------------------------------------------------------

PHONE_RES = (
    # international: +44 20 7946 0958, +33 1 99 00 45 67, +1 (555) 123-4567
    re.compile(r"(?<![\w+])\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,5}(?![\w])"),
    # a national trunk prefix, digits in groups: 020 7946 0958, 07700 900123, 01 99 00 12 34, 030 555 01234
    re.compile(r"(?<![\w./:,+-])(?:\(0\d{1,4}\)|0\d{1,4})(?:[ .-]?\d{2,5}){2,4}(?![\w/-]|[.,]\d)"),
    # North American: (555) 123-4567, 555-123-4567
    re.compile(r"(?<![\w./:,+-])(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-])\d{3}[ .-]\d{4}(?![\w/-]|\.\d)"),
)
PHONE_CONTEXT = re.compile(r"(?i)\b(?:tel|telephone|phone|mobile|cell|fax|portable|handy|telefon|téléphone"
                           r"|cellulare|móvil)\b\.?(?:[ \t]*(?:no\.?|number|nr\.?|#))?[ \t]*[:.]?[ \t]*"
                           r"(\+?\(?\d[\d \t().-]{5,}\d)")


def phones(text: str) -> list[Hit]:
    out = [hit(m, PHONE, 1) for m in PHONE_CONTEXT.finditer(text) if _digits(m.group(1)) >= 7]
    for rx in PHONE_RES:
        out += [hit(m, PHONE) for m in rx.finditer(text) if 9 <= _digits(m.group(0)) <= 15]
    return out


# -- dates and ages ----------------------------------------------------------------------------------------------

@cache
def _date_re() -> re.Pattern[str]:
    month = "(?:" + "|".join(sorted(map(re.escape, words("months.txt")), key=len, reverse=True)) + r")\.?"
    ordinal = r"(?:st|nd|rd|th|er|\.)?"
    return re.compile(
        rf"(?i)(?<![\w./])(?<!\d-)(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
        rf"|\d{{1,2}}{ordinal}(?:\s+of)?\s+{month},?\s+\d{{4}}|{month}\s+\d{{1,2}}{ordinal},?\s+\d{{4}}"
        rf"|\d{{1,2}}{ordinal}(?:\s+of)?\s+{month}(?![\w])|{month},?\s+\d{{4}})(?![\w/-])")


def _near(pattern: str, text: str, start: int, end: int, before: int = 60, after: int = 30) -> bool:
    rx = rf"(?i)(?<![\w]){pattern}(?![\w])"
    return bool(re.search(rx, text[max(0, start - before):start]) or re.search(rx, text[end:end + after]))


def dates(text: str) -> list[Hit]:
    """Dates of birth, and full dates of admission, discharge or death (a year alone passes)."""
    out = []
    for m in _date_re().finditer(text):
        if _near(cue_pattern("birth"), text, m.start(), m.end()):
            out.append(hit(m, DOB))
        elif re.search(r"\d{4}|\d[/.-]\d", m.group(0)) and _near(cue_pattern("event"), text, m.start(), m.end()):
            out.append(hit(m, DATE))
    return out


# "I'm 95 kilos", "she is 92 percent sure": a figure with a unit after it is not an age
_NOT_A_UNIT = (r"(?!\s*(?:%|percent|per\b|kg|kilos?\b|pounds?\b|lbs?\b|stone\b|st\b|minutes?\b|mins?\b|"
               r"hours?\b|days?\b|weeks?\b|units?\b|pints?\b|quid\b|pence\b|p\b|cm\b|mm\b|mg\b|ml\b))")


@cache
def _age_re() -> re.Pattern[str]:
    return re.compile(rf"(?i)(?:(?<![\w]){cue_pattern('age-before')}\s*:?\s*(9\d|1[0-2]\d)(?!\d){_NOT_A_UNIT}"
                      rf"|(?<![\w.,])(9\d|1[0-2]\d)\s*{cue_pattern('age-after')}(?![\w]))")


def ages(text: str) -> list[Hit]:
    """Ages over 89 (HIPAA: they single a person out), in figures: "aged 93", "94-year-old", "92 ans"."""
    return [hit(m, AGE, 1 if m.group(1) else 2) for m in _age_re().finditer(text)]


# -- record and national numbers ---------------------------------------------------------------------------------

_ID_VALUE = r"(?:[A-Z]{1,4}[/ -]?)?\d[\dA-Z]*(?:[/.-][\dA-Z]+)*(?:\s[A-Z]{1,2}\s\d[\d/]*)?"
_YEAR_ONLY = re.compile(r"(?:1[6-9]|20)\d{2}")


@cache
def _record_re() -> re.Pattern[str]:
    return re.compile(rf"(?i:(?<![\w]){cue_pattern('record')})\.?[ \t]*(?:no\b\.?|number|num\b\.?|id\b|#|n°)?"
                      r"(?:[ \t]+(?i:is|was))?"
                      rf"[ \t]*[:#.]?[ \t]*({_ID_VALUE}|\d{{1,3}}\s[A-Z]{{1,2}}\s\d+/\d+)")


@cache
def _national_re() -> re.Pattern[str]:
    return re.compile(rf"(?i:(?<![\w]){cue_pattern('national')})(?i:\s*(?:no\b\.?|number|nummer|n°|numéro))?"
                      r"[ \t]*[:#.]?[ \t]*([A-Z0-9][A-Z0-9 /-]{5,24}[A-Z0-9])")


NATIONAL_RES = (
    re.compile(r"(?<![\w./-])\d{3}-\d{2}-\d{4}(?![\w/-])"),  # US social security number
    re.compile(r"(?<![\w])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w])"),  # UK national insurance number
    re.compile(r"(?<![\w])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3}(?: ?\d{2})?(?![\w])"),  # French NIR
    re.compile(r"(?<![\w])[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z](?![\w])"),  # Italian codice fiscale
)
NHS_LIKE = re.compile(r"(?<![\w./:,+-])(?:\d{3}[ -]\d{3}[ -]\d{4}|\d{10})(?![\w/-]|\.\d)")


def _nhs_valid(digits: str) -> bool:
    """The NHS number check digit (modulus 11), which separates record numbers from phone numbers."""
    if len(digits) != 10:
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
    return (0 if check == 11 else check) == int(digits[9])


def numbers(text: str) -> list[Hit]:
    """Record, case and reference numbers after a cue ("MRN", "case ref", "Aktenzeichen"), and national
    numbers by cue or by shape (SSN, NI number, French NIR, codice fiscale, an NHS number's check digit)."""
    out = []
    for m in _record_re().finditer(text):
        value = m.group(1).rstrip(".-/")
        if (_digits(value) >= 4 or "mrn" in m.group(0).casefold()) and not _YEAR_ONLY.fullmatch(value):
            out.append(Hit(m.start(1), m.start(1) + len(value), RECORD, value))
    for m in _national_re().finditer(text):
        value = m.group(1).strip()
        if _digits(value) >= 6:
            out.append(Hit(m.start(1), m.start(1) + len(value), NATIONAL_ID, value))
    for rx in NATIONAL_RES:
        out += [hit(m, NATIONAL_ID) for m in rx.finditer(text)]
    out += [hit(m, RECORD) for m in NHS_LIKE.finditer(text) if _nhs_valid(re.sub(r"\D", "", m.group(0)))]
    return out


# -- addresses and places -----------------------------------------------------------------------------------------

@cache
def _address_res() -> tuple[re.Pattern[str], ...]:
    street = sections("street_words.txt")

    def alt(key: str) -> str:
        return "(?:" + "|".join(sorted(map(re.escape, street[key]), key=len, reverse=True)) + ")"

    particle = r"(?:de|des|du|la|le|del|della|di|dei|da|do|dos|van|von|der)"
    name = rf"(?:{particle}[ \t]+)*{_PLACE_WORD}(?:[ \t]+(?:{particle}|{_PLACE_WORD}))*"
    return (
        re.compile(rf"(?<![\w.:/-])\d{{1,5}}[A-Za-z]?,?[ \t]+(?:{_PLACE_WORD}[ \t]+){{1,3}}(?i:{alt('after')})\b\.?"),
        re.compile(rf"(?<![\w.:/-])\d{{1,5}}[A-Za-z]?(?:[ \t]*(?:bis|ter))?,?[ \t]+(?i:{alt('before')})\.?[ \t]+"
                   rf"{name}"),
        re.compile(rf"(?<![\w])(?i:{alt('before')})\.?[ \t]+{name},?[ \t]+\d{{1,5}}[A-Za-z]?(?![\w])"),
        re.compile(rf"(?<![\w])[^\W\d_]+(?i:{alt('suffix')})\.?[ \t]*\d{{1,5}}[A-Za-z]?(?![\w])"),
        re.compile(r"\bP\.?[ \t]?O\.?[ \t]+Box[ \t]+\d+\b"),
        # UK postcode: SW1A 1AA, M1 1AE (inward part letters exclude C, I, K, M, O, V)
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[ABD-HJLNP-UW-Z]{2}\b"),
        # US ZIP code after a state's abbreviation ("MA 02139"), Canadian postal code ("K1A 0B1")
        re.compile(r"(?<![\w])[A-Z]{2}[ \t]\d{5}(?:-\d{4})?(?![\w])"),
        re.compile(r"(?<![\w])[A-Z]\d[A-Z][ \t]?\d[A-Z]\d(?![\w])"),
        # a five-digit postcode, or a four-digit one after a comma, then the town: "75011 Paris", ", 8001 Zürich"
        re.compile(rf"(?<![\w.,-])(?:\d{{5}}|(?<=, )\d{{4}})[ \t]+{_PLACE_WORD}"),
    )


def addresses(text: str) -> list[Hit]:
    # a year before a capitalised word ("in 1999 Freud") is not a postcode
    return [hit(m, ADDRESS) for rx in _address_res() for m in rx.finditer(text)
            if not _YEAR_ONLY.fullmatch(m.group(0).split()[0])]


@cache
def _place_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    residence = re.compile(rf"(?i:(?<![\w]){cue_pattern('residence')})[ \t]+(?:(?i:the|in|der|dem|la|le)[ \t]+)?"
                           rf"({_PLACE})")
    work = re.compile(rf"(?i:(?<![\w]){cue_pattern('work')})(?![\w])[^.;:!?\n]{{0,80}}?[ \t]"
                      rf"(?i:{cue_pattern('work-place')})[ \t]+(?:(?i:the|der|dem|la|le)[ \t]+)?({_PLACE})")
    return residence, work


def places(text: str) -> list[Hit]:
    """A town someone lives in or comes from, and the town of their work (an employer and a town
    together single a person out). Large places (places.txt) pass alone."""
    out = []
    big = words("places.txt")
    for rx in _place_res():
        for m in rx.finditer(text):
            place = m.group(1)
            folded = " ".join(place.casefold().split())
            first = folded.split()[0]
            if folded not in big and first not in big and first not in words("months.txt") and \
                    any(c.islower() for c in place):
                out.append(hit(m, PLACE, 1))
    return out


def format_hits(text: str) -> list[Hit]:
    """Every identifier with a shape in ``text``."""
    hits = emails(text) + handles(text) + links(text)
    if any(c.isdigit() for c in text):
        hits += ip_addresses(text) + dates(text) + ages(text) + numbers(text) + phones(text) + addresses(text)
    return hits + places(text)
