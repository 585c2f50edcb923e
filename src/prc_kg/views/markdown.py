"""The small part of Markdown a Keep a Changelog entry uses, as HTML for the release's documentation
page: headings, bullet lists and paragraphs, with `code` and **bold** inside. Every text is escaped
first, so a changelog can never put markup on the page."""

from __future__ import annotations

import re
from html import escape


def inline(text: str) -> str:
    """Escape a line of changelog Markdown, then keep only `code` and **bold** (links become their text)."""
    html = escape(text, quote=True)
    html = re.sub(r"`([^`]+)`", r"<code>\1</code>", html)
    html = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", html)
    return re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", html)


def markdown(text: str) -> list[str]:
    """The small part of Markdown a Keep a Changelog entry uses: headings, bullet lists, paragraphs."""
    out: list[str] = []
    in_list = False
    paragraph: list[str] = []

    def flush() -> None:
        nonlocal in_list
        if paragraph:
            out.append(f"<p>{inline(' '.join(paragraph))}</p>")
            paragraph.clear()
        if in_list:
            out.append("</ul>")
            in_list = False

    for line in text.splitlines():
        stripped = line.strip()
        heading = re.match(r"^(#{2,6})\s+(.*)$", stripped)
        bullet = re.match(r"^[-*]\s+(.*)$", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            level = len(heading.group(1))
            out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif bullet and not line.startswith("  "):
            if paragraph:
                out.append(f"<p>{inline(' '.join(paragraph))}</p>")
                paragraph.clear()
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{inline(bullet.group(1))}</li>")
        elif in_list and out[-1].endswith("</li>"):
            out[-1] = out[-1][: -len("</li>")] + " " + inline(stripped) + "</li>"
        else:
            paragraph.append(stripped)
    flush()
    return out
