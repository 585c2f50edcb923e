"""Coded sessions: a long-format ratings CSV imported as SOSA observations, all or nothing, and
exported back. The work is split by concern: ``ratings_rows`` (CSV reading and row checks),
``ratings_mapping`` (the item mapping), ``ratings_import`` and ``ratings_export``; this module
keeps the names callers import from one place.
"""

from __future__ import annotations

from .ratings_export import export_ratings, neutralised
from .ratings_import import ImportResult, import_ratings, study_iri
from .ratings_mapping import MappedItem, default_mapping_path, read_mapping
from .ratings_rows import COLUMNS, MAPPING_COLUMNS, SEGMENT_KINDS, RatingsError

__all__ = ["COLUMNS", "MAPPING_COLUMNS", "SEGMENT_KINDS", "ImportResult", "MappedItem", "RatingsError",
           "default_mapping_path", "export_ratings", "import_ratings", "neutralised", "read_mapping", "study_iri"]
