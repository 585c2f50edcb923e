"""Where the wording of a case statement comes from, as every view shows it.

A turn, segment or commentary of a real case is either prc-kg's reconstruction (``prc:isReconstruction
true`` with ``prc:reconstructedFrom``) or the source's own words (``false`` with ``prc:verbatimFrom``).
The views print ``Wording.label()`` beside it, so a reconstruction is never read as the source's words.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..store.backends import Store
from ..store.querylib import packaged_query


@dataclass(frozen=True)
class Wording:
    reconstructed: bool
    basis: str  # what it was reconstructed from, or where the source gives it word for word

    def label(self) -> str:
        if self.reconstructed:
            return "reconstructed by prc-kg from " + (self.basis or "a source that does not give it word for word")
        return "as worded in " + (self.basis or "its source")


def statement_wordings(store: Store) -> dict[str, Wording]:
    """Every marked statement, keyed by its full IRI. A statement marked twice over (two values, as a
    merged graph may hold) counts as reconstructed: the safe reading."""
    found: dict[str, Wording] = {}
    for statement, reconstruction, rebuilt_from, verbatim in store.query(
            packaged_query("projection/statement_marks")).rows:
        rebuilt = reconstruction.value == "true"
        basis = (rebuilt_from if rebuilt else verbatim)
        wording = Wording(rebuilt, "" if basis is None else basis.value)
        key = statement.value
        if key not in found or (wording.reconstructed, wording.basis) > (found[key].reconstructed, found[key].basis):
            found[key] = wording
    return found
