"""What the privacy check reports: the kinds of identifier, a hit in a piece of text, a finding in a file
(by line, or for RDF by subject and property), the masked form a report prints, and the summary."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .privacy_lists import NAME

ALLOWLIST_NAME = "privacy-allowlist.txt"

DOB, DATE, AGE = "date-of-birth", "date", "age-over-89"
PHONE, EMAIL, ADDRESS, PLACE = "phone", "email", "address", "place"
RECORD, NATIONAL_ID = "record-number", "national-id"
HANDLE, IP, URL = "handle", "ip-address", "url"
KINDS = (NAME, DOB, DATE, AGE, PHONE, EMAIL, ADDRESS, PLACE, RECORD, NATIONAL_ID, HANDLE, IP, URL)


@dataclass(frozen=True)
class Hit:
    """One identifier found in a piece of text, by character span."""

    start: int
    end: int
    kind: str
    text: str


def hit(m: re.Match, kind: str, group: int = 0) -> Hit:
    return Hit(m.start(group), m.end(group), kind, m.group(group))


@dataclass(frozen=True)
class Finding:
    """An identifier and where it is: file and line, or (for RDF) subject IRI and property."""

    kind: str
    text: str
    source: str
    line: int | None = None
    subject: str | None = None
    prop: str | None = None
    shown_subject: str | None = None  # the subject IRI with the identifiers in it masked
    more: int = 0  # further rows of a CSV file with the same identifier in the same column; for RDF, further subjects

    @property
    def where(self) -> str:
        if self.subject is not None:
            return f"{self.source}: <{self.shown_subject or self.subject}> <{self.prop}>"
        return f"{self.source}:{self.line}" if self.line is not None else self.source

    def __str__(self) -> str:
        unit = "rows" if self.subject is None else "subject" if self.more == 1 else "subjects"
        more = f" (and {self.more} more {unit})" if self.more else ""
        return f"{self.where}: {self.kind}: {mask(' '.join(self.text.split()))}{more}"


@dataclass
class PrivacyReport:
    findings: list[Finding] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        if not self.findings:
            return f"privacy: {len(self.files)} files checked, no identifiers found"
        flagged = len({f.source for f in self.findings})
        return (f"privacy: {len(self.findings)} possible identifiers in {flagged} of {len(self.files)} files; "
                f"remove them, or add a published pseudonym to the allow-list ({ALLOWLIST_NAME} or --allow)")


def mask(text: str) -> str:
    """Show enough to find the spot, not enough to read the identifier: ``j***@e***.org``, ``S*** B***``,
    ``J*** N***`` for "José Núñez" (letters of any script count as letters)."""
    if "@" in text and not text.startswith("@") and "/" not in text:  # an e-mail address, not a link with @
        local, _, domain = text.partition("@")
        labels = domain.split(".")
        return f"{_mask_runs(local)}@{'.'.join(_mask_runs(x) for x in labels[:-1])}.{labels[-1]}"
    return _mask_runs(text)


def _mask_runs(text: str) -> str:
    return re.sub(r"[^\W_]{2,}", lambda m: m.group(0)[0] + "***", text)


def without_overlaps(hits: list[Hit]) -> list[Hit]:
    """Keep the longest of overlapping hits, so one identifier is reported once; overlapping hits of one
    kind ("12 rue des Lilas" and "rue des Lilas, 75011") become one."""
    kept: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if kept and h.start < kept[-1].end:
            last = kept[-1]
            if h.kind == last.kind and h.end > last.end:
                kept[-1] = Hit(last.start, h.end, h.kind, last.text + h.text[last.end - h.start:])
            elif h.end > kept[-1].end and h.end - h.start > kept[-1].end - kept[-1].start:
                kept[-1] = h
            continue
        kept.append(h)
    return kept
