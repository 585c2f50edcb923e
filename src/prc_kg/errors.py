"""Errors that carry where a problem is (file, line, field) and what was expected."""

from __future__ import annotations

from pathlib import Path


class PrcKgError(Exception):
    """Base class: every error prc-kg reports to a user."""


class InputError(PrcKgError):
    """Bad input, located as precisely as the parser allows."""

    def __init__(self, path: Path | str, message: str, line: int | None = None, field: str | None = None):
        self.path = Path(path)
        self.line = line
        self.field = field
        self.message = message
        where = str(self.path)
        if line is not None:
            where += f":{line}"
        if field:
            where += f" [{field}]"
        super().__init__(f"{where}: {message}")


class JavaMissingError(PrcKgError):
    """No Java runtime: the reasoner cannot run. Not the same thing as an inconsistent ontology."""
